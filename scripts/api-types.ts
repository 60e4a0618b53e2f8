// `npm run api:types`: writes the OpenAPI document the app publishes to
// docs/openapi.json and its TypeScript types (openapi-typescript) to
// src/openapi/api-types.ts. A test fails when either is stale.
import { writeFileSync } from 'node:fs';
import { apiTypesSource, currentDocument } from '../src/openapi/generate.js';

const doc = currentDocument();
writeFileSync('docs/openapi.json', `${JSON.stringify(doc, null, 2)}\n`);
writeFileSync('src/openapi/api-types.ts', await apiTypesSource(doc));
console.log(`docs/openapi.json: ${Object.keys(doc.paths).length} paths; src/openapi/api-types.ts written`);
