import { Hono } from 'hono';
import { z } from 'zod';
import { type AppEnv, serviceCtx } from '../context.js';
import {
  createWorker,
  eraseWorker,
  getScopedWorker,
  listWorkers,
  updateWorker,
  workerView,
} from '../services/workers.js';
import { matchOpeningsForWorker } from '../services/matching.js';
import {
  areaCodeSchema,
  decodeCursor,
  encodeCursor,
  idParamSchema,
  idSchema,
  limitSchema,
  pointSchema,
  queryBoolSchema,
  skillsSchema,
  validate,
} from '../validation.js';

export const phoneSchema = z.string().trim().regex(/^\+?[0-9][0-9 -]{4,19}$/, 'must be a phone number');
const careForSchema = z.array(z.enum(['elders', 'children', 'disabled', 'other'])).max(4);
const languagesSchema = z.array(z.string().trim().min(2).max(20)).max(10);

const fields = {
  name: z.string().trim().min(1).max(100),
  maxDistanceKm: z.number().positive().max(200),
  cannotLeaveHome: z.boolean(),
  careFor: careForSchema,
  skills: skillsSchema,
  availability: z.enum(['full_day', 'part_day', 'flexible']),
  ableToWork: z.boolean(),
  languages: languagesSchema,
  sourceId: z.string().trim().min(1).max(64),
};

const createBody = z
  .strictObject({ ...fields, householdId: idSchema, phone: phoneSchema, home: pointSchema })
  .partial()
  .required({ householdId: true, name: true });

const patchBody = z
  .strictObject({ ...fields, phone: phoneSchema.nullable(), home: pointSchema.nullable() })
  .partial();

const listQuery = z.strictObject({
  area: areaCodeSchema.optional(),
  zeroEmployment: queryBoolSchema.optional(),
  cannotLeaveHome: queryBoolSchema.optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export const workerRoutes = new Hono<AppEnv>()
  .post('/', validate('json', createBody), async (c) => {
    const ctx = serviceCtx(c);
    const w = await createWorker(ctx, c.req.valid('json'));
    return c.json(await workerView(ctx, w), 201);
  })
  .get('/', validate('query', listQuery), async (c) => {
    const ctx = serviceCtx(c);
    const q = c.req.valid('query');
    const afterId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
    const page = await listWorkers(ctx, { ...q, afterId });
    return c.json({
      items: await Promise.all(page.items.map((w) => workerView(ctx, w))),
      nextCursor: page.lastId ? encodeCursor(page.lastId) : null,
    });
  })
  .get('/:id', validate('param', idParamSchema), async (c) => {
    const ctx = serviceCtx(c);
    return c.json(await workerView(ctx, await getScopedWorker(ctx, c.req.valid('param').id)));
  })
  .patch('/:id', validate('param', idParamSchema), validate('json', patchBody), async (c) => {
    const ctx = serviceCtx(c);
    const w = await updateWorker(ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json(await workerView(ctx, w));
  })
  .get('/:id/matches', validate('param', idParamSchema), validate('query', z.strictObject({ limit: limitSchema })), async (c) => {
    const items = await matchOpeningsForWorker(serviceCtx(c), c.req.valid('param').id, c.req.valid('query'));
    return c.json({ items });
  })
  .delete('/:id', validate('param', idParamSchema), async (c) => {
    await eraseWorker(serviceCtx(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
