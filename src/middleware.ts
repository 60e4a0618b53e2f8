// Cross-cutting request handling: who is calling, replay of idempotent POSTs,
// and the audit row for refused writes. No business rule lives here.
import { and, eq } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import { idempotencyKeys } from '../db/schema.js';
import type { AppEnv } from './context.js';
import { nowIso } from './context.js';
import { AppError } from './errors.js';
import { auditInsert, isAudited } from './services/audit.js';
import { actorForToken, sha256Hex } from './services/tokens.js';

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization');
  if (header === undefined) {
    c.set('actor', { role: 'anonymous' });
    return next();
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new AppError('unauthorized', 'Use the header "Authorization: Bearer <token>"');
  c.set('actor', await actorForToken(c.var.deps.db, m[1]!));
  return next();
};

/**
 * A POST with an Idempotency-Key answers the stored response when repeated
 * with the same body, and 409 when the body differs or the first is running.
 */
export const idempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header('idempotency-key');
  if (c.req.method !== 'POST' || key === undefined) return next();
  if (key.length < 1 || key.length > 200) {
    throw new AppError('validation_failed', 'The Idempotency-Key header is not valid', [
      { path: 'Idempotency-Key', message: 'must be 1 to 200 characters' },
    ]);
  }
  const { db, clock } = c.var.deps;
  const actor = c.var.actor;
  const who = 'tokenId' in actor ? `token:${actor.tokenId}` : 'anonymous';
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
    if (c.res.status < 500) {
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
