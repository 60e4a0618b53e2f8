// Facts have dates (DESIGN.md): a household's status and a workshop's
// certification take effect on a date and keep their history, so figures as
// of a past date stay what was true then when the facts change later — and
// a closed month shows no revision for such a change, only for one dated
// back into the month.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hireThroughApi, makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

const HOME = { lat: 23.4, lon: 103.38 };
const V1 = '532503001001';

let env: TestEnv;
let county: string;
const ids: Record<string, any> = {};

const stats = async (asOf: string) => {
  const r = await env.request('GET', `/v1/stats?area=532503&asOf=${asOf}`, { token: county });
  expect(r.status).toBe(200);
  return r.body;
};
const patch = (path: string, body: unknown) => env.request('PATCH', path, { token: county, body });

beforeAll(async () => {
  env = await makeTestEnv();
  county = await env.token({ role: 'staff', areaPrefix: '532503' });
  env.clock.set('2026-10-01T02:00:00Z');
  ids.workshop = await makeEmployer(env, { kind: 'workshop', areaCode: '532503' });
  expect((await patch(`/v1/employers/${ids.workshop.id}`, { certified: true })).status).toBe(200);
  const job = await makeOpening(env, ids.workshop.id, { kind: 'workshop', areaCode: '532503', point: HOME, slots: 3 });
  ids.H = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  await hireThroughApi(env, (await makeWorker(env, ids.H.id, { home: HOME })).id, job.id);
  ids.Z = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  await makeWorker(env, ids.Z.id, { home: HOME });
  ids.Y = await makeHousehold(env, { areaCode: V1, povertyAlleviated: false, monitored: false });
  await makeWorker(env, ids.Y.id, { home: HOME });
});
afterAll(() => env.close());

describe('facts with history', () => {
  it('as of the end of October: one certified workshop employing one poverty-alleviated worker, one household in the clearance target', async () => {
    const s = await stats('2026-10-31');
    expect(s.workshops).toEqual({ certified: 1, povertyAlleviatedEmployed: 1 });
    expect(s.zeroEmployment).toMatchObject({ remaining: 1, allHouseholds: 2 });
    env.clock.set('2026-11-01T02:00:00Z');
    const closed = await env.request('POST', '/v1/closings', { token: county, body: { area: '532503', month: '2026-10' } });
    expect(closed.status).toBe(201);
  });

  it('decertifying the workshop and changing a household\'s status in November leave October\'s figures, and its filing, as they were', async () => {
    env.clock.set('2026-11-15T02:00:00Z');
    const decert = await patch(`/v1/employers/${ids.workshop.id}`, { certified: false });
    expect(decert.status).toBe(200);
    expect(decert.body.certifiedSince).toBe('2026-11-15');
    const z = await patch(`/v1/households/${ids.Z.id}`, { povertyAlleviated: false });
    expect(z.status).toBe(200);
    expect(z.body.statusSince).toBe('2026-11-15');

    const oct = await stats('2026-10-31');
    expect(oct.workshops).toEqual({ certified: 1, povertyAlleviatedEmployed: 1 });
    expect(oct.zeroEmployment).toMatchObject({ remaining: 1, allHouseholds: 2 });
    const nov = await stats('2026-11-20');
    expect(nov.workshops).toEqual({ certified: 0, povertyAlleviatedEmployed: 0 });
    expect(nov.zeroEmployment).toMatchObject({ remaining: 0, allHouseholds: 2 });
    // The day before the change, still as before.
    expect((await stats('2026-11-14')).workshops.certified).toBe(1);

    const view = await env.request('GET', '/v1/closings?area=532503&month=2026-10', { token: county });
    expect(view.body.revisions).toEqual([]);
  });

  it('recertifying with an earlier effective date counts from that date; a status dated back into a closed month shows as a revision', async () => {
    env.clock.set('2026-11-25T02:00:00Z');
    expect((await patch(`/v1/employers/${ids.workshop.id}`, { certified: true, certifiedSince: '2026-11-18' })).status).toBe(200);
    expect((await stats('2026-11-17')).workshops.certified).toBe(0);
    expect((await stats('2026-11-18')).workshops).toEqual({ certified: 1, povertyAlleviatedEmployed: 1 });
    expect((await stats('2026-10-31')).workshops.certified).toBe(1);

    // Y was found to be monitored from 15 October.
    expect((await patch(`/v1/households/${ids.Y.id}`, { monitored: true, statusSince: '2026-10-15' })).status).toBe(200);
    expect((await stats('2026-10-14')).zeroEmployment.remaining).toBe(1);
    expect((await stats('2026-10-31')).zeroEmployment.remaining).toBe(2);
    const view = await env.request('GET', '/v1/closings?area=532503&month=2026-10', { token: county });
    expect(view.body.filed.figures.zeroEmployment.remaining).toBe(1);
    expect(view.body.revisions).toEqual(expect.arrayContaining([expect.objectContaining({ figure: 'zeroEmployment.remaining', filed: 1, now: 2 })]));
    // The record that moved it is Y's status change, dated into October; the workshop recertified from 18 November is not one.
    const remaining = view.body.revisions.find((r: any) => r.figure === 'zeroEmployment.remaining');
    expect(remaining.records).toEqual([
      expect.objectContaining({
        kind: 'household',
        id: ids.Y.id,
        change: 'household.status',
        date: '2026-10-15',
        changedAt: '2026-11-25T02:00:00.000Z',
        changedBy: expect.objectContaining({ role: 'staff', action: 'household.update' }),
        detail: expect.objectContaining({ povertyAlleviated: false, monitored: true, statusSince: '2026-10-15' }),
      }),
    ]);
  });

  it('a person registered in the provincial system in June counts as registered from June, whenever the record is made', async () => {
    const before = (await stats('2026-06-30')).workersRegistered;
    const hh = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    const w = await makeWorker(env, hh.id, { home: HOME, registeredOn: '2026-06-01' }, county);
    expect(w.registeredOn).toBe('2026-06-01');
    expect((await stats('2026-06-30')).workersRegistered).toBe(before + 1);
    expect((await stats('2026-05-31')).workersRegistered).toBe(before);
    const later = await env.request('POST', '/v1/workers', { token: county, body: { householdId: hh.id, name: '李四', registeredOn: '2026-11-26' } });
    expect(later.status).toBe(422);
    expect(later.body.error.issues[0].path).toBe('registeredOn');
  });

  it('an effective date after today is refused with 422 naming the field', async () => {
    const h = await patch(`/v1/households/${ids.H.id}`, { monitored: true, statusSince: '2026-12-01' });
    expect(h.status).toBe(422);
    expect(h.body.error.issues[0].path).toBe('statusSince');
    const e = await patch(`/v1/employers/${ids.workshop.id}`, { certified: false, certifiedSince: '2026-12-01' });
    expect(e.status).toBe(422);
    expect(e.body.error.issues[0].path).toBe('certifiedSince');
  });
});
