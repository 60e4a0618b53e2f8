// HTTP behaviour of households, workers, applications and placements on a real
// libSQL database: the application state machine and who may move it,
// eligibility, hiring and the slot race, transfer scope, the zero-employment
// status and its clocks, scheduled expiry, erasure, and what employers see.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledJobs } from '../../src/scheduler.js';
import { makeEmployer, makeTestEnv, openingBody, type TestEnv, unique } from '../helpers.js';

let env: TestEnv;
let staffMengzi: string; // staff of 蒙自市 532503
let staffGejiu: string; // staff of 个旧市 532501
let townA: string; // a township of 蒙自市
let townB: string; // another township of 蒙自市
let villageA: string; // a village of townA
let villageB: string; // a village of townB

let phoneSeq = 0;
/** An 11-digit mobile number no other row has. */
const uniquePhone = () => `139${String(process.pid % 10_000).padStart(4, '0')}${String(++phoneSeq).padStart(4, '0')}`;

async function villagesOf(e: TestEnv, town: string): Promise<string> {
  const res = await e.request('GET', `/v1/areas?parent=${town}`);
  return res.body.items[0].code;
}

async function setAreas(e: TestEnv) {
  const towns = await e.request('GET', '/v1/areas?parent=532503');
  townA = towns.body.items[0].code;
  townB = towns.body.items[1].code;
  villageA = await villagesOf(e, townA);
  villageB = await villagesOf(e, townB);
}

/** A household registered by Mengzi staff; poverty-alleviated unless told otherwise. */
async function makeHousehold(e: TestEnv, over: Record<string, unknown> = {}, token = staffMengzi) {
  const res = await e.request('POST', '/v1/households', {
    token,
    body: { areaCode: villageA, povertyAlleviated: true, monitored: false, sourceId: unique('hh'), ...over },
  });
  if (res.status !== 201) throw new Error(`household not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; areaCode: string };
}

async function makeWorker(e: TestEnv, householdId: number, over: Record<string, unknown> = {}, token = staffMengzi) {
  const res = await e.request('POST', '/v1/workers', {
    token,
    body: { householdId, name: unique('李'), phone: uniquePhone(), home: { lat: 23.39, lon: 103.37 }, skills: ['sewing'], ...over },
  });
  if (res.status !== 201) throw new Error(`worker not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; name: string; phone: string; householdId: number };
}

/** A worker in a new household of their own. */
async function makePerson(e: TestEnv, household: Record<string, unknown> = {}, worker: Record<string, unknown> = {}) {
  const h = await makeHousehold(e, household);
  return makeWorker(e, h.id, worker);
}

async function makeOpening(e: TestEnv, employerToken: string, over: Record<string, unknown> = {}) {
  const res = await e.request('POST', '/v1/openings', { token: employerToken, body: openingBody(over) });
  if (res.status !== 201) throw new Error(`opening not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; slots: number };
}

/** A public-welfare post, posted by an admin for a public body. */
/** Two public-welfare posts, and two people of one household: the one to hold the first post and a sibling. */
async function twoPostsAndTwoOfAHousehold() {
  const first = await makePost(env);
  const second = await makePost(env);
  const h = await makeHousehold(env);
  return { first, second, holder: await makeWorker(env, h.id), sibling: await makeWorker(env, h.id) };
}

async function makePost(e: TestEnv, over: Record<string, unknown> = {}) {
  const body_ = await makeEmployer(e, { kind: 'public_body' });
  const res = await e.request('POST', '/v1/openings', {
    token: e.adminToken,
    body: openingBody({ kind: 'public_welfare', employerId: body_.id, serves: 'elders', skills: ['elder_care'], ...over }),
  });
  if (res.status !== 201) throw new Error(`post not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number };
}

async function apply(e: TestEnv, workerId: number, openingId: number, state?: 'suggested' | 'applied', token = staffMengzi) {
  return e.request('POST', '/v1/applications', { token, body: { workerId, openingId, ...(state ? { state } : {}) } });
}

async function move(e: TestEnv, id: number, to: string, reason?: string, token = staffMengzi) {
  return e.request('POST', `/v1/applications/${id}/transitions`, { token, body: { to, ...(reason ? { reason } : {}) } });
}

/** An application brought to `state` by the worker's side and the employer's usual steps. */
async function applicationIn(e: TestEnv, state: 'suggested' | 'applied' | 'offered', openingId: number, workerId?: number) {
  const wid = workerId ?? (await makePerson(e)).id;
  const created = await apply(e, wid, openingId, state === 'suggested' ? 'suggested' : 'applied');
  if (created.status !== 201) throw new Error(`application not created: ${created.status} ${JSON.stringify(created.body)}`);
  if (state === 'offered') {
    const offered = await move(e, created.body.id, 'offered');
    if (offered.status !== 200) throw new Error(`not offered: ${JSON.stringify(offered.body)}`);
  }
  return created.body.id as number;
}

/**
 * Holds every write batch on the database until `n` are waiting (or a second
 * passes), then lets them run in arrival order: two racing requests then both
 * read before either writes. The statements themselves run on the real database.
 */
function holdBatches(e: TestEnv, n: number) {
  const db = e.db as unknown as { batch: (items: unknown[]) => Promise<unknown[]> };
  const original = db.batch;
  let waiting: (() => void)[] = [];
  let held = 0;
  const flush = () => {
    const go = waiting;
    waiting = [];
    for (const f of go) f();
  };
  db.batch = (items) =>
    new Promise((resolve, reject) => {
      held++;
      waiting.push(() => original.call(db, items).then(resolve, reject));
      if (waiting.length >= n) flush();
      else setTimeout(flush, 1000);
    });
  return { held: () => held, restore: () => void (db.batch = original) };
}

const staffRead = (e: TestEnv, path: string) => e.request('GET', path, { token: e.adminToken });

beforeAll(async () => {
  env = await makeTestEnv();
  staffMengzi = await env.token({ role: 'staff', areaPrefix: '532503' });
  staffGejiu = await env.token({ role: 'staff', areaPrefix: '532501' });
  await setAreas(env);
});
afterAll(() => env.close());

describe('households and workers', () => {
  it('staff register a household in a village and a member in it; the household starts on the zero-employment list', async () => {
    const sourceId = unique('hh');
    const h = await env.request('POST', '/v1/households', {
      token: staffMengzi,
      body: { areaCode: villageA, povertyAlleviated: true, monitored: true, sourceId },
    });
    expect(h.status).toBe(201);
    expect(h.body).toMatchObject({ areaCode: villageA, povertyAlleviated: true, monitored: true, sourceId, members: [] });
    // Nobody able to work yet: not on the list.
    expect(h.body.zeroEmployment).toEqual({ onList: false, since: null, daysWaiting: null, overdue: false });

    const name = unique('张');
    const w = await env.request('POST', '/v1/workers', {
      token: staffMengzi,
      body: { householdId: h.body.id, name, home: { lat: 23.38, lon: 103.36 }, cannotLeaveHome: true, careFor: ['elders'], availability: 'part_day' },
    });
    expect(w.status).toBe(201);
    expect(w.body).toMatchObject({ householdId: h.body.id, areaCode: villageA, name, maxDistanceKm: 5, cannotLeaveHome: true, careFor: ['elders'], erased: false });
    const got = await env.request('GET', `/v1/households/${h.body.id}`, { token: staffMengzi });
    expect(got.body.members).toEqual([expect.objectContaining({ id: w.body.id, name, inWork: null })]);
    expect(got.body.zeroEmployment).toEqual({ onList: true, since: '2026-11-20', daysWaiting: 0, overdue: false });
  });

  it('a household lives in a village or a township, in the staff member\'s area', async () => {
    const county = await env.request('POST', '/v1/households', { token: staffMengzi, body: { areaCode: '532503', povertyAlleviated: false, monitored: false } });
    expect(county.status).toBe(422);
    expect(county.body.error.issues[0].path).toBe('areaCode');
    const township = await env.request('POST', '/v1/households', { token: staffMengzi, body: { areaCode: townB, povertyAlleviated: false, monitored: false } });
    expect(township.status).toBe(201);
    const outside = await env.request('POST', '/v1/households', { token: staffGejiu, body: { areaCode: villageA, povertyAlleviated: false, monitored: false } });
    expect(outside.status).toBe(403);
  });

  it('a worker who cannot leave home must say whom they care for', async () => {
    const h = await makeHousehold(env);
    const res = await env.request('POST', '/v1/workers', { token: staffMengzi, body: { householdId: h.id, name: unique(), cannotLeaveHome: true } });
    expect(res.status).toBe(422);
    expect(res.body.error.issues[0].path).toBe('careFor');
  });
});

describe('the application state machine', () => {
  const allowed: [from: 'suggested' | 'applied' | 'offered', to: string][] = [
    ['suggested', 'applied'],
    ['suggested', 'declined'],
    ['suggested', 'withdrawn'],
    ['suggested', 'expired'],
    ['applied', 'offered'],
    ['applied', 'declined'],
    ['applied', 'withdrawn'],
    ['applied', 'expired'],
    ['offered', 'hired'],
    ['offered', 'declined'],
    ['offered', 'withdrawn'],
    ['offered', 'expired'],
  ];

  it('every allowed move is taken, endings with their reason', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 20 });
    for (const [from, to] of allowed) {
      const id = await applicationIn(env, from, o.id);
      const reason = ['declined', 'withdrawn', 'expired'].includes(to) ? 'chose_other' : undefined;
      const res = await move(env, id, to, reason);
      expect(res.status, `${from} → ${to}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body).toMatchObject({ id, state: to, reason: reason ?? null });
      expect(res.body.placement === null, `${from} → ${to}`).toBe(to !== 'hired');
      const back = await env.request('GET', `/v1/applications/${id}`, { token: staffMengzi });
      expect(back.body.state).toBe(to);
    }
  });

  it('a move the state machine does not allow is refused with 409 invalid_transition naming `to`', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 20 });
    const endIn = async (state: string) => {
      const id = await applicationIn(env, state === 'hired' ? 'offered' : 'applied', o.id);
      const res = await move(env, id, state, state === 'hired' ? undefined : 'other');
      expect(res.status).toBe(200);
      return id;
    };
    const cases: [from: string, makeIt: () => Promise<number>, to: string][] = [
      ['suggested', () => applicationIn(env, 'suggested', o.id), 'offered'],
      ['suggested', () => applicationIn(env, 'suggested', o.id), 'hired'],
      ['suggested', () => applicationIn(env, 'suggested', o.id), 'suggested'],
      ['applied', () => applicationIn(env, 'applied', o.id), 'hired'],
      ['applied', () => applicationIn(env, 'applied', o.id), 'suggested'],
      ['applied', () => applicationIn(env, 'applied', o.id), 'applied'],
      ['offered', () => applicationIn(env, 'offered', o.id), 'applied'],
      ['offered', () => applicationIn(env, 'offered', o.id), 'offered'],
      ['hired', () => endIn('hired'), 'declined'],
      ['hired', () => endIn('hired'), 'withdrawn'],
      ['declined', () => endIn('declined'), 'applied'],
      ['withdrawn', () => endIn('withdrawn'), 'offered'],
      ['expired', () => endIn('expired'), 'applied'],
      ['expired', () => endIn('expired'), 'hired'],
    ];
    for (const [from, makeIt, to] of cases) {
      const id = await makeIt();
      const reason = ['declined', 'withdrawn', 'expired'].includes(to) ? 'other' : undefined;
      const res = await move(env, id, to, reason);
      expect(res.status, `${from} → ${to}`).toBe(409);
      expect(res.body.error.code, `${from} → ${to}`).toBe('invalid_transition');
      expect(res.body.error.issues[0].path).toBe('to');
      const back = await env.request('GET', `/v1/applications/${id}`, { token: staffMengzi });
      expect(back.body.state, `${from} → ${to} left it alone`).toBe(from);
    }
  });

  it('every ending needs a coded reason: missing or unknown is 400 naming `reason`', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 5 });
    for (const to of ['declined', 'withdrawn', 'expired']) {
      const id = await applicationIn(env, 'applied', o.id);
      const missing = await move(env, id, to);
      expect(missing.status, to).toBe(400);
      expect(missing.body.error.code).toBe('validation_failed');
      expect(missing.body.error.issues.map((i: any) => i.path)).toContain('reason');
      const unknown = await move(env, id, to, 'bored');
      expect(unknown.status, to).toBe(400);
      expect(unknown.body.error.issues.map((i: any) => i.path)).toContain('reason');
      const back = await env.request('GET', `/v1/applications/${id}`, { token: staffMengzi });
      expect(back.body).toMatchObject({ state: 'applied', reason: null });
    }
  });

  it('each coded reason is accepted and kept on the ending', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 5 });
    const codes = ['not_reachable', 'not_mobile', 'hours_do_not_fit', 'wage', 'chose_other', 'not_eligible', 'other'];
    const endings = ['declined', 'withdrawn', 'expired'];
    for (const [i, reason] of codes.entries()) {
      const to = endings[i % endings.length]!;
      const id = await applicationIn(env, 'applied', o.id);
      const res = await move(env, id, to, reason);
      expect(res.status, reason).toBe(200);
      expect(res.body).toMatchObject({ state: to, reason });
    }
  });

  it('a reason belongs to an ending only: a hire or an offer with a reason is 400', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 5 });
    const applied = await applicationIn(env, 'applied', o.id);
    const offer = await move(env, applied, 'offered', 'wage');
    expect(offer.status).toBe(400);
    expect(offer.body.error.issues[0].path).toBe('reason');
    const offered = await applicationIn(env, 'offered', o.id);
    const hire = await move(env, offered, 'hired', 'other');
    expect(hire.status).toBe(400);
    expect(hire.body.error.issues[0].path).toBe('reason');
    for (const id of [applied, offered]) {
      const back = await env.request('GET', `/v1/applications/${id}`, { token: staffMengzi });
      expect(back.body.reason).toBeNull();
    }
  });

  it('applying twice to the same opening is 409, and a closed opening takes no application', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token);
    const w = await makePerson(env);
    expect((await apply(env, w.id, o.id)).status).toBe(201);
    const again = await apply(env, w.id, o.id);
    expect(again.status).toBe(409);
    expect(again.body.error.issues[0].path).toBe('openingId');
    const closed = await makeOpening(env, emp.token);
    await env.request('POST', `/v1/openings/${closed.id}/close`, { token: emp.token });
    const late = await apply(env, w.id, closed.id);
    expect(late.status).toBe(409);
    expect(late.body.error.issues[0].path).toBe('openingId');
  });
});

describe('who may move an application', () => {
  it('an employer offers, hires and declines on its own openings only', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 5 });
    const a = await applicationIn(env, 'applied', o.id);
    const offered = await move(env, a, 'offered', undefined, emp.token);
    expect(offered.status).toBe(200);
    const hired = await move(env, a, 'hired', undefined, emp.token);
    expect(hired.status).toBe(200);
    expect(hired.body.placement).toMatchObject({ type: 'workshop', openingId: o.id, startDate: '2026-11-20' });

    const b = await applicationIn(env, 'applied', o.id);
    const declined = await move(env, b, 'declined', 'hours_do_not_fit', emp.token);
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ state: 'declined', reason: 'hours_do_not_fit' });
  });

  it('an employer may not withdraw for the worker nor see a mere suggestion', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token);
    const a = await applicationIn(env, 'applied', o.id);
    const withdraw = await move(env, a, 'withdrawn', 'chose_other', emp.token);
    expect(withdraw.status).toBe(403);
    expect(withdraw.body.error.code).toBe('forbidden');
    const s = await applicationIn(env, 'suggested', o.id);
    expect((await move(env, s, 'applied', undefined, emp.token)).status).toBe(404);
    expect((await env.request('GET', `/v1/applications/${s}`, { token: emp.token })).status).toBe(404);
    expect((await env.request('GET', `/v1/applications/${a}`, { token: emp.token })).body.state).toBe('applied');
  });

  it('another employer cannot see or move the application (404)', async () => {
    const emp = await makeEmployer(env);
    const other = await makeEmployer(env);
    const o = await makeOpening(env, emp.token);
    const a = await applicationIn(env, 'applied', o.id);
    const res = await move(env, a, 'offered', undefined, other.token);
    expect(res.status).toBe(404);
    expect((await env.request('GET', `/v1/applications/${a}`, { token: other.token })).status).toBe(404);
    const list = await env.request('GET', `/v1/applications?openingId=${o.id}`, { token: other.token });
    expect(list.body.items).toEqual([]);
    expect((await env.request('GET', `/v1/applications/${a}`, { token: staffMengzi })).body.state).toBe('applied');
  });

  it('staff outside the worker\'s and the opening\'s area are refused', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token);
    const w = await makePerson(env);
    const apply_ = await apply(env, w.id, o.id, 'applied', staffGejiu);
    expect(apply_.status).toBe(422);
    expect(apply_.body.error.issues[0].path).toBe('workerId');
    const a = await applicationIn(env, 'applied', o.id, w.id);
    expect((await move(env, a, 'withdrawn', 'other', staffGejiu)).status).toBe(404);
    expect((await env.request('GET', `/v1/applications/${a}`, { token: staffGejiu })).status).toBe(404);
    expect((await env.request('GET', `/v1/applications/${a}`, { token: staffMengzi })).body.state).toBe('applied');
  });

  it('an employer cannot create an application', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token);
    const w = await makePerson(env);
    expect((await apply(env, w.id, o.id, 'applied', emp.token)).status).toBe(403);
  });
});

describe('eligibility on apply', () => {
  it('a worker of a household neither poverty-alleviated nor monitored is refused a poverty-only opening and a public-welfare post, with the reason', async () => {
    const emp = await makeEmployer(env);
    const povertyOnly = await makeOpening(env, emp.token, { povertyOnly: true });
    const post = await makePost(env);
    const w = await makePerson(env, { povertyAlleviated: false, monitored: false });
    for (const openingId of [povertyOnly.id, post.id]) {
      const res = await apply(env, w.id, openingId);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('not_eligible');
      expect(res.body.error.issues[0]).toMatchObject({ path: 'workerId', message: expect.stringMatching(/^poverty_only/) });
    }
    // The same person may take an opening for everyone.
    expect((await apply(env, w.id, (await makeOpening(env, emp.token)).id)).status).toBe(201);
  });

  it('a worker of a monitored household may take a poverty-only opening', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { povertyOnly: true });
    const w = await makePerson(env, { povertyAlleviated: false, monitored: true });
    expect((await apply(env, w.id, o.id)).status).toBe(201);
  });

  it('a second public-welfare post for the same person or the same household is refused', async () => {
    const { first, second, holder, sibling } = await twoPostsAndTwoOfAHousehold();
    const a = await applicationIn(env, 'offered', first.id, holder.id);
    expect((await move(env, a, 'hired')).status).toBe(200);

    const same = await apply(env, holder.id, second.id);
    expect(same.status).toBe(422);
    expect(same.body.error.issues[0].message).toMatch(/^holds_public_welfare_post/);
    const household = await apply(env, sibling.id, second.id);
    expect(household.status).toBe(422);
    expect(household.body.error.issues[0].message).toMatch(/^household_holds_public_welfare_post/);
    // Recording it by hand is refused too.
    const byHand = await env.request('POST', '/v1/placements', {
      token: staffMengzi,
      body: { workerId: sibling.id, type: 'public_welfare', areaCode: townA, startDate: '2026-11-20' },
    });
    expect(byHand.status).toBe(422);
    expect(byHand.body.error.code).toBe('not_eligible');
  });

  it('once the post ends, the household may take another', async () => {
    const { first, second, holder, sibling } = await twoPostsAndTwoOfAHousehold();
    const a = await applicationIn(env, 'offered', first.id, holder.id);
    const hired = await move(env, a, 'hired');
    const ended = await env.request('POST', `/v1/placements/${hired.body.placement.id}/end`, {
      token: staffMengzi,
      body: { endDate: '2026-11-20', reason: 'care_duties' },
    });
    expect(ended.status).toBe(200);
    expect((await apply(env, sibling.id, second.id)).status).toBe(201);
  });

  it('a post whose end is recorded ahead of time is still held until that day, for applying as for matching', async () => {
    const { first, second, holder, sibling } = await twoPostsAndTwoOfAHousehold();
    const hired = await move(env, await applicationIn(env, 'offered', first.id, holder.id), 'hired');
    const ended = await env.request('POST', `/v1/placements/${hired.body.placement.id}/end`, {
      token: staffMengzi,
      body: { endDate: '2026-12-31', reason: 'contract_ended' },
    });
    expect(ended.status).toBe(200);
    const refused = await apply(env, sibling.id, second.id);
    expect(refused.status).toBe(422);
    expect(refused.body.error.issues[0].message).toContain('household_holds_public_welfare_post');
    const matches = await env.request('GET', `/v1/workers/${sibling.id}/matches?limit=100`, { token: staffMengzi });
    expect(matches.body.items.map((m: any) => m.opening.id)).not.toContain(second.id);
  });
});

/**
 * Two hires raced for an opening's last slot: one 200 and one 409 no_slots,
 * the opening full and filled, one placement more, one of the two hired.
 */
async function expectOneWinner(
  results: Array<{ status: number; body: any }>,
  openingId: number,
  employerToken: string,
  ids: number[],
  want: { slots: number; placements: number },
) {
  expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  expect(results.find((r) => r.status === 409)!.body.error.code).toBe('no_slots');
  const opening = await env.request('GET', `/v1/openings/${openingId}`, { token: employerToken });
  expect(opening.body).toMatchObject({ slots: want.slots, slotsFilled: want.slots, status: 'filled' });
  const placements = await env.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM placements WHERE opening_id = ${openingId}`);
  expect(Number(placements[0]!.n)).toBe(want.placements);
  const states = await Promise.all(ids.map(async (id) => (await env.request('GET', `/v1/applications/${id}`, { token: staffMengzi })).body.state));
  expect(states.sort()).toEqual(['hired', 'offered']);
}

describe('hiring', () => {
  it('a hire records a placement of the opening\'s kind, with its scope, and takes a slot', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 2, areaCode: townA });
    const a = await applicationIn(env, 'offered', o.id);
    const res = await move(env, a, 'hired');
    expect(res.status).toBe(200);
    expect(res.body.placement).toMatchObject({
      type: 'workshop',
      scope: 'township', // home villageA is in townA
      openingId: o.id,
      applicationId: a,
      areaCode: townA,
      startDate: '2026-11-20',
      endDate: null,
    });
    const opening = await env.request('GET', `/v1/openings/${o.id}`, { token: emp.token });
    expect(opening.body).toMatchObject({ slotsFilled: 1, status: 'open' });
    const placement = await env.request('GET', `/v1/placements/${res.body.placement.id}`, { token: staffMengzi });
    expect(placement.body).toMatchObject({ id: res.body.placement.id, scope: 'township' });
  });

  it('when a hired person’s placement ends, the slot is free again and a filled opening reopens', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 1 });
    const a = await applicationIn(env, 'offered', o.id);
    const hired = await move(env, a, 'hired');
    expect((await env.request('GET', `/v1/openings/${o.id}`, { token: emp.token })).body).toMatchObject({ slotsFilled: 1, status: 'filled' });
    const ended = await env.request('POST', `/v1/placements/${hired.body.placement.id}/end`, {
      token: staffMengzi,
      body: { endDate: '2026-11-25', reason: 'quit' },
    });
    expect(ended.status).toBe(200);
    expect((await env.request('GET', `/v1/openings/${o.id}`, { token: emp.token })).body).toMatchObject({ slotsFilled: 0, status: 'open' });
    // Ending it twice changes nothing more.
    const again = await env.request('POST', `/v1/placements/${hired.body.placement.id}/end`, {
      token: staffMengzi,
      body: { endDate: '2026-11-26', reason: 'quit' },
    });
    expect(again.status).toBe(409);
    expect((await env.request('GET', `/v1/openings/${o.id}`, { token: emp.token })).body).toMatchObject({ slotsFilled: 0, status: 'open' });
  });

  it('an employer who hires learns the placement started, not where the person lives', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 1 });
    const a = await applicationIn(env, 'applied', o.id);
    expect((await move(env, a, 'offered', undefined, emp.token)).status).toBe(200);
    const res = await move(env, a, 'hired', undefined, emp.token);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.placement).sort()).toEqual(['endDate', 'id', 'openingId', 'startDate', 'type', 'workerId']);
  });

  it('a county public-welfare post (its area the county) held by a villager is a county transfer', async () => {
    // A village or township post goes to its own people only (issue 18); a county post to anyone of the county.
    const post = await makePost(env, { areaCode: '532503', slots: 1 });
    const a = await applicationIn(env, 'offered', post.id);
    const res = await move(env, a, 'hired');
    expect(res.body.placement).toMatchObject({ type: 'public_welfare', scope: 'county' });
  });

  it('the opening is filled when its last slot is taken, and a later hire is 409 no_slots', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 2 });
    const [a, b, c] = [await applicationIn(env, 'offered', o.id), await applicationIn(env, 'offered', o.id), await applicationIn(env, 'offered', o.id)];
    expect((await move(env, a, 'hired')).status).toBe(200);
    expect((await move(env, b, 'hired')).status).toBe(200);
    const opening = await env.request('GET', `/v1/openings/${o.id}`, { token: emp.token });
    expect(opening.body).toMatchObject({ slots: 2, slotsFilled: 2, status: 'filled' });
    const late = await move(env, c, 'hired');
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('no_slots');
    expect((await env.request('GET', `/v1/applications/${c}`, { token: staffMengzi })).body.state).toBe('offered');
    const newcomer = await apply(env, (await makePerson(env)).id, o.id);
    expect(newcomer.status).toBe(409);
  });

  it('two hires racing for the last slot: exactly one wins, the other is 409 no_slots', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 2 });
    const first = await applicationIn(env, 'offered', o.id);
    expect((await move(env, first, 'hired')).status).toBe(200);
    const a = await applicationIn(env, 'offered', o.id);
    const b = await applicationIn(env, 'offered', o.id);

    const results = await Promise.all([move(env, a, 'hired', undefined, emp.token), move(env, b, 'hired', undefined, emp.token)]);
    await expectOneWinner(results, o.id, emp.token, [a, b], { slots: 2, placements: 2 });
  });

  it('two hires that both read a free slot before either writes: the database lets one win', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 1 });
    const a = await applicationIn(env, 'offered', o.id);
    const b = await applicationIn(env, 'offered', o.id);
    // Hold each write batch until both hires have made their reads, so the
    // loser is refused by the database and not by the check before it.
    const release = holdBatches(env, 2);
    let results;
    try {
      results = await Promise.all([move(env, a, 'hired'), move(env, b, 'hired')]);
    } finally {
      release.restore();
    }
    expect(release.held()).toBe(2);
    await expectOneWinner(results, o.id, emp.token, [a, b], { slots: 1, placements: 1 });
  });

  it('a hire racing a withdrawal leaves no slot taken and no placement behind for a withdrawn application', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 3 });
    const a = await applicationIn(env, 'offered', o.id);
    const release = holdBatches(env, 2);
    let results;
    try {
      results = await Promise.all([move(env, a, 'withdrawn', 'chose_other'), move(env, a, 'hired', undefined, emp.token)]);
    } finally {
      release.restore();
    }
    expect(release.held()).toBe(2);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const state = (await env.request('GET', `/v1/applications/${a}`, { token: staffMengzi })).body.state;
    expect(['withdrawn', 'hired']).toContain(state);
    const hired = state === 'hired' ? 1 : 0;
    const opening = await env.request('GET', `/v1/openings/${o.id}`, { token: emp.token });
    expect(opening.body.slotsFilled).toBe(hired);
    const placements = await env.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM placements WHERE application_id = ${a}`);
    expect(Number(placements[0]!.n)).toBe(hired);
    const audit = await env.db.all<{ action: string }>(sql`SELECT action FROM audit_log WHERE object_type = 'application' AND object_id = ${String(a)} AND outcome = 'ok'`);
    expect(audit.filter((r) => r.action === 'application.hired')).toHaveLength(hired);
  });

  it('two hires racing for the last slot of a one-slot opening: one placement', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 1 });
    const a = await applicationIn(env, 'offered', o.id);
    const b = await applicationIn(env, 'offered', o.id);
    const results = await Promise.all([move(env, a, 'hired'), move(env, b, 'hired')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const opening = await env.request('GET', `/v1/openings/${o.id}`, { token: emp.token });
    expect(opening.body).toMatchObject({ slotsFilled: 1, status: 'filled' });
    const placements = await env.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM placements WHERE opening_id = ${o.id}`);
    expect(Number(placements[0]!.n)).toBe(1);
  });
});

describe('placements recorded by staff', () => {
  const place = (workerId: number, where: Record<string, unknown>, over: Record<string, unknown> = {}) =>
    env.request('POST', '/v1/placements', {
      token: staffMengzi,
      body: { workerId, type: 'enterprise', startDate: '2026-11-20', ...where, ...over },
    });

  it('the scope follows the place against the worker\'s home: township, county, province, out of province', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ areaCode: townA }, 'township', 'workshop'],
      [{ areaCode: villageB }, 'county', 'enterprise'],
      [{ areaCode: '5301' }, 'province', 'migrant'], // 昆明市: another prefecture of Yunnan
      [{ areaCode: '44' }, 'out_of_province', 'migrant'], // 广东省
    ];
    for (const [where, scope, type] of cases) {
      const w = await makePerson(env); // home in villageA, townA, 532503
      const res = await place(w.id, where, { type });
      expect(res.status, JSON.stringify(where)).toBe(201);
      expect(res.body).toMatchObject({ workerId: w.id, type, scope, areaCode: where.areaCode, endDate: null });
    }
  });

  it('a place given as a point counts against the nearest known seat', async () => {
    const w = await makePerson(env);
    // Guangzhou: far outside Yunnan.
    const res = await place(w.id, { point: { lat: 23.13, lon: 113.26 } }, { type: 'self_employed' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'self_employed', scope: 'out_of_province', point: { lat: 23.13, lon: 113.26 } });
    expect(res.body.areaCode.startsWith('44')).toBe(true);
  });

  it('a placement without a place is 400 naming the place; an unknown area is 422', async () => {
    const w = await makePerson(env);
    const none = await place(w.id, {});
    expect(none.status).toBe(400);
    expect(none.body.error.issues[0].path).toBe('areaCode');
    const unknown = await place(w.id, { areaCode: '532599' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.issues[0].path).toBe('areaCode');
    const badType = await place(w.id, { areaCode: '44' }, { type: 'gig' });
    expect(badType.status).toBe(400);
    expect(badType.body.error.issues[0].path).toBe('type');
  });

  it('only staff in the worker\'s area record a placement', async () => {
    const w = await makePerson(env);
    const emp = await makeEmployer(env);
    const byEmployer = await env.request('POST', '/v1/placements', {
      token: emp.token,
      body: { workerId: w.id, type: 'enterprise', areaCode: '44', startDate: '2026-11-20' },
    });
    expect(byEmployer.status).toBe(403);
    const outside = await env.request('POST', '/v1/placements', {
      token: staffGejiu,
      body: { workerId: w.id, type: 'enterprise', areaCode: '44', startDate: '2026-11-20' },
    });
    expect(outside.status).toBe(422);
    expect(outside.body.error.issues[0].path).toBe('workerId');
  });

  it('a placement ends on a date with a reason; ending before it started or twice is refused', async () => {
    const w = await makePerson(env);
    const p = await place(w.id, { areaCode: '44' }, { type: 'migrant', startDate: '2026-10-01' });
    const early = await env.request('POST', `/v1/placements/${p.body.id}/end`, { token: staffMengzi, body: { endDate: '2026-09-30', reason: 'quit' } });
    expect(early.status).toBe(422);
    expect(early.body.error.issues[0].path).toBe('endDate');
    const noReason = await env.request('POST', `/v1/placements/${p.body.id}/end`, { token: staffMengzi, body: { endDate: '2026-11-01' } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.issues[0].path).toBe('reason');
    const ok = await env.request('POST', `/v1/placements/${p.body.id}/end`, { token: staffMengzi, body: { endDate: '2026-11-01', reason: 'contract_ended' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ endDate: '2026-11-01', endReason: 'contract_ended' });
    const twice = await env.request('POST', `/v1/placements/${p.body.id}/end`, { token: staffMengzi, body: { endDate: '2026-11-02', reason: 'quit' } });
    expect(twice.status).toBe(409);
  });
});

describe('the zero-employment status of a household', () => {
  // These tests move the clock, so each has a database of its own.
  let own: TestEnv;
  beforeAll(async () => {
    own = await makeTestEnv();
    staffMengziOwn = await own.token({ role: 'staff', areaPrefix: '532503' });
  });
  afterAll(() => own.close());
  let staffMengziOwn: string;
  const household = async (e: TestEnv, id: number) => (await e.request('GET', `/v1/households/${id}`, { token: staffMengziOwn })).body;

  it('turns off when a member is placed and back on when the placement ends, and is overdue after 15 days', async () => {
    own.clock.set('2026-11-20T02:00:00Z');
    const h = await makeHousehold(own, {}, staffMengziOwn);
    const w = await makeWorker(own, h.id, {}, staffMengziOwn);
    expect((await household(own, h.id)).zeroEmployment).toEqual({ onList: true, since: '2026-11-20', daysWaiting: 0, overdue: false });

    own.clock.advanceDays(14);
    expect((await household(own, h.id)).zeroEmployment).toEqual({ onList: true, since: '2026-11-20', daysWaiting: 14, overdue: false });
    own.clock.advanceDays(2);
    expect((await household(own, h.id)).zeroEmployment).toEqual({ onList: true, since: '2026-11-20', daysWaiting: 16, overdue: true });

    const p = await own.request('POST', '/v1/placements', {
      token: staffMengziOwn,
      body: { workerId: w.id, type: 'enterprise', areaCode: '532503', startDate: '2026-12-06' },
    });
    expect(p.status).toBe(201);
    const placed = await household(own, h.id);
    expect(placed.zeroEmployment).toEqual({ onList: false, since: null, daysWaiting: null, overdue: false });
    expect(placed.members[0].inWork).toBe('enterprise');

    own.clock.advanceDays(10);
    const ended = await own.request('POST', `/v1/placements/${p.body.id}/end`, {
      token: staffMengziOwn,
      body: { endDate: '2026-12-16', reason: 'quit' },
    });
    expect(ended.status).toBe(200);
    expect((await household(own, h.id)).zeroEmployment).toEqual({ onList: true, since: '2026-12-16', daysWaiting: 0, overdue: false });
    own.clock.advanceDays(16);
    expect((await household(own, h.id)).zeroEmployment).toMatchObject({ onList: true, since: '2026-12-16', overdue: true });
  });

  it('a hire through an application takes the household off the list too', async () => {
    own.clock.set('2026-11-20T02:00:00Z');
    const emp = await makeEmployer(own);
    const o = await makeOpening(own, emp.token);
    const h = await makeHousehold(own, {}, staffMengziOwn);
    const w = await makeWorker(own, h.id, {}, staffMengziOwn);
    const a = await apply(own, w.id, o.id, 'applied', staffMengziOwn);
    await move(own, a.body.id, 'offered', undefined, emp.token);
    expect((await move(own, a.body.id, 'hired', undefined, emp.token)).status).toBe(200);
    expect((await household(own, h.id)).zeroEmployment.onList).toBe(false);
  });

  it('a member holding a contract of a year or more keeps the household off the list', async () => {
    own.clock.set('2026-11-20T02:00:00Z');
    const h = await makeHousehold(own, {}, staffMengziOwn);
    const w = await makeWorker(own, h.id, {}, staffMengziOwn);
    const p = await own.request('POST', '/v1/placements', {
      token: staffMengziOwn,
      body: { workerId: w.id, type: 'workshop', areaCode: '532503', startDate: '2026-11-20', contractMonths: 12 },
    });
    expect(p.body.contractMonths).toBe(12);
    own.clock.advanceDays(200);
    expect((await household(own, h.id)).zeroEmployment.onList).toBe(false);
  });

  it('180 days of work in the last 12 months keep the household off the list until the window passes', async () => {
    own.clock.set('2026-11-20T02:00:00Z');
    const h = await makeHousehold(own, {}, staffMengziOwn);
    const w = await makeWorker(own, h.id, {}, staffMengziOwn);
    // Seasonal work recorded after the fact: 2026-01-01 to 2026-08-01, 212 days.
    const p = await own.request('POST', '/v1/placements', {
      token: staffMengziOwn,
      body: { workerId: w.id, type: 'migrant', areaCode: '44', startDate: '2026-01-01' },
    });
    await own.request('POST', `/v1/placements/${p.body.id}/end`, { token: staffMengziOwn, body: { endDate: '2026-08-01', reason: 'contract_ended' } });
    expect((await household(own, h.id)).zeroEmployment.onList).toBe(false);
    // Fewer than 180 days in the window from 2027-02-02: on the list again.
    own.clock.set('2027-02-10T02:00:00Z');
    expect((await household(own, h.id)).zeroEmployment.onList).toBe(true);
  });

  it('staff recording income at the minimum wage takes the household off the list', async () => {
    own.clock.set('2026-11-20T02:00:00Z');
    const h = await makeHousehold(own, {}, staffMengziOwn);
    await makeWorker(own, h.id, {}, staffMengziOwn);
    own.clock.advanceDays(3);
    const patched = await own.request('PATCH', `/v1/households/${h.id}`, { token: staffMengziOwn, body: { incomeAtMinimum: true } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ incomeAtMinimumSince: '2026-11-23' });
    expect(patched.body.zeroEmployment.onList).toBe(false);
  });
});

describe('scheduled expiry', () => {
  it('applications idle 60 days expire with reason `expired`; touched and ended ones stay', async () => {
    const own = await makeTestEnv();
    try {
      const staff = await own.token({ role: 'staff', areaPrefix: '532503' });
      const towns = await own.request('GET', '/v1/areas?parent=532503');
      const village = await villagesOf(own, towns.body.items[0].code);
      const emp = await makeEmployer(own);
      const o = await makeOpening(own, emp.token, { slots: 10 });
      const person = async () => {
        const h = await makeHousehold(own, { areaCode: village }, staff);
        return (await makeWorker(own, h.id, {}, staff)).id;
      };
      const suggested = (await apply(own, await person(), o.id, 'suggested', staff)).body.id;
      const applied = (await apply(own, await person(), o.id, 'applied', staff)).body.id;
      const offered = (await apply(own, await person(), o.id, 'applied', staff)).body.id;
      await move(own, offered, 'offered', undefined, emp.token);
      const declined = (await apply(own, await person(), o.id, 'applied', staff)).body.id;
      await move(own, declined, 'declined', 'wage', emp.token);
      const touched = (await apply(own, await person(), o.id, 'applied', staff)).body.id;

      own.clock.advanceDays(30);
      await move(own, touched, 'offered', undefined, emp.token);
      own.clock.advanceDays(31);
      const report = await runScheduledJobs(own.deps);
      expect(report.applicationsExpired).toBe(3);

      const read = async (id: number) => (await own.request('GET', `/v1/applications/${id}`, { token: staff })).body;
      for (const id of [suggested, applied, offered]) {
        expect(await read(id)).toMatchObject({ state: 'expired', reason: 'expired', updatedAt: own.clock.now().toISOString() });
      }
      expect(await read(declined)).toMatchObject({ state: 'declined', reason: 'wage' });
      expect(await read(touched)).toMatchObject({ state: 'offered', reason: null });
      // Running again changes nothing.
      expect((await runScheduledJobs(own.deps)).applicationsExpired).toBe(0);
    } finally {
      own.close();
    }
  });
});

describe('erasure', () => {
  it('erasing a person removes their name, phone, home, chat ids and source id from every table, and keeps the counts', async () => {
    const name = unique('王秀英');
    const phone = uniquePhone();
    const sourceId = unique('532503-person');
    const chatId = `${9_000_000_000 + process.pid * 100 + ++phoneSeq}`;
    const home = { lat: 23.412345, lon: 103.398765 };
    const h = await makeHousehold(env);
    // Registered through an idempotent POST, the way a client retrying over a bad line would.
    const idemKey = unique('idem');
    const registration = { householdId: h.id, name, phone, home, sourceId, cannotLeaveHome: true, careFor: ['elders'], skills: ['sewing'] };
    const created = await env.request('POST', '/v1/workers', { token: staffMengzi, headers: { 'idempotency-key': idemKey }, body: registration });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    await env.request('PATCH', `/v1/workers/${id}`, { token: staffMengzi, body: { maxDistanceKm: 10 } });

    // What the bot leaves behind for a person who linked a chat.
    const now = env.clock.now().toISOString();
    await env.db.run(sql`UPDATE workers SET telegram_chat_id = ${chatId} WHERE id = ${id}`);
    await env.db.run(sql`INSERT INTO bot_sessions (chat_id, state, language, updated_at) VALUES (${chatId}, ${JSON.stringify({ step: 'menu', name })}, 'zh', ${now})`);
    await env.db.run(sql`INSERT INTO telegram_updates (update_id, chat_id, payload, status, received_at) VALUES (${Number(chatId) % 1_000_000_000}, ${chatId}, ${JSON.stringify({ message: { chat: { id: chatId }, text: `${name} ${phone}` } })}, 'handled', ${now})`);
    await env.db.run(sql`INSERT INTO outbox (chat_id, worker_id, kind, payload, status, attempts, not_before, created_at) VALUES (${chatId}, ${id}, 'alert', ${JSON.stringify({ text: `${name}, a job near you` })}, 'pending', 0, ${now}, ${now})`);
    await env.db.run(sql`INSERT INTO link_codes (code_hash, worker_id, expires_at, created_at) VALUES (${unique('code')}, ${id}, ${now}, ${now})`);

    // In work and with an open application, so the counts have something to keep.
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 3 });
    const a = await applicationIn(env, 'applied', o.id, id);
    const p = await env.request('POST', '/v1/placements', { token: staffMengzi, body: { workerId: id, type: 'self_employed', areaCode: townA, startDate: '2026-11-20' } });
    expect(p.status).toBe(201);

    const stats = async () => (await env.request('GET', '/v1/stats?area=5325', { token: env.adminToken })).body;
    const before = await stats();
    expect(before.workersRegistered).toBeGreaterThan(0);

    const erased = await env.request('DELETE', `/v1/workers/${id}`, { token: staffMengzi });
    expect(erased.status).toBe(204);

    const tables = await env.db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table'`);
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['workers', 'audit_log', 'outbox', 'idempotency_keys', 'telegram_updates', 'bot_sessions']));
    const secrets = [name, phone, chatId, sourceId, String(home.lat), String(home.lon)];
    for (const { name: table } of tables) {
      const rows = await env.db.all<Record<string, unknown>>(sql.raw(`SELECT * FROM "${table}"`));
      for (const row of rows) {
        const text = JSON.stringify(row);
        for (const s of secrets) expect(text.includes(s), `${table} still holds ${s}: ${text}`).toBe(false);
      }
    }

    const audit = await env.db.all<{ action: string }>(sql`SELECT action FROM audit_log WHERE object_type = 'worker' AND object_id = ${String(id)} ORDER BY id`);
    expect(audit.map((r) => r.action)).toEqual(['worker.create', 'worker.update', 'worker.erase']);
    // A late retry of the registration replays an answer that names no one and registers no one.
    const replay = await env.request('POST', '/v1/workers', { token: staffMengzi, headers: { 'idempotency-key': idemKey }, body: registration });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toMatchObject({ id, erased: true });
    expect(JSON.stringify(replay.body)).not.toContain(name);

    const view = await env.request('GET', `/v1/workers/${id}`, { token: staffMengzi });
    expect(view.body).toMatchObject({ id, name: null, phone: null, home: null, sourceId: null, careFor: [], cannotLeaveHome: false, linkedToChat: false, erased: true });
    const app = await env.request('GET', `/v1/applications/${a}`, { token: staffMengzi });
    expect(app.body).toMatchObject({ state: 'withdrawn', reason: 'not_reachable' });

    const after = await stats();
    expect(after.workersRegistered).toBe(before.workersRegistered);
    expect(after.inWork.total).toBe(before.inWork.total);
    expect(after.inWork.byType.self_employed).toBe(before.inWork.byType.self_employed);
  });

  it('an erased person can no longer apply or be placed', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token);
    const w = await makePerson(env);
    expect((await env.request('DELETE', `/v1/workers/${w.id}`, { token: staffMengzi })).status).toBe(204);
    const res = await apply(env, w.id, o.id);
    expect(res.status).toBe(422);
    expect(res.body.error.issues.map((i: any) => i.message).join()).toMatch(/erased/);
    const placed = await env.request('POST', '/v1/placements', { token: staffMengzi, body: { workerId: w.id, type: 'migrant', areaCode: '44', startDate: '2026-11-20' } });
    expect(placed.status).toBe(422);
  });

  it('an employer cannot erase a person', async () => {
    const emp = await makeEmployer(env);
    const w = await makePerson(env);
    expect((await env.request('DELETE', `/v1/workers/${w.id}`, { token: emp.token })).status).toBe(403);
    expect((await staffRead(env, `/v1/workers/${w.id}`)).body.erased).toBe(false);
  });
});

describe('what an employer sees', () => {
  it('an employer reads its applicants\' contact and nothing of their household, care or home', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token);
    const h = await makeHousehold(env, { monitored: true });
    const applicant = await makeWorker(env, h.id, { cannotLeaveHome: true, careFor: ['disabled'], home: { lat: 23.387654, lon: 103.376543 } });
    const suggestedOnly = await makeWorker(env, h.id);
    const a = await applicationIn(env, 'applied', o.id, applicant.id);
    await applicationIn(env, 'suggested', o.id, suggestedOnly.id);

    const list = await env.request('GET', `/v1/applications?openingId=${o.id}`, { token: emp.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const item = list.body.items[0];
    expect(item).toMatchObject({ id: a, workerId: applicant.id, state: 'applied', applicant: { name: applicant.name, phone: applicant.phone } });
    expect(Object.keys(item.applicant).sort()).toEqual(['name', 'phone']);
    const allowed = ['id', 'workerId', 'openingId', 'state', 'reason', 'createdAt', 'updatedAt', 'applicant'];
    expect(Object.keys(item).filter((k) => !allowed.includes(k))).toEqual([]);
    const text = JSON.stringify(list.body);
    for (const leak of ['household', 'careFor', 'cannotLeaveHome', 'home', 'povertyAlleviated', 'monitored', 'disabled', '23.387654', villageA]) {
      expect(text, leak).not.toContain(leak);
    }
    expect(text).not.toContain(suggestedOnly.name);

    const one = await env.request('GET', `/v1/applications/${a}`, { token: emp.token });
    expect(Object.keys(one.body).filter((k) => !allowed.includes(k))).toEqual([]);
    expect(one.body.applicant).toEqual({ name: applicant.name, phone: applicant.phone });
  });

  it('an employer keeps an applicant\'s contact while the application is open or hired, and loses it after a decline or a withdrawal', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token, { slots: 3 });
    const [kept, declined, withdrew] = [await makePerson(env), await makePerson(env), await makePerson(env)];
    const ids = {
      kept: await applicationIn(env, 'applied', o.id, kept.id),
      declined: await applicationIn(env, 'applied', o.id, declined.id),
      withdrew: await applicationIn(env, 'applied', o.id, withdrew.id),
    };
    const move = async (id: number, to: string, reason?: string) =>
      expect((await env.request('POST', `/v1/applications/${id}/transitions`, { token: env.adminToken, body: { to, ...(reason ? { reason } : {}) } })).status).toBe(200);
    await move(ids.kept, 'offered');
    await move(ids.kept, 'hired');
    await move(ids.declined, 'declined', 'hours_do_not_fit');
    await move(ids.withdrew, 'withdrawn', 'chose_other');

    const list = await env.request('GET', `/v1/applications?openingId=${o.id}`, { token: emp.token });
    const byId = new Map(list.body.items.map((i: any) => [i.id, i.applicant]));
    expect(byId.get(ids.kept)).toEqual({ name: kept.name, phone: kept.phone });
    expect(byId.get(ids.declined)).toEqual({ name: null, phone: null });
    expect(byId.get(ids.withdrew)).toEqual({ name: null, phone: null });
    expect(JSON.stringify(list.body)).not.toContain(declined.name);
    const one = await env.request('GET', `/v1/applications/${ids.withdrew}`, { token: emp.token });
    expect(one.body.applicant).toEqual({ name: null, phone: null });
    // Staff still see who it was.
    const staff = await env.request('GET', `/v1/applications/${ids.withdrew}`, { token: env.adminToken });
    expect(staff.body.applicant).toEqual({ name: withdrew.name, phone: withdrew.phone });
  });

  it('an employer may not read a worker or a household', async () => {
    const emp = await makeEmployer(env);
    const o = await makeOpening(env, emp.token);
    const w = await makePerson(env);
    await applicationIn(env, 'applied', o.id, w.id);
    const worker = await env.request('GET', `/v1/workers/${w.id}`, { token: emp.token });
    expect(worker.status).toBe(403);
    expect(JSON.stringify(worker.body)).not.toContain(w.name);
    expect((await env.request('GET', `/v1/households/${w.householdId}`, { token: emp.token })).status).toBe(403);
    expect((await env.request('GET', '/v1/workers', { token: emp.token })).status).toBe(403);
    expect((await env.request('GET', `/v1/workers/${w.id}/matches`, { token: emp.token })).status).toBe(403);
  });
});

describe('dates within reason', () => {
  it('a placement from 2100 or ending in 9999, a closing date in 2099 or a date before 2000 is refused with 400 naming the field; five years ahead is accepted', async () => {
    const h = await makeHousehold(env);
    const w = await makeWorker(env, h.id);
    const place = (startDate: string) => env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: w.id, type: 'workshop', areaCode: '532503', startDate } });
    for (const [startDate, message] of [['2100-01-01', /or earlier \(at most 5 years from today\)/], ['1999-12-31', /2000-01-01 or later/]] as const) {
      const res = await place(startDate);
      expect(res.status).toBe(400);
      expect(res.body.error.issues).toEqual([{ path: 'startDate', message: expect.stringMatching(message) }]);
    }
    const employer = await makeEmployer(env);
    const far = await env.request('POST', '/v1/openings', { token: env.adminToken, body: openingBody({ employerId: employer.id, closingDate: '2099-01-01' }) });
    expect(far.status).toBe(400);
    expect(far.body.error.issues[0].path).toBe('closingDate');
    const ok = await place('2026-11-20');
    expect(ok.status).toBe(201);
    const end = await env.request('POST', `/v1/placements/${ok.body.id}/end`, { token: env.adminToken, body: { endDate: '9999-12-31', reason: 'other' } });
    expect(end.status).toBe(400);
    expect(end.body.error.issues[0].path).toBe('endDate');
    // Nothing was written by the refusals: the household's waiting is counted from a real date.
    const household = await env.request('GET', `/v1/households/${h.id}`, { token: env.adminToken });
    expect(household.status).toBe(200);
    const stats = await env.request('GET', '/v1/stats?area=532503&asOf=2031-11-19', { token: env.adminToken });
    expect(stats.status).toBe(200);
  });
});
