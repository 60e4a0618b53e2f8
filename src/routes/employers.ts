import { Hono } from 'hono';
import { z } from 'zod';
import { employerKinds } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
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
  })
  .partial();

const listQuery = z.strictObject({
  area: areaCodeSchema.optional(),
  kind: z.enum(employerKinds).optional(),
  certified: queryBoolSchema.optional(),
  cursor: z.string().optional(),
  limit: limitSchema,
});

export const employerRoutes = new Hono<AppEnv>()
  .post('/', validate('json', createBody), async (c) => {
    const e = await createEmployer(serviceCtx(c), c.req.valid('json'));
    return c.json(toEmployerJson(e), 201);
  })
  .get('/', validate('query', listQuery), async (c) => {
    const q = c.req.valid('query');
    const afterId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
    const page = await listEmployers(serviceCtx(c), { ...q, afterId });
    return c.json({
      items: page.items.map(toEmployerJson),
      nextCursor: page.lastId ? encodeCursor(page.lastId) : null,
    });
  })
  .get('/:id', validate('param', idParamSchema), async (c) => {
    const e = await getEmployer(serviceCtx(c), c.req.valid('param').id);
    return c.json(toEmployerJson(e));
  })
  .patch('/:id', validate('param', idParamSchema), validate('json', patchBody), async (c) => {
    const e = await updateEmployer(serviceCtx(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(toEmployerJson(e));
  })
  .post('/:id/link-code', validate('param', idParamSchema), async (c) => {
    return c.json(await issueLinkCode(serviceCtx(c), { employerId: c.req.valid('param').id }), 201);
  });
