import { Hono } from 'hono';
import * as z from 'zod';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { erasedWorkerReplay, linkCodeResponse, matchResponse, page, workerResponse } from '../schemas/responses.js';
import {
  createWorker,
  eraseWorker,
  getScopedWorker,
  listWorkers,
  updateWorker,
  workerView,
} from '../services/workers.js';
import { issueLinkCode } from '../services/link-codes.js';
import { matchesJson, matchOpeningsForWorker } from '../services/matching.js';
import {
  areaCodeSchema,
  cursorSchema,
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
  cursor: cursorSchema.optional(),
  limit: limitSchema,
});

const docs = {
  create: describeRoute({
    tag: 'workers',
    summary: 'Register a person of a household (staff register people on their behalf)',
    who: ['staff', 'admin'],
    whoNote: 'Staff for households of their area.',
    responses: {
      201: {
        description: 'The person (a repeat with the same Idempotency-Key after the person was erased answers only that)',
        json: z.union([workerResponse, erasedWorkerReplay]),
      },
    },
    errors: [403, 409, 422],
  }),
  list: describeRoute({
    tag: 'workers',
    summary: 'List people',
    who: ['staff', 'admin'],
    whoNote: 'Staff see their area.',
    paginated: true,
    responses: { 200: { description: 'A page of people', json: page(workerResponse) } },
    errors: [403],
  }),
  read: describeRoute({
    tag: 'workers',
    summary: 'Read one person',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the person\'s area.',
    responses: { 200: { description: 'The person', json: workerResponse } },
    errors: [403],
  }),
  update: describeRoute({
    tag: 'workers',
    summary: 'Change a person\'s details',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the person\'s area.',
    responses: { 200: { description: 'The person as changed', json: workerResponse } },
    errors: [403, 409, 422],
  }),
  matches: describeRoute({
    tag: 'matching',
    summary: 'Open openings within reach the person may take, best first',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the person\'s area.',
    responses: { 200: { description: 'The matches with distance, score and reasons', json: z.object({ items: z.array(matchResponse) }) } },
    errors: [403],
  }),
  linkCode: describeRoute({
    tag: 'workers',
    summary: 'An eight-digit code the person types into the bot to link their chat',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the person\'s area.',
    responses: { 201: { description: 'The code, valid 24 hours, used once', json: linkCodeResponse } },
    errors: [403, 409],
  }),
  erase: describeRoute({
    tag: 'workers',
    summary: 'Erase a person\'s data everywhere (anonymous counts stay)',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the person\'s area.',
    responses: { 204: { description: 'Erased' } },
    errors: [403],
  }),
};

export const workerRoutes = new Hono<AppEnv>()
  .post('/', docs.create, validate('json', createBody), async (c) => {
    const ctx = serviceCtx(c);
    const w = await createWorker(ctx, c.req.valid('json'));
    return c.json(await workerView(ctx, w), 201);
  })
  .get('/', docs.list, validate('query', listQuery), async (c) => {
    const ctx = serviceCtx(c);
    const q = c.req.valid('query');
    const afterId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
    const page = await listWorkers(ctx, { ...q, afterId });
    return c.json({
      items: await Promise.all(page.items.map((w) => workerView(ctx, w))),
      nextCursor: page.lastId ? encodeCursor(page.lastId) : null,
    });
  })
  .get('/:id', docs.read, validate('param', idParamSchema), async (c) => {
    const ctx = serviceCtx(c);
    return c.json(await workerView(ctx, await getScopedWorker(ctx, c.req.valid('param').id)));
  })
  .patch('/:id', docs.update, validate('param', idParamSchema), validate('json', patchBody), async (c) => {
    const ctx = serviceCtx(c);
    const w = await updateWorker(ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json(await workerView(ctx, w));
  })
  .get('/:id/matches', docs.matches, validate('param', idParamSchema), validate('query', z.strictObject({ limit: limitSchema })), async (c) => {
    const items = await matchOpeningsForWorker(serviceCtx(c), c.req.valid('param').id, c.req.valid('query'));
    return c.body(matchesJson(items), 200, { 'content-type': 'application/json' });
  })
  .post('/:id/link-code', docs.linkCode, validate('param', idParamSchema), async (c) => {
    c.set('answerHoldsSecret', true);
    return c.json(await issueLinkCode(serviceCtx(c), { workerId: c.req.valid('param').id }), 201);
  })
  .delete('/:id', docs.erase, validate('param', idParamSchema), async (c) => {
    await eraseWorker(serviceCtx(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
