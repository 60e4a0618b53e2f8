// Care coverage (issue 18 §5): the civil-affairs counts imported per village
// and date, and GET /v1/care-coverage ranking a constructed county by the
// rule of domain/care-score.ts.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, careCounts } from '../../db/schema.js';
import { CARERS_COUNTED, careScore } from '../../src/domain/care-score.js';
import { toCsv } from '../../src/lib/csv.js';
import { readXlsx } from '../../src/lib/xlsx.js';
import { monthlyReport, monthlyReportXlsx } from '../../src/services/reports.js';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

// Villages of 文澜街道 (532503001), 蒙自市.
const V1 = '532503001001';
const V2 = '532503001002';
const V3 = '532503001003';
const V4 = '532503001004';
const V5 = '532503001005';
const HEAD = ['村代码', '村名', '统计日期', '留守老人', '留守儿童', '困难残疾人'];

let env: TestEnv;
let staffIn: string;
let staffOut: string;

async function upload(token: string, csv: string, name = 'minzheng.csv') {
  const form = new FormData();
  form.set('kind', 'care');
  form.set('file', new File([new TextEncoder().encode(csv)], name));
  const res = await env.app.request('/v1/imports', { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as any };
}

/** A carer: cannot leave home, of a poverty-alleviated household unless said otherwise. */
async function carer(village: string, over: { povertyAlleviated?: boolean; careFor?: string[] } = {}) {
  const h = await makeHousehold(env, { areaCode: village, povertyAlleviated: over.povertyAlleviated ?? true });
  return makeWorker(env, h.id, { cannotLeaveHome: true, careFor: over.careFor ?? ['elders'] });
}

const coverage = (token: string, query = '') => env.request('GET', `/v1/care-coverage${query}`, { token });

beforeAll(async () => {
  env = await makeTestEnv();
  staffIn = await env.token({ role: 'staff', areaPrefix: '532503' });
  staffOut = await env.token({ role: 'staff', areaPrefix: '532501' });

  // October's sheet, then November's: V1's elders went from 5 to 40.
  const oct = await upload(staffIn, toCsv(HEAD, [[V1, '天马社区', '2026-10-01', 5, 0, 0]]));
  expect(oct.status, JSON.stringify(oct.body)).toBe(200);
  const nov = await upload(
    staffIn,
    toCsv(HEAD, [
      [V1, '天马社区', '2026-11-15', 40, 0, 0],
      [V2, '银河社区', '2026/11/15', 40, 0, 0],
      [V3, '鸿雁社区', '2026年11月15日', 40, 0, 0],
      [V4, '玉皇阁社区', '2026-11-15', 0, 10, 0],
    ]),
  );
  expect(nov.body.imported).toBe(4);

  // V1: many elders, two carers out of work, no serving post.
  await carer(V1);
  await carer(V1, { careFor: ['children', 'elders'] });
  // Not counted as available: in work, or able to leave home; counted but not eligible: not a poverty household.
  const busy = await carer(V1);
  const p = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: busy.id, type: 'self_employed', areaCode: V1, startDate: '2026-11-01' } });
  expect(p.status).toBe(201);
  const h = await makeHousehold(env, { areaCode: V1 });
  await makeWorker(env, h.id, { cannotLeaveHome: false });
  await carer(V1, { povertyAlleviated: false });
  // V2: the same needs and carers, but three slots already serve its elders.
  await carer(V2);
  await carer(V2);
  const bureau = await makeEmployer(env, { kind: 'public_body' });
  await makeOpening(env, bureau.id, { kind: 'public_welfare', serves: 'elders', areaCode: V2, slots: 3 });
  // A post serving another group does not serve V2's elders.
  await makeOpening(env, bureau.id, { kind: 'public_welfare', serves: 'children', areaCode: V2, slots: 1 });
  // V3: the same needs and no carer. V4: fewer needs, one carer.
  await carer(V4, { careFor: ['children'] });
  // V5: a carer and no counted need.
  await carer(V5);
});
afterAll(() => env.close());

describe('the care score', () => {
  it('divides the people of the group in most need by its serving slots plus the new one, times the carers up to the cap', () => {
    const s = careScore({ people: { elders: 40, children: 12, disabled: 0 }, servingPosts: { elders: 3, children: 0, disabled: 0 }, carers: 7 });
    // children: 12 / 1 = 12 beats elders: 40 / 4 = 10.
    expect(s.serves).toBe('children');
    expect(s.peoplePerPost).toBe(12);
    expect(s.carersCounted).toBe(CARERS_COUNTED);
    expect(s.score).toBe(12 * CARERS_COUNTED);
    expect(s.text).toContain('12 children / (0 serving slots + 1 new) = 12 per post');
    expect(careScore({ people: { elders: 40, children: 0, disabled: 0 }, servingPosts: { elders: 0, children: 0, disabled: 0 }, carers: 0 }).score).toBe(0);
    expect(careScore({ people: { elders: 0, children: 0, disabled: 0 }, servingPosts: { elders: 0, children: 0, disabled: 0 }, carers: 2 }).serves).toBeNull();
  });
});

describe('GET /v1/care-coverage', () => {
  it('ranks the county: the unserved village with carers first, the served one later, the one without carers below one with carers', async () => {
    const r = await coverage(staffIn, '?area=532503001');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const codes = r.body.items.map((i: any) => i.areaCode);
    expect(codes).toEqual([V1, V2, V4, V3, V5]);
    const [v1, v2, v4, v3] = r.body.items;
    expect(v1).toMatchObject({
      rank: 1,
      name: '天马社区',
      township: { code: '532503001', name: '文澜街道' },
      counts: { elders: 40, children: 0, disabled: 0, asOf: '2026-11-15' },
      servingPosts: { elders: { filled: 0, open: 0 } },
      // The one in work and the one who can leave home are not carers out of work; the non-poverty one is not eligible.
      carers: { notInWork: 3, eligible: 2, byCareFor: { elders: 3, children: 1, disabled: 0, other: 0 } },
      suggestedServes: 'elders',
      score: 80,
    });
    expect(v1.reason).toMatchObject({ people: 40, servingPosts: 0, peoplePerPost: 40, carersCounted: 2 });
    expect(v2.servingPosts).toEqual({ elders: { filled: 0, open: 3 }, children: { filled: 0, open: 1 }, disabled: { filled: 0, open: 0 } });
    expect(v2.score).toBe(20);
    expect(v4).toMatchObject({ suggestedServes: 'children', score: 10 });
    expect(v3).toMatchObject({ score: 0, carers: { eligible: 0 } });
    expect(v3.reason.text).toContain('no carer here could take it');
    expect(r.body.totals).toEqual({
      leftBehindElders: 120,
      leftBehindChildren: 10,
      disabledInDifficulty: 0,
      servingPosts: { filled: 0, open: 4 },
      carersNotInWork: 7,
      carersEligible: 6,
    });
    expect(r.body.rule).toContain('min(carers');
  });

  it('pages the ranking by cursor, each page of the same day', async () => {
    const first = await coverage(staffIn, '?area=532503001&limit=2');
    expect(first.body.items.map((i: any) => i.rank)).toEqual([1, 2]);
    const second = await coverage(staffIn, `?area=532503001&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((i: any) => i.areaCode)).toEqual([V4, V3]);
    const third = await coverage(staffIn, `?area=532503001&limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.items.map((i: any) => i.areaCode)).toEqual([V5]);
    expect(third.body.nextCursor).toBeNull();
    expect((await coverage(staffIn, '?cursor=nonsense')).status).toBe(400);
  });

  it('as of a past date reads the sheet then in force and the posts and carers of then', async () => {
    const r = await coverage(staffIn, '?area=532503001&asOf=2026-10-15');
    expect(r.status).toBe(200);
    // Before November's sheet only V1 was counted, 5 elders; the posts were not made yet.
    const v1 = r.body.items.find((i: any) => i.areaCode === V1);
    expect(v1.counts).toEqual({ elders: 5, children: 0, disabled: 0, asOf: '2026-10-01' });
    expect(r.body.items.find((i: any) => i.areaCode === V2)?.counts.asOf ?? null).toBeNull();
    expect(r.body.totals.leftBehindElders).toBe(5);
    expect(r.body.totals.servingPosts).toEqual({ filled: 0, open: 0 });
    // Nobody was registered yet on 2026-10-15 (the records are made "today", 2026-11-20).
    expect(r.body.totals.carersNotInWork).toBe(0);
  });

  it("another county's staff are refused that county (403) and see nothing of it in their own", async () => {
    const r = await coverage(staffOut, '?area=532503');
    expect(r.status).toBe(403);
    const own = await coverage(staffOut);
    expect(own.status).toBe(200);
    expect(own.body.area).toBe('532501');
    expect(own.body.items).toEqual([]);
    expect(own.body.totals.leftBehindElders).toBe(0);
    expect((await coverage(env.adminToken, '?area=532503999')).status).toBe(422);
  });

  it('GET /v1/stats carries the same counts and serving posts', async () => {
    const s = await env.request('GET', '/v1/stats?area=532503001', { token: staffIn });
    expect(s.status).toBe(200);
    expect(s.body.care).toEqual({ leftBehindElders: 120, leftBehindChildren: 10, disabledInDifficulty: 0, servingPosts: { filled: 0, open: 4 } });
    expect(s.body.publicWelfarePosts.open).toBe(4);
  });
});

describe('the monthly export', () => {
  it('carries a care sheet: every village ranked with its numbers, as the API gives them', async () => {
    const report = await monthlyReport({ db: env.db, clock: env.clock, actor: { role: 'admin', tokenId: 1 } }, { area: '532503', month: '2026-11' });
    const sheets = readXlsx(monthlyReportXlsx(report));
    const care = sheets.find((x) => x.name === '照料服务 care coverage');
    expect(care).toBeDefined();
    const [header, first, second] = care!.rows;
    expect(header![0]).toBe('排序 rank');
    expect(first!.slice(0, 8)).toEqual([1, V1, '文澜街道', '天马社区', '2026-11-15', 40, 0, 0]);
    expect(first![16]).toBe(80);
    expect(first![17]).toBe('elders');
    expect(second![1]).toBe(V2);
    const api = await coverage(env.adminToken, '?area=532503&asOf=2026-11-20&limit=100');
    expect(care!.rows.slice(1).map((r) => r[1])).toEqual(api.body.items.map((i: any) => i.areaCode));
  });
});

describe('importing the civil-affairs sheet', () => {
  it('refuses each bad row with its line, column and reason, writes the good ones, and audits the run', async () => {
    const csv = toCsv(HEAD, [
      [V5, '月牙塘社区', '2026-11-01', 3, 4, 5], // line 2: good
      ['532503999999', '', '2026-11-01', 1, 1, 1], // 3: unknown code
      ['532503001', '文澜街道', '2026-11-01', 1, 1, 1], // 4: a township
      [V5, '', '2026-13-01', 1, 1, 1], // 5: no such date
      [V5, '', '2026-12-30', 1, 1, 1], // 6: after today
      [V5, '', '2026-11-02', -1, 1, 1], // 7: negative
      [V5, '', '2026-11-03', 1, '', 1], // 8: blank count
      [V5, '', '2026-11-01', 9, 9, 9], // 9: duplicate of line 2
      ['532501001001', '青杉里社区', '2026-11-01', 1, 1, 1], // 10: another county
    ]);
    const r = await upload(staffIn, csv, 'bad.csv');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ kind: 'care', read: 9, imported: 1, rejected: 8 });
    const by = (line: number) => r.body.rejects.filter((x: any) => x.line === line).map((x: any) => `${x.column}: ${x.reason}`);
    expect(by(3)).toEqual([expect.stringMatching(/^村代码: unknown area code 532503999999/)]);
    expect(by(4)).toEqual([expect.stringMatching(/^村代码: .*is a township/)]);
    expect(by(5)).toEqual([expect.stringMatching(/^统计日期: must be a date/)]);
    expect(by(6)).toEqual([expect.stringMatching(/^统计日期: is after today \(2026-11-20\)/)]);
    expect(by(7)).toEqual([expect.stringMatching(/^留守老人: must be a whole number/)]);
    expect(by(8)).toEqual([expect.stringMatching(/^留守儿童: is required/)]);
    expect(by(9)).toEqual([expect.stringMatching(/^统计日期: duplicate: line 2/)]);
    expect(by(10)).toEqual([expect.stringMatching(/^村代码: is outside your area \(532503\)/)]);
    expect(r.body.ignoredColumns).toEqual(['村名']);
    const rows = await env.db.select().from(careCounts).where(eq(careCounts.areaCode, V5));
    expect(rows.map((x) => [x.effectiveDate, x.elders, x.children, x.disabled])).toEqual([['2026-11-01', 3, 4, 5]]);
    const audits = await env.db.select().from(auditLog).where(and(eq(auditLog.action, 'import.care')));
    expect(audits.at(-1)?.detail).toMatchObject({ file: 'bad.csv', imported: 1, rejected: 8 });
  });

  it('the same village and date again corrects that row; other dates stay as history', async () => {
    const r = await upload(staffIn, toCsv(HEAD, [[V5, '', '2026-11-01', 6, 4, 5]]));
    expect(r.body).toMatchObject({ imported: 0, updated: 1, rejected: 0 });
    const rows = await env.db.select().from(careCounts).where(eq(careCounts.areaCode, V5));
    expect(rows.map((x) => x.elders)).toEqual([6]);
    const v1 = await env.db.select().from(careCounts).where(eq(careCounts.areaCode, V1));
    expect(v1.map((x) => x.effectiveDate).sort()).toEqual(['2026-10-01', '2026-11-15']);
  });

  it('a sheet without a count column is refused as a whole, naming it', async () => {
    const r = await upload(staffIn, toCsv(['村代码', '统计日期', '留守老人', '留守儿童'], [[V5, '2026-11-01', 1, 1]]));
    expect(r.status).toBe(400);
    expect(r.body.error.issues).toEqual([{ path: '困难残疾人', message: 'this column is required' }]);
  });

  it('a mapping file is refused with the care import (its columns are fixed)', async () => {
    const form = new FormData();
    form.set('kind', 'care');
    form.set('mapping', '{}');
    form.set('file', new File([new TextEncoder().encode(toCsv(HEAD, [[V5, '', '2026-11-01', 1, 1, 1]]))], 'm.csv'));
    const res = await env.app.request('/v1/imports', { method: 'POST', body: form, headers: { authorization: `Bearer ${staffIn}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.issues[0].path).toBe('mapping');
  });

  it('employers may not import it', async () => {
    const e = await makeEmployer(env);
    const r = await upload(e.token, toCsv(HEAD, [[V5, '', '2026-11-01', 1, 1, 1]]));
    expect(r.status).toBe(403);
  });
});

describe('the console page', () => {
  const ORIGIN = 'http://console.test';
  async function signIn(token: string) {
    const res = await env.app.request(`${ORIGIN}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ token }),
    });
    expect(res.status).toBe(303);
    return res.headers.get('set-cookie')!.split(';')[0]!;
  }
  const page = async (path: string, cookie: string) => {
    const res = await env.app.request(`${ORIGIN}${path}`, { headers: { cookie } });
    return { status: res.status, html: await res.text() };
  };

  it('shows the ranked table; a row\'s "create a serving post here" prefills the new-post form, and the post made through it serves that village', async () => {
    const cookie = await signIn(staffIn);
    const p = await page('/console/care-coverage?area=532503001', cookie);
    expect(p.status).toBe(200);
    const rows = [...p.html.matchAll(/<tr data-area="(\d+)" data-rank="(\d+)"/g)].map((m) => m[1]);
    expect(rows.slice(0, 3)).toEqual([V1, V2, V4]);
    const rowForm = new RegExp(`<form method="get" action="/console/openings/new" class="inline" data-new-post="${V1}">(.*?)</form>`).exec(p.html)![1]!;
    const fields = Object.fromEntries([...rowForm.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    expect(fields).toEqual({ areaCode: V1, serves: 'elders', title: '天马社区留守老人关爱服务岗', slots: '1', hours: 'part_day' });
    const form = await page(`/console/openings/new?${new URLSearchParams(fields as Record<string, string>)}`, cookie);
    expect(form.status).toBe(200);
    expect(form.html).toContain('value="天马社区留守老人关爱服务岗"');
    expect(form.html).toMatch(/<option value="elders" selected/);
    const csrf = /name="_csrf" value="([0-9a-f]+)"/.exec(form.html)![1]!;
    const bureau = await makeEmployer(env, { kind: 'public_body' });
    const body = new URLSearchParams({ _csrf: csrf, title: '天马社区留守老人关爱服务岗', employerId: String(bureau.id), areaCode: V1, serves: 'elders', slots: '1', wageAmount: '800', wagePeriod: 'month', hours: 'part_day' });
    const made = await env.app.request(`${ORIGIN}/console/openings`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: ORIGIN }, body });
    expect(made.status, await made.clone().text()).toBe(303);
    const after = await coverage(staffIn, '?area=532503001');
    const v1 = after.body.items.find((i: any) => i.areaCode === V1);
    expect(v1.servingPosts.elders).toEqual({ filled: 0, open: 1 });
    // 40 / (1 + 1) × 2 carers: still first, by half.
    expect(v1.score).toBe(40);
    const overview = await page('/console/overview?area=532503001', cookie);
    expect(overview.html).toMatch(/data-figure="care.leftBehindElders">126</);
    expect(overview.html).toContain('/console/care-coverage?area=532503001');
  });

  it("another county's staff get their own county's page, with none of this one's villages", async () => {
    const cookie = await signIn(staffOut);
    const p = await page('/console/care-coverage?area=532503001', cookie);
    expect(p.status).toBe(403);
    const own = await page('/console/care-coverage', cookie);
    expect(own.status).toBe(200);
    expect(own.html).not.toContain(V1);
  });
});
