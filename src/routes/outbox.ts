// GET /v1/outbox?status=dead: messages the sender gave up on, for admins (no
// personal values). POST /v1/staff/link-code: a staff member links their own
// chat, where their digests and notices go.
import { Hono } from 'hono';
import { z } from 'zod';
import { outbox } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { requireRole } from '../domain/scope.js';
import { issueLinkCode } from '../services/link-codes.js';
import { listOutbox } from '../services/outbox.js';
import { decodeCursor, encodeCursor, limitSchema, validate } from '../validation.js';

const listQuery = z.strictObject({
  status: z.enum(outbox.status.enumValues).default('dead'),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export const outboxRoutes = new Hono<AppEnv>().get('/', validate('query', listQuery), async (c) => {
  const q = c.req.valid('query');
  const afterId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
  const page = await listOutbox(serviceCtx(c), { status: q.status, limit: q.limit, ...(afterId !== undefined ? { afterId } : {}) });
  return c.json({ items: page.items, nextCursor: page.lastId !== null ? encodeCursor(page.lastId) : null });
});

export const staffRoutes = new Hono<AppEnv>().post('/link-code', async (c) => {
  const ctx = serviceCtx(c);
  requireRole(ctx.actor, 'staff');
  return c.json(await issueLinkCode(ctx, { staffTokenId: ctx.actor.tokenId }), 201);
});
