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
import { issueLinkCode } from '../services/link-codes.js';
import { matchOpeningsForWorker } from '../services/matching.js';
import {
  areaCodeSchema,
  decodeCursor,
  encodeCursor,
  idParamSchema,
  limitSchema,
  queryBoolSchema,
  validate,
} from '../validation.js';
import { workerCreateSchema, workerPatchSchema } from '../schemas/people.js';

const createBody = workerCreateSchema;
const patchBody = workerPatchSchema;

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
  .post('/:id/link-code', validate('param', idParamSchema), async (c) => {
    return c.json(await issueLinkCode(serviceCtx(c), { workerId: c.req.valid('param').id }), 201);
  })
  .delete('/:id', validate('param', idParamSchema), async (c) => {
    await eraseWorker(serviceCtx(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
