// POST /telegram/webhook: Telegram's updates. The secret header must match
// TELEGRAM_WEBHOOK_SECRET (compared in constant time), else 401 and nothing
// is stored. Each update is stored before it is handled and answered 200 in
// well under Telegram's patience; messages the update made owed go out after.
// On Node (TELEGRAM_WEBHOOK_ACK=stored, the default there) the answer comes
// once the update is stored, and the chat is handled right after it.
import { Hono } from 'hono';
import type { Update } from 'grammy/types';
import { deliverSmsLogged } from '../../bot/channels/sms/sender.js';
import { deliverWechatLogged } from '../../bot/channels/wechat/sender.js';
import { deliverOwed } from '../../bot/sender.js';
import { receiveUpdate } from '../../bot/updates.js';
import { describeRoute } from '../openapi/describe.js';
import { webhookResponse } from '../schemas/responses.js';
import type { AppEnv, Deps } from '../context.js';
import { AppError } from '../errors.js';
import { loggedDelivery } from '../observability/runs.js';

/**
 * Equal strings, compared without leaking where they differ: every byte of
 * `expected` is looked at whatever `given` holds, so the time depends on the
 * secret's length alone. Synchronous: hashing both first (crypto.subtle,
 * asynchronous) put a trip through the thread pool on every webhook, and
 * under load that wait was most of the answer's p99 (README, "What moved on 2026-12-02").
 */
export function secretsMatch(given: string, expected: string): boolean {
  const enc = new TextEncoder();
  const x = enc.encode(given);
  const y = enc.encode(expected);
  let diff = x.length ^ y.length;
  for (let i = 0; i < y.length; i++) diff |= (x[i] ?? 0) ^ y[i]!;
  return diff === 0;
}

/** Telegram's updates nest a few levels (a reply's quoted message, a keyboard's rows); a body much deeper is not one. */
export const MAX_UPDATE_DEPTH = 32;
const MAX_UPDATE_BYTES = 1_000_000;

/** The deepest nesting of arrays and objects in JSON text (strings skipped), stopping once past `limit`. */
export function jsonDepth(text: string, limit = MAX_UPDATE_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91 /* { [ */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The body as an update, or a 400 that says why: not JSON, nested deeper than
 * an update ever is (checked before parsing, so nothing recurses on it), no
 * update_id, or a part an update has that is not an object with a numeric chat.
 */
export function parseUpdate(text: string): Update {
  if (text.length > MAX_UPDATE_BYTES) throw new AppError('validation_failed', 'Not a Telegram update', [{ path: '', message: 'too large' }]);
  if (jsonDepth(text) > MAX_UPDATE_DEPTH) {
    throw new AppError('validation_failed', 'Not a Telegram update', [{ path: '', message: `nested deeper than ${MAX_UPDATE_DEPTH} levels` }]);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('invalid_json', 'The body is not valid JSON');
  }
  if (!isObject(body) || !Number.isSafeInteger(body.update_id) || (body.update_id as number) < 0) {
    throw new AppError('validation_failed', 'Not a Telegram update', [{ path: 'update_id', message: 'required, an integer' }]);
  }
  for (const part of ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'callback_query', 'my_chat_member', 'inline_query']) {
    const value = body[part];
    if (value === undefined) continue;
    const chat = isObject(value) ? (part === 'callback_query' ? (isObject(value.message) ? value.message.chat : undefined) : value.chat) : undefined;
    const badChat = chat !== undefined && !(isObject(chat) && Number.isSafeInteger(chat.id) && typeof chat.type === 'string');
    const badFrom = isObject(value) && value.from !== undefined && !(isObject(value.from) && Number.isSafeInteger(value.from.id));
    if (!isObject(value) || badChat || badFrom) {
      throw new AppError('validation_failed', 'Not a Telegram update', [{ path: part, message: 'not shaped like a Telegram update' }]);
    }
  }
  return body as unknown as Update;
}

/** Sends what is owed now, in the background of the request when the runtime allows. */
export function deliverSoon(deps: Deps) {
  // Beside other serving processes, the primary's loop sends what writes owe (see src/node.ts).
  if (deps.sendsAfterWrites === false) return;
  if (deps.telegram) {
    const task = loggedDelivery(deps, 'request', () =>
      deliverOwed(deps.db, deps.clock, deps.telegram!, { budgetMs: 20_000, quietHours: deps.config.QUIET_HOURS }),
    );
    deps.background?.(task);
  }
  // WeChat's and SMS's senders run with their channel off too: they then cancel what is owed on it, saying why.
  deps.background?.(deliverWechatLogged(deps, 'request', 20_000));
  deps.background?.(deliverSmsLogged(deps, 'request'));
}

const webhookDoc = describeRoute({
  tag: 'operations',
  summary: 'Telegram\'s updates for the chat bot',
  description: 'Only Telegram calls this: the header `X-Telegram-Bot-Api-Secret-Token` must equal TELEGRAM_WEBHOOK_SECRET.',
  who: ['anyone'],
  responses: { 200: { description: 'Stored, and handled (`handled`), queued behind the chat\'s earlier updates (`queued`), or to be handled right after this answer (`stored`, Node\'s default: TELEGRAM_WEBHOOK_ACK); `duplicate` for a copy already stored', json: webhookResponse } },
  errors: [400, 401, 404],
});

export const telegramRoutes = new Hono<AppEnv>().post('/webhook', webhookDoc, async (c) => {
  const deps = c.var.deps;
  const { TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: secret } = deps.config;
  if (!token) throw new AppError('not_found', 'The chat bot is off on this server');
  const given = c.req.header('x-telegram-bot-api-secret-token') ?? '';
  if (!secret || !secretsMatch(given, secret)) {
    throw new AppError('unauthorized', 'Wrong or missing X-Telegram-Bot-Api-Secret-Token');
  }
  const update = parseUpdate(await c.req.text());
  // Answered once stored, handled right after (see bot/updates.ts), where the runtime keeps a task running after the response.
  const background = deps.webhookAck === 'stored' ? deps.background : undefined;
  const later = background && ((handling: Promise<unknown>) => background(handling.then(() => deliverSoon(deps))));
  const receipt = await receiveUpdate(deps, update, later);
  if (receipt !== 'duplicate' && receipt !== 'stored') deliverSoon(deps);
  return c.json({ ok: true, receipt });
});
