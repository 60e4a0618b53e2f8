// GET /wechat: WeChat's server check; POST /wechat: the Official Account's
// messages and events (plain or safe mode). Only WeChat calls these: each
// request is signed with WECHAT_TOKEN, else 401 and nothing is stored. The
// conversation is bot/flow.ts through bot/channels/wechat/.
import { Hono } from 'hono';
import * as z from 'zod';
import { checkServer, receiveWechat, type WechatAnswer } from '../../bot/channels/wechat/adapter.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { describeRoute } from '../openapi/describe.js';
import { validate } from '../validation.js';
import { deliverSoon } from './telegram.js';

const signedQuery = z.looseObject({
  signature: z.string().max(100).optional().meta({ description: 'SHA-1 of the sorted WECHAT_TOKEN, timestamp and nonce.' }),
  timestamp: z.string().max(20).optional(),
  nonce: z.string().max(100).optional(),
  echostr: z.string().max(200).optional().meta({ description: 'Echoed back by the server check.' }),
  encrypt_type: z.string().max(10).optional().meta({ description: '`aes` in safe mode (安全模式).' }),
  msg_signature: z.string().max(100).optional().meta({ description: 'Safe mode: SHA-1 of the sorted token, timestamp, nonce and ciphertext.' }),
});

const checkDoc = describeRoute({
  tag: 'operations',
  summary: 'WeChat\'s server check (服务器配置)',
  description: 'Answers `echostr` when `signature` is the SHA-1 of the sorted WECHAT_TOKEN, timestamp and nonce.',
  who: ['anyone'],
  responses: { 200: { description: 'The echostr', text: 'text/plain' } },
  errors: [401, 404],
});

const messageDoc = describeRoute({
  tag: 'operations',
  summary: 'WeChat\'s messages and events for the chat',
  description:
    'Only WeChat calls this. The body is WeChat\'s XML, plain (checked by `signature`) or in safe mode (`encrypt_type=aes`, checked by `msg_signature`, AES-256-CBC with WECHAT_AES_KEY). The answer is the passive reply (encrypted the same way in safe mode) or `success`.',
  who: ['anyone'],
  responses: { 200: { description: 'The passive reply, or `success` when there is nothing to say', text: ['application/xml', 'text/plain'] } },
  errors: [400, 401, 404, 413],
});

function send(c: { body: (b: string, s: 200, h: Record<string, string>) => Response }, a: WechatAnswer): Response {
  if (a.status !== 200) {
    const code = a.status === 401 ? 'unauthorized' : a.status === 404 ? 'not_found' : 'validation_failed';
    throw new AppError(code, a.error);
  }
  return c.body(a.body, 200, { 'content-type': a.type === 'xml' ? 'application/xml; charset=utf-8' : 'text/plain; charset=utf-8' });
}

export const wechatRoutes = new Hono<AppEnv>()
  .get('/', checkDoc, validate('query', signedQuery), async (c) => send(c, await checkServer(c.var.deps, c.req.valid('query'))))
  .post('/', messageDoc, validate('query', signedQuery), async (c) => {
    const deps = c.var.deps;
    const answer = await receiveWechat(deps, c.req.valid('query'), await c.req.text());
    // What the message made owed (an employer's new applicant) goes out after the answer.
    if (answer.status === 200) deliverSoon(deps);
    return send(c, answer);
  });
