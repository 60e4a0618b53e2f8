// 聘用协议: a public-welfare post holder's agreements, the renewal list, a
// renewal (after a fresh eligibility check) and an exit with a coded reason.
import { Hono } from 'hono';
import * as z from 'zod';
import { agreementExitReasons } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { agreementResponse, page } from '../schemas/responses.js';
import { exitAgreement, getScopedAgreement, listAgreements, renewAgreement, toAgreementJson } from '../services/agreements/agreements.js';
import { areaCodeSchema, cursorSchema, decodeCursor, encodeCursor, idParamSchema, isoDateSchema, limitSchema, validate } from '../validation.js';

const listQuery = z.strictObject({
  area: areaCodeSchema.optional(),
  due: z.enum(['renewal']).optional().meta({ description: '`renewal`: only agreements ending within POST_RULES.renewalNoticeDays (default 30) of today.' }),
  cursor: cursorSchema.optional(),
  limit: limitSchema,
});

const cursorShape = z.strictObject({ endDate: z.string(), id: z.number().int() });

const exitBody = z.strictObject({
  reason: z.enum(agreementExitReasons),
  lastDayWorked: isoDateSchema.meta({
    description: 'The last day the person worked (inclusive): the placement ends the day after. Today or earlier, before the agreement\'s end.',
  }),
});

const docs = {
  list: describeRoute({
    tag: 'agreements',
    summary: 'Running public-welfare agreements of an area, soonest end first (`due=renewal`: the renewal list)',
    who: ['staff', 'admin'],
    whoNote: 'Staff see the agreements of holders whose home is in their area.',
    paginated: true,
    responses: { 200: { description: 'A page of agreements', json: page(agreementResponse) } },
    errors: [403],
  }),
  read: describeRoute({
    tag: 'agreements',
    summary: 'Read one agreement',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the holder\'s area; another county\'s staff get 404.',
    responses: { 200: { description: 'The agreement', json: agreementResponse } },
    errors: [403],
  }),
  renew: describeRoute({
    tag: 'agreements',
    summary: 'Renew an agreement: the next starts at its end, if the holder still qualifies on that day (422 `not_eligible` with coded reasons otherwise)',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the holder\'s area.',
    responses: { 201: { description: 'The new agreement', json: agreementResponse } },
    errors: [403, 409, 422],
  }),
  exit: describeRoute({
    tag: 'agreements',
    summary: 'End an agreement with a coded reason and the last day worked; the placement ends the day after',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the holder\'s area.',
    responses: { 200: { description: 'The ended agreement', json: agreementResponse } },
    errors: [403, 409, 422],
  }),
};

export const agreementRoutes = new Hono<AppEnv>()
  .get('/', docs.list, validate('query', listQuery), async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor ? decodeCursor(q.cursor, cursorShape) : undefined;
    const result = await listAgreements(serviceCtx(c), { area: q.area, due: q.due, after, limit: q.limit });
    return c.json({ items: result.items.map(toAgreementJson), nextCursor: result.last ? encodeCursor(result.last) : null });
  })
  .get('/:id', docs.read, validate('param', idParamSchema), async (c) => {
    return c.json(toAgreementJson(await getScopedAgreement(serviceCtx(c), c.req.valid('param').id)));
  })
  .post('/:id/renew', docs.renew, validate('param', idParamSchema), validate('json', z.strictObject({}), { emptyBody: {} }), async (c) => {
    return c.json(toAgreementJson(await renewAgreement(serviceCtx(c), c.req.valid('param').id)), 201);
  })
  .post('/:id/exit', docs.exit, validate('param', idParamSchema), validate('json', exitBody), async (c) => {
    return c.json(toAgreementJson(await exitAgreement(serviceCtx(c), c.req.valid('param').id, c.req.valid('json'))));
  });
