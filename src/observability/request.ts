// The first middleware of the app: gives each request an id (the caller's
// X-Request-Id when it is sane, else a new one), answers it as X-Request-Id,
// counts the request for /metrics and writes its one log line:
//   {"time","level":"info","msg":"request","requestId","method","route","status","durationMs","role","code"}
// `route` is the pattern (/v1/workers/:id), never the path with its values;
// no header, query or body goes into a line, so no token, name or phone does.
// A 5xx also writes an error line with the same requestId and the error.
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../context.js';
import { errorFields, loggerOf, newRunId } from './log.js';
import { metricsFor } from './metrics.js';

/** An incoming id is kept when it is 8 to 128 of A-Z a-z 0-9 . _ : - (a UUID, a proxy's trace id). */
const saneId = /^[A-Za-z0-9._:-]{8,128}$/;

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export const requestIdOf = (incoming: string | undefined) => (incoming && saneId.test(incoming) ? incoming : newRunId());

/** The matched route's pattern; "(none)" when nothing matched (a 404 from notFound). */
function routePattern(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== 'ALL');
  return routes.at(-1)?.path ?? '(none)';
}

export const observeRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  const requestId = requestIdOf(c.req.header('x-request-id'));
  c.set('requestId', requestId);
  await next();
  const deps = c.var.deps;
  const seconds = (performance.now() - started) / 1000;
  const status = c.res.status;
  const route = routePattern(c);
  try {
    c.res.headers.set('X-Request-Id', requestId);
  } catch {
    // An immutable response (none of ours today): the id is still in the log.
  }
  // Labels stay few: route patterns, and methods outside the usual set as "other".
  const method = knownMethods.has(c.req.method) ? c.req.method : 'other';
  metricsFor(deps.db).recordRequest(method, route, status, seconds);
  const log = loggerOf(deps);
  const actor = c.get('actor');
  // app.notFound answers without setting errorCode: no route is its code.
  const code = status >= 400 ? (c.get('errorCode') ?? (route === '(none)' && status === 404 ? 'not_found' : null)) : undefined;
  log[status >= 500 ? 'error' : 'info']('request', {
    requestId,
    method: c.req.method,
    route,
    status,
    durationMs: Math.round(seconds * 10_000) / 10,
    role: actor?.role ?? null,
    code,
  });
  if (status >= 500 && c.error) log.error('request failed', { requestId, method: c.req.method, route, ...errorFields(c.error) });
};
