// GET /openapi.json (the document, built from the app's own routes) and the
// docs page GET /docs: Swagger UI whose script and styles the app serves
// itself (from swagger-ui-dist, read through deps.docsAssets) — county
// networks may not reach a CDN, and the page asks nothing of any other host
// (its spec validator badge is off).
//
// On Workers deps.docsAssets is absent, so /docs answers 404 pointing to
// /openapi.json: bundling Swagger UI (1.9 MB) would make the Worker larger
// than all the rest of it, for a page an integrator reads from any Node run.
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { describeRoute } from './describe.js';
import { buildDocument, type MountedRoute, type OpenApiDocument } from './document.js';

export const API_VERSION = '0.1.0';

/** The files of swagger-ui-dist the page uses, and their types; nothing else is served. */
export const docsAssetTypes: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** Reads one of docsAssetTypes' files (Node: from node_modules/swagger-ui-dist). */
export type DocsAssets = (file: string) => Promise<Uint8Array | null>;

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jiujin (就近) API</title>
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: otherwise Swagger UI sends the document to an outside validator for its badge.
const init = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

const documentDoc = describeRoute({
  tag: 'operations',
  summary: 'This OpenAPI 3.1 document',
  who: ['anyone'],
  responses: { 200: { description: 'The document (JSON)', text: 'application/json' } },
});

/** The routes, over the app whose routes the document describes (read when asked, so every route is mounted by then). */
export function openApiRoutes(routesOf: () => readonly MountedRoute[]) {
  let doc: OpenApiDocument | undefined;
  return new Hono<AppEnv>()
    .get('/openapi.json', documentDoc, (c) => {
      doc ??= buildDocument(routesOf(), { version: API_VERSION });
      return c.json(doc);
    })
    .get('/docs', (c) => {
      if (!c.var.deps.docsAssets) throw new AppError('not_found', 'The docs page is served by the Node server; the document is at /openapi.json');
      return c.html(page);
    })
    .get('/docs/init.js', (c) => c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8' }))
    .get('/docs/assets/:file', async (c) => {
      const file = c.req.param('file');
      const type = docsAssetTypes[file];
      const bytes = type ? await c.var.deps.docsAssets?.(file) : null;
      if (!type || !bytes) throw new AppError('not_found', `No docs asset ${file}`);
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
    });
}
