import { Hono } from 'hono';
import * as z from 'zod';
import { type AppEnv, serviceCtx } from '../context.js';
import { closeMonth, closingsFor } from '../counting/closings.js';
import { describeRoute } from '../openapi/describe.js';
import { closingsResponse, filingResponse } from '../schemas/responses.js';
import { areaCodeSchema, validate } from '../validation.js';

const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM');

const closeBody = z.strictObject({
  area: areaCodeSchema.meta({ description: 'The county (6 digits).' }),
  month: monthSchema,
  reason: z.string().trim().min(1).max(500).optional().meta({ description: 'Required to close a month already closed.' }),
});

const closingsQuery = z.strictObject({ area: areaCodeSchema.optional(), month: monthSchema });

const docs = {
  close: describeRoute({
    tag: 'counting',
    summary: 'Close a county\'s month: file the figures GET /v1/stats gives as of its last day',
    description:
      'Stored with who and when, never changed. A month can be closed from its last day (China time). Closing a closed month again needs a `reason` (409 without one) and adds a filing; both are audited.',
    who: ['staff', 'admin'],
    whoNote: 'Staff of exactly that county.',
    responses: { 201: { description: 'The filing', json: filingResponse } },
    errors: [403, 409, 422],
  }),
  list: describeRoute({
    tag: 'counting',
    summary: 'A county\'s month as filed, now and what moved; or which counties of an area have closed it',
    description:
      'For a county: `filed` (the filing in force), `now` (recomputed), `revisions` (one entry per figure that moved) and every filing. For a prefecture or more: each county, closed or not, with its number of revisions.',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the area or above it; a township\'s staff may not read a county\'s filing.',
    responses: { 200: { description: 'The closing or the counties', json: closingsResponse } },
    errors: [403, 422],
  }),
};

export const closingRoutes = new Hono<AppEnv>()
  .post('/', docs.close, validate('json', closeBody), async (c) => c.json(await closeMonth(serviceCtx(c), c.req.valid('json')), 201))
  .get('/', docs.list, validate('query', closingsQuery), async (c) => c.json(await closingsFor(serviceCtx(c), c.req.valid('query'))));
