// Alerts end to end on Node: what is owed (opening alerts, application
// notices, the clocks, the monthly check-in), and how the sender delivers it
// to a local fake Bot API on 127.0.0.1 (throttle, quiet hours, 429, 5xx,
// time-outs, 403, dead letters, a sender killed mid-batch, a clean stop).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeBotApi, RecordedCall } from '../../bot/dev/fake-bot-api.js';
import { deliverOwed, MAX_ATTEMPTS } from '../../bot/sender.js';
import { apiTokens, openings, outbox, placements, workers } from '../../db/schema.js';
import { runClocks, runNodeLoop } from '../../src/scheduler.js';
import { ALERTS_PER_OPENING } from '../../src/services/alerts.js';
import { today } from '../../src/services/households.js';
import { owe } from '../../src/services/outbox.js';
import { addDays } from '../../src/domain/dates.js';
import { createToken } from '../../src/services/tokens.js';
import { classifyFailure, type TelegramApi, telegramApi } from '../../src/telegram.js';
import { makeBotTestEnv, makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';
import * as tg from '../telegram-updates.js';

const SECRET = 'alerts-webhook-secret';
const TOKEN = '777:ALERTS-TEST';
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const START = '2026-11-20T02:00:00Z'; // 10:00 in China

let env: TestEnv;
let fake: FakeBotApi;
let nextChat = 8_100_000;
let nextSpot = 0;

let closeAll: () => Promise<void>;
beforeAll(async () => {
  ({ env, fake, close: closeAll } = await makeBotTestEnv({ token: TOKEN, secret: SECRET }));
});
afterAll(() => closeAll());
beforeEach(async () => {
  await env.settle();
  env.clock.set(START);
  fake.setBehaviour(null);
});

/** A place of its own for each test, far from the others' (workers reach 5 km). */
const spot = () => {
  nextSpot += 1;
  return { lat: 22.6 + nextSpot * 0.15, lon: 104.2 };
};

const telegram = () => env.deps.telegram!;
const deliver = (opts: Parameters<typeof deliverOwed>[3] = {}) => deliverOwed(env.db, env.clock, telegram(), { quietHours: env.deps.config.QUIET_HOURS, ...opts });
const sentTo = (chat: string | number) => fake.sent('sendMessage', chat);
const texts = (chat: string | number) => sentTo(chat).map((c) => String(c.body.text));

/** Workers at `at`, each with a chat (set after creation, so nothing is owed to them yet). */
async function workersAt(at: { lat: number; lon: number }, n: number, over: Record<string, unknown> = {}, household?: number) {
  const out: Array<{ id: number; chat: string; householdId: number }> = [];
  for (let i = 0; i < n; i++) {
    const h = household ?? (await makeHousehold(env)).id;
    const w = await makeWorker(env, h, { home: at, skills: [], ...over });
    out.push({ id: w.id, chat: String(++nextChat), householdId: h });
  }
  return out;
}
async function giveChats(list: Array<{ id: number; chat: string }>) {
  for (const w of list) await env.db.update(workers).set({ telegramChatId: w.chat }).where(eq(workers.id, w.id));
}
const alertsFor = (openingId: number) =>
  env.db.select().from(outbox).where(and(eq(outbox.kind, 'opening_alert'), sql`json_extract(${outbox.payload}, '$.openingId') = ${openingId}`)).orderBy(outbox.id);

const post = (update: unknown) =>
  env.request('POST', '/telegram/webhook', { body: update, headers: { 'x-telegram-bot-api-secret-token': SECRET } });
const buttonsOf = (call: RecordedCall): Array<{ text: string; callback_data: string }> => (call.body.reply_markup?.inline_keyboard ?? []).flat();

describe('opening alerts', () => {
  it('an opening posted open alerts each opted-in worker within reach once, ranked by the matcher, and never the others', async () => {
    const at = spot();
    const employer = await makeEmployer(env);
    const plain = await workersAt(at, 2);
    // A zero-employment household's member ranks first (a registered household with nobody in work).
    const off = await workersAt(at, 1);
    const far = await workersAt({ lat: at.lat + 0.09, lon: at.lon }, 1); // 10 km: beyond 5 km
    const blocked = await workersAt(at, 1);
    const noChat = await workersAt(at, 1);
    await giveChats([...plain, ...off, ...far, ...blocked]);
    await env.db.update(workers).set({ alertsEnabled: false }).where(eq(workers.id, off[0]!.id));
    await env.db.update(workers).set({ unreachable: true }).where(eq(workers.id, blocked[0]!.id));

    const o = await makeOpening(env, employer.id, { point: at, title: '村里保洁' });
    await env.settle();
    const owed = await alertsFor(o.id);
    expect(owed.map((r) => r.workerId).sort()).toEqual(plain.map((w) => w.id).sort());
    for (const w of plain) expect(texts(w.chat).filter((t) => t.includes('村里保洁'))).toHaveLength(1);
    for (const w of [...off, ...far, ...blocked]) expect(texts(w.chat)).toEqual([]);
    expect(owed.map((r) => [r.status, r.dedupeKey])).toEqual(owed.map((r) => ['sent', `opening_alert:${o.id}:${r.workerId}`]));
    expect(noChat).toHaveLength(1);
    // The order of the outbox is the matcher's order.
    const ranked = await env.request('GET', `/v1/openings/${o.id}/candidates?limit=100`, { token: env.adminToken });
    if (ranked.status === 200) {
      const order = (ranked.body.items as Array<{ worker: { id: number } }>).map((c) => c.worker.id).filter((id) => plain.some((w) => w.id === id));
      expect(owed.map((r) => r.workerId)).toEqual(order);
    }
  });

  it('more slots or re-opening alert only workers not alerted yet: at most one alert per worker and opening', async () => {
    const at = spot();
    const employer = await makeEmployer(env);
    const first = await workersAt(at, 2);
    await giveChats(first);
    const o = await makeOpening(env, employer.id, { point: at, slots: 1 });
    await env.settle();
    const later = await workersAt(at, 1);
    await giveChats(later);
    const more = await env.request('PATCH', `/v1/openings/${o.id}`, { token: env.adminToken, body: { slots: 3 } });
    expect(more.status).toBe(200);
    await env.settle();
    const again = await env.request('PATCH', `/v1/openings/${o.id}`, { token: env.adminToken, body: { slots: 4 } });
    expect(again.status).toBe(200);
    await runClocks(env.deps);
    await deliver();
    const owed = await alertsFor(o.id);
    expect(owed.map((r) => r.workerId).sort()).toEqual([...first, ...later].map((w) => w.id).sort());
    for (const w of [...first, ...later]) expect(sentTo(w.chat)).toHaveLength(1);
    const [row] = await env.db.select({ marker: openings.alertsPendingAt }).from(openings).where(eq(openings.id, o.id));
    expect(row!.marker).toBeNull();
  });

  it('a filled opening that reopens when its hire’s placement ends alerts the workers not alerted yet', async () => {
    const at = spot();
    const employer = await makeEmployer(env);
    const o = await makeOpening(env, employer.id, { point: at, slots: 1, title: '竹编帮工' });
    const [hiredWorker] = await workersAt(at, 1);
    const a = await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId: hiredWorker!.id, openingId: o.id } });
    await env.request('POST', `/v1/applications/${a.body.id}/transitions`, { token: env.adminToken, body: { to: 'offered' } });
    const hired = await env.request('POST', `/v1/applications/${a.body.id}/transitions`, { token: env.adminToken, body: { to: 'hired' } });
    expect(hired.status).toBe(200);
    await env.settle();
    // Someone new moves in while the opening is filled.
    const newcomer = await workersAt(at, 1);
    await giveChats(newcomer);
    const ended = await env.request('POST', `/v1/placements/${hired.body.placement.id}/end`, {
      token: env.adminToken,
      body: { endDate: '2026-11-20', reason: 'quit' },
    });
    expect(ended.status).toBe(200);
    await env.settle();
    await deliver();
    expect((await alertsFor(o.id)).map((r) => r.workerId)).toEqual([newcomer[0]!.id]);
    expect(texts(newcomer[0]!.chat).filter((t) => t.includes('竹编帮工'))).toHaveLength(1);
  });

  it('a draft owes nothing until it is opened; an opening closed before its alerts went out sends none', async () => {
    const at = spot();
    const employer = await makeEmployer(env);
    const ws = await workersAt(at, 2);
    await giveChats(ws);
    const draft = await makeOpening(env, employer.id, { point: at, status: 'draft' });
    expect(await alertsFor(draft.id)).toEqual([]);
    await env.request('PATCH', `/v1/openings/${draft.id}`, { token: env.adminToken, body: { status: 'open' } });
    await env.settle();
    expect((await alertsFor(draft.id)).map((r) => r.status)).toEqual(['sent', 'sent']);

    // Quiet hours hold the next alerts; the opening closes before the morning.
    env.clock.set('2026-11-20T14:30:00Z'); // 22:30 in China
    const o = await makeOpening(env, employer.id, { point: at });
    await env.settle();
    expect((await alertsFor(o.id)).map((r) => r.status)).toEqual(['pending', 'pending']);
    await env.request('POST', `/v1/openings/${o.id}/close`, { token: env.adminToken, body: {} });
    env.clock.set('2026-11-21T00:00:01Z'); // 08:00 in China
    await deliver();
    const after = await alertsFor(o.id);
    expect(after.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    for (const w of ws) expect(sentTo(w.chat)).toHaveLength(1);
  });

  it('alerts a step left undone (a crash between the change and the alerts) are written by the scheduler', async () => {
    const at = spot();
    const employer = await makeEmployer(env);
    const ws = await workersAt(at, 1);
    const o = await makeOpening(env, employer.id, { point: at });
    await giveChats(ws);
    // As if the process died after the opening was stored with its marker.
    await env.db.update(openings).set({ alertsPendingAt: env.clock.now().toISOString() }).where(eq(openings.id, o.id));
    const clocks = await runClocks(env.deps);
    expect(clocks.openingAlertsOwed).toBeGreaterThanOrEqual(1);
    await deliver();
    expect((await alertsFor(o.id)).map((r) => [r.workerId, r.status])).toEqual([[ws[0]!.id, 'sent']]);
    expect(ALERTS_PER_OPENING).toBe(200);
  });
});

describe('application notices and the zero-employment list', () => {
  it('the employer hears of an applicant and of an expiry; the worker of an offer, a decline and an expiry', async () => {
    const at = spot();
    const employer = await makeEmployer(env);
    const bossChat = String(++nextChat);
    await env.db.run(sql`UPDATE employers SET telegram_chat_id = ${bossChat} WHERE id = ${employer.id}`);
    const [a, b, c] = await workersAt(at, 3);
    await giveChats([a!, b!, c!]);
    const o = await makeOpening(env, employer.id, { point: at, title: '茶叶分拣', slots: 3 });
    await env.settle();
    const apply = async (w: { id: number }) => (await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId: w.id, openingId: o.id } })).body;
    const appA = await apply(a!);
    const appB = await apply(b!);
    await apply(c!);
    await env.settle();
    expect(texts(bossChat).filter((t) => t.includes('新报名：“茶叶分拣”'))).toHaveLength(3);

    await env.request('POST', `/v1/applications/${appA.id}/transitions`, { token: env.adminToken, body: { to: 'offered' } });
    await env.request('POST', `/v1/applications/${appB.id}/transitions`, { token: env.adminToken, body: { to: 'declined', reason: 'wage' } });
    await env.settle();
    expect(texts(a!.chat).at(-1)).toContain('好消息！“茶叶分拣”');
    expect(texts(b!.chat).at(-1)).toContain('这次没有录用您');

    // 61 days later the idle application of c expires: both sides told.
    env.clock.advanceDays(61);
    const report = await runClocks(env.deps);
    expect(report.applicationsExpired).toBeGreaterThanOrEqual(1);
    // The opening, untouched as long, is flagged to its employer once.
    expect(report.idleOpeningsFlagged).toBeGreaterThanOrEqual(1);
    expect((await runClocks(env.deps)).idleOpeningsFlagged).toBe(0);
    const idle = await env.db.select().from(outbox).where(and(eq(outbox.kind, 'opening_idle'), eq(outbox.employerId, employer.id)));
    expect(idle.map((r) => r.payload)).toEqual([{ openingId: o.id }]);
    await deliver({ quietHours: null });
    expect(texts(c!.chat).at(-1)).toContain('报名已过期');
    expect(texts(bossChat).some((t) => t.includes('的报名 60 天没有进展'))).toBe(true);
  });

  it('staff of the area hear when a household on the zero-employment list gets a placement; staff elsewhere do not', async () => {
    const at = spot();
    const mine = await createToken(env.db, env.clock, { role: 'staff', areaPrefix: '532503' });
    const other = await createToken(env.db, env.clock, { role: 'staff', areaPrefix: '532501' });
    const [mineChat, otherChat] = [String(++nextChat), String(++nextChat)];
    await env.db.update(apiTokens).set({ telegramChatId: mineChat }).where(eq(apiTokens.id, mine.id));
    await env.db.update(apiTokens).set({ telegramChatId: otherChat }).where(eq(apiTokens.id, other.id));
    const [w] = await workersAt(at, 1);
    const placed = await env.request('POST', '/v1/placements', {
      token: env.adminToken,
      body: { workerId: w!.id, type: 'workshop', areaCode: '532503', startDate: '2026-11-20' },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    await env.settle();
    expect(texts(mineChat).filter((t) => t.includes(`零就业户 ${w!.householdId}`))).toHaveLength(1);
    expect(texts(otherChat)).toEqual([]);
    // A second placement in the household: it is no longer on the list, nothing more.
    const second = await env.request('POST', '/v1/placements', {
      token: env.adminToken,
      body: { workerId: w!.id, type: 'migrant', areaCode: '44', startDate: '2026-11-20' },
    });
    expect(second.status).toBe(201);
    await env.settle();
    expect(texts(mineChat).filter((t) => t.includes(`零就业户 ${w!.householdId}`))).toHaveLength(1);
    await env.db.update(apiTokens).set({ telegramChatId: null }).where(inArray(apiTokens.id, [mine.id, other.id]));
  });
});

describe('clocks', () => {
  it('overdue zero-employment households make one digest per staff member per day, not one per household', async () => {
    const staff = await createToken(env.db, env.clock, { role: 'staff', areaPrefix: '532503001' });
    const chat = String(++nextChat);
    await env.db.update(apiTokens).set({ telegramChatId: chat }).where(eq(apiTokens.id, staff.id));
    const at = spot();
    await workersAt(at, 3); // three households, nobody in work
    env.clock.advanceDays(16);
    await runClocks(env.deps);
    await runClocks(env.deps);
    await deliver();
    const digests = texts(chat).filter((t) => t.includes('零就业户提醒'));
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatch(/有 \d+ 户等待超过 15 天/);
    expect(digests[0]!.split('\n').length).toBeGreaterThan(1);
    env.clock.advanceDays(1);
    await runClocks(env.deps);
    await deliver();
    expect(texts(chat).filter((t) => t.includes('零就业户提醒'))).toHaveLength(2);
    await env.db.update(apiTokens).set({ telegramChatId: null }).where(eq(apiTokens.id, staff.id));
  });

  it('an opening untouched for 60 days is flagged to its employer once', async () => {
    const at = spot();
    const employer = await makeEmployer(env);
    const bossChat = String(++nextChat);
    await env.db.run(sql`UPDATE employers SET telegram_chat_id = ${bossChat} WHERE id = ${employer.id}`);
    const o = await makeOpening(env, employer.id, { point: at, title: '核桃剥壳' });
    env.clock.advanceDays(59);
    await runClocks(env.deps);
    await deliver();
    expect(texts(bossChat).filter((t) => t.includes('核桃剥壳'))).toEqual([]);
    env.clock.advanceDays(2);
    await runClocks(env.deps);
    await runClocks(env.deps);
    await deliver();
    expect(texts(bossChat).filter((t) => t.includes('“核桃剥壳”已经 60 天没动了'))).toHaveLength(1);
    expect(o.id).toBeGreaterThan(0);
  });

  it('a placed worker without a chat is looked at once when the check-in falls due and then a month later, not every minute', async () => {
    const [w] = await workersAt(spot(), 1);
    const started = env.clock.now().toISOString();
    const placed = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: w!.id, type: 'workshop', areaCode: '532503', startDate: today(env) } });
    expect(placed.status).toBe(201);
    const row = async () => (await env.db.select().from(placements).where(eq(placements.id, placed.body.id)))[0]!;
    const checkins = async () => (await env.db.select().from(outbox).where(and(eq(outbox.workerId, w!.id), eq(outbox.kind, 'checkin')))).length;
    expect((await row()).checkinDue).toBe(addDays(today(env), 30));
    env.clock.advanceDays(31);
    await runClocks(env.deps);
    // No chat: nobody asked, and not due again before a month has passed.
    expect(await checkins()).toBe(0);
    expect(await row()).toMatchObject({ checkedInAt: null, checkinDue: addDays(today(env), 30) });
    await giveChats([w!]);
    env.clock.advanceDays(29);
    await runClocks(env.deps);
    expect(await checkins()).toBe(0);
    env.clock.advanceDays(1);
    await runClocks(env.deps);
    expect(await checkins()).toBe(1);
    expect((await row()).checkinDue).toBe(addDays(today(env), 30));
    env.clock.set(started);
  });

  it('each placed worker is asked once a month; “No, ended” ends the placement today, “Yes” keeps it; nobody answers for another', async () => {
    const at = spot();
    const [a, b] = await workersAt(at, 2);
    await giveChats([a!, b!]);
    const place = async (w: { id: number }) =>
      (await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: w.id, type: 'workshop', areaCode: '532503', startDate: '2026-11-20' } })).body;
    const pa = await place(a!);
    const pb = await place(b!);
    env.clock.advanceDays(29);
    await runClocks(env.deps);
    await deliver();
    expect(texts(a!.chat).filter((t) => t.includes('这份工作您还在做吗'))).toEqual([]);
    env.clock.advanceDays(2);
    await runClocks(env.deps);
    await runClocks(env.deps);
    await deliver();
    for (const w of [a!, b!]) expect(texts(w.chat).filter((t) => t.includes('这份工作您还在做吗'))).toHaveLength(1);
    const question = sentTo(a!.chat).at(-1)!;
    expect(buttonsOf(question).map((x) => x.callback_data)).toEqual([`g:stillworking:${pa.id}`, `g:ended:${pa.id}`]);

    // b presses a's button: refused. a says it ended; b says still working.
    for (const w of [a!, b!]) await post(tg.text(Number(w.chat), '/start'));
    const before = sentTo(b!.chat).length;
    await post(tg.callback(Number(b!.chat), `g:ended:${pa.id}`));
    expect(texts(b!.chat).slice(before).join('\n')).toContain('已经回答过了');
    await post(tg.callback(Number(a!.chat), `g:ended:${pa.id}`));
    expect(texts(a!.chat).some((t) => t.includes('从今天起不再做这份工作'))).toBe(true);
    await post(tg.callback(Number(b!.chat), `g:stillworking:${pb.id}`));
    expect(texts(b!.chat).some((t) => t.includes('祝工作顺利'))).toBe(true);
    const [ea] = await env.db.select().from(placements).where(eq(placements.id, pa.id));
    const [eb] = await env.db.select().from(placements).where(eq(placements.id, pb.id));
    expect(ea).toMatchObject({ endDate: '2026-12-21', endReason: 'other' });
    expect(eb!.endDate).toBeNull();
    // Asked again only after another 30 days.
    env.clock.advanceDays(10);
    await runClocks(env.deps);
    await deliver();
    expect(texts(b!.chat).filter((t) => t.includes('这份工作您还在做吗'))).toHaveLength(1);
    env.clock.advanceDays(21);
    await runClocks(env.deps);
    await deliver();
    expect(texts(b!.chat).filter((t) => t.includes('这份工作您还在做吗'))).toHaveLength(2);
    expect(texts(a!.chat).filter((t) => t.includes('这份工作您还在做吗'))).toHaveLength(1);
  });
});

/** `n` open openings at `at`, owed to nobody yet (their workers get chats afterwards). */
async function openingsAt(at: { lat: number; lon: number }, n: number) {
  const employer = await makeEmployer(env);
  const list = [];
  for (let i = 0; i < n; i++) list.push(await makeOpening(env, employer.id, { point: at, title: `岗位-${nextSpot}-${i}` }));
  return list as Array<{ id: number; title: string }>;
}
async function oweAll(ws: Array<{ id: number }>, os: Array<{ id: number }>) {
  for (const o of os) for (const w of ws) await owe(env.db, env.clock, { kind: 'opening_alert', to: { workerId: w.id }, payload: { openingId: o.id, workerId: w.id }, dedupeKey: `opening_alert:${o.id}:${w.id}` });
}

describe('delivery', () => {
  it('keeps 1 a second per chat and 25 a second in all, and does not let a busy chat hold up the others', async () => {
    const at = spot();
    const os = await openingsAt(at, 3);
    const busy = await workersAt(at, 6);
    const single = await workersAt({ lat: at.lat + 0.01, lon: at.lon }, 40, { maxDistanceKm: 5 });
    await giveChats([...busy, ...single]);
    await oweAll(busy, os); // 18: three to each busy chat
    await oweAll(single, os.slice(0, 1)); // 40: one to each other chat
    const started = Date.now();
    const report = await deliver();
    expect(report.sent).toBe(58);
    const calls = fake.calls.filter((c) => c.method === 'sendMessage' && c.at >= started);
    for (const w of [...busy, ...single]) {
      const at2 = calls.filter((c) => String(c.body.chat_id) === w.chat).map((c) => c.at);
      for (let i = 1; i < at2.length; i++) expect(at2[i]! - at2[i - 1]!).toBeGreaterThanOrEqual(1000);
    }
    const times = calls.map((c) => c.at).sort((x, y) => x - y);
    for (let i = 25; i < times.length; i++) expect(times[i]! - times[i - 25]!).toBeGreaterThanOrEqual(1000);
    // The single chats did not wait behind the busy ones: all 58 in about 58/25 s (a loaded machine
    // takes longer), not the 18 s of sending the busy chats' messages first, one a second.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a 429 pauses the whole sender for retry_after, then everything goes out once', async () => {
    const at = spot();
    const os = await openingsAt(at, 1);
    const ws = await workersAt(at, 8);
    await giveChats(ws);
    await oweAll(ws, os);
    let limited = false;
    let calls = 0;
    fake.setBehaviour((call) => {
      if (call.method !== 'sendMessage' || !ws.some((w) => w.chat === String(call.body.chat_id))) return undefined;
      if (!limited && ++calls === 3) {
        limited = true;
        return { status: 429, retryAfter: 1 };
      }
      return undefined;
    });
    // The sender's own decisions, seen at its side of the Bot API client: when each
    // send started, and when the 429 came back to it. (Arrival times at the fake
    // add the machine's delays, which a loaded machine makes long.)
    const inner = telegram();
    const starts: number[] = [];
    let limitedAt = 0;
    const api: TelegramApi = {
      ...inner,
      async sendMessage(chat, text, markup) {
        starts.push(Date.now());
        try {
          await inner.sendMessage(chat, text, markup);
        } catch (err) {
          if (classifyFailure(err).kind === 'rate_limited') limitedAt = Date.now();
          throw err;
        }
      },
    };
    const report = await deliverOwed(env.db, env.clock, api, { quietHours: null });
    fake.setBehaviour(null);
    expect(report.sent).toBe(8);
    expect(limitedAt).toBeGreaterThan(0);
    // No send starts in the second after the 429 (the 50 ms allow for sends already past every check).
    expect(starts.filter((t) => t > limitedAt + 50 && t < limitedAt + 1000)).toEqual([]);
    expect(starts.filter((t) => t >= limitedAt + 1000).length).toBeGreaterThanOrEqual(1);
    for (const w of ws) expect(sentTo(w.chat)).toHaveLength(1);
  });

  it('5xx and time-outs retry with backoff; after 8 failed attempts the message is dead and admins see it', async () => {
    const at = spot();
    const os = await openingsAt(at, 1);
    const [flaky, slow, doomed] = await workersAt(at, 3);
    await giveChats([flaky!, slow!, doomed!]);
    await oweAll([flaky!, slow!, doomed!], os);
    fake.fail({ status: 502 }, (c) => String(c.body.chat_id) === flaky!.chat, 2);
    fake.fail({ delayMs: 1500 }, (c) => String(c.body.chat_id) === slow!.chat, 1);
    fake.setBehaviour((c) => (String(c.body.chat_id) === doomed!.chat ? { status: 500 } : undefined));
    const api = telegramApi(TOKEN, fake.url, 1); // a 1 s client time-out
    for (let i = 0; i < MAX_ATTEMPTS + 1; i++) {
      await deliverOwed(env.db, env.clock, api, { quietHours: null });
      env.clock.set(new Date(env.clock.now().getTime() + 3_600_000).toISOString());
    }
    fake.setBehaviour(null);
    const rows = await env.db.select().from(outbox).where(inArray(outbox.workerId, [flaky!.id, slow!.id, doomed!.id]));
    const by = (id: number) => rows.find((r) => r.workerId === id)!;
    expect(by(flaky!.id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(by(slow!.id).status).toBe('sent');
    // The time-out may have been received: a retry after a time-out can repeat it.
    expect(sentTo(slow!.chat).length).toBeGreaterThanOrEqual(1);
    expect(by(doomed!.id)).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, lastError: '500 Internal Server Error' });
    expect(sentTo(flaky!.chat)).toHaveLength(1);

    const dead = await env.request('GET', '/v1/outbox?status=dead&limit=100', { token: env.adminToken });
    expect(dead.status).toBe(200);
    const item = dead.body.items.find((x: { id: number }) => x.id === by(doomed!.id).id);
    expect(item).toEqual({ id: by(doomed!.id).id, kind: 'opening_alert', recipientKind: 'worker', attempts: 8, lastError: '500 Internal Server Error', createdAt: expect.any(String) });
    expect(JSON.stringify(dead.body)).not.toContain(doomed!.chat);
    const staff = await env.token({ role: 'staff', areaPrefix: '532503' });
    expect((await env.request('GET', '/v1/outbox?status=dead', { token: staff })).status).toBe(403);
    expect((await env.request('GET', '/v1/outbox?status=bogus', { token: env.adminToken })).status).toBe(400);
  });

  it('a chat that blocked the bot (403) is marked unreachable and gets nothing more until it writes again', async () => {
    const at = spot();
    const os = await openingsAt(at, 2);
    const [w] = await workersAt(at, 1);
    await giveChats([w!]);
    await oweAll([w!], os.slice(0, 1));
    fake.fail({ status: 403 }, (c) => String(c.body.chat_id) === w!.chat, 1);
    await deliver();
    const [row] = await env.db.select().from(workers).where(eq(workers.id, w!.id));
    expect(row!.unreachable).toBe(true);
    await oweAll([w!], os.slice(1));
    await deliver();
    expect(sentTo(w!.chat)).toEqual([]);
    const owed = await env.db.select({ status: outbox.status, lastError: outbox.lastError }).from(outbox).where(eq(outbox.workerId, w!.id));
    expect(owed).toEqual([
      { status: 'cancelled', lastError: 'blocked by the user' },
      { status: 'cancelled', lastError: 'no reachable chat' },
    ]);
    await post(tg.text(Number(w!.chat), '/start'));
    const [again] = await env.db.select().from(workers).where(eq(workers.id, w!.id));
    expect(again!.unreachable).toBe(false);
  });

  it('a run with a budget hands back what it could not send; further runs send the rest, each once', async () => {
    const at = spot();
    const os = await openingsAt(at, 2);
    const ws = await workersAt(at, 30);
    await giveChats(ws);
    await oweAll(ws, os); // 60
    const reports = [];
    // Runs until nothing is owed (a loaded machine sends fewer a run; a send that timed
    // out there waits out its backoff, so the clock passes it when a run sent nothing).
    const owed = async () => (await env.db.select({ n: sql<number>`count(*)` }).from(outbox).where(inArray(outbox.status, ['pending', 'sending'])))[0]!.n;
    for (let i = 0; i < 40 && (i === 0 || (await owed()) > 0); i++) {
      const r = await deliver({ budgetMs: 700 });
      reports.push(r);
      if (r.sent === 0) env.clock.set(new Date(env.clock.now().getTime() + 3_600_000).toISOString());
    }
    expect(reports.length).toBeGreaterThan(2);
    // Each chat got both openings' alerts; a second copy only where a send was retried.
    for (const w of ws) expect(new Set(texts(w.chat)).size).toBe(2);
    const retried = reports.reduce((n, r) => n + r.retried, 0);
    const received = ws.reduce((n, w) => n + sentTo(w.chat).length, 0);
    expect(received).toBeGreaterThanOrEqual(60);
    expect(received).toBeLessThanOrEqual(60 + retried);
    expect(reports.reduce((n, r) => n + r.sent, 0)).toBe(received);
    const left = await env.db.select({ n: sql<number>`count(*)` }).from(outbox).where(inArray(outbox.status, ['pending', 'sending']));
    expect(left[0]!.n).toBe(0);
  });

  it('the Node loop sends what is owed and stops on abort without losing a message', async () => {
    const at = spot();
    const os = await openingsAt(at, 2);
    const ws = await workersAt(at, 40);
    await giveChats(ws);
    await oweAll(ws, os); // 80: about 3 s of sending
    const abort = new AbortController();
    const loop = runNodeLoop(env.deps, { signal: abort.signal, idleMs: 50 });
    await fake.waitFor('sendMessage', fake.sent('sendMessage').length + 20, 5000);
    abort.abort();
    await loop;
    const rows = await env.db.select().from(outbox).where(inArray(outbox.workerId, ws.map((w) => w.id)));
    expect(rows.filter((r) => r.status === 'sending')).toEqual([]);
    const sent = rows.filter((r) => r.status === 'sent').length;
    expect(sent).toBeGreaterThanOrEqual(20);
    expect(sent).toBeLessThan(80);
    // Handed back unsent: not counted as an attempt.
    expect(rows.filter((r) => r.status === 'pending').every((r) => r.attempts === 0)).toBe(true);
    await deliver();
    for (const w of ws) expect(sentTo(w.chat)).toHaveLength(2);
  });
});

describe('a sender killed mid-batch', () => {
  it('loses no message and sends none more than twice after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jiujin-crash-'));
    const url = `file:${join(dir, 'crash.db')}`;
    const crashEnv = await makeTestEnv(url, { config: {} }); // no bot: nothing is sent by requests
    try {
      const at = { lat: 24.9, lon: 103.9 };
      const employer = await makeEmployer(crashEnv);
      const ws: Array<{ id: number; chat: string }> = [];
      for (let i = 0; i < 40; i++) {
        const h = await makeHousehold(crashEnv);
        const w = await makeWorker(crashEnv, h.id, { home: at, skills: [] });
        ws.push({ id: w.id, chat: String(++nextChat) });
      }
      const os = [];
      for (let i = 0; i < 3; i++) os.push(await makeOpening(crashEnv, employer.id, { point: at, title: `crash-${i}` }));
      for (const w of ws) await crashEnv.db.update(workers).set({ telegramChatId: w.chat }).where(eq(workers.id, w.id));
      for (const o of os) for (const w of ws) await owe(crashEnv.db, crashEnv.clock, { kind: 'opening_alert', to: { workerId: w.id }, payload: { openingId: o.id, workerId: w.id } });
      const total = ws.length * os.length; // 120
      const mine = () => fake.calls.filter((c) => c.method === 'sendMessage' && ws.some((w) => w.chat === String(c.body.chat_id)));

      // The sender runs in a child process on the same database file; kill -9 it mid-batch.
      const base = crashEnv.clock.now().getTime();
      const code = `
        import { createClient } from '@libsql/client';
        import { libsqlDb } from './db/client.ts';
        import { deliverOwed } from './bot/sender.ts';
        import { telegramApi } from './src/telegram.ts';
        const t0 = Date.now();
        const clock = { now: () => new Date(${base} + Date.now() - t0) };
        const db = libsqlDb(createClient({ url: ${JSON.stringify(url)} }));
        await deliverOwed(db, clock, telegramApi(${JSON.stringify(TOKEN)}, ${JSON.stringify(fake.url)}), { quietHours: null });
      `;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      const deadline = Date.now() + 20_000;
      while (mine().length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      child.kill('SIGKILL');
      await exited;
      const killedAfter = mine().length;
      expect(killedAfter).toBeGreaterThanOrEqual(40);
      expect(killedAfter).toBeLessThan(total);
      const leased = await crashEnv.db.select({ n: sql<number>`count(*)` }).from(outbox).where(eq(outbox.status, 'sending'));
      expect(leased[0]!.n).toBeGreaterThan(0);

      // Restart once the leases have run out.
      crashEnv.clock.set(new Date(base + (Date.now() - base > 0 ? 0 : 0) + 5 * 60_000).toISOString());
      const report = await deliverOwed(crashEnv.db, crashEnv.clock, telegramApi(TOKEN, fake.url, 5), { quietHours: null });
      expect(report.dead).toBe(0);
      // A send that timed out on a loaded machine waits out its backoff: let the clock pass it.
      for (let i = 0; i < 5 && (await crashEnv.db.$count(outbox, inArray(outbox.status, ['pending', 'sending']))) > 0; i++) {
        crashEnv.clock.advanceDays(1);
        expect((await deliverOwed(crashEnv.db, crashEnv.clock, telegramApi(TOKEN, fake.url, 5), { quietHours: null })).dead).toBe(0);
      }

      const counts = new Map<string, number>();
      for (const c of mine()) {
        const key = `${c.body.chat_id}|${/crash-\d/.exec(String(c.body.text))?.[0]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      expect(counts.size).toBe(total);
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
      const rows = await crashEnv.db.select({ status: outbox.status }).from(outbox);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
    } finally {
      crashEnv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('staff chats', () => {
  it('a staff token links its own chat by a one-time code; only staff ask for one', async () => {
    const staff = await createToken(env.db, env.clock, { role: 'staff', areaPrefix: '532502', label: '开远市人社局 李' });
    const issued = await env.request('POST', '/v1/staff/link-code', { token: staff.token });
    expect(issued.status).toBe(201);
    expect(issued.body.code).toMatch(/^\d{8}$/);
    expect((await env.request('POST', '/v1/staff/link-code', { token: env.adminToken })).status).toBe(403);
    const chat = ++nextChat;
    await post(tg.text(chat, '/start'));
    await post(tg.callback(chat, buttonsOf(sentTo(chat).at(-1)!).find((b) => b.text === 'English')!.callback_data));
    await post(tg.callback(chat, buttonsOf(sentTo(chat).at(-1)!).find((b) => b.text.includes('code'))!.callback_data));
    await post(tg.text(chat, issued.body.code));
    // Nothing is linked before the person agrees.
    expect(texts(chat).at(-1)).toContain('Link this chat to your staff account?');
    expect(texts(chat).at(-1)).not.toContain('开远市人社局 李');
    await post(tg.callback(chat, buttonsOf(sentTo(chat).at(-1)!).find((b) => b.text.includes('I agree'))!.callback_data));
    expect(texts(chat).at(-1)).toContain('Linked to the staff account 开远市人社局 李');
    const [row] = await env.db.select().from(apiTokens).where(eq(apiTokens.id, staff.id));
    expect(row!.telegramChatId).toBe(String(chat));
    await env.db.update(apiTokens).set({ telegramChatId: null }).where(eq(apiTokens.id, staff.id));
  });
});
