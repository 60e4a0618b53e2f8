// The OpenAPI 3.1 document, built from the app itself: it walks the app's
// routes (Hono keeps every handler of a route, validators included) and
// reads, per method and path, the schemas validate() enforces and the
// describeRoute() doc beside them. Request and response shapes are the zod
// schemas, converted with zod 4's own z.toJSONSchema (draft 2020-12, the
// dialect of OpenAPI 3.1): there is no second description to drift.
//
// Chosen over hono-openapi and @hono/zod-openapi: both want their own
// validator or route objects in every route, while ours already carry the
// project's error shape and the JSON-content-type rule; tagging validate()
// keeps the routes as they were and adds no runtime dependency to the Worker.
import * as z from 'zod';
import { errorStatus } from '../errors.js';
import { errorResponse } from '../schemas/responses.js';
import { type Validates, validatesKey } from '../validation.js';
import { type Caller, docKey, type RouteDoc } from './describe.js';

export type JsonObject = { [key: string]: unknown };

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, JsonObject>>;
  components: { schemas: Record<string, JsonObject>; securitySchemes: JsonObject; responses: Record<string, JsonObject> };
}

/** What Hono keeps per handler (app.routes). */
export interface MountedRoute {
  path: string;
  method: string;
  handler: unknown;
}

/** Paths that are web pages for people, not the API: not in the document. */
export const pagePrefixes = ['/console', '/docs'] as const;
export const isPage = (path: string) => pagePrefixes.some((p) => path === p || path.startsWith(`${p}/`));

/** `/v1/openings/:id/close` → `/v1/openings/{id}/close` */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^/]*\})?/g, '{$1}');

const errorMeaning: Record<number, string> = {
  400: 'Bad input: a field, the query, the path, the JSON or the cursor (each issue names its field).',
  401: 'No token where one is needed, or a token that is unknown or revoked.',
  403: 'The role may not do this.',
  404: 'Not found, or outside the caller\'s scope.',
  409: 'Conflicts with the current records, or an Idempotency-Key reused with another body.',
  413: 'The body is too large (64 KB; 20 MB for spreadsheet uploads).',
  422: 'Well-formed, but a rule refuses it (eligibility, dates, scope).',
  429: 'Too many attempts; wait and try again.',
  503: 'The database is not reachable; try again soon.',
};

function codesFor(status: number): string[] {
  return Object.entries(errorStatus)
    .filter(([, s]) => s === status)
    .map(([code]) => code);
}

function taggedOn<T>(handler: unknown, key: symbol): T | undefined {
  let h = handler as Record<string | symbol, unknown> | undefined;
  // A sub-app with its own error handler wraps each handler (hono-base's route()).
  for (let i = 0; h && i < 3; i++, h = h.__COMPOSED_HANDLER as typeof h) {
    if (h[key] !== undefined) return h[key] as T;
  }
  return undefined;
}

interface Operation {
  method: string;
  path: string;
  doc?: RouteDoc;
  validates: Validates[];
}

/** Per method and path, the doc and validators found among the mounted handlers (middleware, `ALL`, left out). */
export function operations(routes: readonly MountedRoute[]): Operation[] {
  const byKey = new Map<string, Operation>();
  for (const r of routes) {
    if (r.method === 'ALL') continue;
    const key = `${r.method} ${r.path}`;
    let op = byKey.get(key);
    if (!op) byKey.set(key, (op = { method: r.method, path: r.path, validates: [] }));
    const doc = taggedOn<RouteDoc>(r.handler, docKey);
    if (doc) op.doc = doc;
    const v = taggedOn<Validates>(r.handler, validatesKey);
    if (v) op.validates.push(v);
  }
  return [...byKey.values()];
}

/** JSON Schema of a zod schema, with named shapes (`.meta({ id })`) moved to components. */
class SchemaSet {
  readonly named: Record<string, JsonObject> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      override: (ctx) => {
        // z.instanceof(File): an uploaded file.
        const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def;
        if (def.type === 'custom') Object.assign(ctx.jsonSchema, { type: 'string', contentMediaType: 'application/octet-stream' });
      },
    }) as JsonObject;
    delete json.$schema;
    const defs = json.$defs as Record<string, JsonObject> | undefined;
    delete json.$defs;
    for (const [name, def] of Object.entries(defs ?? {})) this.named[name] = rewriteRefs(def) as JsonObject;
    const top = rewriteRefs(json) as JsonObject;
    const id = typeof top.id === 'string' ? top.id : undefined;
    if (id) {
      // A named schema at the top: keep it once in components, refer to it here.
      delete top.id;
      this.named[id] = top;
      return { $ref: `#/components/schemas/${id}` };
    }
    return top;
  }
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

function parameters(schemas: SchemaSet, v: Validates, where: 'query' | 'path' | 'header'): JsonObject[] {
  const json = schemas.convert(v.schema, 'input');
  const props = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: where,
      required: where === 'path' || (required.has(name) && rest.default === undefined),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const whoText = (who: Caller[], note?: string) =>
  `Who may call: ${who.map((w) => (w === 'anyone' ? 'anyone (no token needed)' : w)).join(', ')}.${note ? ` ${note}` : ''}`;

export function buildDocument(routes: readonly MountedRoute[], opts: { version: string; serverUrl?: string }): OpenApiDocument {
  const schemas = new SchemaSet();
  const errorRef = schemas.convert(errorResponse, 'output');
  const usedErrors = new Set<number>();
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();

  for (const op of operations(routes)) {
    if (isPage(op.path) || !op.doc) continue;
    const doc = op.doc;
    tags.add(doc.tag);
    const method = op.method.toLowerCase();
    const isV1 = op.path.startsWith('/v1/') || op.path === '/v1';
    const params: JsonObject[] = [];
    let requestBody: JsonObject | undefined;
    for (const v of op.validates) {
      if (v.target === 'query') params.push(...parameters(schemas, v, 'query'));
      else if (v.target === 'param') params.push(...parameters(schemas, v, 'path'));
      else if (v.target === 'header') params.push(...parameters(schemas, v, 'header'));
      else if (v.target === 'json' || v.target === 'form') {
        const media = v.target === 'json' ? 'application/json' : 'multipart/form-data';
        requestBody = { required: !v.optionalBody, content: { [media]: { schema: schemas.convert(v.schema, 'input') } } };
      }
    }
    if (isV1 && op.method === 'POST') {
      params.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'Any 1 to 200 characters. A repeat with the same key, path and body answers the first response again (header `Idempotent-Replayed: true`); the same key with another body answers 409.',
        schema: { type: 'string', minLength: 1, maxLength: 200 },
      });
    }

    const responses: JsonObject = {};
    for (const [status, r] of Object.entries(doc.responses)) {
      const content: JsonObject = {};
      if (r.json) content['application/json'] = { schema: schemas.convert(r.json, 'output') };
      for (const media of [r.text ?? []].flat()) content[media] = { schema: { type: 'string' } };
      responses[status] = { description: r.description, ...(Object.keys(content).length ? { content } : {}) };
    }
    const errors = new Set<number>(doc.errors ?? []);
    if (op.validates.length || requestBody) errors.add(400);
    if (isV1) errors.add(401);
    if (params.some((p) => p.in === 'path')) errors.add(404);
    // Any /v1 write may carry a body over its cap, and a POST a bad Idempotency-Key.
    if (requestBody || (isV1 && op.method !== 'GET')) errors.add(413);
    if (isV1 && op.method === 'POST') errors.add(409).add(400);
    if (!doc.who.includes('anyone')) errors.add(401).add(403);
    errors.add(503);
    for (const s of [...errors].sort()) {
      if (responses[String(s)]) continue; // the route documents its own answer for this status
      usedErrors.add(s);
      responses[String(s)] = { $ref: `#/components/responses/E${s}` };
    }

    const anyone = doc.who.includes('anyone');
    const description = [doc.description, whoText(doc.who, doc.whoNote), doc.paginated ? 'Paginated: answers `{items, nextCursor}`; pass `nextCursor` as `cursor` for the next page (`limit` 1 to 100).' : '']
      .filter(Boolean)
      .join('\n\n');
    const path = openApiPath(op.path);
    paths[path] ??= {};
    paths[path]![method] = {
      operationId: operationId(op.method, op.path),
      summary: doc.summary,
      description,
      tags: [doc.tag],
      'x-roles': doc.who,
      ...(isV1 || !anyone ? { security: anyone ? [{}, { bearer: [] }] : [{ bearer: [] }] } : { security: [] }),
      ...(params.length ? { parameters: params } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }

  const errorResponses: Record<string, JsonObject> = {};
  for (const s of [...usedErrors].sort()) {
    const codes = codesFor(s);
    errorResponses[`E${s}`] = {
      description: `${errorMeaning[s] ?? 'Error.'}${codes.length ? ` Codes: ${codes.map((c) => `\`${c}\``).join(', ')}.` : ''}`,
      content: { 'application/json': { schema: errorRef } },
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Jiujin (就近) API',
      version: opts.version,
      description:
        'Matches rural workers who cannot leave home to nearby work, and keeps the transfer-employment counts. JSON under `/v1`; unknown fields are refused. ' +
        'Errors are always `{"error":{"code","message","issues":[{"path","message"}]}}`. ' +
        'Authorization: `Bearer <token>`, roles `admin`, `staff` (scoped to an area code prefix) and `employer` (scoped to one employer); an object outside the caller\'s scope answers 404.',
    },
    servers: [{ url: opts.serverUrl ?? '/' }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: Object.fromEntries(Object.entries(schemas.named).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `npm run token -- create …`.' } },
      responses: errorResponses,
    },
  };
}

function operationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((p) => (p.startsWith(':') ? `by-${p.slice(1)}` : p))
    .join('-')
    .split(/[-_]/)
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
