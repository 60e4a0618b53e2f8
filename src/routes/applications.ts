import { Hono } from 'hono';
import { z } from 'zod';
import { applicationStates, endingReasons } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import {
  applicantFor,
  createApplication,
  getScopedApplication,
  listApplications,
  toApplicationJson,
  transitionApplication,
} from '../services/applications.js';
import { placementViewFor } from '../services/placements.js';
import { decodeCursor, encodeCursor, idParamSchema, idSchema, limitSchema, validate } from '../validation.js';

const createBody = z.strictObject({
  workerId: idSchema,
  openingId: idSchema,
  state: z.enum(['suggested', 'applied']).optional(),
});

const transitionBody = z.strictObject({
  to: z.enum(applicationStates),
  reason: z.enum(endingReasons).optional(),
});

const listQuery = z.strictObject({
  openingId: idSchema.optional(),
  workerId: idSchema.optional(),
  state: z.enum(applicationStates).optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export const applicationRoutes = new Hono<AppEnv>()
  .post('/', validate('json', createBody), async (c) => {
    const a = await createApplication(serviceCtx(c), c.req.valid('json'));
    return c.json(toApplicationJson(a), 201);
  })
  .get('/', validate('query', listQuery), async (c) => {
    const q = c.req.valid('query');
    const afterId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
    const page = await listApplications(serviceCtx(c), { ...q, afterId });
    return c.json({
      items: page.items.map((r) => toApplicationJson(r.a, { name: r.name, phone: r.phone })),
      nextCursor: page.lastId ? encodeCursor(page.lastId) : null,
    });
  })
  .get('/:id', validate('param', idParamSchema), async (c) => {
    const ctx = serviceCtx(c);
    const { a, w } = await getScopedApplication(ctx, c.req.valid('param').id);
    return c.json(toApplicationJson(a, applicantFor(ctx.actor, a, w)));
  })
  .post('/:id/transitions', validate('param', idParamSchema), validate('json', transitionBody), async (c) => {
    const ctx = serviceCtx(c);
    const { application, placement } = await transitionApplication(ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json({ ...toApplicationJson(application), placement: placement ? placementViewFor(ctx.actor, placement) : null });
  });
