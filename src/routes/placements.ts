import { Hono } from 'hono';
import * as z from 'zod';
import { placementTypes } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { placementResponse } from '../schemas/responses.js';
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
  // Ends are exclusive everywhere (README "End dates"): the console, the bot and this field agree.
  endDate: isoDateSchema.meta({
    description: 'The first day no longer in work (the end is exclusive): for work whose last day was 30 November, give 1 December.',
  }),
  reason: z.enum(placementEndReasons),
});

const docs = {
  create: describeRoute({
    tag: 'placements',
    summary: 'Record work found (elsewhere too): the transfer `scope` follows from the place against the home',
    who: ['staff', 'admin'],
    whoNote: 'Staff for people of their area.',
    responses: { 201: { description: 'The placement', json: placementResponse } },
    errors: [403, 409, 422],
  }),
  read: describeRoute({
    tag: 'placements',
    summary: 'Read one placement',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the person\'s area.',
    responses: { 200: { description: 'The placement', json: placementResponse } },
  }),
  end: describeRoute({
    tag: 'placements',
    summary: 'End a placement with a coded reason; `endDate` is the first day no longer in work',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the person\'s area.',
    responses: { 200: { description: 'The ended placement', json: placementResponse } },
    errors: [403, 409, 422],
  }),
};

export const placementRoutes = new Hono<AppEnv>()
  .post('/', docs.create, validate('json', createBody), async (c) => {
    const p = await createPlacement(serviceCtx(c), c.req.valid('json'));
    return c.json(toPlacementJson(p), 201);
  })
  .get('/:id', docs.read, validate('param', idParamSchema), async (c) => {
    return c.json(toPlacementJson(await getScopedPlacement(serviceCtx(c), c.req.valid('param').id)));
  })
  .post('/:id/end', docs.end, validate('param', idParamSchema), validate('json', endBody), async (c) => {
    const p = await endPlacement(serviceCtx(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(toPlacementJson(p));
  });
