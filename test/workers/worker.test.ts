// The deployable worker bundle, run in workerd through Miniflare against a
// local D1 database: the same migrations, routes and cron job as on Cloudflare.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeText } from '../../src/lib/text.js';
import {
  ADMIN_TOKEN,
  type Bundle,
  buildWorker,
  isoDay,
  makeEmployer,
  openingBody,
  root,
  startWorker,
  unique,
  type WorkerRuntime,
} from './worker-runtime.js';

let bundle: Bundle;
let rt: WorkerRuntime;

beforeAll(async () => {
  bundle = await buildWorker();
  rt = await startWorker(bundle);
});

afterAll(async () => {
  await rt?.dispose();
});

describe('worker runtime', () => {
  it('the worker bundle answers /health with a D1 database bound', async () => {
    const res = await rt.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('the worker applies every file in db/migrations to D1 and records it in d1_migrations', async () => {
    // Any request prepares the database; the migrations ran inside workerd, not here.
    expect((await rt.request('GET', '/health')).status).toBe(200);
    const files = readdirSync(join(root, 'db/migrations'))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(files.length).toBeGreaterThan(0);
    const { results } = await rt.d1.prepare('SELECT name FROM d1_migrations ORDER BY id').all<{ name: string }>();
    expect(results.map((r) => r.name)).toEqual(files);
    const openings = await rt.d1
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'openings'")
      .first<{ name: string }>();
    expect(openings?.name).toBe('openings');
  });

  it('the reference areas are loaded into D1: prefecture 5325 lists its 13 counties', async () => {
    const res = await rt.request('GET', '/v1/areas?parent=5325');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(13);
    for (const area of res.body.items) {
      expect(area).toMatchObject({ parent: '5325', level: 'county' });
      expect(area.code).toMatch(/^5325\d{2}$/);
    }
  });

  it('an opening created on Workers can be read back from D1, without a token and by distance', async () => {
    const employerId = await makeEmployer(rt);
    const body = openingBody({ employerId });
    const created = await rt.request('POST', '/v1/openings', { token: ADMIN_TOKEN, body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(Number), status: 'open', title: body.title, employerId });
    const id = created.body.id as number;

    const row = await rt.d1
      .prepare('SELECT title, status, employer_id AS employerId FROM openings WHERE id = ?')
      .bind(id)
      .first();
    expect(row).toEqual({ title: body.title, status: 'open', employerId });

    const read = await rt.request('GET', `/v1/openings/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id,
      title: body.title,
      status: 'open',
      kind: 'workshop',
      areaCode: '532503',
      slots: 2,
      wage: { amount: 2200, period: 'month' },
      hours: 'full_day',
      skills: ['sewing'],
    });

    // Other tests add openings at the same point: page until this one shows up.
    let found: { id: number; distanceKm: number } | undefined;
    let cursor: string | null = null;
    do {
      const q: string = `/v1/openings?near=23.4,103.38&radiusKm=5&limit=100${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await rt.request('GET', q);
      expect(page.status).toBe(200);
      for (const item of page.body.items) expect(item.distanceKm).toBeLessThanOrEqual(5);
      found = page.body.items.find((i: { id: number }) => i.id === id);
      cursor = page.body.nextCursor;
    } while (!found && cursor);
    expect(found).toBeDefined();
    expect(found!.distanceKm).toBeTypeOf('number');
    expect(found!.distanceKm).toBeLessThan(0.1);
  });

  it('a worker\'s matches on Workers follow openings changed by the API and by another connection to D1', async () => {
    const employerId = await makeEmployer(rt);
    const home = { lat: 23.0, lon: 102.5 }; // away from the other tests' openings
    const hh = await rt.request('POST', '/v1/households', { token: ADMIN_TOKEN, body: { areaCode: '532503001001', povertyAlleviated: true, monitored: false } });
    expect(hh.status, JSON.stringify(hh.body)).toBe(201);
    const wk = await rt.request('POST', '/v1/workers', { token: ADMIN_TOKEN, body: { householdId: hh.body.id, name: unique('worker'), home, maxDistanceKm: 5 } });
    expect(wk.status, JSON.stringify(wk.body)).toBe(201);
    const open = async (km: number) => {
      const r = await rt.request('POST', '/v1/openings', { token: ADMIN_TOKEN, body: openingBody({ employerId, point: { lat: home.lat + km / 111.195, lon: home.lon }, skills: [] }) });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as number;
    };
    const near = await open(0.5);
    const other = await open(1);
    const matches = async () => {
      const r = await rt.request('GET', `/v1/workers/${wk.body.id}/matches`, { token: ADMIN_TOKEN });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.items as Array<{ opening: { id: number; employerName: string } }>;
    };
    expect((await matches()).map((m) => m.opening.id)).toEqual([near, other]);
    // Written past the worker, straight into D1.
    await rt.d1.prepare("UPDATE openings SET status = 'closed' WHERE id = ?").bind(near).run();
    await rt.d1.prepare('UPDATE employers SET name = ? WHERE id = ?').bind('Renamed on D1', employerId).run();
    const after = await matches();
    expect(after.map((m) => m.opening.id)).toEqual([other]);
    expect(after[0]!.opening.employerName).toBe('Renamed on D1');
    // Through the API: moved out of reach.
    const moved = await rt.request('PATCH', `/v1/openings/${other}`, { token: ADMIN_TOKEN, body: { point: { lat: home.lat + 0.5, lon: home.lon } } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(await matches()).toEqual([]);
  });

  it('a body with an unknown field is refused with 400 and the error shape', async () => {
    const employerId = await makeEmployer(rt);
    const res = await rt.request('POST', '/v1/openings', {
      token: ADMIN_TOKEN,
      body: openingBody({ employerId, colour: 'red' }),
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: expect.any(String), message: expect.any(String), issues: expect.any(Array) },
    });
    expect(res.body.error.issues.length).toBeGreaterThan(0);
    for (const issue of res.body.error.issues) {
      expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });
    }
  });

  it('a body that is not JSON is refused with 400 and the error shape', async () => {
    const res = await rt.request('POST', '/v1/employers', { token: ADMIN_TOKEN, body: '{"name": "broken' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: { code: expect.any(String), message: expect.any(String), issues: expect.any(Array) },
    });
  });

  it('a POST without a token is refused with 401', async () => {
    const name = unique('employer');
    const res = await rt.request('POST', '/v1/employers', {
      body: { name, kind: 'workshop', areaCode: '532503', point: { lat: 23.4, lon: 103.38 } },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    const row = await rt.d1.prepare('SELECT id FROM employers WHERE name = ?').bind(name).first();
    expect(row).toBeNull();
  });

  it('a POST repeated with the same Idempotency-Key replays its answer; a different body is 409', async () => {
    const employerId = await makeEmployer(rt);
    const key = unique('idem');
    const body = openingBody({ employerId });
    const headers = { 'idempotency-key': key };
    const first = await rt.request('POST', '/v1/openings', { token: ADMIN_TOKEN, body, headers });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await rt.request('POST', '/v1/openings', { token: ADMIN_TOKEN, body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const { results } = await rt.d1.prepare('SELECT id FROM openings WHERE title = ?').bind(body.title).all();
    expect(results).toHaveLength(1);

    const other = await rt.request('POST', '/v1/openings', {
      token: ADMIN_TOKEN,
      body: openingBody({ employerId }),
      headers,
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('the cron trigger expires openings whose closing date has passed and leaves the others open', async () => {
    const employerId = await makeEmployer(rt);
    const post = async (closingDate: string) => {
      const res = await rt.request('POST', '/v1/openings', {
        token: ADMIN_TOKEN,
        body: openingBody({ employerId, closingDate }),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as number;
    };
    const stale = await post(isoDay(30));
    const current = await post(isoDay(30));
    // The API refuses a closing date in the past, so age one opening in D1 itself.
    await rt.d1.prepare('UPDATE openings SET closing_date = ? WHERE id = ?').bind(isoDay(-1), stale).run();

    const result = await rt.scheduled('*/5 * * * *');
    expect(result.outcome).toBe('ok');

    const status = async (id: number) =>
      (await rt.d1.prepare('SELECT status FROM openings WHERE id = ?').bind(id).first<{ status: string }>())?.status;
    expect(await status(stale)).toBe('expired');
    expect(await status(current)).toBe('open');
    // An expired opening is no longer public.
    expect((await rt.request('GET', `/v1/openings/${stale}`)).status).toBe(404);
    expect((await rt.request('GET', `/v1/openings/${current}`)).status).toBe(200);
  });
});

describe('the public-welfare post\'s month on Workers', () => {
  it('a holder\'s month is recorded in D1 with its subsidy, listed for the area, told in person and paid', async () => {
    const h = await rt.request('POST', '/v1/households', { token: ADMIN_TOKEN, body: { areaCode: '532503001001', povertyAlleviated: true, monitored: false } });
    expect(h.status, JSON.stringify(h.body)).toBe(201);
    const w = await rt.request('POST', '/v1/workers', { token: ADMIN_TOKEN, body: { householdId: h.body.id, name: unique('holder'), availability: 'full_day' } });
    expect(w.status).toBe(201);
    const p = await rt.request('POST', '/v1/placements', { token: ADMIN_TOKEN, body: { workerId: w.body.id, type: 'public_welfare', areaCode: '532503001001', startDate: isoDay(-75) } });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    // Last month, in China time.
    const china = new Date(Date.now() + 8 * 3_600_000);
    const last = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const put = await rt.request('PUT', '/v1/assessments', { token: ADMIN_TOKEN, body: { placementId: p.body.id, month: last, daysWorked: 11, attendance: 30, township: 40, appraisal: 15 } });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    expect(put.body).toMatchObject({ total: 85, band: '良好', amountYuan: 250, deductionYuan: 250 });
    const list = await rt.request('GET', `/v1/assessments?area=532503001&month=${last}&limit=100`, { token: ADMIN_TOKEN });
    expect(list.status).toBe(200);
    expect(list.body.items.find((i: { placementId: number }) => i.placementId === p.body.id).assessment.id).toBe(put.body.id);
    expect((await rt.request('POST', `/v1/assessments/${put.body.id}/paid`, { token: ADMIN_TOKEN })).status).toBe(409);
    expect((await rt.request('POST', `/v1/assessments/${put.body.id}/tell`, { token: ADMIN_TOKEN, body: { how: 'in_person' } })).status).toBe(200);
    const paid = await rt.request('POST', `/v1/assessments/${put.body.id}/paid`, { token: ADMIN_TOKEN });
    expect(paid.status).toBe(200);
    expect(paid.body.paidAt).not.toBeNull();
    const checks = await rt.request('GET', '/v1/post-checks?area=532503', { token: ADMIN_TOKEN });
    expect(checks.status).toBe(200);
    expect((await rt.scheduled('*/5 * * * *')).outcome).toBe('ok');
  });
});

describe('operators and integrators on Workers', () => {
  it('serves the same OpenAPI document, /ready, /metrics and X-Request-Id inside workerd', async () => {
    const doc = await rt.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/stats', '/v1/imports', '/metrics', '/ready']));
    const ready = await rt.request('GET', '/ready', { headers: { 'x-request-id': 'worker-probe-0001' } });
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.headers.get('x-request-id')).toBe('worker-probe-0001');
    const metrics = await rt.request('GET', '/metrics', { token: ADMIN_TOKEN });
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toMatch(/^jiujin_outbox_messages\{status="owed",kind="opening_alert"\} \d+$/m);
    expect(String(metrics.body)).toMatch(/^jiujin_http_requests_total\{method="GET",route="\/ready",status="200"\} \d+$/m);
    // zod's messages (its English locale) survive the bundle's tree-shaking.
    const bad = await rt.request('POST', '/v1/employers', { token: ADMIN_TOKEN, body: { name: 5, kind: 'workshop', areaCode: '532503' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toContainEqual({ path: 'name', message: expect.stringMatching(/expected string, received number/) });
    // No Swagger UI in the Worker bundle: the page says where the document is.
    const docs = await rt.request('GET', '/docs');
    expect(docs.status).toBe(404);
    expect(docs.body.error.message).toMatch(/openapi\.json/);
  });
});

describe('GBK on Workers', () => {
  it('a GBK CSV of households imports in workerd: TextDecoder(\'gb18030\') reads it, no bundled table', async () => {
    const csv = encodeText(`户编号,户主姓名,所在县,所在乡镇,所在村,是否脱贫户,是否监测对象\r\n${unique('W')},张大,蒙自市,文澜街道,东村村委会,是,否\r\n`, 'gbk');
    const boundary = `----jiujin${Date.now()}`;
    const enc = new TextEncoder();
    const part = (head: string) => enc.encode(`--${boundary}\r\n${head}\r\n\r\n`);
    const body = new Uint8Array([
      ...part('Content-Disposition: form-data; name="kind"'),
      ...enc.encode('households\r\n'),
      ...part('Content-Disposition: form-data; name="file"; filename="households.csv"\r\nContent-Type: text/csv'),
      ...csv,
      ...enc.encode(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await rt.mf.dispatchFetch('http://localhost/v1/imports', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    const json = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(json)).toBe(200);
    expect(json).toMatchObject({ encoding: 'gbk', read: 1, imported: 1, rejected: 0, ignoredColumns: ['户主姓名'] });
  });
});

describe('month closing on Workers', () => {
  it('a county closes last month on D1; a placement recorded after, dated into it, is a revision with its record', async () => {
    // Workers run on the real clock: close the month before today's (China time).
    const chinaToday = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const [y, m] = chinaToday.split('-').map(Number) as [number, number];
    const month = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
    const county = '532504'; // a county no other test here writes in
    const hh = await rt.request('POST', '/v1/households', { token: ADMIN_TOKEN, body: { areaCode: `${county}001`, povertyAlleviated: true, monitored: false } });
    expect(hh.status, JSON.stringify(hh.body)).toBe(201);
    const w = await rt.request('POST', '/v1/workers', { token: ADMIN_TOKEN, body: { householdId: hh.body.id, name: unique('工人'), registeredOn: `${month}-01` } });
    expect(w.status, JSON.stringify(w.body)).toBe(201);
    const closed = await rt.request('POST', '/v1/closings', { token: ADMIN_TOKEN, body: { area: county, month } });
    expect(closed.status, JSON.stringify(closed.body)).toBe(201);
    expect(closed.body.figures.inWork.total).toBe(0);
    const p = await rt.request('POST', '/v1/placements', { token: ADMIN_TOKEN, body: { workerId: w.body.id, type: 'migrant', areaCode: '44', startDate: `${month}-02` } });
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const view = await rt.request('GET', `/v1/closings?area=${county}&month=${month}`, { token: ADMIN_TOKEN });
    expect(view.status).toBe(200);
    expect(view.body.filed.figures.inWork.total).toBe(0);
    const total = view.body.revisions.find((r: { figure: string }) => r.figure === 'inWork.total');
    expect(total).toMatchObject({ filed: 0, now: 1 });
    expect(total.records).toEqual([
      expect.objectContaining({ kind: 'placement', id: p.body.id, change: 'placement.recorded', date: `${month}-02`, changedBy: expect.objectContaining({ role: 'admin', action: 'placement.create' }) }),
    ]);
  });
});

describe('care coverage on Workers', () => {
  async function uploadCare(csv: string) {
    const boundary = `----jiujin${Date.now()}`;
    const enc = new TextEncoder();
    const part = (head: string) => enc.encode(`--${boundary}\r\n${head}\r\n\r\n`);
    const body = new Uint8Array([
      ...part('Content-Disposition: form-data; name="kind"'),
      ...enc.encode('care\r\n'),
      ...part('Content-Disposition: form-data; name="file"; filename="minzheng.csv"\r\nContent-Type: text/csv'),
      ...enc.encode(csv),
      ...enc.encode(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await rt.mf.dispatchFetch('http://localhost/v1/imports', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('the civil-affairs sheet imports into D1, a correction updates in one statement, and the ranking reads the newest row as of a date', async () => {
    const head = '村代码,统计日期,留守老人,留守儿童,困难残疾人\r\n';
    const first = await uploadCare(`${head}532503001002,2026-09-01,7,0,0\r\n532503001002,2026-10-01,30,2,0\r\n532503001003,2026-10-01,0,0,4\r\n`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ kind: 'care', imported: 3, rejected: 0 });
    const fix = await uploadCare(`${head}532503001002,2026-10-01,31,2,0\r\n`);
    expect(fix.body).toMatchObject({ imported: 0, updated: 1 });
    const now = await rt.request('GET', '/v1/care-coverage?area=532503001&asOf=2026-10-15', { token: ADMIN_TOKEN });
    expect(now.status, JSON.stringify(now.body)).toBe(200);
    const v = now.body.items.find((i: { areaCode: string }) => i.areaCode === '532503001002');
    expect(v.counts).toEqual({ elders: 31, children: 2, disabled: 0, asOf: '2026-10-01' });
    const before = await rt.request('GET', '/v1/care-coverage?area=532503001&asOf=2026-09-15', { token: ADMIN_TOKEN });
    expect(before.body.totals).toMatchObject({ leftBehindElders: 7, disabledInDifficulty: 0 });
  });
});
