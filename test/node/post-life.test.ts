// A public-welfare post through its life (issue 18, sections 1 and 2): who
// may hold one as the provincial rules say (the post's village, 16 to 60 on
// the day, never a cadre household, one post per household), the agreement
// a hire makes, the renewal list 30 days before its end, a renewal that
// checks again, exits that end the placement on the day after the last day
// worked, and the clock that ends a post whose agreement lapsed.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClocks } from '../../src/scheduler.js';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

const HOME = { lat: 23.4, lon: 103.38 };
const V1 = '532503001001';
const V2 = '532503001002';
const TOWNSHIP = '532503001';

let env: TestEnv;
let county: string; // staff of 蒙自市
let otherCounty: string; // staff of 个旧市
let publicBody: number;

const as = (token: string) => ({
  get: (path: string) => env.request('GET', path, { token }),
  post: (path: string, body?: unknown) => env.request('POST', path, { token, body: body ?? {} }),
  patch: (path: string, body: unknown) => env.request('PATCH', path, { token, body }),
});
let staff: ReturnType<typeof as>;

/** Someone of a new household: poverty-alleviated in V1, born in 1980, unless told otherwise. */
async function person(household: Record<string, unknown> = {}, worker: Record<string, unknown> = {}) {
  const h = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true, ...household }, county);
  return makeWorker(env, h.id, { home: HOME, birthDate: '1980-05-01', ...worker }, county);
}

const post = (over: Record<string, unknown> = {}) =>
  makeOpening(env, publicBody, { kind: 'public_welfare', areaCode: V1, point: HOME, slots: 10, serves: 'elders', hours: 'part_day', ...over });

const apply = (workerId: number, openingId: number) => staff.post('/v1/applications', { workerId, openingId });

async function hire(workerId: number, openingId: number) {
  const a = await apply(workerId, openingId);
  expect(a.status, JSON.stringify(a.body)).toBe(201);
  for (const to of ['offered', 'hired']) {
    const r = await staff.post(`/v1/applications/${a.body.id}/transitions`, { to });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    if (to === 'hired') return r.body.placement as { id: number; startDate: string };
  }
  throw new Error('unreachable');
}

const codesOf = (res: { body: any }) => (res.body.error?.issues ?? []).map((i: { message: string }) => i.message.split(':')[0]);
const agreementOf = async (placementId: number, status = 'active') => {
  const all = await staff.get('/v1/agreements?area=532503&limit=100');
  return all.body.items.find((a: any) => a.placementId === placementId && a.status === status);
};
const inWorkPw = async (asOf: string) => (await staff.get(`/v1/stats?area=532503&asOf=${asOf}`)).body.inWork.byType.public_welfare as number;

beforeAll(async () => {
  env = await makeTestEnv();
  county = await env.token({ role: 'staff', areaPrefix: '532503' });
  otherCounty = await env.token({ role: 'staff', areaPrefix: '532501' });
  staff = as(county);
  env.clock.set('2026-03-01T02:00:00Z');
  publicBody = (await makeEmployer(env, { kind: 'public_body' })).id;
});
afterAll(() => env.close());

describe('who may hold a public-welfare post', () => {
  it('a cadre household member, a 15-year-old, a person of another village and a second member of a household are each refused with their reason', async () => {
    const p = await post();
    const cadre = await person();
    const set = await staff.patch(`/v1/households/${cadre.householdId}`, { cadreHousehold: true, cadreSince: '2026-02-01' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ cadreHousehold: true, cadreSince: '2026-02-01' });
    // 16 tomorrow: 15 today.
    const young = await person({}, { birthDate: '2010-03-02' });
    const elsewhere = await person({ areaCode: V2 });
    const holder = await person();
    const sibling = await makeWorker(env, holder.householdId, { home: HOME, birthDate: '1985-01-01' }, county);
    await hire(holder.id, p.id);
    const fine = await person();

    const cases: Array<[number, string]> = [
      [cadre.id, 'cadre_household'],
      [young.id, 'under_min_age'],
      [elsewhere.id, 'outside_post_area'],
      [sibling.id, 'household_holds_public_welfare_post'],
    ];
    for (const [workerId, code] of cases) {
      const res = await apply(workerId, p.id);
      expect(res.status, code).toBe(422);
      expect(res.body.error.code).toBe('not_eligible');
      expect(codesOf(res)).toEqual([code]);
      expect(res.body.error.issues[0].path).toBe('workerId');
    }
    // Absent from the post's candidates, and the post from their matches; the eligible neighbour is in both.
    const candidates = (await staff.get(`/v1/openings/${p.id}/candidates?limit=100`)).body.items.map((c: any) => c.worker.id);
    expect(candidates).toContain(fine.id);
    for (const [workerId] of cases) {
      expect(candidates).not.toContain(workerId);
      const matches = await staff.get(`/v1/workers/${workerId}/matches?limit=100`);
      expect(matches.status).toBe(200);
      expect(matches.body.items.map((m: any) => m.opening.id)).not.toContain(p.id);
    }
    expect((await staff.get(`/v1/workers/${fine.id}/matches?limit=100`)).body.items.map((m: any) => m.opening.id)).toContain(p.id);

    // The 15-year-old may apply the day they turn 16.
    env.clock.set('2026-03-02T02:00:00Z');
    expect((await apply(young.id, p.id)).status).toBe(201);
    env.clock.set('2026-03-01T02:00:00Z');
  });

  it('a township post takes anyone of its villages; a cadre flag taken off opens the post again, its history kept', async () => {
    const p = await post({ areaCode: TOWNSHIP });
    const v2 = await person({ areaCode: V2 });
    expect((await apply(v2.id, p.id)).status).toBe(201);
    const other = await person({ areaCode: '532503002001' });
    expect(codesOf(await apply(other.id, p.id))).toEqual(['outside_post_area']);

    const cadre = await person({ cadreHousehold: true });
    expect(codesOf(await apply(cadre.id, p.id))).toEqual(['cadre_household']);
    const cleared = await staff.patch(`/v1/households/${cadre.householdId}`, { cadreHousehold: false });
    expect(cleared.body).toMatchObject({ cadreHousehold: false, cadreSince: '2026-03-01' });
    expect((await apply(cadre.id, p.id)).status).toBe(201);
    const history = await env.db.all<{ effective_date: string; cadre_household: number }>(
      sql`SELECT effective_date, cadre_household FROM household_cadre_history WHERE household_id = ${cadre.householdId} ORDER BY id`,
    );
    expect(history.map((r) => [r.effective_date, Number(r.cadre_household)])).toEqual([
      ['2026-03-01', 1],
      ['2026-03-01', 0],
    ]);
  });

  it('a person with no birth date is a candidate, flagged for staff; one over 60 is not', async () => {
    const p = await post();
    const unknown = await person({}, { birthDate: undefined });
    const old = await person({}, { birthDate: '1965-02-28' }); // 61 yesterday
    const known = await person();
    const items = (await staff.get(`/v1/openings/${p.id}/candidates?limit=100`)).body.items;
    const byId = new Map(items.map((c: any) => [c.worker.id, c]));
    expect((byId.get(unknown.id) as any)?.notes).toEqual(['birth_date_not_recorded']);
    expect((byId.get(known.id) as any)?.notes).toEqual([]);
    expect(byId.has(old.id)).toBe(false);
    expect(codesOf(await apply(old.id, p.id))).toEqual(['over_max_age']);
    // A birth date in the future is refused by name; staff may clear one.
    const bad = await staff.patch(`/v1/workers/${known.id}`, { birthDate: '2026-03-02' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe('birthDate');
    const read = await staff.get(`/v1/workers/${known.id}`);
    expect(read.body.birthDate).toBe('1980-05-01');
  });

  it('a post\'s candidate list is filled past many people refused for their age ahead of the one who qualifies', async () => {
    const V4 = '532503001004';
    const p = await post({ areaCode: V4 });
    for (let i = 0; i < 25; i++) await person({ areaCode: V4 }, { birthDate: '1950-01-01' });
    const young = await person({ areaCode: V4 });
    const items = (await staff.get(`/v1/openings/${p.id}/candidates?limit=1`)).body.items;
    expect(items.map((c: any) => c.worker.id)).toEqual([young.id]);
  });

  it('an employer never sees the birth date or the cadre flag', async () => {
    const emp = await makeEmployer(env);
    const w = await person();
    expect((await env.request('GET', `/v1/workers/${w.id}`, { token: emp.token })).status).toBe(403);
    expect((await env.request('GET', `/v1/households/${w.householdId}`, { token: emp.token })).status).toBe(403);
    expect((await env.request('GET', '/v1/agreements', { token: emp.token })).status).toBe(403);
  });
});

describe('agreements, renewals and exits', () => {
  const ids: Record<string, any> = {};

  it('a hire into a public-welfare post makes a one-year agreement from its start', async () => {
    env.clock.set('2026-03-01T02:00:00Z');
    ids.post = await post();
    ids.renewed = await person();
    ids.turns61 = await person({}, { birthDate: '1966-03-01' }); // 60 now, 61 on 2027-03-01
    ids.becomesCadre = await person();
    ids.lapses = await person();
    for (const k of ['renewed', 'turns61', 'becomesCadre', 'lapses']) ids[`${k}P`] = await hire(ids[k].id, ids.post.id);
    const a = await agreementOf(ids.renewedP.id);
    expect(a).toMatchObject({ startDate: '2026-03-01', endDate: '2027-03-01', status: 'active', previousId: null, workerId: ids.renewed.id });
    expect(a.opening).toMatchObject({ id: ids.post.id });
    // A workshop hire makes none.
    const job = await makeOpening(env, (await makeEmployer(env)).id, { point: HOME });
    const worker = await person();
    const wp = await hire(worker.id, job.id);
    expect(await agreementOf(wp.id)).toBeUndefined();
  });

  it('the renewal list shows an agreement from 30 days before its end, not a day earlier', async () => {
    const due = async () => (await staff.get('/v1/agreements?area=532503&due=renewal&limit=100')).body.items.map((a: any) => a.placementId);
    env.clock.set('2027-01-29T02:00:00Z');
    expect(await due()).not.toContain(ids.renewedP.id);
    env.clock.set('2027-01-30T02:00:00Z');
    const list = await due();
    for (const k of ['renewed', 'turns61', 'becomesCadre', 'lapses']) expect(list).toContain(ids[`${k}P`].id);
    // Another county's staff see none of them, and cannot read one.
    const theirs = await env.request('GET', '/v1/agreements?due=renewal', { token: otherCounty });
    expect(theirs.body.items).toEqual([]);
    const a = await agreementOf(ids.renewedP.id);
    expect((await env.request('GET', `/v1/agreements/${a.id}`, { token: otherCounty })).status).toBe(404);
    expect((await env.request('GET', '/v1/agreements?area=532503', { token: otherCounty })).status).toBe(403);
  });

  it('a renewal re-checks: one who still qualifies gets the next year; one over 60 on the renewal date or now of a cadre household is refused', async () => {
    const a = await agreementOf(ids.renewedP.id);
    const renewed = await staff.post(`/v1/agreements/${a.id}/renew`);
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(201);
    expect(renewed.body).toMatchObject({ startDate: '2027-03-01', endDate: '2028-03-01', status: 'active', previousId: a.id, placementId: ids.renewedP.id });
    expect((await staff.get(`/v1/agreements/${a.id}`)).body.status).toBe('renewed');
    // Renewing the old one again is a conflict, not a second year.
    expect((await staff.post(`/v1/agreements/${a.id}/renew`)).status).toBe(409);

    const old = await agreementOf(ids.turns61P.id);
    const refusedAge = await staff.post(`/v1/agreements/${old.id}/renew`);
    expect(refusedAge.status).toBe(422);
    expect(codesOf(refusedAge)).toEqual(['over_max_age']);

    await staff.patch(`/v1/households/${ids.becomesCadre.householdId}`, { cadreHousehold: true });
    const cadre = await agreementOf(ids.becomesCadreP.id);
    const refusedCadre = await staff.post(`/v1/agreements/${cadre.id}/renew`);
    expect(refusedCadre.status).toBe(422);
    expect(codesOf(refusedCadre)).toEqual(['cadre_household']);
    // Nothing was written: still running, still on the list.
    expect((await staff.get(`/v1/agreements/${cadre.id}`)).body.status).toBe('active');
  });

  it('an agreement that reaches its end without renewal ends its post that day; the renewed one goes on', async () => {
    env.clock.set('2027-03-01T02:00:00Z');
    const report = await runClocks(env.deps);
    // The three not renewed here, and the first block's holder hired on 2026-03-01.
    expect(report.agreementsLapsed).toBe(4);
    const p = await staff.get(`/v1/placements/${ids.lapsesP.id}`);
    expect(p.body).toMatchObject({ endDate: '2027-03-01', endReason: 'contract_ended' });
    const ended = (await staff.get(`/v1/agreements?area=532503&limit=100`)).body.items.map((a: any) => a.placementId);
    expect(ended).not.toContain(ids.lapsesP.id);
    expect((await staff.get(`/v1/placements/${ids.renewedP.id}`)).body.endDate).toBeNull();
    expect(await inWorkPw('2027-02-28')).toBeGreaterThanOrEqual((await inWorkPw('2027-03-01')) + 3);
    // A second run finds nothing more to do.
    expect((await runClocks(env.deps)).agreementsLapsed).toBe(0);
  });

  it('an exit ends the agreement and the placement on the day after the last day worked, and the counts agree', async () => {
    env.clock.set('2027-04-01T02:00:00Z');
    const p = await post({ slots: 1 });
    const w = await person();
    const placement = await hire(w.id, p.id);
    const a = await agreementOf(placement.id);
    expect((await staff.get(`/v1/openings/${p.id}`)).body.status).toBe('filled');
    env.clock.set('2027-07-02T02:00:00Z');
    const before = { lastDay: await inWorkPw('2027-06-30'), after: await inWorkPw('2027-07-01') };

    const future = await staff.post(`/v1/agreements/${a.id}/exit`, { reason: 'found_other_work', lastDayWorked: '2027-07-03' });
    expect(future.status).toBe(422);
    expect(future.body.error.issues[0].path).toBe('lastDayWorked');
    const badReason = await staff.post(`/v1/agreements/${a.id}/exit`, { reason: 'bored', lastDayWorked: '2027-06-30' });
    expect(badReason.status).toBe(400);
    expect(badReason.body.error.issues[0].path).toBe('reason');

    const exit = await staff.post(`/v1/agreements/${a.id}/exit`, { reason: 'found_other_work', lastDayWorked: '2027-06-30' });
    expect(exit.status, JSON.stringify(exit.body)).toBe(200);
    expect(exit.body).toMatchObject({ status: 'exited', exitReason: 'found_other_work', lastDayWorked: '2027-06-30' });
    expect((await staff.get(`/v1/placements/${placement.id}`)).body).toMatchObject({ endDate: '2027-07-01', endReason: 'quit' });
    // In work on the last day, not the day after; the post's slot is free again.
    expect(await inWorkPw('2027-06-30')).toBe(before.lastDay);
    expect(await inWorkPw('2027-07-01')).toBe(before.after - 1);
    expect((await staff.get(`/v1/openings/${p.id}`)).body).toMatchObject({ status: 'open', slotsFilled: 0 });
    expect((await staff.post(`/v1/agreements/${a.id}/exit`, { reason: 'resigned', lastDayWorked: '2027-06-30' })).status).toBe(409);
    const audit = await env.db.all<{ action: string }>(sql`SELECT action FROM audit_log WHERE object_type = 'agreement' AND object_id = ${String(a.id)} ORDER BY id`);
    expect(audit.map((r) => r.action)).toEqual(['agreement.create', 'agreement.exit']);
  });

  it('a died exit records the person as deceased from the day after: out of matching, and their household not counted as one with nobody in work', async () => {
    env.clock.set('2027-07-01T02:00:00Z');
    const w = await person();
    env.clock.set('2027-08-01T02:00:00Z');
    const p = await post();
    const placement = await hire(w.id, p.id);
    const a = await agreementOf(placement.id);
    env.clock.set('2027-09-10T02:00:00Z');
    const exit = await staff.post(`/v1/agreements/${a.id}/exit`, { reason: 'died', lastDayWorked: '2027-09-05' });
    expect(exit.status, JSON.stringify(exit.body)).toBe(200);
    const read = await staff.get(`/v1/workers/${w.id}`);
    expect(read.body).toMatchObject({ deceasedOn: '2027-09-06', ableToWork: false });
    const household = await staff.get(`/v1/households/${w.householdId}`);
    expect(household.body.zeroEmployment.onList).toBe(false);
    // Before the post the household, its one member able to work, was on the list.
    const periods = await env.db.all<{ start_date: string; end_date: string | null }>(
      sql`SELECT start_date, end_date FROM zero_employment_periods WHERE household_id = ${w.householdId}`,
    );
    expect(periods.map((r) => [r.start_date, r.end_date])).toEqual([['2027-07-01', '2027-08-01']]);
    expect((await staff.get(`/v1/openings/${p.id}/candidates?limit=100`)).body.items.map((c: any) => c.worker.id)).not.toContain(w.id);
  });
});
