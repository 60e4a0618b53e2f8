// The post holder in the chat: the month's subsidy and its deduction told by
// a message before payment, and the sampled check-in's question answered
// with its buttons — through the fake Bot API on 127.0.0.1, the real sender
// and the real webhook.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBotApi, RecordedCall } from '../../bot/dev/fake-bot-api.js';
import { deliverOwed } from '../../bot/sender.js';
import { outbox, postCheckins, postChecks, workers } from '../../db/schema.js';
import { runClocks } from '../../src/scheduler.js';
import { makeBotTestEnv, makeEmployer, makeHousehold, makeOpening, makeWorker, type TestEnv } from '../helpers.js';
import * as tg from '../telegram-updates.js';

const SECRET = 'posts-webhook-secret';
const TOKEN = '778:POSTS-TEST';
const V1 = '532503001001';
const HOME = { lat: 23.4, lon: 103.38 };

let env: TestEnv;
let fake: FakeBotApi;
let closeAll: () => Promise<void>;
let chat = 9_100_000;

beforeAll(async () => {
  ({ env, fake, close: closeAll } = await makeBotTestEnv({ token: TOKEN, secret: SECRET, more: { POST_RULES: '{"checkinSampleShare":1}' } }));
});
afterAll(() => closeAll());

const deliver = () => deliverOwed(env.db, env.clock, env.deps.telegram!, { quietHours: env.deps.config.QUIET_HOURS });
const texts = (c: string) => fake.sent('sendMessage', c).map((m) => String(m.body.text));
const buttonsOf = (call: RecordedCall): Array<{ text: string; callback_data: string }> => (call.body.reply_markup?.inline_keyboard ?? []).flat();
const post = (update: unknown) => env.request('POST', '/telegram/webhook', { body: update, headers: { 'x-telegram-bot-api-secret-token': SECRET } });

async function hiredHolder(title: string) {
  const bureau = await makeEmployer(env, { kind: 'public_body' });
  const opening = await makeOpening(env, bureau.id, { title, kind: 'public_welfare', areaCode: V1, point: HOME, slots: 1, hours: 'part_day' });
  const h = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  const w = await makeWorker(env, h.id, { home: HOME });
  const p = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: w.id, type: 'public_welfare', areaCode: V1, startDate: '2026-10-01' } });
  expect(p.status).toBe(201);
  // The post's title comes from its opening.
  await env.db.run(sql`UPDATE placements SET opening_id = ${opening.id} WHERE id = ${p.body.id}`);
  const c = String(++chat);
  await env.db.update(workers).set({ telegramChatId: c }).where(eq(workers.id, w.id));
  return { workerId: w.id as number, placementId: p.body.id as number, chat: c };
}

describe('the post holder in the chat', () => {
  it('is told the month\'s amount and deduction in plain words; only once it is sent may the month be paid', async () => {
    env.clock.set('2026-12-02T02:00:00Z');
    const h = await hiredHolder('保洁员');
    const r = await env.request('PUT', '/v1/assessments', { token: env.adminToken, body: { placementId: h.placementId, month: '2026-11', daysWorked: 18, total: 75 } });
    expect(r.status).toBe(201);
    expect((await env.request('POST', `/v1/assessments/${r.body.id}/tell`, { token: env.adminToken, body: { how: 'message' } })).status).toBe(200);
    await env.settle();
    await deliver();
    const said = texts(h.chat).find((t) => t.includes('327.27'));
    expect(said).toBe('11月的工钱（补贴）327.27元，扣了172.73元：考核合格，上班18天，不满一个月。有疑问请找村里。');
    expect(said!.length).toBeLessThanOrEqual(60);
    const [row] = await env.db.select().from(outbox).where(eq(outbox.dedupeKey, `subsidy_notice:${r.body.id}:1`));
    expect(row!.status).toBe('sent');
    expect((await env.request('POST', `/v1/assessments/${r.body.id}/paid`, { token: env.adminToken })).status).toBe(200);
  });

  it('is asked "这个月您在做…吗？" and a "没有做" raises a flag staff see', async () => {
    env.clock.set('2026-12-11T02:00:00Z');
    const h = await hiredHolder('护林员');
    await runClocks(env.deps);
    await deliver();
    const question = fake.sent('sendMessage', h.chat).find((m) => String(m.body.text).includes('这个月您在做'));
    expect(String(question!.body.text)).toBe('这个月您在做“护林员”吗？');
    const [c] = await env.db.select().from(postCheckins).where(eq(postCheckins.placementId, h.placementId));
    expect(buttonsOf(question!).map((b) => b.callback_data)).toEqual([`g:postyes:${c!.id}`, `g:postno:${c!.id}`]);
    await post(tg.text(Number(h.chat), '/start'));
    await post(tg.callback(Number(h.chat), `g:postno:${c!.id}`));
    expect(texts(h.chat).some((t) => t.includes('工作人员会联系您'))).toBe(true);
    const flags = await env.db.select().from(postChecks).where(and(eq(postChecks.placementId, h.placementId), eq(postChecks.kind, 'checkin_no')));
    expect(flags).toHaveLength(1);
    // Pressed again: already answered.
    await post(tg.callback(Number(h.chat), `g:postyes:${c!.id}`));
    expect(texts(h.chat).some((t) => t.includes('已经回答过了'))).toBe(true);
  });
});
