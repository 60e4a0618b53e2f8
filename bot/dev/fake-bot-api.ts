// A local stand-in for Telegram's Bot API on 127.0.0.1: answers the methods
// the bot uses, records every call, and can be told to fail (429 with
// retry_after, 5xx, 403, a slow answer). It keeps the messages it was asked
// to send, so editMessageReplyMarkup changes the recorded message's buttons
// (and answers 400 for a message it never sent, as Telegram does). The tests
// and `npm run chat` use it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  token: string;
  body: Record<string, any>;
  at: number;
  /** The message id a sendMessage was answered with. */
  messageId?: number;
  /** Answered with an error (a message to edit that is gone or unchanged). */
  failed?: boolean;
}

export type Failure =
  | { status: 429; retryAfter: number }
  | { status: 403 | 400 | 500 | 502; description?: string }
  | { delayMs: number };

export interface FakeBotApi {
  url: string;
  calls: RecordedCall[];
  /** Calls of one method (optionally to one chat). */
  sent(method?: string, chatId?: string | number): RecordedCall[];
  /** Fail the next calls matching the predicate, one failure each. */
  fail(failure: Failure, when?: (call: RecordedCall) => boolean, times?: number): void;
  /** Decide each call's answer: return a Failure, or nothing to succeed. */
  setBehaviour(fn: ((call: RecordedCall) => Failure | undefined) | null): void;
  /** Resolves when `n` calls of `method` have been recorded. */
  waitFor(method: string, n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, any>;
  } catch {
    return Object.fromEntries(new URLSearchParams(text));
  }
}

export async function startFakeBotApi(): Promise<FakeBotApi> {
  const calls: RecordedCall[] = [];
  const queued: Array<{ failure: Failure; when: (c: RecordedCall) => boolean; left: number }> = [];
  let behaviour: ((call: RecordedCall) => Failure | undefined) | null = null;
  let messageId = 1000;
  const waiters: Array<() => void> = [];

  const server: Server = createServer(async (req, res) => {
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const body = await readBody(req);
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (!match) return reply(404, { ok: false, error_code: 404, description: 'Not Found' });
    const call: RecordedCall = { token: match[1]!, method: match[2]!, body, at: Date.now() };

    let failure = behaviour?.(call);
    if (!failure) {
      const q = queued.find((x) => x.left > 0 && x.when(call));
      if (q) {
        q.left -= 1;
        failure = q.failure;
      }
    }
    if (failure && 'delayMs' in failure) {
      const ms = failure.delayMs;
      await new Promise((r) => setTimeout(r, ms));
      failure = undefined;
    }
    if (failure) {
      if (failure.status === 429) {
        return reply(429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${failure.retryAfter}`, parameters: { retry_after: failure.retryAfter } });
      }
      const description = failure.description ?? (failure.status === 403 ? 'Forbidden: bot was blocked by the user' : 'Internal Server Error');
      return reply(failure.status, { ok: false, error_code: failure.status, description });
    }
    calls.push(call);
    for (const w of waiters.splice(0)) w();
    switch (call.method) {
      case 'getMe':
        return reply(200, { ok: true, result: { id: Number(call.token.split(':')[0]) || 1, is_bot: true, first_name: 'Jiujin', username: 'jiujin_bot' } });
      case 'sendMessage':
        call.messageId = ++messageId;
        return reply(200, {
          ok: true,
          result: { message_id: call.messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(body.chat_id), type: 'private' }, text: body.text },
        });
      case 'editMessageReplyMarkup': {
        const sent = calls.find((c) => c.method === 'sendMessage' && c.messageId === Number(body.message_id) && String(c.body.chat_id) === String(body.chat_id));
        call.failed = true;
        if (!sent) return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' });
        const markup = typeof body.reply_markup === 'string' ? JSON.parse(body.reply_markup) : body.reply_markup;
        if (JSON.stringify(markup) === JSON.stringify(sent.body.reply_markup)) {
          return reply(400, { ok: false, error_code: 400, description: 'Bad Request: message is not modified' });
        }
        call.failed = false;
        sent.body.reply_markup = markup;
        return reply(200, { ok: true, result: { message_id: sent.messageId, chat: { id: Number(body.chat_id), type: 'private' }, text: sent.body.text } });
      }
      default:
        return reply(200, { ok: true, result: true });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    sent: (method = 'sendMessage', chatId) =>
      calls.filter((c) => c.method === method && !c.failed && (chatId === undefined || String(c.body.chat_id) === String(chatId))),
    fail: (failure, when = () => true, times = 1) => queued.push({ failure, when, left: times }),
    setBehaviour: (fn) => {
      behaviour = fn;
    },
    async waitFor(method, n, timeoutMs = 5000) {
      const started = Date.now();
      while (calls.filter((c) => c.method === method).length < n) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${n} ${method} calls`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
