// Month closing: a county files its month's figures (those GET /v1/stats
// gives as of the last day); later changes show as revisions beside the
// filed figures, which stay; closing again needs a reason; the prefecture
// sees which counties have closed.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, workers as workersTable } from '../../db/schema.js';
import { toCsv } from '../../src/lib/csv.js';
import { monthlyReport, monthlyReportNotes, monthlyReportTable } from '../../src/services/reports.js';
import { makeEmployer, makeHousehold, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

const HOME = { lat: 23.4, lon: 103.38 };
const V1 = '532503001001';

let env: TestEnv;
let county: string;
let workers: any[] = [];

const post = (body: unknown, token = county) => env.request('POST', '/v1/closings', { token, body });
const get = (query: string, token = county) => env.request('GET', `/v1/closings?${query}`, { token });

beforeAll(async () => {
  env = await makeTestEnv();
  county = await env.token({ role: 'staff', areaPrefix: '532503' });
  env.clock.set('2026-11-05T02:00:00Z');
  for (let i = 0; i < 3; i++) {
    const hh = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    workers.push(await makeWorker(env, hh.id, { home: HOME }));
  }
  const r = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: workers[0].id, type: 'enterprise', areaCode: '532503002', startDate: '2026-11-05' } });
  expect(r.status).toBe(201);
});
afterAll(() => env.close());

describe('closing a month', () => {
  it('is refused before the month\'s last day, for an area that is not a county and for staff of another or a smaller area', async () => {
    env.clock.set('2026-11-29T15:00:00Z'); // 23:00 on 29 November in China
    const early = await post({ area: '532503', month: '2026-11' });
    expect(early.status).toBe(422);
    expect(early.body.error.issues[0].path).toBe('month');
    env.clock.set('2026-12-01T01:00:00Z');
    expect((await post({ area: '5325', month: '2026-11' }, env.adminToken)).status).toBe(422);
    expect((await post({ area: '532503', month: '2026-13' })).status).toBe(400);
    expect((await post({ area: '532503', month: '2026-11', extra: 1 })).status).toBe(400);
    expect((await post({ area: '532503', month: '2026-11' }, await env.token({ role: 'staff', areaPrefix: '532501' }))).status).toBe(403);
    expect((await post({ area: '532503', month: '2026-11' }, await env.token({ role: 'staff', areaPrefix: '532503001' }))).status).toBe(403);
    expect((await post({ area: '532503', month: '2026-11' }, await env.token({ role: 'staff', areaPrefix: '5325' }))).status).toBe(403);
    expect((await post({ area: '532503', month: '2026-11' }, (await makeEmployer(env)).token)).status).toBe(403);
  });

  it('files the figures of GET /v1/stats as of the last day, with who and when, audited; the prefecture sees it closed', async () => {
    env.clock.set('2026-12-01T01:00:00Z');
    const stats = await env.request('GET', '/v1/stats?area=532503&asOf=2026-11-30', { token: county });
    const res = await post({ area: '532503', month: '2026-11' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ area: '532503', month: '2026-11', asOf: '2026-11-30', closedAt: '2026-12-01T01:00:00.000Z', reason: null });
    expect(res.body.closedBy.role).toBe('staff');
    expect(res.body.figures).toEqual(stats.body);
    expect(res.body.figures.inWork.total).toBe(1);
    const audits = await env.db.select().from(auditLog).where(eq(auditLog.action, 'closing.close'));
    expect(audits).toHaveLength(1);
    expect(audits[0]!.actorRole).toBe('staff');

    const pref = await get('area=5325&month=2026-11', await env.token({ role: 'staff', areaPrefix: '5325' }));
    expect(pref.status).toBe(200);
    expect(pref.body.level).toBe('counties');
    expect(pref.body.counties).toHaveLength(13);
    const byCode = new Map(pref.body.counties.map((c: any) => [c.area, c]));
    expect(byCode.get('532503')).toMatchObject({ closed: true, closedAt: '2026-12-01T01:00:00.000Z', revisions: 0 });
    expect(byCode.get('532501')).toMatchObject({ closed: false, closedAt: null, revisions: 0 });
  });

  it('a later change to the month shows as a revision; the filed figures stay', async () => {
    env.clock.set('2026-12-02T02:00:00Z');
    // Work that starts in December and a household's other facts changed leave November as filed, and list nothing.
    const dec = await env.request('POST', '/v1/placements', { token: county, body: { workerId: workers[2].id, type: 'enterprise', areaCode: '532503002', startDate: '2026-12-02' } });
    expect(dec.status).toBe(201);
    expect((await env.request('PATCH', `/v1/households/${workers[2].householdId}`, { token: county, body: { incomeAtMinimum: false } })).status).toBe(200);
    const quiet = await get('area=532503&month=2026-11');
    expect(quiet.body.revisions).toEqual([]);
    env.clock.set('2026-12-03T02:00:00Z');
    // Work found in November, recorded in December.
    const r = await env.request('POST', '/v1/placements', { token: county, body: { workerId: workers[1].id, type: 'migrant', areaCode: '44', startDate: '2026-11-20' } });
    expect(r.status).toBe(201);
    const view = await get('area=532503&month=2026-11');
    expect(view.status).toBe(200);
    expect(view.body.level).toBe('county');
    expect(view.body.closed).toBe(true);
    expect(view.body.filed.figures.inWork.total).toBe(1);
    expect(view.body.now.inWork.total).toBe(2);
    expect(view.body.revisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ figure: 'inWork.total', filed: 1, now: 2 }),
        expect.objectContaining({ figure: 'inWork.byType.migrant', filed: 0, now: 1 }),
        expect.objectContaining({ figure: 'inWork.outOfProvince', filed: 0, now: 1 }),
      ]),
    );
    expect(view.body.revisions.every((x: any) => x.filed !== x.now)).toBe(true);
    // Each revision carries the records that moved it: this placement, who recorded it and when.
    const total = view.body.revisions.find((x: any) => x.figure === 'inWork.total');
    expect(total.records).toEqual([
      expect.objectContaining({
        kind: 'placement',
        id: r.body.id,
        change: 'placement.recorded',
        date: '2026-11-20',
        changedAt: '2026-12-03T02:00:00.000Z',
        changedBy: expect.objectContaining({ role: 'staff', action: 'placement.create' }),
        detail: expect.objectContaining({ type: 'migrant', scope: 'out_of_province', startDate: '2026-11-20', endDate: null }),
      }),
    ]);
    expect(JSON.stringify(total.records)).not.toMatch(/name|phone|lat|lon|careFor|cannotLeaveHome/);
    const pref = await get('area=5325&month=2026-11', env.adminToken);
    expect(pref.body.counties.find((c: any) => c.area === '532503').revisions).toBe(view.body.revisions.length);
    // The monthly report prints the filed figures, notes the revisions, and its total row is /v1/stats now.
    const report = await monthlyReport({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'test' } }, { area: '5325', month: '2026-11' });
    const row = report.rows.find((x) => x.code === '532503')!;
    expect(row.stats.inWork.total).toBe(1);
    expect(row.filed).toBeDefined();
    const notes = monthlyReportNotes(report);
    expect(notes.some((n) => n.includes('532503') && n.includes('inWork.total 1→2'))).toBe(true);
    expect(notes.some((n) => n.includes('532503') && n.includes(`placement ${r.body.id} placement.recorded 2026-11-20（staff`))).toBe(true);
    expect(notes.some((n) => n.startsWith('未报送 not closed:') && n.includes('532501'))).toBe(true);
    const table = monthlyReportTable(report);
    const totalRow = table.rows.find((r) => r[0] === '5325')!;
    const statsNow = await env.request('GET', '/v1/stats?area=5325&asOf=2026-11-30', { token: env.adminToken });
    expect(totalRow[4]).toBe(statsNow.body.inWork.total);
    // The database refuses to change a filing.
    const refusal = (q: Promise<unknown>) => q.then(() => 'done', (err: any) => String(err?.cause?.message ?? err?.message));
    expect(await refusal(env.db.run(sql`UPDATE closings SET reason = 'x'`))).toMatch(/append-only/);
    expect(await refusal(env.db.run(sql`DELETE FROM closings`))).toMatch(/append-only/);
  });

  it('closing again needs a reason, is audited with it, and puts the new figures in force', async () => {
    const bare = await post({ area: '532503', month: '2026-11' });
    expect(bare.status).toBe(409);
    expect(bare.body.error.issues[0].path).toBe('reason');
    const again = await post({ area: '532503', month: '2026-11', reason: '补录外出务工人员' });
    expect(again.status).toBe(201);
    expect(again.body.reason).toBe('补录外出务工人员');
    expect(again.body.figures.inWork.total).toBe(2);
    const audits = await env.db.select().from(auditLog).where(eq(auditLog.action, 'closing.reclose'));
    expect(audits).toHaveLength(1);
    expect(audits[0]!.detail).toMatchObject({ area: '532503', month: '2026-11', reason: '补录外出务工人员', revised: expect.arrayContaining(['inWork.total']) });
    const view = await get('area=532503&month=2026-11');
    expect(view.body.revisions).toEqual([]);
    expect(view.body.history.map((h: any) => h.figures.inWork.total)).toEqual([1, 2]);
  });

  it('reading: staff see their county only; a township\'s staff may not read a county filing; bad input is a 4xx', async () => {
    expect((await get('area=532501&month=2026-11')).status).toBe(403);
    expect((await get('month=2026-11', await env.token({ role: 'staff', areaPrefix: '532503001' }))).status).toBe(403);
    expect((await get('area=532503001&month=2026-11', env.adminToken)).status).toBe(422);
    expect((await get('area=532503')).status).toBe(400);
    expect((await get('area=532503&month=11-2026')).status).toBe(400);
    // County staff asking for the prefecture get their own county.
    const own = await get('area=5325&month=2026-11');
    expect(own.body).toMatchObject({ level: 'county', area: '532503', closed: true });
  });
});

describe('records that moved a filed figure', () => {
  it('a person imported after the closing with a registration date in the month is listed, by the import run that wrote it', async () => {
    env.clock.set('2026-12-04T02:00:00Z');
    const tag = `late-${Date.now()}`;
    const upload = async (kind: string, header: string[], rows: string[][]) => {
      const form = new FormData();
      form.set('kind', kind);
      form.set('file', new File([toCsv(header, rows)], `${kind}.csv`));
      const res = await env.app.request('/v1/imports', { method: 'POST', body: form, headers: { authorization: `Bearer ${county}` } });
      expect(res.status).toBe(200);
      expect((await res.json()).rejected).toBe(0);
    };
    await upload('households', ['户编号', '区划代码', '是否脱贫户', '是否监测对象'], [[`${tag}-H`, V1, '是', '否']]);
    await upload('workers', ['人员编号', '户编号', '姓名', '登记日期'], [[`${tag}-P`, `${tag}-H`, '补录人员', '2026-11-10']]);
    const [w] = await env.db.select().from(workersTable).where(eq(workersTable.sourceId, `${tag}-P`));
    const view = await get('area=532503&month=2026-11');
    const registered = view.body.revisions.find((r: any) => r.figure === 'workersRegistered');
    expect(registered).toMatchObject({ filed: 3, now: 4 });
    expect(registered.records).toEqual([
      expect.objectContaining({ kind: 'worker', id: w!.id, change: 'worker.registered', date: '2026-11-10', changedBy: expect.objectContaining({ role: 'staff', action: 'import.workers' }) }),
    ]);
    // Nothing personal in the records.
    expect(JSON.stringify(view.body.revisions)).not.toContain('补录人员');
  });
});
