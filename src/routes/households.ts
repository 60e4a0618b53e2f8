import { Hono } from 'hono';
import { type AppEnv, serviceCtx } from '../context.js';
import { createHousehold, getScopedHousehold, householdView, updateHousehold } from '../services/households.js';
import { householdCreateSchema, householdPatchSchema } from '../schemas/people.js';
import { idParamSchema, validate } from '../validation.js';

const createBody = householdCreateSchema;
const patchBody = householdPatchSchema;

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
