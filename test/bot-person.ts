// A person chatting with the bot through the real webhook: send updates, read
// the bot's answers from the local fake Bot API, press buttons on the
// messages they are on. Shared by the bot's Node tests.
import { expect } from 'vitest';
import type { FakeBotApi, RecordedCall } from '../bot/dev/fake-bot-api.js';
import type { TestEnv } from './helpers.js';
import * as tg from './telegram-updates.js';

export type Button = { text: string; callback_data?: string };

export const buttonsOf = (call: RecordedCall): Button[] =>
  (call.body.reply_markup?.inline_keyboard ?? call.body.reply_markup?.keyboard ?? []).flat();

export function chatHarness(env: TestEnv, fake: FakeBotApi, secret: string) {
  let nextChat = 7_000_000 + Math.floor(Math.random() * 100) * 10_000;
  const post = (update: unknown, s: string | null = secret) =>
    env.request('POST', '/telegram/webhook', { body: update, headers: s === null ? {} : { 'x-telegram-bot-api-secret-token': s } });

  function person(chatId = ++nextChat) {
    const replies = () => fake.sent('sendMessage', chatId);
    let inputs = 0;
    const p = {
      chatId,
      /** Updates this person has sent. */
      inputs: () => inputs,
      /** Messages the bot has sent this person. */
      messages: () => replies().length,
      async send(update: unknown): Promise<RecordedCall[]> {
        const before = replies().length;
        inputs += 1;
        const res = await post(update);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return replies().slice(before);
      },
      say: (text: string) => p.send(tg.text(chatId, text)),
      /** Presses the newest button whose label contains `label`, on the message it is on. */
      async press(label: string): Promise<RecordedCall[]> {
        const all = replies();
        for (let i = all.length - 1; i >= 0; i--) {
          const b = buttonsOf(all[i]!).find((x) => x.text.includes(label) && x.callback_data);
          if (b) return p.send(tg.callback(chatId, b.callback_data!, all[i]!.messageId));
        }
        throw new Error(`no button "${label}" in the chat; last: ${JSON.stringify(all.at(-1)?.body)}`);
      },
      /** Presses a button on one given message (an older one, say). */
      pressOn: (call: RecordedCall, label: string) => {
        const b = buttonsOf(call).find((x) => x.text.includes(label) && x.callback_data);
        if (!b) throw new Error(`no button "${label}" on ${JSON.stringify(call.body)}`);
        return p.send(tg.callback(chatId, b.callback_data!, call.messageId));
      },
      last: () => replies().at(-1)!,
      lastText: () => String(replies().at(-1)?.body.text ?? ''),
      buttons: (call = replies().at(-1)!) => buttonsOf(call).map((b) => b.text),
      texts: (calls: RecordedCall[]) => calls.map((c) => String(c.body.text)).join('\n---\n'),
    };
    return p;
  }
  return { post, person, nextChat: () => ++nextChat };
}

export type Person = ReturnType<ReturnType<typeof chatHarness>['person']>;
