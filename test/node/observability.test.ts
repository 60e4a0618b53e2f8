// What an operator sees: one JSON log line per request (with its id, never a
// token, name or phone), the id in the error a request caused, scheduler and
// sender runs logged the same way, GET /metrics (an owed alert, then its
// delivery) and GET /ready.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBotApi } from '../../bot/dev/fake-bot-api.js';
import { outbox, workers } from '../../db/schema.js';
import { runScheduledJobs } from '../../src/scheduler.js';
import { makeBotTestEnv, makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv, unique } from '../helpers.js';

type Line = Record<string, unknown> & { level: string; msg: string };
const parsed = (env: TestEnv): Line[] => env.logs.map((l) => JSON.parse(l) as Line);
const requestLines = (env: TestEnv) => parsed(env).filter((l) => l.msg === 'request');

/** One metric's value from Prometheus text, by its labels. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[3] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[4]);
  }
  return undefined;
}

describe('request logs', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await makeTestEnv();
  });
  afterAll(() => env.close());

  it('a run of API requests writes one line each, and none holds a token, a name or a phone it used', async () => {
    const staff = await env.token({ role: 'staff', areaPrefix: '532503' });
    const before = env.logs.length;
    const name = `张${unique('name')}`;
    const phone = '13912345678';
    const employerContact = { name: `王${unique('contact')}`, phone: '0873-7654321' };
    const h = await makeHousehold(env, {}, staff);
    const w = await makeWorker(env, h.id, { name, phone }, staff);
    const employer = await makeEmployer(env, { contact: employerContact });
    const o = await makeOpening(env, employer.id);
    const requests: Array<[string, string, unknown?, string?]> = [
      ['GET', `/v1/workers/${w.id}`, undefined, staff],
      ['PATCH', `/v1/workers/${w.id}`, { phone: '13900001111', name: `${name}二` }, staff],
      ['GET', `/v1/workers?area=532503`, undefined, staff],
      ['POST', '/v1/applications', { workerId: w.id, openingId: o.id }, staff],
      ['GET', `/v1/employers/${employer.id}`, undefined, employer.token],
      ['POST', '/v1/workers', { householdId: h.id, name: `李${unique('bad')}`, phone: 'not a phone' }, staff],
      ['GET', `/v1/workers/${w.id}`, undefined, 'jj_an-unknown-token-value'],
      ['GET', '/v1/openings?near=23.4,103.38', undefined, undefined],
    ];
    for (const [method, path, body, token] of requests) await env.request(method, path, { body, token });
    const lines = env.logs.slice(before);
    const mine = lines.map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request');
    expect(mine.length).toBe(requests.length + 4); // and the four the factories made
    const forbidden = [staff, employer.token, env.adminToken, 'jj_an-unknown-token-value', name, phone, '13900001111', employerContact.name, employerContact.phone, 'not a phone'];
    for (const line of lines) for (const value of forbidden) expect(line.includes(value), `${value} in ${line}`).toBe(false);
    const patch = mine.find((l) => l.method === 'PATCH')!;
    expect(patch).toMatchObject({ level: 'info', route: '/v1/workers/:id', status: 200, role: 'staff' });
    expect(Object.keys(patch).sort()).toEqual(['durationMs', 'level', 'method', 'msg', 'pid', 'requestId', 'role', 'route', 'status', 'time']);
    expect(mine.find((l) => l.status === 400)).toMatchObject({ route: '/v1/workers', code: 'validation_failed' });
    expect(mine.find((l) => l.status === 401)).toMatchObject({ route: '/v1/workers/:id', code: 'unauthorized', role: null });
  });

  it('answers the request id as X-Request-Id: a sane incoming one is kept, anything else replaced', async () => {
    const kept = await env.request('GET', '/v1/areas/5325', { headers: { 'x-request-id': 'county-proxy-0001' } });
    expect(kept.headers.get('x-request-id')).toBe('county-proxy-0001');
    expect(requestLines(env).filter((l) => l.requestId === 'county-proxy-0001')).toEqual([
      expect.objectContaining({ route: '/v1/areas/:code', status: 200, method: 'GET' }),
    ]);
    for (const bad of ['short', 'has spaces in it', '"quote"injection', 'x'.repeat(129)]) {
      const res = await env.request('GET', '/health', { headers: { 'x-request-id': bad } });
      const id = res.headers.get('x-request-id')!;
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
    const unknown = await env.request('GET', '/v2/nothing');
    expect(unknown.status).toBe(404);
    expect(requestLines(env).find((l) => l.requestId === unknown.headers.get('x-request-id'))).toMatchObject({ route: '(none)', status: 404, code: 'not_found' });
  });

  it('a request that fails on our side logs the error with the request id it answered', async () => {
    const broken = await makeTestEnv();
    broken.close(); // the database goes away under the app
    const res = await broken.request('GET', '/v1/areas?parent=5325');
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error.code).toBe('unavailable');
    const id = res.headers.get('x-request-id')!;
    const lines = parsed(broken).filter((l) => l.requestId === id);
    expect(lines.map((l) => l.msg)).toEqual(['request', 'request failed']);
    expect(lines[0]).toMatchObject({ level: 'error', status: 503, route: '/v1/areas' });
    expect(String(lines[1]!.error)).toMatch(/\S/);
  });
});

describe('metrics and readiness', () => {
  const TOKEN = '778:OBSERVE-TEST';
  const SECRET = 'observe-webhook-secret';
  let env: TestEnv;
  let fake: FakeBotApi;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ env, fake, close } = await makeBotTestEnv({ token: TOKEN, secret: SECRET }));
  });
  afterAll(() => close());

  const scrape = async (token = env.adminToken) => {
    const res = await env.app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('/metrics wants an admin token or the METRICS_TOKEN', async () => {
    expect((await env.request('GET', '/metrics')).status).toBe(401);
    const staff = await env.token({ role: 'staff', areaPrefix: '5325' });
    const refused = await env.request('GET', '/metrics', { token: staff });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    const scraper = await makeTestEnv(':memory:', { config: { METRICS_TOKEN: 'scraper-token-0123456789' } });
    const ok = await scraper.request('GET', '/metrics', { token: 'scraper-token-0123456789' });
    expect(ok.status).toBe(200);
    expect(scraper.logs.some((l) => l.includes('scraper-token-0123456789'))).toBe(false);
    scraper.close();
    const admin = await scrape();
    expect(admin.status).toBe(200);
    expect(admin.type).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('shows an owed alert, then its delivery', async () => {
    env.clock.set('2026-11-20T15:00:00Z'); // 23:00 in China: quiet hours, nothing goes to workers
    const at = { lat: 24.9, lon: 104.9 };
    const h = await makeHousehold(env);
    const w = await makeWorker(env, h.id, { home: at, skills: [] });
    await env.db.update(workers).set({ telegramChatId: '9100001' }).where(eq(workers.id, w.id));
    const employer = await makeEmployer(env);
    await makeOpening(env, employer.id, { point: at });
    await env.settle();
    let m = await scrape();
    expect(metric(m.text, 'jiujin_outbox_messages', { status: 'owed', kind: 'opening_alert' })).toBe(1);
    expect(metric(m.text, 'jiujin_outbox_oldest_owed_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(fake.sent('sendMessage', '9100001')).toHaveLength(0);

    env.clock.set('2026-11-21T01:30:00Z'); // 09:30: the scheduler's run delivers it
    const report = await runScheduledJobs(env.deps);
    expect(report.delivery?.sent).toBe(1);
    expect(fake.sent('sendMessage', '9100001')).toHaveLength(1);
    m = await scrape();
    expect(metric(m.text, 'jiujin_outbox_messages', { status: 'owed', kind: 'opening_alert' })).toBe(0);
    expect(metric(m.text, 'jiujin_outbox_oldest_owed_age_seconds')).toBe(0);
    expect(metric(m.text, 'jiujin_outbox_delivered_total', { outcome: 'sent' })).toBeGreaterThanOrEqual(1);
    const ran = metric(m.text, 'jiujin_scheduler_last_run_timestamp_seconds', { clock: 'expire_applications' });
    expect(ran).toBe(Date.parse('2026-11-21T01:30:00Z') / 1000);
    const [row] = await env.db.select({ status: outbox.status }).from(outbox).where(eq(outbox.workerId, w.id));
    expect(row?.status).toBe('sent');

    // The runs were logged like requests: one line each, with their counts.
    const runs = env.logs.map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'scheduler run' || l.msg === 'outbox delivery');
    expect(runs.find((l) => l.msg === 'outbox delivery' && l.sent === 1)).toMatchObject({ level: 'info', trigger: 'scheduler', runId: expect.any(String) });
    expect(runs.find((l) => l.msg === 'scheduler run')).toMatchObject({ trigger: 'scheduler', durationMs: expect.any(Number) });
  });

  it('counts requests by route pattern and status, with a latency histogram, catalogue, migrations and size', async () => {
    await env.request('GET', '/v1/areas/5325');
    await env.request('GET', '/v1/areas/5399');
    const { text } = await scrape();
    expect(metric(text, 'jiujin_http_requests_total', { method: 'GET', route: '/v1/areas/:code', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'jiujin_http_requests_total', { method: 'GET', route: '/v1/areas/:code', status: '404' })).toBeGreaterThanOrEqual(1);
    const count = metric(text, 'jiujin_http_request_duration_seconds_count', { method: 'GET', route: '/v1/areas/:code' })!;
    expect(metric(text, 'jiujin_http_request_duration_seconds_bucket', { method: 'GET', route: '/v1/areas/:code', le: '+Inf' })).toBe(count);
    expect(count).toBeGreaterThanOrEqual(2);
    expect(metric(text, 'jiujin_catalogue_open_openings')).toBeGreaterThanOrEqual(1);
    const expected = metric(text, 'jiujin_migrations', { state: 'expected' })!;
    expect(expected).toBeGreaterThan(10);
    expect(metric(text, 'jiujin_migrations', { state: 'applied' })).toBe(expected);
    expect(metric(text, 'jiujin_database_size_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^# TYPE jiujin_http_request_duration_seconds histogram$/m);
  });

  it('/ready is 200 when migrations are applied and a write round-trips, 503 otherwise', async () => {
    const ok = await env.request('GET', '/ready');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ready', checks: { migrations: { ok: true }, write: { ok: true } } });
    const behind = await makeTestEnv();
    await behind.db.run(sql`DELETE FROM d1_migrations WHERE id = (SELECT max(id) FROM d1_migrations)`);
    const res = await behind.request('GET', '/ready');
    expect(res.status).toBe(503);
    expect(res.body.checks.migrations).toMatchObject({ ok: false });
    expect(res.body.checks.migrations.applied).toBe(res.body.checks.migrations.expected - 1);
    behind.close();
    const gone = await makeTestEnv();
    gone.close();
    const down = await gone.request('GET', '/ready');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'not_ready', checks: { write: { ok: false } } });
  });
});

