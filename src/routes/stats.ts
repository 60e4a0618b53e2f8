import { Hono } from 'hono';
import * as z from 'zod';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { statsResponse, worklistResponse } from '../schemas/responses.js';
import { runRead } from '../services/read-pool/run.js';
import { zeroEmploymentWorklist } from '../services/worklists.js';
import { areaCodeSchema, cursorSchema, decodeCursor, encodeCursor, isoDateSchema, limitSchema, validate } from '../validation.js';

const statsQuery = z.strictObject({ area: areaCodeSchema.optional(), asOf: isoDateSchema.optional() });

const worklistQuery = z.strictObject({
  area: areaCodeSchema.optional(),
  asOf: isoDateSchema.optional(),
  cursor: cursorSchema.optional(),
  limit: limitSchema,
});
const worklistCursor = z.strictObject({ since: isoDateSchema, householdId: z.number().int() });

const statsDoc = describeRoute({
  tag: 'counting',
  summary: 'The counts for an area as of a date (transfer employment, posts, workshops, zero-employment households, care coverage totals)',
  description: '`asOf` defaults to today in China (Asia/Shanghai); `placementsThisMonth` runs from the first of asOf\'s month to asOf.',
  who: ['staff', 'admin'],
  whoNote: 'Staff count their own area (an area containing theirs answers theirs); an admin any area, or everything without `area`.',
  responses: { 200: { description: 'The counts', json: statsResponse } },
  errors: [403, 422],
});

const worklistDoc = describeRoute({
  tag: 'counting',
  summary: 'Households with nobody in work, longest waiting first',
  who: ['staff', 'admin'],
  whoNote: 'Staff see their own area.',
  paginated: true,
  responses: { 200: { description: 'A page of the worklist', json: worklistResponse } },
  errors: [403, 422],
});

export const statsRoutes = new Hono<AppEnv>().get('/', statsDoc, validate('query', statsQuery), async (c) =>
  c.json(await runRead(c, 'stats', c.req.valid('query'))),
);

export const worklistRoutes = new Hono<AppEnv>().get('/zero-employment', worklistDoc, validate('query', worklistQuery), async (c) => {
  const q = c.req.valid('query');
  const after = q.cursor ? decodeCursor(q.cursor, worklistCursor) : undefined;
  const list = await zeroEmploymentWorklist(serviceCtx(c), { area: q.area, asOf: q.asOf, limit: q.limit, after });
  return c.json({ area: list.area, asOf: list.asOf, items: list.items, nextCursor: list.next ? encodeCursor(list.next) : null });
});
