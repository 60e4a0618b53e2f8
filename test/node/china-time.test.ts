// "Today" is the date in China (DESIGN.md "China time"): at 00:30 on
// 1 December in China it is still 30 November in UTC. Every date the service
// takes from the clock must be 1 December then.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireOpeningsPastClosing } from '../../src/services/openings.js';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, openingBody, makeWorker, type TestEnv } from '../helpers.js';

const V1 = '532503001001';
const HOME = { lat: 23.4, lon: 103.38 };
const HALF_PAST_MIDNIGHT_IN_CHINA = '2026-11-30T16:30:00Z'; // 2026-12-01 00:30 in China

let env: TestEnv;
let closingNov30: any;
let employer: any;
beforeAll(async () => {
  env = await makeTestEnv();
  env.clock.set('2026-11-20T02:00:00Z');
  employer = await makeEmployer(env, { kind: 'workshop', areaCode: '532503' });
  closingNov30 = await makeOpening(env, employer.id, { kind: 'workshop', areaCode: '532503', point: HOME, slots: 1, closingDate: '2026-11-30' });
  env.clock.set(HALF_PAST_MIDNIGHT_IN_CHINA);
});
afterAll(() => env.close());

describe('at 00:30 China time (16:30 UTC the day before)', () => {
  it('a household registered now joins the zero-employment list today in China, not yesterday', async () => {
    const hh = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    await makeWorker(env, hh.id, { home: HOME });
    const res = await env.request('GET', `/v1/households/${hh.id}`, { token: env.adminToken });
    expect(res.status).toBe(200);
    expect(res.body.zeroEmployment).toMatchObject({ onList: true, since: '2026-12-01', daysWaiting: 0, overdue: false });
  });

  it('stats default to today in China and count what was registered tonight on 1 December only', async () => {
    const now = await env.request('GET', '/v1/stats?area=532503', { token: env.adminToken });
    expect(now.body.asOf).toBe('2026-12-01');
    expect(now.body.placementsThisMonth.from).toBe('2026-12-01');
    const before = await env.request('GET', '/v1/stats?area=532503&asOf=2026-11-30', { token: env.adminToken });
    const today = now.body;
    expect(today.workersRegistered - before.body.workersRegistered).toBeGreaterThanOrEqual(1);
    expect(before.body.zeroEmployment.allHouseholds).toBe(0);
  });

  it('a closing date of 30 November is in the past, and an opening closing then expires now', async () => {
    const refused = await env.request('POST', '/v1/openings', {
      token: env.adminToken,
      body: openingBody({ employerId: employer.id, kind: 'workshop', areaCode: '532503', point: HOME, slots: 1, status: 'open', skills: [], closingDate: '2026-11-30' }),
    });
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error.issues[0].path).toBe('closingDate');
    const accepted = await makeOpening(env, employer.id, { kind: 'workshop', areaCode: '532503', point: HOME, slots: 1, closingDate: '2026-12-01' });
    expect(accepted.status).toBe('open');

    expect(await expireOpeningsPastClosing({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'test' } })).toBe(1);
    const after = await env.request('GET', `/v1/openings/${closingNov30.id}`, { token: env.adminToken });
    expect(after.body.status).toBe('expired');
    const stillOpen = await env.request('GET', `/v1/openings/${accepted.id}`, { token: env.adminToken });
    expect(stillOpen.body.status).toBe('open');
  });
});
