// One access rule for applications (src/services/applications.ts): staff see
// those of people whose home is in their area, an employer those on its own
// openings, an admin all — and list, read and act agree. A conflict across
// counties says a number is taken, never whose.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv, unique } from '../helpers.js';

let env: TestEnv;
let staffMengzi: string; // 532503, where the person lives
let staffGejiu: string; // 532501, where the opening is
beforeAll(async () => {
  env = await makeTestEnv();
  staffMengzi = await env.token({ role: 'staff', areaPrefix: '532503' });
  staffGejiu = await env.token({ role: 'staff', areaPrefix: '532501' });
});
afterAll(() => env.close());

async function crossCountyApplication() {
  const employer = await makeEmployer(env, { areaCode: '532501', point: { lat: 23.36, lon: 103.15 } });
  const other = await makeEmployer(env);
  const opening = await makeOpening(env, employer.id, { areaCode: '532501', point: { lat: 23.36, lon: 103.15 } });
  const h = await makeHousehold(env);
  const w = await makeWorker(env, h.id, { phone: '13900000001', maxDistanceKm: 50 });
  const a = await env.request('POST', '/v1/applications', { token: staffMengzi, body: { workerId: w.id, openingId: opening.id } });
  expect(a.status).toBe(201);
  return { employer, other, opening, w, id: a.body.id as number };
}

const ids = (r: { body: any }) => (r.body.items as Array<{ id: number }>).map((i) => i.id);

describe('who sees and moves an application', () => {
  it('staff of the opening’s county do not see another county’s person: read, list and act all 404 or leave it out', async () => {
    const { opening, w, id } = await crossCountyApplication();
    const read = await env.request('GET', `/v1/applications/${id}`, { token: staffGejiu });
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.body)).not.toContain(w.name);
    expect((await env.request('GET', `/v1/workers/${w.id}`, { token: staffGejiu })).status).toBe(404);
    const list = await env.request('GET', `/v1/applications?openingId=${opening.id}`, { token: staffGejiu });
    expect(list.status).toBe(200);
    expect(ids(list)).not.toContain(id);
    const move = await env.request('POST', `/v1/applications/${id}/transitions`, { token: staffGejiu, body: { to: 'offered' } });
    expect(move.status).toBe(404);
  });

  it('staff of the person’s county read, list and move it', async () => {
    const { opening, id } = await crossCountyApplication();
    expect((await env.request('GET', `/v1/applications/${id}`, { token: staffMengzi })).status).toBe(200);
    expect(ids(await env.request('GET', `/v1/applications?openingId=${opening.id}`, { token: staffMengzi }))).toContain(id);
    const move = await env.request('POST', `/v1/applications/${id}/transitions`, { token: staffMengzi, body: { to: 'offered' } });
    expect(move.status).toBe(200);
  });

  it('the opening’s employer reads, lists and moves it with the contact; another employer gets 404', async () => {
    const { employer, other, opening, w, id } = await crossCountyApplication();
    const read = await env.request('GET', `/v1/applications/${id}`, { token: employer.token });
    expect(read.status).toBe(200);
    expect(read.body.applicant).toEqual({ name: w.name, phone: '13900000001' });
    expect(ids(await env.request('GET', `/v1/applications?openingId=${opening.id}`, { token: employer.token }))).toContain(id);
    expect((await env.request('GET', `/v1/applications/${id}`, { token: other.token })).status).toBe(404);
    expect(ids(await env.request('GET', `/v1/applications?openingId=${opening.id}`, { token: other.token }))).not.toContain(id);
    expect((await env.request('POST', `/v1/applications/${id}/transitions`, { token: other.token, body: { to: 'offered' } })).status).toBe(404);
    expect((await env.request('POST', `/v1/applications/${id}/transitions`, { token: employer.token, body: { to: 'offered' } })).status).toBe(200);
  });

  it('an admin sees every one', async () => {
    const { id } = await crossCountyApplication();
    expect((await env.request('GET', `/v1/applications/${id}`, { token: env.adminToken })).status).toBe(200);
  });
});

describe('conflicts across counties', () => {
  it('a household number registered in another county answers 409 without its id', async () => {
    const sourceId = unique('H');
    const mine = await makeHousehold(env, { sourceId }, staffMengzi);
    const theirs = await env.request('POST', '/v1/households', {
      token: staffGejiu,
      body: { areaCode: '532501001001', povertyAlleviated: true, monitored: false, sourceId },
    });
    expect(theirs.status).toBe(409);
    expect(theirs.body.error.issues).toEqual([{ path: 'sourceId', message: 'already registered elsewhere' }]);
    expect(JSON.stringify(theirs.body)).not.toContain(`household ${mine.id}`);
    // Within one's own area the id helps and is given.
    const again = await env.request('POST', '/v1/households', {
      token: staffMengzi,
      body: { areaCode: '532503001001', povertyAlleviated: true, monitored: false, sourceId },
    });
    expect(again.body.error.issues[0].message).toBe(`already registered as household ${mine.id}`);
  });

  it('a person number registered in another county answers 409 without their id or name', async () => {
    const sourceId = unique('P');
    const h = await makeHousehold(env);
    const w = await makeWorker(env, h.id, { sourceId });
    const hGejiu = await makeHousehold(env, { areaCode: '532501001001' }, staffGejiu);
    const r = await env.request('POST', '/v1/workers', {
      token: staffGejiu,
      body: { householdId: hGejiu.id, name: unique('worker'), home: { lat: 23.36, lon: 103.15 }, availability: 'full_day', sourceId },
    });
    expect(r.status).toBe(409);
    expect(r.body.error.issues).toEqual([{ path: 'sourceId', message: 'already registered elsewhere' }]);
    const text = JSON.stringify(r.body);
    expect(text).not.toContain(w.name);
    expect(text).not.toContain(`worker ${w.id}`);
  });
});
