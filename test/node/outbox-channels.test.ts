// Which sender a queued message is owed to (outbox.channel, kept by the
// triggers of migration 0026): decided when it is queued, and moved when the
// person links or loses a chat, an openid or a phone, so each sender claims
// only its own rows and never passes over another sender's backlog.
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch } from '../../db/client.js';
import { employers, outbox, workers } from '../../db/schema.js';
import { cancelOwed, claimOwed, owe } from '../../src/services/outbox.js';
import { makeEmployer, makeHousehold, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

let env: TestEnv;
const ids: Record<string, number> = {};

const channelOf = async (id: number) => (await env.db.select({ c: outbox.channel }).from(outbox).where(eq(outbox.id, id)))[0]!.c;

async function oweTo(to: { workerId: number } | { employerId: number } | { chatId: string }, key: string) {
  await batch(env.db, [owe(env.db, env.clock, { kind: 'checkin', to, payload: {}, dedupeKey: key })]);
  const [row] = await env.db.select({ id: outbox.id }).from(outbox).where(eq(outbox.dedupeKey, key));
  return row!.id;
}

beforeAll(async () => {
  env = await makeTestEnv();
  env.clock.set('2026-11-20T02:00:00Z');
  const hh = await makeHousehold(env);
  const person = async (name: string, set: Partial<typeof workers.$inferInsert>) => {
    const w = await makeWorker(env, hh.id);
    await env.db.update(workers).set(set).where(eq(workers.id, w.id));
    ids[name] = w.id;
  };
  await person('phoneOnly', { phone: '13800000001', telegramChatId: null, wechatOpenid: null });
  await person('wechatOnly', { wechatOpenid: 'o-wechat-only', telegramChatId: null });
  await person('telegram', { telegramChatId: '1001' });
  await person('both', { telegramChatId: '1002', wechatOpenid: 'o-both', phone: '13800000002' });
  await person('nothing', { telegramChatId: null, wechatOpenid: null, phone: null });
  const e = await makeEmployer(env);
  await env.db.update(employers).set({ wechatOpenid: 'o-employer', telegramChatId: null }).where(eq(employers.id, e.id));
  ids.employer = e.id;
});
afterAll(() => env.close());

describe('outbox channels', () => {
  it('are decided when a message is queued: Telegram first, then WeChat, then SMS; nobody reached stays with Telegram, which cancels it', async () => {
    const want: Record<string, string> = { phoneOnly: 'sms', wechatOnly: 'wechat', telegram: 'telegram', both: 'telegram', nothing: 'telegram' };
    for (const [name, channel] of Object.entries(want)) {
      expect(await channelOf(await oweTo({ workerId: ids[name]! }, `first:${name}`)), name).toBe(channel);
    }
    expect(await channelOf(await oweTo({ employerId: ids.employer! }, 'first:employer'))).toBe('wechat');
    expect(await channelOf(await oweTo({ chatId: '777' }, 'first:chat'))).toBe('telegram');
  });

  it('follow the person: linking WeChat, then Telegram, then losing both moves what is still owed, not what was sent', async () => {
    const pending = await oweTo({ workerId: ids.phoneOnly! }, 'follow:pending');
    const sent = await oweTo({ workerId: ids.phoneOnly! }, 'follow:sent');
    await env.db.update(outbox).set({ status: 'sent' }).where(eq(outbox.id, sent));
    const link = (set: Partial<typeof workers.$inferInsert>) => env.db.update(workers).set(set).where(eq(workers.id, ids.phoneOnly!));
    await link({ wechatOpenid: 'o-linked' });
    expect(await channelOf(pending)).toBe('wechat');
    await link({ telegramChatId: '1003' });
    expect(await channelOf(pending)).toBe('telegram');
    await link({ telegramChatId: null, wechatOpenid: null });
    expect(await channelOf(pending)).toBe('sms');
    await link({ phone: null });
    expect(await channelOf(pending)).toBe('telegram');
    expect(await channelOf(sent)).toBe('sms'); // as it was when queued: only live rows move
    await env.db.update(employers).set({ telegramChatId: '2001' }).where(eq(employers.id, ids.employer!));
    const employerRow = (await env.db.select().from(outbox).where(eq(outbox.dedupeKey, 'first:employer')))[0]!;
    expect(employerRow.channel).toBe('telegram');
  });

  it('each sender claims only its own rows, and an off channel is cancelled without touching the others', async () => {
    const hh = await makeHousehold(env);
    const texter = await makeWorker(env, hh.id);
    await env.db.update(workers).set({ phone: '13800000009', telegramChatId: null, wechatOpenid: null }).where(eq(workers.id, texter.id));
    // (Registering through the API ran the senders: WeChat's is off here and cancelled its rows.)
    await env.settle();
    for (const k of [1, 2, 3]) await oweTo({ workerId: texter.id }, `texter:${k}`);
    for (const k of [1, 2]) await oweTo({ workerId: ids.wechatOnly! }, `wechat:${k}`);
    const before = await env.db.select().from(outbox).where(inArray(outbox.status, ['pending', 'sending']));
    const byChannel = (c: string) => before.filter((r) => r.channel === c).map((r) => r.id).sort((a, b) => a - b);
    expect(byChannel('sms')).toHaveLength(3);
    expect(byChannel('wechat')).toHaveLength(2);
    const later = new Date(env.clock.now().getTime() + 60_000);
    const wechat = await claimOwed(env.db, later, 'wechat', 50, 30_000);
    expect(wechat.map((r) => r.id)).toEqual(byChannel('wechat'));
    const sms = await claimOwed(env.db, later, 'sms', 50, 30_000);
    expect(sms.map((r) => r.id)).toEqual(byChannel('sms'));
    // SMS off: its rows (leased ones too, once the lease runs out) are cancelled, nobody else's.
    const afterLease = () => new Date(later.getTime() + 60_000);
    expect(await cancelOwed(env.db, afterLease, 'sms', 'off', { rows: 1 })).toBe(byChannel('sms').length);
    const telegram = await claimOwed(env.db, afterLease(), 'telegram', 50, 30_000);
    expect(telegram.map((r) => r.id)).toEqual(byChannel('telegram'));
    const cancelled = await env.db.select().from(outbox).where(and(eq(outbox.status, 'cancelled'), inArray(outbox.id, before.map((r) => r.id))));
    expect(cancelled.map((r) => r.id).sort((a, b) => a - b)).toEqual(byChannel('sms'));
  });
});
