// Alerts on Workers: the built worker in Miniflare with D1 and the fake Bot
// API on 127.0.0.1. An opening posted through the API alerts the workers near
// it (from the request, via waitUntil); the cron trigger runs the clocks and
// drains a backlog within its budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBotApi, startFakeBotApi } from '../../bot/dev/fake-bot-api.js';
import { ADMIN_TOKEN, type Bundle, buildWorker, makeEmployer, openingBody, startWorker, type WorkerRuntime } from './worker-runtime.js';

let bundle: Bundle;
let rt: WorkerRuntime;
let fake: FakeBotApi;
let nextChat = 9_300_000;

beforeAll(async () => {
  fake = await startFakeBotApi();
  bundle = await buildWorker();
  rt = await startWorker(bundle, {
    TELEGRAM_BOT_TOKEN: '4343:WORKERS-ALERTS',
    TELEGRAM_WEBHOOK_SECRET: 'workers-alerts-secret',
    TELEGRAM_API_ROOT: fake.url,
    // Workers run on the real clock: quiet hours would hold alerts back at night.
    QUIET_HOURS: 'off',
  });
});
afterAll(async () => {
  await rt?.dispose();
  await fake?.close();
});

/** Workers at `at` (each its own household); chats are given afterwards, straight in D1. */
async function workersAt(at: { lat: number; lon: number }, n: number) {
  const out: Array<{ id: number; chat: string }> = [];
  for (let i = 0; i < n; i++) {
    const h = await rt.request('POST', '/v1/households', { token: ADMIN_TOKEN, body: { areaCode: '532503001001', povertyAlleviated: true, monitored: false } });
    expect(h.status, JSON.stringify(h.body)).toBe(201);
    const w = await rt.request('POST', '/v1/workers', { token: ADMIN_TOKEN, body: { householdId: h.body.id, name: `w-${nextChat}`, home: at, availability: 'full_day' } });
    expect(w.status, JSON.stringify(w.body)).toBe(201);
    out.push({ id: w.body.id, chat: String(++nextChat) });
  }
  return out;
}
const giveChats = async (ws: Array<{ id: number; chat: string }>) => {
  for (const w of ws) await rt.d1.prepare('UPDATE workers SET telegram_chat_id = ? WHERE id = ?').bind(w.chat, w.id).run();
};
const texts = (chat: string) => fake.sent('sendMessage', chat).map((c) => String(c.body.text));
async function until(cond: () => boolean | Promise<boolean>, ms = 8000) {
  const deadline = Date.now() + ms;
  while (!(await cond()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('alerts on Workers', () => {
  it('an opening posted through the API alerts each opted-in worker near it once, from the request itself', async () => {
    const at = { lat: 24.2, lon: 103.2 };
    const [a, b, off] = await workersAt(at, 3);
    await giveChats([a!, b!, off!]);
    await rt.d1.prepare('UPDATE workers SET alerts_enabled = 0 WHERE id = ?').bind(off!.id).run();
    const employerId = await makeEmployer(rt);
    const o = await rt.request('POST', '/v1/openings', { token: ADMIN_TOKEN, body: openingBody({ employerId, point: at, skills: [], title: '村口超市理货' }) });
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    await until(() => texts(a!.chat).length > 0 && texts(b!.chat).length > 0);
    for (const w of [a!, b!]) expect(texts(w.chat).filter((t) => t.includes('村口超市理货'))).toHaveLength(1);
    expect(texts(off!.chat)).toEqual([]);
    // More slots: nobody alerted twice.
    const more = await rt.request('PATCH', `/v1/openings/${o.body.id}`, { token: ADMIN_TOKEN, body: { slots: 5 } });
    expect(more.status).toBe(200);
    await rt.scheduled();
    const rows = await rt.d1
      .prepare("SELECT worker_id AS w, status FROM outbox WHERE kind = 'opening_alert' AND json_extract(payload, '$.openingId') = ? ORDER BY worker_id")
      .bind(o.body.id)
      .all<{ w: number; status: string }>();
    expect(rows.results).toEqual([a!, b!].map((w) => ({ w: w.id, status: 'sent' })).sort((x, y) => x.w - y.w));
    for (const w of [a!, b!]) expect(texts(w.chat)).toHaveLength(1);
  });

  it('the cron run drains a backlog (one a second per chat) and runs the clocks: an idle application expires and both sides are told', async () => {
    const at = { lat: 24.6, lon: 103.6 };
    const ws = await workersAt(at, 8);
    const employerId = await makeEmployer(rt);
    const opened = [];
    for (let i = 0; i < 3; i++) {
      const o = await rt.request('POST', '/v1/openings', { token: ADMIN_TOKEN, body: openingBody({ employerId, point: at, skills: [], title: `backlog-${i}` }) });
      expect(o.status).toBe(201);
      opened.push(o.body.id as number);
    }
    // An application idle for 61 days, with the employer's chat linked.
    const bossChat = String(++nextChat);
    await rt.d1.prepare('UPDATE employers SET telegram_chat_id = ? WHERE id = ?').bind(bossChat, employerId).run();
    const app = await rt.request('POST', '/v1/applications', { token: ADMIN_TOKEN, body: { workerId: ws[0]!.id, openingId: opened[0] } });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
    await until(() => texts(bossChat).length > 0);
    const longAgo = new Date(Date.now() - 61 * 86_400_000).toISOString();
    await rt.d1.prepare('UPDATE applications SET updated_at = ? WHERE id = ?').bind(longAgo, app.body.id).run();

    // The chats come after the openings: nothing owed yet. Then a backlog of 24, three per chat,
    // written straight to D1 after the last request, so the cron run is what sends it.
    await giveChats(ws);
    const now = new Date().toISOString();
    for (const o of opened) {
      for (const w of ws) {
        await rt.d1
          .prepare("INSERT INTO outbox (kind, worker_id, dedupe_key, payload, status, attempts, not_before, created_at) VALUES ('opening_alert', ?, ?, ?, 'pending', 0, ?, ?)")
          .bind(w.id, `opening_alert:${o}:${w.id}`, JSON.stringify({ openingId: o, workerId: w.id }), now, now)
          .run();
      }
    }
    const outcome = await rt.scheduled();
    expect(outcome.outcome).toBe('ok');
    const left = await rt.d1
      .prepare("SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending') AND worker_id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(ws.map((w) => w.id)))
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    for (const w of ws) {
      const calls = fake.sent('sendMessage', w.chat).filter((c) => String(c.body.text).includes('附近有新活'));
      // ws[0] applied to one of them: that alert has nothing to say any more.
      expect(calls.length).toBe(w === ws[0] ? 2 : 3);
      for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    }
    const state = await rt.d1.prepare('SELECT state FROM applications WHERE id = ?').bind(app.body.id).first<{ state: string }>();
    expect(state?.state).toBe('expired');
    expect(texts(ws[0]!.chat).some((t) => t.includes('报名已过期'))).toBe(true);
    expect(texts(bossChat).some((t) => t.includes('60 天没有进展'))).toBe(true);
  });

  it('GET /v1/outbox lists dead messages to admins only', async () => {
    await rt.d1
      .prepare("INSERT INTO outbox (kind, chat_id, payload, status, attempts, not_before, created_at, last_error) VALUES ('offer', '1', '{}', 'dead', 8, ?, ?, '500 Internal Server Error')")
      .bind(new Date().toISOString(), new Date().toISOString())
      .run();
    const res = await rt.request('GET', '/v1/outbox?status=dead', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body.items.at(-1)).toMatchObject({ kind: 'offer', recipientKind: 'chat', attempts: 8, lastError: '500 Internal Server Error' });
    expect((await rt.request('GET', '/v1/outbox?status=dead')).status).toBe(401);
  });
});
