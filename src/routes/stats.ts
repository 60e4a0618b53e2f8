import { Hono } from 'hono';
import { z } from 'zod';
import { type AppEnv, serviceCtx } from '../context.js';
import { statsFor } from '../services/stats.js';
import { zeroEmploymentWorklist } from '../services/worklists.js';
import { areaCodeSchema, decodeCursor, encodeCursor, isoDateSchema, limitSchema, validate } from '../validation.js';

const statsQuery = z.strictObject({ area: areaCodeSchema.optional(), asOf: isoDateSchema.optional() });

const worklistQuery = z.strictObject({
  area: areaCodeSchema.optional(),
  asOf: isoDateSchema.optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});
const worklistCursor = z.strictObject({ since: isoDateSchema, householdId: z.number().int() });

export const statsRoutes = new Hono<AppEnv>().get('/', validate('query', statsQuery), async (c) =>
  c.json(await statsFor(serviceCtx(c), c.req.valid('query'))),
);

export const worklistRoutes = new Hono<AppEnv>().get('/zero-employment', validate('query', worklistQuery), async (c) => {
  const q = c.req.valid('query');
  const after = q.cursor ? decodeCursor(q.cursor, worklistCursor) : undefined;
  const list = await zeroEmploymentWorklist(serviceCtx(c), { area: q.area, asOf: q.asOf, limit: q.limit, after });
  return c.json({ area: list.area, asOf: list.asOf, items: list.items, nextCursor: list.next ? encodeCursor(list.next) : null });
});
