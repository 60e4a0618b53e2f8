import { Hono } from 'hono';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { createHousehold, getScopedHousehold, householdView, updateHousehold } from '../services/households.js';
import { householdCreateSchema, householdPatchSchema } from '../schemas/people.js';
import { householdResponse } from '../schemas/responses.js';
import { idParamSchema, validate } from '../validation.js';

const createBody = householdCreateSchema;
const patchBody = householdPatchSchema;

const docs = {
  create: describeRoute({
    tag: 'households',
    summary: 'Register a household',
    who: ['staff', 'admin'],
    whoNote: 'Staff in their area.',
    responses: { 201: { description: 'The household with its members and zero-employment status', json: householdResponse } },
    errors: [403, 409, 422],
  }),
  read: describeRoute({
    tag: 'households',
    summary: 'Read one household',
    who: ['staff', 'admin'],
    whoNote: 'Staff of its area.',
    responses: { 200: { description: 'The household', json: householdResponse } },
  }),
  update: describeRoute({
    tag: 'households',
    summary: 'Change a household\'s facts',
    who: ['staff', 'admin'],
    whoNote: 'Staff of its area.',
    responses: { 200: { description: 'The household as changed', json: householdResponse } },
    errors: [422],
  }),
};

export const householdRoutes = new Hono<AppEnv>()
  .post('/', docs.create, validate('json', createBody), async (c) => {
    const ctx = serviceCtx(c);
    const h = await createHousehold(ctx, c.req.valid('json'));
    return c.json(await householdView(ctx, h), 201);
  })
  .get('/:id', docs.read, validate('param', idParamSchema), async (c) => {
    const ctx = serviceCtx(c);
    return c.json(await householdView(ctx, await getScopedHousehold(ctx, c.req.valid('param').id)));
  })
  .patch('/:id', docs.update, validate('param', idParamSchema), validate('json', patchBody), async (c) => {
    const ctx = serviceCtx(c);
    const h = await updateHousehold(ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json(await householdView(ctx, h));
  });
