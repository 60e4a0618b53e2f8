// The bot's own replies retry a 429 (Telegram's flood control) after the
// retry_after it names, and a 5xx once or twice, briefly: a person waiting
// for an answer gets it a second later rather than never. Waits longer than
// MAX_DELAY_SECONDS are not waited for (the request would outlive Telegram's
// patience); the caller then keeps the reply to send with the next message.
import type { Transformer } from 'grammy';

export const MAX_DELAY_SECONDS = 5;
const MAX_ATTEMPTS = 3;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function retryOnFlood(opts: { maxDelaySeconds?: number; maxAttempts?: number } = {}): Transformer {
  const maxDelay = opts.maxDelaySeconds ?? MAX_DELAY_SECONDS;
  const attempts = opts.maxAttempts ?? MAX_ATTEMPTS;
  return async (prev, method, payload, signal) => {
    for (let attempt = 1; ; attempt++) {
      const res = await prev(method, payload, signal);
      if (res.ok || attempt >= attempts) return res;
      const retryAfter = res.parameters?.retry_after;
      if (res.error_code === 429 && retryAfter !== undefined && retryAfter <= maxDelay) {
        await sleep(retryAfter * 1000);
        continue;
      }
      if (res.error_code >= 500) {
        await sleep(200 * attempt);
        continue;
      }
      return res;
    }
  };
}
