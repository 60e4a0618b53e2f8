import { Hono } from 'hono';
import { z } from 'zod';
import { type AppEnv, serviceCtx } from '../context.js';
import { createHousehold, getScopedHousehold, householdView, updateHousehold } from '../services/households.js';
import { areaCodeSchema, idParamSchema, validate } from '../validation.js';

const sourceId = z.string().trim().min(1).max(64);

const createBody = z.strictObject({
  areaCode: areaCodeSchema,
  povertyAlleviated: z.boolean(),
  monitored: z.boolean(),
  sourceId: sourceId.optional(),
});

const patchBody = z
  .strictObject({
    areaCode: areaCodeSchema,
    povertyAlleviated: z.boolean(),
    monitored: z.boolean(),
    incomeAtMinimum: z.boolean(),
  })
  .partial();

export const householdRoutes = new Hono<AppEnv>()
  .post('/', validate('json', createBody), async (c) => {
    const ctx = serviceCtx(c);
    const h = await createHousehold(ctx, c.req.valid('json'));
    return c.json(await householdView(ctx, h), 201);
  })
  .get('/:id', validate('param', idParamSchema), async (c) => {
    const ctx = serviceCtx(c);
    return c.json(await householdView(ctx, await getScopedHousehold(ctx, c.req.valid('param').id)));
  })
  .patch('/:id', validate('param', idParamSchema), validate('json', patchBody), async (c) => {
    const ctx = serviceCtx(c);
    const h = await updateHousehold(ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json(await householdView(ctx, h));
  });
