import { Hono } from 'hono';
import * as z from 'zod';
import { applicationStates, endingReasons } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { applicationResponse, page, transitionResponse } from '../schemas/responses.js';
import {
  applicantFor,
  createApplication,
  getScopedApplication,
  listApplications,
  toApplicationJson,
  transitionApplication,
} from '../services/applications.js';
import { placementViewFor } from '../services/placements.js';
import { cursorSchema, decodeCursor, encodeCursor, idParamSchema, idSchema, limitSchema, validate } from '../validation.js';

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
  cursor: cursorSchema.optional(),
  limit: limitSchema,
});

const docs = {
  create: describeRoute({
    tag: 'applications',
    summary: 'Apply for a person (or suggest an opening to them)',
    who: ['staff', 'admin'],
    whoNote: 'Staff for people of their area.',
    responses: { 201: { description: 'The application', json: applicationResponse } },
    errors: [403, 409, 422],
  }),
  list: describeRoute({
    tag: 'applications',
    summary: 'List applications',
    who: ['staff', 'admin', 'employer'],
    whoNote: 'Staff see the applications of people whose home is in their area; an employer those on its own openings (not suggestions); an admin all.',
    paginated: true,
    responses: { 200: { description: 'A page of applications, with the applicant\'s name and phone', json: page(applicationResponse) } },
    errors: [403],
  }),
  read: describeRoute({
    tag: 'applications',
    summary: 'Read one application',
    who: ['staff', 'admin', 'employer'],
    whoNote: 'Staff of the person\'s area; an employer for its own openings, with the applicant\'s contact once they applied; another county\'s staff get 404.',
    responses: { 200: { description: 'The application', json: applicationResponse } },
    errors: [403],
  }),
  transition: describeRoute({
    tag: 'applications',
    summary: 'Move an application: offer, hire, decline, withdraw',
    description: 'Every ending carries a coded `reason`; a hire records the placement and takes a slot.',
    who: ['staff', 'admin', 'employer'],
    whoNote: 'Staff of the person\'s area; an employer the applications on its own openings.',
    responses: { 200: { description: 'The application and, after a hire, its placement', json: transitionResponse } },
    errors: [403, 409, 422],
  }),
};

export const applicationRoutes = new Hono<AppEnv>()
  .post('/', docs.create, validate('json', createBody), async (c) => {
    const a = await createApplication(serviceCtx(c), c.req.valid('json'));
    return c.json(toApplicationJson(a), 201);
  })
  .get('/', docs.list, validate('query', listQuery), async (c) => {
    const q = c.req.valid('query');
    const afterId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
    const page = await listApplications(serviceCtx(c), { ...q, afterId });
    return c.json({
      items: page.items.map((r) => toApplicationJson(r.a, { name: r.name, phone: r.phone })),
      nextCursor: page.lastId ? encodeCursor(page.lastId) : null,
    });
  })
  .get('/:id', docs.read, validate('param', idParamSchema), async (c) => {
    const ctx = serviceCtx(c);
    const { a, w } = await getScopedApplication(ctx, c.req.valid('param').id);
    return c.json(toApplicationJson(a, applicantFor(ctx.actor, a, w)));
  })
  .post('/:id/transitions', docs.transition, validate('param', idParamSchema), validate('json', transitionBody), async (c) => {
    const ctx = serviceCtx(c);
    const { application, placement } = await transitionApplication(ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json({ ...toApplicationJson(application), placement: placement ? placementViewFor(ctx.actor, placement) : null });
  });
