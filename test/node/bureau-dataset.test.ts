// The held-out bureau dataset (issue 17): a prefecture built through the API
// to the shape of a bureau's report — 1,444 people in work, 1,163 of them in
// the province, 31 public-welfare posts filled of 40, 24 certified workshops
// employing 33 poverty-alleviated workers, 50 zero-employment households,
// 1,524 registered — spread over 213 areas below the prefecture (13
// counties, 100 townships, a village in each). GET /v1/stats and the monthly
// export (read back from its xlsx) must give exactly the figures of the
// plan below for the prefecture and every one of those areas; then the month
// is closed, facts change after the closing (a decertification, a household
// status change, a placement ended back-dated into the month, and one change
// dated after the month), and the closings show revisions with the records
// that moved them while the filed figures stay.
//
// The expected figures come from the plan (what was built, tallied here by
// hand), never from the service under test.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areas, workers as workersTable } from '../../db/schema.js';
import type { Actor } from '../../src/context.js';
import { toCsv } from '../../src/lib/csv.js';
import { readXlsx } from '../../src/lib/xlsx.js';
import { monthlyHeader, monthlyReport, monthlyReportXlsx } from '../../src/services/reports.js';
import { hireThroughApi, makeEmployer, makeOpening, makeTestEnv, type TestEnv } from '../helpers.js';

type Type = 'public_welfare' | 'workshop' | 'enterprise' | 'self_employed' | 'migrant';
type Scope = 'township' | 'county' | 'province' | 'out_of_province';
interface PlanPlacement {
  type: Type;
  scope: Scope;
  areaCode: string;
  startDate: string;
  endDate: string | null;
  /** Made by a hire at this opening (key in `openingsPlan`), else through POST /v1/placements. */
  opening?: string;
  id?: number;
}
interface PlanWorker {
  key: string;
  village: string;
  household: string;
  placements: PlanPlacement[];
  id?: number;
}
interface PlanHousehold {
  key: string;
  village: string;
  povertyAlleviated: boolean;
  monitored: boolean;
  id?: number;
}
interface PlanOpening {
  key: string;
  kind: 'public_welfare' | 'workshop';
  areaCode: string;
  slots: number;
  employer: string;
  id?: number;
}
interface PlanWorkshop {
  key: string;
  areaCode: string;
  certified: boolean;
  id?: number;
}

const POINT = { lat: 23.4, lon: 103.38 };
const BUILT = '2026-11-10'; // the day everything is recorded (China time)
const AS_OF = '2026-11-30';
const ADMIN: Actor = { role: 'admin', tokenId: 1 };

let env: TestEnv;
const households: PlanHousehold[] = [];
const people: PlanWorker[] = [];
const openingsPlan: PlanOpening[] = [];
const workshops: PlanWorkshop[] = [];
let counties: string[] = [];
let townships: string[] = [];
let villages: string[] = [];
/** Every township of each county (the county report's rows), data or not. */
const townshipsOf = new Map<string, string[]>();

function plan() {
  let n = 0;
  const person = (village: string, target: 'poverty' | 'monitored' | null, placements: PlanPlacement[], household?: string) => {
    const key = `P${++n}`;
    let hh = household;
    if (!hh) {
      hh = `H${n}`;
      households.push({ key: hh, village, povertyAlleviated: target === 'poverty', monitored: target === 'monitored' });
    }
    const w = { key, village, household: hh, placements };
    people.push(w);
    return w;
  };
  const township = (v: string) => v.slice(0, 9);
  const county = (v: string) => v.slice(0, 6);
  const otherCounty = (v: string) => (county(v) === '532501' ? '532502' : '532501');

  // 20 public-welfare posts of 2 slots in villages 0–19: 31 holders, 9 slots open.
  for (let p = 0; p < 20; p++) {
    const v = villages[p]!;
    openingsPlan.push({ key: `post${p}`, kind: 'public_welfare', areaCode: v, slots: 2, employer: `bureau${county(v)}` });
    for (let k = 0; k < (p < 11 ? 2 : 1); k++) {
      person(v, k === 0 ? 'poverty' : 'monitored', [{ type: 'public_welfare', scope: 'township', areaCode: v, startDate: BUILT, endDate: null, opening: `post${p}` }]);
    }
  }
  // 26 workshops in the townships of villages 20–45; 24 certified. Their
  // employees live in the same village: 33 poverty-alleviated or monitored
  // at the certified ones, 7 others there, 5 at the uncertified two.
  for (let k = 0; k < 26; k++) {
    const v = villages[20 + k]!;
    workshops.push({ key: `ws${k}`, areaCode: township(v), certified: k < 24 });
    openingsPlan.push({ key: `job${k}`, kind: 'workshop', areaCode: township(v), slots: 5, employer: `ws${k}` });
    const hire = (): PlanPlacement => ({ type: 'workshop', scope: 'township', areaCode: township(v), startDate: BUILT, endDate: null, opening: `job${k}` });
    const targets = k < 24 ? (k < 9 ? 2 : 1) : k === 24 ? 2 : 3;
    for (let i = 0; i < targets; i++) person(v, i % 2 ? 'monitored' : 'poverty', [hire()]);
    if (k < 7) person(v, null, [hire()]);
  }
  // 281 out of the province (Guangdong), over all 100 villages.
  for (let i = 0; i < 281; i++) {
    const v = villages[i % 100]!;
    person(v, i % 5 === 0 ? 'poverty' : null, [{ type: 'migrant', scope: 'out_of_province', areaCode: '44', startDate: i % 2 ? '2026-10-12' : '2026-11-03', endDate: null }]);
  }
  // 1,087 more in work in the province: enterprise, self-employed, migrant
  // within Yunnan, in the township, the county or another county; the first
  // six also self-employed at home (two placements at once: counted once).
  const types: Type[] = ['enterprise', 'self_employed', 'migrant'];
  for (let i = 0; i < 1087; i++) {
    const v = villages[(i * 7) % 100]!;
    const where = i % 3;
    const p: PlanPlacement = {
      type: types[i % 3]!,
      scope: (['township', 'county', 'province'] as const)[where]!,
      areaCode: where === 0 ? township(v) : where === 1 ? county(v) : otherCounty(v),
      startDate: i % 2 ? '2026-10-12' : '2026-11-03',
      endDate: null,
    };
    // Shifted by one so a person's type and scope do not always go together.
    if ((i + 1) % 3 === 0) p.type = types[(i + 1) % 3]!;
    const extra: PlanPlacement[] = i < 6 ? [{ type: 'self_employed', scope: 'township', areaCode: township(v), startDate: '2026-11-05', endDate: null }] : [];
    const w = person(v, i % 4 === 0 ? (i % 8 === 0 ? 'monitored' : 'poverty') : null, [p, ...extra]);
    // 18 of their households have a second member, not in work.
    if (i >= 100 && i < 118) person(v, null, [], w.household);
  }
  // Zero-employment households: 50 poverty-alleviated or monitored, 12 others.
  for (let i = 0; i < 62; i++) person(villages[(i * 3) % 100]!, i < 50 ? (i % 2 ? 'monitored' : 'poverty') : null, []);
}

const activeOn = (p: PlanPlacement, d: string) => p.startDate <= d && (p.endDate === null || d < p.endDate);
const isTarget = (h: PlanHousehold) => h.povertyAlleviated || h.monitored;

/** The figures of the plan for an area, as GET /v1/stats answers them as of AS_OF. */
function expected(area: string) {
  const inArea = (code: string) => code.startsWith(area);
  const byType = { public_welfare: 0, workshop: 0, enterprise: 0, self_employed: 0, migrant: 0 };
  const byScope = { township: 0, county: 0, province: 0, out_of_province: 0 };
  let total = 0;
  let inProvince = 0;
  let started = 0;
  let ended = 0;
  const hh = new Map(households.map((h) => [h.key, h]));
  const working = new Set<string>();
  for (const w of people) {
    const active = w.placements.filter((p) => activeOn(p, AS_OF));
    if (active.length) working.add(w.household);
    if (!inArea(w.village)) continue;
    for (const p of w.placements) {
      if (p.startDate >= '2026-11-01' && p.startDate <= AS_OF) started++;
      if (p.endDate && p.endDate >= '2026-11-01' && p.endDate <= AS_OF) ended++;
    }
    if (!active.length) continue;
    total++;
    if (active.some((p) => p.scope !== 'out_of_province')) inProvince++;
    for (const t of new Set(active.map((p) => p.type))) byType[t]++;
    for (const s of new Set(active.map((p) => p.scope))) byScope[s]++;
  }
  const posts = openingsPlan.filter((o) => o.kind === 'public_welfare' && inArea(o.areaCode));
  const filledOf = (o: PlanOpening) => people.filter((w) => w.placements.some((p) => p.opening === o.key && activeOn(p, AS_OF))).length;
  const filled = posts.reduce((s, o) => s + filledOf(o), 0);
  const open = posts.reduce((s, o) => s + Math.max(0, o.slots - filledOf(o)), 0);
  const certified = workshops.filter((k) => k.certified && inArea(k.areaCode));
  const certifiedJobs = new Set(openingsPlan.filter((o) => certified.some((k) => k.key === o.employer)).map((o) => o.key));
  const employed = people.filter((w) => isTarget(hh.get(w.household)!) && w.placements.some((p) => p.opening && certifiedJobs.has(p.opening) && activeOn(p, AS_OF))).length;
  const zero = households.filter((h) => inArea(h.village) && !working.has(h.key));
  const remaining = zero.filter(isTarget).length;
  // On the list since it was registered (BUILT) or since its last placement ended; overdue after 15 days.
  const since = (h: PlanHousehold) =>
    people.filter((w) => w.household === h.key).flatMap((w) => w.placements.map((p) => p.endDate ?? '')).reduce((a, b) => (b > a ? b : a), BUILT);
  const overdue = zero.filter((h) => isTarget(h) && since(h) < '2026-11-15').length;
  return {
    area,
    asOf: AS_OF,
    workersRegistered: people.filter((w) => inArea(w.village)).length,
    inWork: { total, byType, byScope, inProvince, outOfProvince: byScope.out_of_province },
    publicWelfarePosts: { open, filled },
    workshops: { certified: certified.length, povertyAlleviatedEmployed: employed },
    zeroEmployment: { remaining, overdue, allHouseholds: zero.length },
    placementsThisMonth: { from: '2026-11-01', to: AS_OF, started, ended },
    // The plan imports no civil-affairs sheet and none of its posts serves anyone.
    care: { leftBehindElders: 0, leftBehindChildren: 0, disabledInDifficulty: 0, servingPosts: { open: 0, filled: 0 } },
  };
}

/** A row of the monthly export as the plan has it (the export's columns). */
function exportRow(area: string) {
  const s = expected(area);
  return [
    s.workersRegistered, s.inWork.total,
    s.inWork.byType.public_welfare, s.inWork.byType.workshop, s.inWork.byType.enterprise, s.inWork.byType.self_employed, s.inWork.byType.migrant,
    s.inWork.byScope.township, s.inWork.byScope.county, s.inWork.byScope.province, s.inWork.inProvince, s.inWork.outOfProvince,
    s.publicWelfarePosts.filled, s.publicWelfarePosts.open, s.workshops.certified, s.workshops.povertyAlleviatedEmployed,
    s.zeroEmployment.remaining, s.zeroEmployment.overdue, s.zeroEmployment.allHouseholds, s.placementsThisMonth.started, s.placementsThisMonth.ended,
  ];
}

async function upload(kind: 'households' | 'workers', header: string[], rows: (string | number)[][]) {
  const form = new FormData();
  form.set('kind', kind);
  form.set('file', new File([toCsv(header, rows)], `${kind}.csv`));
  const res = await env.app.request('/v1/imports', { method: 'POST', body: form, headers: { authorization: `Bearer ${env.adminToken}` } });
  const body: any = await res.json();
  expect(res.status, JSON.stringify(body).slice(0, 500)).toBe(200);
  expect(body.rejected, JSON.stringify(body.rejects?.slice(0, 3))).toBe(0);
}

const stats = async (area: string) => {
  const r = await env.request('GET', `/v1/stats?area=${area}&asOf=${AS_OF}`, { token: env.adminToken });
  expect(r.status).toBe(200);
  return r.body;
};

const startedAt = Date.now();

beforeAll(async () => {
  env = await makeTestEnv();
  const all = await env.db.select({ code: areas.code, level: areas.level, parent: areas.parent }).from(areas);
  counties = all.filter((a) => a.level === 'county' && a.parent === '5325').map((a) => a.code).sort();
  for (const c of counties) townshipsOf.set(c, all.filter((a) => a.level === 'township' && a.parent === c).map((a) => a.code).sort());
  // 100 townships, taken from the counties in turn, and the first village of each.
  const queues = counties.map((c) => [...townshipsOf.get(c)!]);
  while (townships.length < 100) for (const q of queues) if (q.length && townships.length < 100) townships.push(q.shift()!);
  townships.sort();
  villages = townships.map((t) => all.filter((a) => a.level === 'village' && a.parent === t).map((a) => a.code).sort()[0]!);
  expect(villages.every(Boolean)).toBe(true);
  plan();

  env.clock.set(`${BUILT}T02:00:00Z`);
  // Households and people by the import, as a county office loads the provincial sheets.
  await upload('households', ['户编号', '区划代码', '是否脱贫户', '是否监测对象'], households.map((h) => [h.key, h.village, h.povertyAlleviated ? '是' : '否', h.monitored ? '是' : '否']));
  await upload(
    'workers',
    ['人员编号', '户编号', '姓名', '纬度', '经度', '登记日期'],
    people.map((w, i) => [w.key, w.household, `劳动力${w.key}`, POINT.lat, POINT.lon, i % 2 ? '2026-10-01' : BUILT]),
  );
  const ids = new Map((await env.db.select({ id: workersTable.id, sourceId: workersTable.sourceId }).from(workersTable)).map((w) => [w.sourceId, w.id]));
  for (const w of people) w.id = ids.get(w.key)!;

  const employerIds = new Map<string, number>();
  for (const c of counties) employerIds.set(`bureau${c}`, (await makeEmployer(env, { kind: 'public_body', areaCode: c })).id);
  for (const k of workshops) {
    k.id = (await makeEmployer(env, { kind: 'workshop', areaCode: k.areaCode })).id;
    employerIds.set(k.key, k.id);
    if (k.certified) expect((await env.request('PATCH', `/v1/employers/${k.id}`, { token: env.adminToken, body: { certified: true } })).status).toBe(200);
  }
  const openingIds = new Map<string, number>();
  for (const o of openingsPlan) {
    o.id = (await makeOpening(env, employerIds.get(o.employer)!, { kind: o.kind, areaCode: o.areaCode, point: POINT, slots: o.slots })).id;
    openingIds.set(o.key, o.id!);
  }
  for (const w of people) {
    for (const p of w.placements) {
      if (p.opening) {
        await hireThroughApi(env, w.id!, openingIds.get(p.opening)!);
        continue;
      }
      const r = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: w.id, type: p.type, areaCode: p.areaCode, startDate: p.startDate } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.scope).toBe(p.scope);
      p.id = r.body.id;
    }
  }
}, 180_000);
afterAll(() => env.close());

describe('the held-out bureau dataset', () => {
  it('the plan has the bureau report\'s shape', () => {
    const s = expected('5325');
    expect([s.inWork.total, s.inWork.inProvince, s.publicWelfarePosts.filled, s.publicWelfarePosts.filled + s.publicWelfarePosts.open]).toEqual([1444, 1163, 31, 40]);
    expect([s.workshops.certified, s.workshops.povertyAlleviatedEmployed, s.zeroEmployment.remaining, s.workersRegistered]).toEqual([24, 33, 50, 1524]);
    expect(counties.length + townships.length + villages.length).toBe(213);
    console.log(`bureau dataset built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  });

  it('GET /v1/stats gives exactly the plan\'s figures for the prefecture and each of the 213 areas below it', async () => {
    env.clock.set('2026-12-01T02:00:00Z');
    const s = await stats('5325');
    expect(s).toEqual(expected('5325'));
    expect([s.inWork.total, s.inWork.inProvince, s.publicWelfarePosts.filled, s.workshops.certified, s.workshops.povertyAlleviatedEmployed, s.zeroEmployment.remaining, s.workersRegistered]).toEqual([
      1444, 1163, 31, 24, 33, 50, 1524,
    ]);
    for (const area of [...counties, ...townships, ...villages]) expect(await stats(area), area).toEqual(expected(area));
  });

  it('the monthly export (its xlsx read back) gives the same for the prefecture\'s counties and each county\'s townships, with a 合计 row', async () => {
    const ctx = { db: env.db, clock: env.clock, actor: ADMIN };
    for (const area of ['5325', ...counties]) {
      const [sheet] = readXlsx(monthlyReportXlsx(await monthlyReport(ctx, { area, month: '2026-11' })));
      expect(sheet!.rows[0]).toEqual(monthlyHeader);
      const body = sheet!.rows.slice(1);
      const children = area === '5325' ? counties : townshipsOf.get(area)!;
      expect(body.map((r) => r[0])).toEqual([...children, area]);
      for (const row of body) {
        expect(row[2]).toBe(AS_OF);
        expect(row.slice(3), `${area}: ${row[0]}`).toEqual(exportRow(String(row[0])));
      }
      expect(String(body.at(-1)![1])).toMatch(/合计/);
    }
  });

  it('closed, then changed after the closing: revisions with the records that moved them, the filed figures as they were', async () => {
    env.clock.set('2026-12-01T02:00:00Z');
    const filed = new Map<string, any>();
    for (const c of counties) {
      const r = await env.request('POST', '/v1/closings', { token: env.adminToken, body: { area: c, month: '2026-11' } });
      expect(r.status).toBe(201);
      expect(r.body.figures).toEqual(expected(c));
      filed.set(c, r.body.figures);
    }

    env.clock.set('2026-12-03T02:00:00Z');
    const staff = new Map<string, string>();
    const tokenFor = async (area: string) => {
      if (!staff.has(area)) staff.set(area, await env.token({ role: 'staff', areaPrefix: area }));
      return staff.get(area)!;
    };
    // 1. A certified workshop with two poverty-alleviated employees lost its certification on 25 November.
    const ws = workshops[0]!;
    const wsCounty = ws.areaCode.slice(0, 6);
    expect((await env.request('PATCH', `/v1/employers/${ws.id}`, { token: await tokenFor(wsCounty), body: { certified: false, certifiedSince: '2026-11-25' } })).status).toBe(200);
    ws.certified = false;
    // 2. A zero-employment household in the clearance target was found to be neither from 20 November.
    const zero = households.find((h) => isTarget(h) && h.village.slice(0, 6) !== wsCounty && !people.some((w) => w.household === h.key && w.placements.length))!;
    const zeroCounty = zero.village.slice(0, 6);
    zero.id = (await env.db.select({ id: workersTable.householdId }).from(workersTable).where(eq(workersTable.sourceId, people.find((w) => w.household === zero.key)!.key)))[0]!.id;
    expect((await env.request('PATCH', `/v1/households/${zero.id}`, { token: await tokenFor(zeroCounty), body: { povertyAlleviated: false, monitored: false, statusSince: '2026-11-20' } })).status).toBe(200);
    zero.povertyAlleviated = false;
    zero.monitored = false;
    // 3. A placement ended, entered late: last day worked 27 November (end date 28 November, exclusive).
    const leaver = people.find((w) => ![wsCounty, zeroCounty].includes(w.village.slice(0, 6)) && w.placements.length === 1 && !w.placements[0]!.opening && w.placements[0]!.scope === 'county' && isTarget(households.find((h) => h.key === w.household)!) && !people.some((o) => o !== w && o.household === w.household))!;
    const leaverCounty = leaver.village.slice(0, 6);
    const p = leaver.placements[0]!;
    expect((await env.request('POST', `/v1/placements/${p.id}/end`, { token: await tokenFor(leaverCounty), body: { endDate: '2026-11-28', reason: 'quit' } })).status).toBe(200);
    p.endDate = '2026-11-28';
    // 4. A change dated after the month: moves nothing in November, listed nowhere.
    const later = households.find((h) => !isTarget(h) && h.village.slice(0, 6) === counties.find((c) => ![wsCounty, zeroCounty, leaverCounty].includes(c)))!;
    const laterId = (await env.db.select({ id: workersTable.householdId }).from(workersTable).where(eq(workersTable.sourceId, people.find((w) => w.household === later.key)!.key)))[0]!.id;
    expect((await env.request('PATCH', `/v1/households/${laterId}`, { token: env.adminToken, body: { monitored: true, statusSince: '2026-12-02' } })).status).toBe(200);

    // Now: the plan with the changes gives the current figures; the filings stay.
    expect(await stats('5325')).toEqual(expected('5325'));
    const moved = new Set([wsCounty, zeroCounty, leaverCounty]);
    const recordsSeen: any[] = [];
    for (const c of counties) {
      const view = await env.request('GET', `/v1/closings?area=${c}&month=2026-11`, { token: await tokenFor(c) });
      expect(view.status).toBe(200);
      expect(view.body.filed.figures).toEqual(filed.get(c));
      expect(view.body.now).toEqual(expected(c));
      if (!moved.has(c)) {
        expect(view.body.revisions, c).toEqual([]);
        continue;
      }
      expect(view.body.revisions.length).toBeGreaterThan(0);
      for (const rev of view.body.revisions) {
        expect(rev.filed).not.toBe(rev.now);
        // Every figure that moved has a record to account for it.
        expect(rev.records.length, `${c} ${rev.figure}`).toBeGreaterThan(0);
        recordsSeen.push(...rev.records.map((r: any) => ({ ...r, county: c, figure: rev.figure })));
      }
    }
    const find = (kind: string, id: number) => recordsSeen.filter((r) => r.kind === kind && r.id === id);
    expect(new Set(find('workshop', ws.id!).map((r) => r.figure))).toEqual(new Set(['workshops.certified', 'workshops.povertyAlleviatedEmployed']));
    expect(find('workshop', ws.id!)[0]).toMatchObject({ change: 'workshop.certification', date: '2026-11-25', changedBy: { role: 'staff', action: 'employer.update' }, detail: { certified: false } });
    expect(new Set(find('household', zero.id!).map((r) => r.figure))).toEqual(new Set(['zeroEmployment.remaining', 'zeroEmployment.overdue']));
    expect(find('household', zero.id!)[0]).toMatchObject({ change: 'household.status', date: '2026-11-20', changedBy: { role: 'staff' }, detail: { povertyAlleviated: false, monitored: false } });
    const ended = find('placement', p.id!);
    expect(ended.map((r) => r.figure)).toEqual(expect.arrayContaining(['inWork.total', 'inWork.byScope.county', 'placementsThisMonth.ended', 'zeroEmployment.allHouseholds']));
    expect(ended[0]).toMatchObject({ change: 'placement.ended', date: '2026-11-28', changedBy: { role: 'staff', action: 'placement.end' }, detail: { endDate: '2026-11-28', lastDayWorked: '2026-11-27' } });
    // The household dated into December is no record of November.
    expect(find('household', laterId)).toEqual([]);
    // Staff of another county may not read these.
    const other = counties.find((c) => !moved.has(c))!;
    expect((await env.request('GET', `/v1/closings?area=${wsCounty}&month=2026-11`, { token: await tokenFor(other) })).status).toBe(403);

    // The prefecture's export prints the filed figures, notes the revisions and their records; its 合计 row is /v1/stats now.
    const report = await monthlyReport({ db: env.db, clock: env.clock, actor: ADMIN }, { area: '5325', month: '2026-11' });
    const [sheet, notes] = readXlsx(monthlyReportXlsx(report));
    const rows = sheet!.rows.slice(1);
    for (const c of counties) {
      const f = filed.get(c);
      expect(rows.find((r) => r[0] === c)![4], c).toBe(f.inWork.total);
    }
    expect(rows.at(-1)!.slice(3)).toEqual(exportRow('5325'));
    const noteText = notes!.rows.map((r) => String(r[1])).join('\n');
    expect(noteText).toContain(`workshop ${ws.id} workshop.certification 2026-11-25`);
    expect(noteText).toContain(`household ${zero.id} household.status 2026-11-20`);
    expect(noteText).toContain(`placement ${p.id} placement.ended 2026-11-28（最后上班 last day worked 2026-11-27）`);
    console.log(`bureau dataset test: ${((Date.now() - startedAt) / 1000).toFixed(1)} s in all`);
  });
});
