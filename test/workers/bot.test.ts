// The chat bot on Workers: the built worker in Miniflare with D1, real
// Telegram update JSON posted to its webhook, and the Bot API served by a
// local fake on 127.0.0.1 that workerd calls out to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBotApi, startFakeBotApi } from '../../bot/dev/fake-bot-api.js';
import * as tg from '../telegram-updates.js';
import { ADMIN_TOKEN, type Bundle, buildWorker, makeEmployer, openingBody, startWorker, type WorkerRuntime } from './worker-runtime.js';

const SECRET = 'workers-webhook-secret';
let bundle: Bundle;
let rt: WorkerRuntime;
let fake: FakeBotApi;
let nextChat = 9_100_000;

beforeAll(async () => {
  fake = await startFakeBotApi();
  bundle = await buildWorker();
  rt = await startWorker(bundle, {
    TELEGRAM_BOT_TOKEN: '4242:WORKERS-TEST',
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_API_ROOT: fake.url,
    // Workers run on the real clock: quiet hours would hold the offer back at night.
    QUIET_HOURS: 'off',
  });
});
afterAll(async () => {
  await rt?.dispose();
  await fake?.close();
});

const post = (update: unknown, secret = SECRET) =>
  rt.request('POST', '/telegram/webhook', { body: update, headers: { 'x-telegram-bot-api-secret-token': secret } });

function person() {
  const chatId = ++nextChat;
  const replies = () => fake.sent('sendMessage', chatId);
  const p = {
    chatId,
    async send(update: unknown) {
      const before = replies().length;
      const res = await post(update);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return replies().slice(before);
    },
    say: (text: string) => p.send(tg.text(chatId, text)),
    async press(label: string) {
      const all = replies();
      for (let i = all.length - 1; i >= 0; i--) {
        const b = (all[i]!.body.reply_markup?.inline_keyboard ?? []).flat().find((x: any) => x.text.includes(label));
        if (b) return p.send(tg.callback(chatId, b.callback_data, all[i]!.messageId));
      }
      throw new Error(`no button "${label}"; last: ${JSON.stringify(all.at(-1)?.body)}`);
    },
    lastText: () => String(replies().at(-1)?.body.text ?? ''),
    count: () => replies().length,
  };
  return p;
}

describe('bot on Workers', () => {
  it('refuses a wrong secret with 401 and stores nothing in D1', async () => {
    const update = tg.text(++nextChat, '/start');
    const res = await post(update, 'nope');
    expect(res.status).toBe(401);
    const row = await rt.d1.prepare('SELECT count(*) AS n FROM telegram_updates WHERE update_id = ?').bind(update.update_id).first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it('signs a person up end to end, the conversation kept in D1 between requests', async () => {
    const p = person();
    await p.say('/start');
    await p.press('同意');
    await p.say('杨秀');
    await p.say('跳过');
    await p.press('蒙自市');
    await p.press('文澜街道');
    await p.press('天马社区');
    await p.press('不想说');
    const before = p.count();
    await p.press('缝纫');
    // The toggle edits the keyboard it is on: no new message.
    expect(p.count()).toBe(before);
    expect(fake.sent('editMessageReplyMarkup', p.chatId)).toHaveLength(1);
    await p.press('好了');
    await p.press('半天');
    const done = await p.press('10 公里');
    expect(done.map((c) => c.body.text).join()).toContain('登记好了');
    await p.send(tg.location(p.chatId, 23.4, 103.38));
    const w = await rt.d1
      .prepare('SELECT name, area_code AS areaCode, home_lat AS lat, availability, max_distance_km AS km FROM workers WHERE telegram_chat_id = ?')
      .bind(String(p.chatId))
      .first();
    expect(w).toEqual({ name: '杨秀', areaCode: '532503001001', lat: 23.4, availability: 'part_day', km: 10 });
  });

  it('refuses a body nested 30,000 levels deep with 400', async () => {
    const res = await rt.request('POST', '/telegram/webhook', {
      body: `{"update_id": 5, "message": ${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
      headers: { 'x-telegram-bot-api-secret-token': SECRET, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
  });

  it('handles a repeated update once, also when the copies arrive together', async () => {
    const p = person();
    const update = tg.text(p.chatId, '/start');
    const results = await Promise.all([post(update), post(update)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.filter((r) => r.body.receipt === 'duplicate')).toHaveLength(1);
    expect(fake.sent('sendMessage', p.chatId)).toHaveLength(1);
  });

  it('answers a sticker and a stale button helpfully', async () => {
    const p = person();
    await p.say('/start');
    await p.press('English');
    const sticker = await p.send(tg.sticker(p.chatId));
    expect(sticker).toHaveLength(1);
    expect(sticker[0]!.body.text).toContain('cannot read stickers');
    const stale = await p.send(tg.callback(p.chatId, '0:lang:zh'));
    expect(stale[0]!.body.text).toContain('out of date');
  });

  it('an offer made through the API reaches the worker, by the request or by the cron run', async () => {
    const p = person();
    await p.say('/start');
    await p.press('同意');
    await p.say('何梅');
    await p.say('跳过');
    await p.press('蒙自市');
    await p.press('文澜街道');
    await p.press('天马社区');
    await p.press('能出门');
    await p.press('好了');
    await p.press('一整天');
    await p.press('5 公里');
    await p.send(tg.location(p.chatId, 23.4, 103.38));
    const worker = await rt.d1.prepare('SELECT id FROM workers WHERE telegram_chat_id = ?').bind(String(p.chatId)).first<{ id: number }>();
    const employerId = await makeEmployer(rt);
    const o = await rt.request('POST', '/v1/openings', { token: ADMIN_TOKEN, body: openingBody({ employerId, skills: [] }) });
    const a = await rt.request('POST', '/v1/applications', { token: ADMIN_TOKEN, body: { workerId: worker!.id, openingId: o.body.id } });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const offered = await rt.request('POST', `/v1/applications/${a.body.id}/transitions`, { token: ADMIN_TOKEN, body: { to: 'offered' } });
    expect(offered.status).toBe(200);
    await rt.scheduled();
    const deadline = Date.now() + 5000;
    while (!p.lastText().includes('好消息') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const dbg = await rt.d1.prepare('SELECT * FROM outbox').all();
    expect(p.lastText(), JSON.stringify(dbg.results)).toContain('好消息');
    const owed = await rt.d1.prepare("SELECT status FROM outbox WHERE kind = 'offer' AND worker_id = ?").bind(worker!.id).first<{ status: string }>();
    expect(owed?.status).toBe('sent');
    expect(fake.sent('sendMessage', p.chatId).filter((c) => String(c.body.text).includes('好消息'))).toHaveLength(1);
  });
});
