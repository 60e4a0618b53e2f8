import { Hono } from 'hono';
import { z } from 'zod';
import { placementTypes } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import {
  createPlacement,
  endPlacement,
  getScopedPlacement,
  placementEndReasons,
  toPlacementJson,
} from '../services/placements.js';
import { areaCodeSchema, idParamSchema, idSchema, isoDateSchema, pointSchema, validate } from '../validation.js';

const createBody = z.strictObject({
  workerId: idSchema,
  type: z.enum(placementTypes),
  point: pointSchema.optional(),
  areaCode: areaCodeSchema.optional(),
  startDate: isoDateSchema,
  contractMonths: z.number().int().min(1).max(600).optional(),
});

const endBody = z.strictObject({
  endDate: isoDateSchema,
  reason: z.enum(placementEndReasons),
});

export const placementRoutes = new Hono<AppEnv>()
  .post('/', validate('json', createBody), async (c) => {
    const p = await createPlacement(serviceCtx(c), c.req.valid('json'));
    return c.json(toPlacementJson(p), 201);
  })
  .get('/:id', validate('param', idParamSchema), async (c) => {
    return c.json(toPlacementJson(await getScopedPlacement(serviceCtx(c), c.req.valid('param').id)));
  })
  .post('/:id/end', validate('param', idParamSchema), validate('json', endBody), async (c) => {
    const p = await endPlacement(serviceCtx(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(toPlacementJson(p));
  });
