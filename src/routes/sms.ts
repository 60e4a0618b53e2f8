// The SMS provider's callbacks — POST /sms/receipts (delivery receipts) and
// POST /sms/replies (what people answered) — carrying SMS_CALLBACK_TOKEN as
// `?token=` (else 401, nothing kept); and GET /v1/sms/replies, the replies
// staff act on (bot/channels/sms/replies.ts).
import { Hono } from 'hono';
import * as z from 'zod';
import { listSmsReplies, recordReceipts, recordReplies } from '../../bot/channels/sms/replies.js';
import type { AppEnv } from '../context.js';
import { serviceCtx } from '../context.js';
import { AppError } from '../errors.js';
import { describeRoute } from '../openapi/describe.js';
import { smsCallbackResponse, smsReplyList } from '../schemas/responses.js';
import { limitSchema, validate } from '../validation.js';
import { secretsMatch } from './telegram.js';

const tokenQuery = z.strictObject({ token: z.string().max(200).meta({ description: 'SMS_CALLBACK_TOKEN' }) });
const receipts = z
  .array(
    z.looseObject({
      biz_id: z.string().min(1).max(100),
      success: z.boolean(),
      err_code: z.string().max(100).optional(),
      err_msg: z.string().max(500).optional(),
      report_time: z.string().max(40).optional(),
      out_id: z.string().max(100).optional(),
    }),
  )
  .max(1000);
const replies = z
  .array(
    z.looseObject({
      phone_number: z.string().min(5).max(20),
      content: z.string().max(2000),
      sequence_id: z.union([z.string().min(1).max(100), z.number().int()]),
      send_time: z.string().max(40).optional(),
    }),
  )
  .max(1000);

const callbackDoc = (summary: string) =>
  describeRoute({
    tag: 'operations',
    summary,
    description: 'Only the SMS provider calls this, with `?token=` equal to SMS_CALLBACK_TOKEN. Answers as Aliyun expects.',
    who: ['anyone'],
    responses: { 200: { description: 'Taken', json: smsCallbackResponse } },
    errors: [401, 404],
  });

async function checkToken(token: string | undefined, given: string) {
  if (!token) throw new AppError('not_found', 'SMS is off on this server');
  if (!secretsMatch(given, token)) throw new AppError('unauthorized', 'Wrong or missing token');
}

export const smsCallbackRoutes = new Hono<AppEnv>()
  .post('/receipts', callbackDoc('SMS delivery receipts'), validate('query', tokenQuery), validate('json', receipts), async (c) => {
    await checkToken(c.var.deps.config.SMS_CALLBACK_TOKEN, c.req.valid('query').token);
    await recordReceipts(c.var.deps, c.req.valid('json'));
    return c.json({ code: 0 as const, msg: '成功' });
  })
  .post('/replies', callbackDoc('Replies people sent to our SMS'), validate('query', tokenQuery), validate('json', replies), async (c) => {
    await checkToken(c.var.deps.config.SMS_CALLBACK_TOKEN, c.req.valid('query').token);
    await recordReplies(c.var.deps, c.req.valid('json'));
    return c.json({ code: 0 as const, msg: '成功' });
  });

const listQuery = z.strictObject({
  meaning: z.enum(['interested', 'still_working', 'stopped', 'opt_out', 'other']).optional(),
  area: z.string().regex(/^\d{2,12}$/).optional(),
  limit: limitSchema,
});

export const smsReplyRoutes = new Hono<AppEnv>().get(
  '/replies',
  describeRoute({
    tag: 'alerts',
    summary: 'Replies workers sent to SMS',
    description: '`interested`: a 1 to a new opening (the application made is named) or to an offer; `opt_out`: TD, no more SMS.',
    who: ['staff', 'admin'],
    whoNote: 'Staff see the replies of workers in their area.',
    responses: { 200: { description: 'Newest first', json: smsReplyList } },
    errors: [403],
  }),
  validate('query', listQuery),
  async (c) => {
    const q = c.req.valid('query');
    return c.json({ items: await listSmsReplies(serviceCtx(c), { limit: q.limit, ...(q.meaning ? { meaning: q.meaning } : {}), ...(q.area ? { area: q.area } : {}) }) });
  },
);
