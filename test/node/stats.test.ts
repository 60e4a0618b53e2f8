// Counts and worklists on a small hand-built prefecture whose every figure is
// known: GET /v1/stats as of two dates and for two areas, and the
// zero-employment worklist. Built once through the API, as staff would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';
import { hireThroughApi } from '../helpers.js';

const HOME = { lat: 23.4, lon: 103.38 };
const V1 = '532503001001'; // a village of 文澜街道, 蒙自市
const V_OTHER_TOWNSHIP = '532503002001'; // 雨过铺街道, 蒙自市
const GEJIU_VILLAGE = '532501001001'; // 个旧市

let env: TestEnv;
const w: Record<string, any> = {};
const h: Record<string, any> = {};

const hire = (workerId: number, openingId: number) => hireThroughApi(env, workerId, openingId);

async function place(workerId: number, body: Record<string, unknown>, e = env) {
  const r = await e.request('POST', '/v1/placements', { token: e.adminToken, body: { workerId, ...body } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

const stats = async (query: string, token = env.adminToken, e = env) => {
  const res = await e.request('GET', `/v1/stats?${query}`, { token });
  expect(res.status).toBe(200);
  return res.body;
};

beforeAll(async () => {
  env = await makeTestEnv();
  // 1 October: the workshop is certified, two posts and a workshop job open,
  // six households registered.
  env.clock.set('2026-10-01T02:00:00Z');
  const workshop = await makeEmployer(env, { kind: 'workshop', areaCode: '532503' });
  expect((await env.request('PATCH', `/v1/employers/${workshop.id}`, { token: env.adminToken, body: { certified: true } })).status).toBe(200);
  const bureau = await makeEmployer(env, { kind: 'public_body', areaCode: '532503' });
  const gejiuBody = await makeEmployer(env, { kind: 'public_body', areaCode: '532501', point: { lat: 23.36, lon: 103.155 } });
  h.pw1 = await makeOpening(env, bureau.id, { kind: 'public_welfare', areaCode: V1, point: HOME, slots: 3 });
  h.pw2 = await makeOpening(env, bureau.id, { kind: 'public_welfare', areaCode: V1, point: HOME, slots: 1 });
  h.pw3 = await makeOpening(env, gejiuBody.id, { kind: 'public_welfare', areaCode: GEJIU_VILLAGE, point: { lat: 23.36, lon: 103.155 }, slots: 2 });
  h.ws1 = await makeOpening(env, workshop.id, { kind: 'workshop', areaCode: '532503', point: HOME, slots: 5 });

  h.H1 = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  h.H2 = await makeHousehold(env, { areaCode: V1, povertyAlleviated: false, monitored: true });
  h.H3 = await makeHousehold(env, { areaCode: V_OTHER_TOWNSHIP, povertyAlleviated: false });
  h.H4 = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  h.H5 = await makeHousehold(env, { areaCode: GEJIU_VILLAGE, povertyAlleviated: true });
  h.H6 = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  w.A = await makeWorker(env, h.H1.id, { home: HOME });
  w.B = await makeWorker(env, h.H2.id, { home: HOME });
  w.C = await makeWorker(env, h.H3.id, { home: HOME });
  w.D = await makeWorker(env, h.H4.id, { home: HOME });
  w.E = await makeWorker(env, h.H5.id, { home: { lat: 23.36, lon: 103.155 } });
  w.F = await makeWorker(env, h.H6.id, { home: HOME });
  // F worked from 1 September to 10 November (end date exclusive) in another township.
  const f = await place(w.F.id, { type: 'enterprise', areaCode: '532503002', startDate: '2026-09-01' });
  // E works in Kunming from 15 October.
  await place(w.E.id, { type: 'enterprise', areaCode: '5301', startDate: '2026-10-15' });

  // 20 November: hires, a migrant found work in Guangdong, one post closed, a new household.
  env.clock.set('2026-11-20T02:00:00Z');
  expect((await env.request('POST', `/v1/placements/${f.id}/end`, { token: env.adminToken, body: { endDate: '2026-11-10', reason: 'contract_ended' } })).status).toBe(200);
  await hire(w.A.id, h.pw1.id);
  await hire(w.B.id, h.ws1.id);
  await place(w.C.id, { type: 'migrant', areaCode: '44', startDate: '2026-11-05' });
  expect((await env.request('POST', `/v1/openings/${h.pw2.id}/close`, { token: env.adminToken, body: {} })).status).toBe(200);
  h.H7 = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  w.G = await makeWorker(env, h.H7.id, { home: HOME });
});
afterAll(() => env.close());

describe('stats', () => {
  it('counts the county as of the end of November', async () => {
    const s = await stats('area=532503&asOf=2026-11-30');
    expect(s).toEqual({
      area: '532503',
      asOf: '2026-11-30',
      workersRegistered: 6,
      inWork: {
        total: 3,
        byType: { public_welfare: 1, workshop: 1, enterprise: 0, self_employed: 0, migrant: 1 },
        byScope: { township: 1, county: 1, province: 0, out_of_province: 1 },
        inProvince: 2,
        outOfProvince: 1,
      },
      publicWelfarePosts: { open: 2, filled: 1 },
      workshops: { certified: 1, povertyAlleviatedEmployed: 1 },
      zeroEmployment: { remaining: 3, overdue: 2, allHouseholds: 3 },
      placementsThisMonth: { from: '2026-11-01', to: '2026-11-30', started: 3, ended: 1 },
      // No civil-affairs sheet and no serving post in this county.
      care: { leftBehindElders: 0, leftBehindChildren: 0, disabledInDifficulty: 0, servingPosts: { filled: 0, open: 0 } },
    });
  });

  it('the prefecture adds the other county’s worker, placement and post', async () => {
    const s = await stats('area=5325&asOf=2026-11-30');
    expect(s.workersRegistered).toBe(7);
    expect(s.inWork.total).toBe(4);
    expect(s.inWork.byScope).toEqual({ township: 1, county: 1, province: 1, out_of_province: 1 });
    expect(s.inWork.inProvince).toBe(3);
    expect(s.publicWelfarePosts).toEqual({ open: 4, filled: 1 });
    expect(s.zeroEmployment).toEqual({ remaining: 3, overdue: 2, allHouseholds: 3 });
  });

  it('is reproducible as of an earlier date: later records are not counted', async () => {
    const s = await stats('area=532503&asOf=2026-10-31');
    expect(s).toEqual({
      area: '532503',
      asOf: '2026-10-31',
      workersRegistered: 5,
      inWork: {
        total: 1,
        byType: { public_welfare: 0, workshop: 0, enterprise: 1, self_employed: 0, migrant: 0 },
        byScope: { township: 0, county: 1, province: 0, out_of_province: 0 },
        inProvince: 1,
        outOfProvince: 0,
      },
      // pw2 was still open then; nobody held a post yet.
      publicWelfarePosts: { open: 4, filled: 0 },
      workshops: { certified: 1, povertyAlleviatedEmployed: 0 },
      // H1, H2, H3, H4 waiting since 1 October (30 days, overdue); H6 was in work.
      // H3 is neither poverty-alleviated nor monitored: not in the clearance target.
      zeroEmployment: { remaining: 3, overdue: 3, allHouseholds: 4 },
      placementsThisMonth: { from: '2026-10-01', to: '2026-10-31', started: 0, ended: 0 },
      // No civil-affairs sheet and no serving post in this county.
      care: { leftBehindElders: 0, leftBehindChildren: 0, disabledInDifficulty: 0, servingPosts: { filled: 0, open: 0 } },
    });
  });

  it('staff count their own area; employers cannot read counts; bad input is a clear 400', async () => {
    const gejiu = await env.token({ role: 'staff', areaPrefix: '532501' });
    const own = await stats('asOf=2026-11-30', gejiu);
    expect(own.area).toBe('532501');
    expect(own.workersRegistered).toBe(1);
    expect((await env.request('GET', '/v1/stats?area=532503', { token: gejiu })).status).toBe(403);
    const employer = await makeEmployer(env);
    expect((await env.request('GET', '/v1/stats', { token: employer.token })).status).toBe(403);
    const bad = await env.request('GET', '/v1/stats?asOf=2026-13-45', { token: env.adminToken });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('asOf');
    expect((await env.request('GET', '/v1/stats?area=999999', { token: env.adminToken })).status).toBe(422);
  });
});

describe('zero-employment worklist', () => {
  it('lists households still with nobody in work, longest waiting first, with days waiting, overdue and openings within reach', async () => {
    const res = await env.request('GET', '/v1/worklists/zero-employment?area=532503&asOf=2026-11-30', { token: env.adminToken });
    expect(res.status).toBe(200);
    const items = res.body.items;
    expect(items.map((i: any) => i.householdId)).toEqual([h.H4.id, h.H6.id, h.H7.id]);
    expect(items.map((i: any) => [i.since, i.daysWaiting, i.overdue])).toEqual([
      ['2026-10-01', 60, true],
      ['2026-11-10', 20, true],
      ['2026-11-20', 10, false],
    ]);
    // pw1 (two slots left) and the workshop job are open within reach of each; pw2 is closed, pw3 far away.
    expect(items.map((i: any) => i.eligibleOpenings.count)).toEqual([2, 2, 2]);
    expect(items[0].members).toEqual([expect.objectContaining({ id: w.D.id, ableToWork: true, erased: false })]);
  });

  it('pages with a cursor and keeps to the staff member’s area', async () => {
    const first = await env.request('GET', '/v1/worklists/zero-employment?area=532503&asOf=2026-11-30&limit=2', { token: env.adminToken });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await env.request('GET', `/v1/worklists/zero-employment?area=532503&asOf=2026-11-30&limit=2&cursor=${first.body.nextCursor}`, {
      token: env.adminToken,
    });
    expect(second.body.items.map((i: any) => i.householdId)).toEqual([h.H7.id]);
    expect(second.body.nextCursor).toBeNull();

    const gejiu = await env.token({ role: 'staff', areaPrefix: '532501' });
    const theirs = await env.request('GET', '/v1/worklists/zero-employment?asOf=2026-11-30', { token: gejiu });
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
  });
});

describe('public-welfare posts open', () => {
  it('exclude a slot taken by a hire that starts later, from the day the hire is recorded', async () => {
    const e = await makeTestEnv();
    try {
      e.clock.set('2026-11-20T02:00:00Z');
      const body = await makeEmployer(e, { kind: 'public_body', areaCode: '532503' });
      const post = await makeOpening(e, body.id, { kind: 'public_welfare', areaCode: V1, point: HOME, slots: 2, startDate: '2026-12-01' });
      const hh = await makeHousehold(e, { areaCode: V1, povertyAlleviated: true });
      const wk = await makeWorker(e, hh.id, { home: HOME });
      const posts = async (asOf: string) => (await stats(`area=532503&asOf=${asOf}`, e.adminToken, e)).publicWelfarePosts;
      expect(await posts('2026-11-20')).toEqual({ open: 2, filled: 0 });
      e.clock.set('2026-11-21T02:00:00Z');
      await hireThroughApi(e, wk.id, post.id);
      // Hired on 21 November to start on 1 December: one slot promised, nobody in work yet.
      expect(await posts('2026-11-21')).toEqual({ open: 1, filled: 0 });
      expect(await posts('2026-11-30')).toEqual({ open: 1, filled: 0 });
      expect(await posts('2026-12-01')).toEqual({ open: 1, filled: 1 });
      // The day before the hire was recorded, both slots were open.
      expect(await posts('2026-11-20')).toEqual({ open: 2, filled: 0 });
    } finally {
      e.close();
    }
  });
});

describe('people holding two placements at once', () => {
  it('count once in the total and once in each type and scope they hold; placements one after another count once', async () => {
    const e = await makeTestEnv();
    try {
      e.clock.set('2026-11-20T02:00:00Z');
      const placeIn = (workerId: number, body: Record<string, unknown>) => place(workerId, body, e);
      const statsOn = async (asOf: string) => (await stats(`area=5325&asOf=${asOf}`, e.adminToken, e)).inWork;
      const hh = await makeHousehold(e, { areaCode: V1, povertyAlleviated: true });
      const p = await makeWorker(e, hh.id, { home: HOME });
      const q = await makeWorker(e, hh.id, { home: HOME });
      // P: self-employed at home from 1 November, and a Guangdong job from 10 November.
      const own = await placeIn(p.id, { type: 'self_employed', areaCode: V1, startDate: '2026-11-01' });
      await placeIn(p.id, { type: 'enterprise', areaCode: '44', startDate: '2026-11-10' });
      // Q: a county job until 1 October, then migrant work in Guangdong from that day.
      const first = await placeIn(q.id, { type: 'enterprise', areaCode: '532503002', startDate: '2026-09-01' });
      expect((await e.request('POST', `/v1/placements/${first.id}/end`, { token: e.adminToken, body: { endDate: '2026-10-01', reason: 'contract_ended' } })).status).toBe(200);
      await placeIn(q.id, { type: 'migrant', areaCode: '44', startDate: '2026-10-01' });

      expect(await statsOn('2026-11-20')).toEqual({
        total: 2,
        byType: { public_welfare: 0, workshop: 0, enterprise: 1, self_employed: 1, migrant: 1 },
        byScope: { township: 1, county: 0, province: 0, out_of_province: 2 },
        inProvince: 1,
        outOfProvince: 2,
      });
      // Before P's second job: one placement each.
      expect(await statsOn('2026-11-05')).toMatchObject({ total: 2, byType: { enterprise: 0, self_employed: 1, migrant: 1 } });
      // On 20 September: only Q's county job.
      expect(await statsOn('2026-09-20')).toMatchObject({ total: 1, byScope: { county: 1, out_of_province: 0 } });

      // P stops the home business on 15 November: from then on one placement, out of province.
      expect((await e.request('POST', `/v1/placements/${own.id}/end`, { token: e.adminToken, body: { endDate: '2026-11-15', reason: 'other' } })).status).toBe(200);
      expect(await statsOn('2026-11-20')).toEqual({
        total: 2,
        byType: { public_welfare: 0, workshop: 0, enterprise: 1, self_employed: 0, migrant: 1 },
        byScope: { township: 0, county: 0, province: 0, out_of_province: 2 },
        inProvince: 0,
        outOfProvince: 2,
      });
    } finally {
      e.close();
    }
  });
});

describe('people in work for a county or more (kept by month)', () => {
  it('equal the records counted directly, day by day across months, and the sum of the county\'s townships', async () => {
    const e = await makeTestEnv();
    try {
      e.clock.set('2026-12-01T02:00:00Z');
      const T1 = '532503001'; // V1's township
      const T2 = '532503002'; // V_OTHER_TOWNSHIP's
      // [home village, type, where, start, end (exclusive) or null]
      const specs: Array<[string, string, string, string, string | null]> = [
        [V1, 'enterprise', '532503', '2026-08-10', '2026-10-05'],
        [V1, 'migrant', '44', '2026-10-20', null],
        [V1, 'self_employed', T1, '2026-09-30', '2026-09-30'], // ends the day it starts: never in work
        [V1, 'enterprise', '5301', '2026-10-01', '2026-11-15'],
        [V_OTHER_TOWNSHIP, 'workshop', T2, '2026-11-03', '2026-11-28'],
        [V_OTHER_TOWNSHIP, 'enterprise', T2, '2026-11-01', null],
        [V_OTHER_TOWNSHIP, 'migrant', '44', '2026-06-30', '2026-11-01'],
        [V_OTHER_TOWNSHIP, 'self_employed', T2, '2026-07-15', '2026-08-01'],
        [V_OTHER_TOWNSHIP, 'enterprise', '532503', '2026-08-01', null],
      ];
      const records: Array<{ type: string; scope: string; start: string; end: string | null }> = [];
      for (const [village, type, areaCode, start, end] of specs) {
        const hh = await makeHousehold(e, { areaCode: village, povertyAlleviated: true });
        const wk = await makeWorker(e, hh.id, { home: HOME });
        const p = await place(wk.id, { type, areaCode, startDate: start }, e);
        if (end !== null) {
          const r = await e.request('POST', `/v1/placements/${p.id}/end`, { token: e.adminToken, body: { endDate: end, reason: 'contract_ended' } });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
        }
        records.push({ type, scope: p.scope, start, end });
      }
      const inWorkOf = async (area: string, asOf: string) => (await stats(`area=${area}&asOf=${asOf}`, e.adminToken, e)).inWork;
      for (const asOf of ['2026-06-29', '2026-06-30', '2026-07-31', '2026-08-01', '2026-09-30', '2026-10-01', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-15', '2026-11-30', '2027-01-31']) {
        const held = records.filter((r) => r.start <= asOf && (r.end === null || r.end > asOf));
        const county = await inWorkOf('532503', asOf);
        expect(county.total, asOf).toBe(held.length);
        for (const type of ['public_welfare', 'workshop', 'enterprise', 'self_employed', 'migrant']) {
          expect(county.byType[type], `${asOf} ${type}`).toBe(held.filter((r) => r.type === type).length);
        }
        for (const scope of ['township', 'county', 'province', 'out_of_province']) {
          expect(county.byScope[scope], `${asOf} ${scope}`).toBe(held.filter((r) => r.scope === scope).length);
        }
        // The prefecture (also by month) and the two townships (counted directly) agree.
        expect(await inWorkOf('5325', asOf)).toEqual(county);
        const [a, b] = [await inWorkOf(T1, asOf), await inWorkOf(T2, asOf)];
        expect(a.total + b.total, asOf).toBe(county.total);
        expect(a.outOfProvince + b.outOfProvince, asOf).toBe(county.outOfProvince);
      }
    } finally {
      e.close();
    }
  });
});
