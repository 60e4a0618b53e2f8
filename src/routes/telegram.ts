// POST /telegram/webhook: Telegram's updates. The secret header must match
// TELEGRAM_WEBHOOK_SECRET (compared in constant time), else 401 and nothing
// is stored. Each update is stored before it is handled and answered 200 in
// well under Telegram's patience; messages the update made owed go out after.
import { Hono } from 'hono';
import type { Update } from 'grammy/types';
import { deliverOwed } from '../../bot/sender.js';
import { receiveUpdate } from '../../bot/updates.js';
import { describeRoute } from '../openapi/describe.js';
import { webhookResponse } from '../schemas/responses.js';
import type { AppEnv, Deps } from '../context.js';
import { AppError } from '../errors.js';
import { loggedDelivery } from '../observability/runs.js';

/** Equal strings, compared without leaking where they differ (both hashed first: equal lengths). */
export async function secretsMatch(given: string, expected: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', enc.encode(given)),
    crypto.subtle.digest('SHA-256', enc.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/** Sends what is owed now, in the background of the request when the runtime allows. */
export function deliverSoon(deps: Deps) {
  if (!deps.telegram) return;
  const task = loggedDelivery(deps, 'request', () =>
    deliverOwed(deps.db, deps.clock, deps.telegram!, { budgetMs: 20_000, quietHours: deps.config.QUIET_HOURS }),
  );
  deps.background?.(task);
}

const webhookDoc = describeRoute({
  tag: 'operations',
  summary: 'Telegram\'s updates for the chat bot',
  description: 'Only Telegram calls this: the header `X-Telegram-Bot-Api-Secret-Token` must equal TELEGRAM_WEBHOOK_SECRET.',
  who: ['anyone'],
  responses: { 200: { description: 'Stored (and handled, or queued behind the chat\'s earlier updates)', json: webhookResponse } },
  errors: [400, 401, 404],
});

export const telegramRoutes = new Hono<AppEnv>().post('/webhook', webhookDoc, async (c) => {
  const deps = c.var.deps;
  const { TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: secret } = deps.config;
  if (!token) throw new AppError('not_found', 'The chat bot is off on this server');
  const given = c.req.header('x-telegram-bot-api-secret-token') ?? '';
  if (!secret || !(await secretsMatch(given, secret))) {
    throw new AppError('unauthorized', 'Wrong or missing X-Telegram-Bot-Api-Secret-Token');
  }
  let update: Update;
  try {
    update = (await c.req.json()) as Update;
  } catch {
    throw new AppError('invalid_json', 'The body is not valid JSON');
  }
  if (!update || typeof update !== 'object' || !Number.isSafeInteger(update.update_id)) {
    throw new AppError('validation_failed', 'Not a Telegram update', [{ path: 'update_id', message: 'required, an integer' }]);
  }
  const receipt = await receiveUpdate(deps, update);
  if (receipt !== 'duplicate') deliverSoon(deps);
  return c.json({ ok: true, receipt });
});
