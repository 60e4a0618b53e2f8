// The OpenAPI document: valid OpenAPI 3.1, built from the routes the app
// mounts (every one is in it, nothing else is), with auth, roles,
// Idempotency-Key and the error shape as the API behaves. That every response
// of the API suite fits the document is checked by test/contract.ts, which
// makeTestEnv puts around every test app.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorStatus } from '../../src/errors.js';
import { isPage, type OpenApiDocument, openApiPath } from '../../src/openapi/document.js';
import { makeTestEnv, type TestEnv } from '../helpers.js';

let env: TestEnv;
let doc: OpenApiDocument;

beforeAll(async () => {
  env = await makeTestEnv();
  const res = await env.request('GET', '/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(() => env.close());

const methods = ['get', 'post', 'put', 'patch', 'delete'];
const documented = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => methods.includes(m)).map((m) => `${m.toUpperCase()} ${path}`));

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has every route the app mounts, and only those (web pages aside)', () => {
    const mounted = new Set(
      env.app.routes.filter((r) => r.method !== 'ALL' && !isPage(r.path)).map((r) => `${r.method} ${openApiPath(r.path)}`),
    );
    expect(mounted.size).toBeGreaterThan(35);
    expect([...mounted].filter((r) => !documented().includes(r))).toEqual([]);
    expect(documented().filter((r) => !mounted.has(r))).toEqual([]);
    for (const must of ['GET /v1/stats', 'POST /v1/imports', 'DELETE /v1/workers/{id}', 'GET /openapi.json', 'GET /health']) {
      expect(mounted.has(must), must).toBe(true);
    }
  });

  it('describes request bodies, queries and path parameters from the validators', () => {
    const create = doc.paths['/v1/workers']!.post as any;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['householdId', 'name']));
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.availability.enum).toEqual(['full_day', 'part_day', 'flexible']);
    const list = doc.paths['/v1/openings']!.get as any;
    const limit = list.parameters.find((p: any) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { maximum: 100, default: 20 } });
    const read = doc.paths['/v1/households/{id}']!.get as any;
    expect(read.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', required: true }));
    const upload = doc.paths['/v1/imports']!.post as any;
    expect(upload.requestBody.content['multipart/form-data'].schema.properties.file).toMatchObject({ type: 'string' });
    // The close body may be left out altogether.
    expect((doc.paths['/v1/openings/{id}/close']!.post as any).requestBody.required).toBe(false);
  });

  it('says who may call each route, with bearer auth where a token is needed', () => {
    expect(doc.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' } });
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops) as [string, any][]) {
        expect(op['x-roles'].length, `${method} ${path}`).toBeGreaterThan(0);
        if (!op['x-roles'].includes('anyone')) {
          expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
          expect(op.responses['403'], `${method} ${path}`).toBeDefined();
        }
        if (path.startsWith('/v1/')) expect(op.responses['401'], `${method} ${path}`).toBeDefined();
        expect(op.description).toMatch(/Who may call/);
      }
    }
    expect((doc.paths['/v1/outbox']!.get as any)['x-roles']).toEqual(['admin']);
    expect((doc.paths['/v1/areas']!.get as any).security).toEqual([{}, { bearer: [] }]);
  });

  it('documents Idempotency-Key on every POST under /v1 and pagination on lists', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const post = (ops as any).post;
      if (!post || !path.startsWith('/v1/')) continue;
      expect(post.parameters.map((p: any) => p.name), path).toContain('Idempotency-Key');
      expect(post.responses['409'], path).toBeDefined();
    }
    const list = doc.paths['/v1/workers']!.get as any;
    expect(list.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['cursor', 'limit']));
    expect(list.description).toMatch(/nextCursor/);
  });

  it('publishes the error shape with every code under its status', () => {
    const error = doc.components.schemas.Error as any;
    expect(error.properties.error.required).toEqual(['code', 'message', 'issues']);
    for (const [code, status] of Object.entries(errorStatus)) {
      const response = doc.components.responses[`E${status}`] as any;
      if (!response) continue; // a status no route answers
      expect(response.description, code).toContain(`\`${code}\``);
    }
    expect(Object.keys(doc.components.responses)).toEqual(expect.arrayContaining(['E400', 'E401', 'E403', 'E404', 'E409', 'E413', 'E422', 'E503']));
  });

  it('a response that leaves the document is caught by the contract check', async () => {
    // The check around the test app: a status the document does not list for the route throws.
    const { contractChecker } = await import('../contract.js');
    const check = contractChecker(doc);
    expect(() => check('GET', '/v1/areas/5325', 200, 'application/json', JSON.stringify({ code: '5325' }))).toThrow(/does not fit/);
    expect(() => check('GET', '/v1/areas/5325', 418, 'application/json', '{}')).toThrow(/not in the OpenAPI document/);
    expect(() => check('GET', '/v1/areas/5325', 404, 'application/json', JSON.stringify({ error: { code: 'not_found', message: 'x', issues: [] } }))).not.toThrow();
  });
});
