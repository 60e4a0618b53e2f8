import { Hono } from 'hono';
import * as z from 'zod';
import { employerKinds } from '../../db/schema.js';
import { effectiveDateSchema } from '../schemas/people.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { employerResponse, linkCodeResponse, page } from '../schemas/responses.js';
import { issueLinkCode } from '../services/link-codes.js';
import {
  createEmployer,
  getEmployer,
  listEmployers,
  toEmployerJson,
  updateEmployer,
} from '../services/employers.js';
import {
  areaCodeSchema,
  cursorSchema,
  decodeCursor,
  encodeCursor,
  idParamSchema,
  limitSchema,
  pointSchema,
  queryBoolSchema,
  validate,
} from '../validation.js';

const contactSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  phone: z.string().trim().regex(/^\+?[0-9 -]{5,20}$/, 'must be a phone number').optional(),
  email: z.email().max(200).optional(),
});

const createBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(employerKinds),
  areaCode: areaCodeSchema,
  point: pointSchema.optional(),
  contact: contactSchema.optional(),
});

const patchBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(employerKinds),
    areaCode: areaCodeSchema,
    point: pointSchema.nullable(),
    contact: contactSchema,
    verified: z.boolean(),
    certified: z.boolean(),
    certifiedSince: effectiveDateSchema.meta({ description: 'When a change of `certified` took effect (on or before today in China); default today.' }),
  })
  .partial();

const listQuery = z.strictObject({
  area: areaCodeSchema.optional(),
  kind: z.enum(employerKinds).optional(),
  certified: queryBoolSchema.optional(),
  cursor: cursorSchema.optional(),
  limit: limitSchema,
});

const docs = {
  create: describeRoute({
    tag: 'employers',
    summary: 'Register an employer',
    who: ['staff', 'admin'],
    whoNote: 'Staff in their area.',
    responses: { 201: { description: 'The employer', json: employerResponse } },
    errors: [403, 422],
  }),
  list: describeRoute({
    tag: 'employers',
    summary: 'List employers',
    who: ['staff', 'admin'],
    whoNote: 'Staff see their area.',
    paginated: true,
    responses: { 200: { description: 'A page of employers', json: page(employerResponse) } },
  }),
  read: describeRoute({
    tag: 'employers',
    summary: 'Read one employer',
    who: ['staff', 'admin', 'employer'],
    whoNote: 'An employer reads itself only.',
    responses: { 200: { description: 'The employer', json: employerResponse } },
  }),
  update: describeRoute({
    tag: 'employers',
    summary: 'Change an employer',
    who: ['staff', 'admin', 'employer'],
    whoNote: 'An employer changes itself; only staff set `verified` and `certified` (workshops only).',
    responses: { 200: { description: 'The employer as changed', json: employerResponse } },
    errors: [403, 422],
  }),
  linkCode: describeRoute({
    tag: 'employers',
    summary: 'An eight-digit code the employer types into the bot to link its chat',
    who: ['staff', 'admin'],
    responses: { 201: { description: 'The code, valid 24 hours, used once', json: linkCodeResponse } },
    errors: [403],
  }),
};

export const employerRoutes = new Hono<AppEnv>()
  .post('/', docs.create, validate('json', createBody), async (c) => {
    const e = await createEmployer(serviceCtx(c), c.req.valid('json'));
    return c.json(toEmployerJson(e), 201);
  })
  .get('/', docs.list, validate('query', listQuery), async (c) => {
    const q = c.req.valid('query');
    const afterId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
    const page = await listEmployers(serviceCtx(c), { ...q, afterId });
    return c.json({
      items: page.items.map(toEmployerJson),
      nextCursor: page.lastId ? encodeCursor(page.lastId) : null,
    });
  })
  .get('/:id', docs.read, validate('param', idParamSchema), async (c) => {
    const e = await getEmployer(serviceCtx(c), c.req.valid('param').id);
    return c.json(toEmployerJson(e));
  })
  .patch('/:id', docs.update, validate('param', idParamSchema), validate('json', patchBody), async (c) => {
    const e = await updateEmployer(serviceCtx(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(toEmployerJson(e));
  })
  .post('/:id/link-code', docs.linkCode, validate('param', idParamSchema), async (c) => {
    c.set('answerHoldsSecret', true);
    return c.json(await issueLinkCode(serviceCtx(c), { employerId: c.req.valid('param').id }), 201);
  });
