// GET /v1/outbox?status=dead: messages the sender gave up on, for admins (no
// personal values). POST /v1/staff/link-code: a staff member links their own
// chat, where their digests and notices go.
import { Hono } from 'hono';
import * as z from 'zod';
import { outbox } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { linkCodeResponse, outboxItemResponse, page } from '../schemas/responses.js';
import { requireRole } from '../domain/scope.js';
import { issueLinkCode } from '../services/link-codes.js';
import { listOutbox } from '../services/outbox.js';
import { cursorSchema, decodeCursor, encodeCursor, limitSchema, validate } from '../validation.js';

const listQuery = z.strictObject({
  status: z.enum(outbox.status.enumValues).default('dead'),
  cursor: cursorSchema.optional(),
  limit: limitSchema,
});

const outboxDoc = describeRoute({
  tag: 'alerts',
  summary: 'Messages by status (dead letters by default), oldest first; no personal values',
  who: ['admin'],
  paginated: true,
  responses: { 200: { description: 'A page of outbox messages', json: page(outboxItemResponse) } },
});

const staffLinkCodeDoc = describeRoute({
  tag: 'alerts',
  summary: 'A one-time code that links the calling staff member\'s own chat',
  who: ['staff'],
  responses: { 201: { description: 'The code, valid 24 hours, used once', json: linkCodeResponse } },
});

export const outboxRoutes = new Hono<AppEnv>().get('/', outboxDoc, validate('query', listQuery), async (c) => {
  const q = c.req.valid('query');
  const afterId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
  const page = await listOutbox(serviceCtx(c), { status: q.status, limit: q.limit, ...(afterId !== undefined ? { afterId } : {}) });
  return c.json({ items: page.items, nextCursor: page.lastId !== null ? encodeCursor(page.lastId) : null });
});

export const staffRoutes = new Hono<AppEnv>().post('/link-code', staffLinkCodeDoc, async (c) => {
  const ctx = serviceCtx(c);
  requireRole(ctx.actor, 'staff');
  c.set('answerHoldsSecret', true);
  return c.json(await issueLinkCode(ctx, { staffTokenId: ctx.actor.tokenId }), 201);
});
