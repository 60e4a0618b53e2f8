// Cross-cutting request handling: who is calling, replay of idempotent POSTs,
// and the audit row for refused writes. No business rule lives here.
import { and, eq } from 'drizzle-orm';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import { idempotencyKeys } from '../db/schema.js';
import type { AppEnv } from './context.js';
import { nowIso } from './context.js';
import { AppError } from './errors.js';
import { docKey, type RouteDoc } from './openapi/describe.js';
import { auditInsert, isAudited } from './services/audit.js';
import { IDEMPOTENCY_HOURS } from './services/idempotency.js';
import { actorForToken, sha256Hex } from './services/tokens.js';

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization');
  if (header === undefined) {
    c.set('actor', { role: 'anonymous' });
    return next();
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new AppError('unauthorized', 'Use the header "Authorization: Bearer <token>"');
  c.set('actor', await actorForToken(c.var.deps.db, m[1]!, c.var.deps.clock.now()));
  return next();
};

/** The description (describeRoute) of the route that will answer this request, if any. */
export function routeDocOf(c: Context<AppEnv>): RouteDoc | undefined {
  const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
  for (const r of matchedRoutes(c)) {
    if (r.method !== method && r.method !== 'ALL') continue;
    const doc = (r.handler as unknown as Record<symbol, RouteDoc | undefined>)[docKey];
    if (doc) return doc;
  }
  return undefined;
}

/**
 * Who may call is decided before anything reads the body: the route's own
 * description says which roles may call it (describeRoute's `who`), so an
 * anonymous caller of a role's route gets 401 and a role not listed 403 —
 * never a 400 listing the body's fields, never a buffered upload. Scope (which
 * objects) is still the service's rule; this is only the door.
 */
export const requireCaller: MiddlewareHandler<AppEnv> = async (c, next) => {
  const doc = routeDocOf(c);
  if (doc && !doc.who.includes('anyone')) {
    const actor = c.var.actor;
    if (actor.role === 'anonymous') throw new AppError('unauthorized', 'A bearer token is required');
    if (actor.role !== 'system' && !(doc.who as string[]).includes(actor.role)) {
      throw new AppError('forbidden', `The ${actor.role} role may not do this`);
    }
  }
  return next();
};

/** No /v1 route takes a body from an anonymous caller: theirs may be this large (then 413, unread). */
export const ANONYMOUS_MAX_BODY_BYTES = 4 * 1024;

/**
 * A body cap: 413 past `maxSize`. A GET or HEAD has no body here (the Node
 * adapter and Workers give it none), so it passes untouched: asking hono's
 * bodyLimit would build the whole Fetch Request to find that out, on every
 * read.
 */
export function sizeLimit(maxSize: number, whose = ''): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError('payload_too_large', `The body is larger than ${maxSize} bytes${whose}`);
    },
  });
  return (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next));
}

/**
 * Body caps, applied once the caller is known (hono's bodyLimit reads a body
 * sent without Content-Length to count it, so it must not run before the
 * door): anonymous 4 KB, an upload route its own cap, everything else `max`.
 */
export function limitBodies(max: number, uploads: Record<string, number>): MiddlewareHandler<AppEnv> {
  const anonymous = sizeLimit(ANONYMOUS_MAX_BODY_BYTES, ' (without a token)');
  const standard = sizeLimit(max);
  const upload = new Map(Object.entries(uploads).map(([path, size]) => [path, sizeLimit(size)]));
  return (c, next) => {
    if (c.var.actor.role === 'anonymous') return anonymous(c, next);
    return (upload.get(c.req.path) ?? standard)(c, next);
  };
}

/**
 * A POST with an Idempotency-Key answers the stored response when repeated
 * with the same body, and 409 when the body differs or the first is running.
 * Answers are kept per caller (the token) for IDEMPOTENCY_HOURS; an anonymous
 * caller has nothing to replay (no /v1 POST is open to them) and stores
 * nothing. An answer holding a secret (a link code: the route sets
 * `answerHoldsSecret`) is never stored: a repeat issues a fresh code, which
 * replaces the first.
 */
export const idempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (c.req.method !== 'POST' || key === undefined) return next();
  if (!('tokenId' in c.var.actor)) return next();
  if (key.length < 1 || key.length > 200) {
    throw new AppError('validation_failed', 'The Idempotency-Key header is not valid', [
      { path: 'Idempotency-Key', message: 'must be 1 to 200 characters' },
    ]);
  }
  const { db, clock } = c.var.deps;
  const actor = c.var.actor;
  const who = `token:${actor.tokenId}`;
  const bodyHash = await sha256Hex(await c.req.text());
  const path = c.req.path;
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ actor: who, key, method: 'POST', path, bodyHash, createdAt: nowIso(clock) })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  const where = and(eq(idempotencyKeys.actor, who), eq(idempotencyKeys.key, key));
  if (inserted.length === 0) {
    const [prior] = await db.select().from(idempotencyKeys).where(where);
    const expired = prior && prior.createdAt < new Date(clock.now().getTime() - IDEMPOTENCY_HOURS * 3_600_000).toISOString();
    if (expired) {
      // Past its day (the clocks had not yet forgotten it): the key is free again.
      await db.delete(idempotencyKeys).where(where);
      return idempotency(c, next);
    }
    if (!prior) throw new AppError('idempotency_in_progress', 'Retry this request');
    if (prior.bodyHash !== bodyHash || prior.path !== path) {
      throw new AppError('idempotency_key_reused', 'This Idempotency-Key was used with a different request', [
        { path: 'Idempotency-Key', message: 'already used with another body or path' },
      ]);
    }
    if (prior.status === null || prior.response === null) {
      throw new AppError('idempotency_in_progress', 'The first request with this Idempotency-Key is still running');
    }
    return new Response(prior.response, {
      status: prior.status,
      headers: { 'content-type': 'application/json; charset=UTF-8', 'idempotent-replayed': 'true' },
    });
  }
  let stored = false;
  try {
    await next();
    if (c.res.status < 500 && !c.get('answerHoldsSecret')) {
      await db
        .update(idempotencyKeys)
        .set({ status: c.res.status, response: await c.res.clone().text() })
        .where(where);
      stored = true;
    }
  } finally {
    // A failure of ours must not pin the key: the client may retry it.
    if (!stored) await db.delete(idempotencyKeys).where(where);
  }
};

/** Refused writes by staff, employers and admins are audited too (successes are audited by the services). */
export const auditRefusals: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const actor = c.var.actor;
  const method = c.req.method;
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return;
  if (!actor || !isAudited(actor) || c.res.status < 400) return;
  const { db, clock } = c.var.deps;
  await auditInsert(db, clock, actor, {
    action: `${method} ${c.req.path}`,
    outcome: `refused:${c.res.status}`,
    detail: { code: c.get('errorCode') ?? null },
  });
};
