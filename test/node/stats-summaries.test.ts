// The figures stats reads from what triggers keep (each placement's copy of
// its household's status, migration 0025) and from the posts' taken slots
// (counting/post-slots.ts) equal the records counted directly: the posts'
// filled and open slots, the serving posts, certified workshops and their
// poverty-alleviated employees, over a prefecture built through the API
// across four months, for every fifth day and each boundary, in every area
// from the prefecture down to a village. The direct count below reads every
// row and applies the rules as DESIGN.md states them, one record at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { hireThroughApi, makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';
import { addDays, chinaDayEnd } from '../../src/domain/dates.js';

const HOME = { lat: 23.4, lon: 103.38 };
const GEJIU = { lat: 23.36, lon: 103.155 };
const V1 = '532503001001';
const V2 = '532503002001';
const GV = '532501001001';
const AREAS = ['5325', '532503', '532503001', V1, '532503002', V2, '532501', '532501001', GV];

let env: TestEnv;
const days: string[] = [];

async function ok(method: string, path: string, body: unknown) {
  const r = await env.request(method, path, { token: env.adminToken, body });
  expect(r.status, `${method} ${path} ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body;
}
const at = (day: string) => env.clock.set(`${day}T02:00:00Z`);

beforeAll(async () => {
  env = await makeTestEnv();
  at('2026-09-01');
  const bodyA = await makeEmployer(env, { kind: 'public_body', areaCode: '532503' });
  const bodyB = await makeEmployer(env, { kind: 'public_body', areaCode: '532501', point: GEJIU });
  const w1 = await makeEmployer(env, { kind: 'workshop', areaCode: '532503001' });
  const w2 = await makeEmployer(env, { kind: 'workshop', areaCode: '532501', point: GEJIU });
  const w3 = await makeEmployer(env, { kind: 'workshop', areaCode: '532503002' });
  await ok('PATCH', `/v1/employers/${w1.id}`, { certified: true });
  await ok('PATCH', `/v1/employers/${w2.id}`, { certified: true });

  const post = (employerId: number, areaCode: string, point: typeof HOME, slots: number, over: Record<string, unknown> = {}) =>
    makeOpening(env, employerId, { kind: 'public_welfare', areaCode, point, slots, ...over });
  const p1 = await post(bodyA.id, V1, HOME, 3, { serves: 'elders' });
  const p2 = await post(bodyA.id, V1, HOME, 1);
  const p3 = await post(bodyA.id, V2, HOME, 2, { serves: 'children', closingDate: '2026-11-15' });
  const p4 = await post(bodyB.id, GV, GEJIU, 2, { serves: 'disabled' });
  await post(bodyA.id, '532503001', HOME, 2, { status: 'draft' }); // never counted
  const p6 = await post(bodyA.id, '532503002', HOME, 2, { serves: 'elders' });
  const shop = (employerId: number, areaCode: string, point: typeof HOME) => makeOpening(env, employerId, { kind: 'workshop', areaCode, point, slots: 6 });
  const s1 = await shop(w1.id, '532503001', HOME);
  const s2 = await shop(w2.id, '532501', GEJIU);
  const s3 = await shop(w3.id, '532503002', HOME);

  // Twelve households, one worker each, some of them in poverty-alleviated
  // or monitored households.
  const people: Array<{ id: number; household: number }> = [];
  const spec: Array<[string, boolean, boolean, typeof HOME]> = [
    [V1, true, false, HOME], [V1, true, false, HOME], [V1, false, true, HOME], [V1, false, false, HOME],
    [V2, true, false, HOME], [V2, true, false, HOME], [V2, false, false, HOME], [V2, true, false, HOME],
    [GV, true, false, GEJIU], [GV, true, false, GEJIU], [GV, false, false, GEJIU], [GV, false, true, GEJIU],
  ];
  for (const [areaCode, povertyAlleviated, monitored, home] of spec) {
    const hh = await makeHousehold(env, { areaCode, povertyAlleviated, monitored });
    const wk = await makeWorker(env, hh.id, { home });
    people.push({ id: wk.id, household: hh.id });
  }
  type Person = (typeof people)[number];
  const [a, b, c, d, e, f, g, h, i, j, k, l] = people as [Person, Person, Person, Person, Person, Person, Person, Person, Person, Person, Person, Person];

  // September: posts and workshops take people on.
  await hireThroughApi(env, a.id, p1.id);
  await hireThroughApi(env, e.id, p3.id);
  await hireThroughApi(env, i.id, p4.id);
  await hireThroughApi(env, c.id, s1.id);
  await hireThroughApi(env, d.id, s1.id);
  await hireThroughApi(env, k.id, s2.id);
  await hireThroughApi(env, l.id, s2.id);
  at('2026-09-20');
  await hireThroughApi(env, b.id, p2.id);
  await hireThroughApi(env, g.id, s3.id);
  // October: a post's later start is promised from the day the hire is
  // recorded; a household's status changes (dated back), a workshop is
  // certified.
  at('2026-10-10');
  await ok('PATCH', `/v1/openings/${p6.id}`, { startDate: '2026-11-01' });
  await hireThroughApi(env, f.id, p6.id);
  await ok('PATCH', `/v1/households/${d.household}`, { povertyAlleviated: true, statusSince: '2026-10-01' });
  await ok('PATCH', `/v1/households/${c.household}`, { monitored: false, statusSince: '2026-10-05' });
  await ok('PATCH', `/v1/employers/${w3.id}`, { certified: true, certifiedSince: '2026-10-08' });
  // November: people leave, posts close, a workshop loses its certificate,
  // a household is monitored.
  at('2026-11-05');
  for (const who of [a, k]) {
    const [pl] = (await env.db.all(sql`SELECT id FROM placements WHERE worker_id = ${who.id} AND end_date IS NULL`)) as Row[];
    await ok('POST', `/v1/placements/${pl!.id}/end`, { endDate: '2026-11-03', reason: 'other' });
  }
  await ok('POST', `/v1/openings/${p2.id}/close`, {});
  await ok('PATCH', `/v1/employers/${w2.id}`, { certified: false, certifiedSince: '2026-11-01' });
  await ok('PATCH', `/v1/households/${g.household}`, { monitored: true, statusSince: '2026-11-02' });
  at('2026-11-20');
  await hireThroughApi(env, h.id, p6.id);
  await hireThroughApi(env, j.id, p4.id);
  await hireThroughApi(env, e.id, s3.id);

  for (let day = '2026-08-31'; day <= '2026-12-10'; day = addDays(day, 5)) days.push(day);
  days.push('2026-09-19', '2026-09-20', '2026-10-01', '2026-10-04', '2026-10-07', '2026-10-08', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03', '2026-11-14', '2026-11-15', '2026-11-16');
});
afterAll(() => env.close());

type Row = Record<string, any>;
const rows = (table: string) => env.db.all(sql.raw(`SELECT * FROM ${table} ORDER BY id`)) as Promise<Row[]>;

/** Everything, read once: the direct count works on these rows alone. */
async function records() {
  const [openings, placements, employers, certifications, households, history] = await Promise.all([
    rows('openings'),
    rows('placements'),
    rows('employers'),
    rows('employer_certifications'),
    rows('households'),
    rows('household_status_history'),
  ]);
  return { openings, placements, employers, certifications, households, history };
}

type Records = Awaited<ReturnType<typeof records>>;

/** The newest of `list` dated on or before `asOf` (ties: the later row). */
const newestBy = (list: Row[], asOf: string) =>
  list.filter((r) => r.effective_date <= asOf).sort((x, y) => (x.effective_date === y.effective_date ? y.id - x.id : x.effective_date < y.effective_date ? 1 : -1))[0];

function direct(r: Records, area: string, asOf: string) {
  const end = chinaDayEnd(asOf);
  const inWork = (p: Row) => p.start_date <= asOf && (p.end_date === null || p.end_date > asOf);
  // Posts: counted, standing, filled, promised, one post at a time.
  const posts = { filled: 0, open: 0 };
  const serving = { filled: 0, open: 0 };
  for (const o of r.openings) {
    if (o.kind !== 'public_welfare' || !o.area_code.startsWith(area) || o.created_at >= end || o.status === 'draft') continue;
    const standing = !(['closed', 'expired'].includes(o.status) && o.updated_at < end) && (o.closing_date === null || o.closing_date >= asOf);
    const at = r.placements.filter((p) => p.opening_id === o.id);
    const filled = at.filter(inWork).length;
    const promised = at.filter((p) => p.start_date > asOf && p.created_at < end).length;
    const open = standing ? Math.max(o.slots - filled - promised, 0) : 0;
    for (const into of o.serves === 'none' ? [posts] : [posts, serving]) {
      into.filled += filled;
      into.open += open;
    }
  }
  // Workshops certified on asOf, and the distinct people of target households they employ.
  const certifiedOn = (e: Row) => {
    const hist = r.certifications.filter((c) => c.employer_id === e.id);
    if (hist.length) return newestBy(hist, asOf)?.certified === 1;
    return e.certified === 1 && e.certified_at !== null && e.certified_at < end;
  };
  const targetOn = (householdId: number) => {
    const hh = r.households.find((x) => x.id === householdId)!;
    if (hh.status_since === null || hh.status_since <= asOf) return hh.poverty_alleviated === 1 || hh.monitored === 1;
    const then = newestBy(r.history.filter((x) => x.household_id === householdId), asOf);
    return then ? then.poverty_alleviated === 1 || then.monitored === 1 : false;
  };
  const shops = r.employers.filter((e) => e.kind === 'workshop' && e.area_code.startsWith(area) && certifiedOn(e));
  const shopOpenings = new Set(r.openings.filter((o) => shops.some((e) => e.id === o.employer_id)).map((o) => o.id));
  const employed = new Set(r.placements.filter((p) => shopOpenings.has(p.opening_id) && inWork(p) && targetOn(p.household_id)).map((p) => p.worker_id));
  return { posts, serving, workshops: { certified: shops.length, povertyAlleviatedEmployed: employed.size } };
}

describe('stats from summaries', () => {
  it('equal the records counted directly for every area and day', async () => {
    const r = await records();
    let seen = 0;
    for (const asOf of days) {
      for (const area of AREAS) {
        const res = await env.request('GET', `/v1/stats?area=${area}&asOf=${asOf}`, { token: env.adminToken });
        expect(res.status).toBe(200);
        const want = direct(r, area, asOf);
        const label = `${area} ${asOf}`;
        expect(res.body.publicWelfarePosts, label).toEqual(want.posts);
        expect(res.body.care.servingPosts, label).toEqual(want.serving);
        expect(res.body.workshops, label).toEqual(want.workshops);
        if (want.posts.filled || want.workshops.povertyAlleviatedEmployed) seen++;
      }
    }
    // The scenario is not empty: most area-days have someone counted.
    expect(seen).toBeGreaterThan(days.length * 3);
  });

  it('the stored household status on each placement follows the household, and care coverage counts each village\'s serving posts the same way', async () => {
    const r = await records();
    for (const p of r.placements) {
      const hh = r.households.find((x) => x.id === p.household_id)!;
      expect(p.household_target, `placement ${p.id}`).toBe(hh.poverty_alleviated === 1 || hh.monitored === 1 ? 1 : 0);
      expect(p.household_status_since, `placement ${p.id}`).toBe(hh.status_since);
    }
    for (const asOf of ['2026-09-20', '2026-10-10', '2026-11-01', '2026-11-20', '2026-12-05']) {
      const res = await env.request('GET', `/v1/care-coverage?area=5325&asOf=${asOf}&limit=100`, { token: env.adminToken });
      expect(res.status).toBe(200);
      for (const village of [V1, V2, GV]) {
        const row = res.body.items.find((v: any) => v.areaCode === village);
        const want = direct(r, village, asOf).serving;
        const got = row ? Object.values(row.servingPosts as Record<string, { filled: number; open: number }>).reduce((s, x) => ({ filled: s.filled + x.filled, open: s.open + x.open }), { filled: 0, open: 0 }) : { filled: 0, open: 0 };
        expect(got, `${village} ${asOf}`).toEqual(want);
      }
      expect(res.body.totals.servingPosts, asOf).toEqual(direct(r, '5325', asOf).serving);
    }
  });
});
