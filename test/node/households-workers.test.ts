// Households and workers over HTTP: registration by staff on a person's
// behalf, validation, scope, the derived zero-employment status, lists and
// what employers may not see.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEmployer, makeHousehold, makeTestEnv, makeWorker, type TestEnv, unique } from '../helpers.js';

const VILLAGE = '532503001001';
const TOWNSHIP = '532503002';
const GEJIU_VILLAGE = '532501001001';

let env: TestEnv;
let staff: string; // 蒙自市 532503
let otherStaff: string; // 个旧市 532501

beforeAll(async () => {
  env = await makeTestEnv();
  staff = await env.token({ role: 'staff', areaPrefix: '532503' });
  otherStaff = await env.token({ role: 'staff', areaPrefix: '532501' });
});
afterAll(() => env.close());

describe('households', () => {
  it('staff register a household in a village or township of their area', async () => {
    const sourceId = unique('hh');
    const res = await env.request('POST', '/v1/households', {
      token: staff,
      body: { areaCode: TOWNSHIP, povertyAlleviated: true, monitored: true, sourceId },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ areaCode: TOWNSHIP, povertyAlleviated: true, monitored: true, sourceId, members: [] });
    // Nobody able to work is registered yet: not on the zero-employment list.
    expect(res.body.zeroEmployment).toEqual({ onList: false, since: null, daysWaiting: null, overdue: false });
    const dup = await env.request('POST', '/v1/households', {
      token: staff,
      body: { areaCode: TOWNSHIP, povertyAlleviated: true, monitored: true, sourceId },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.issues[0].path).toBe('sourceId');
  });

  it('refuses a county code, an unknown code, an area outside the staff member’s and unknown fields', async () => {
    const body = { povertyAlleviated: true, monitored: false };
    const county = await env.request('POST', '/v1/households', { token: staff, body: { ...body, areaCode: '532503' } });
    expect(county.status).toBe(422);
    expect(county.body.error.issues[0].path).toBe('areaCode');
    expect((await env.request('POST', '/v1/households', { token: staff, body: { ...body, areaCode: '532503999999' } })).status).toBe(422);
    expect((await env.request('POST', '/v1/households', { token: staff, body: { ...body, areaCode: GEJIU_VILLAGE } })).status).toBe(403);
    const extra = await env.request('POST', '/v1/households', { token: staff, body: { ...body, areaCode: VILLAGE, income: 5 } });
    expect(extra.status).toBe(400);
    const missing = await env.request('POST', '/v1/households', { token: staff, body: { areaCode: VILLAGE } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues.map((i: any) => i.path)).toEqual(expect.arrayContaining(['povertyAlleviated', 'monitored']));
  });

  it('shows members and the zero-employment status, waiting days and overdue after 15 days', async () => {
    const h = await makeHousehold(env, { areaCode: VILLAGE }, staff);
    const w = await makeWorker(env, h.id, {}, staff);
    const day0 = await env.request('GET', `/v1/households/${h.id}`, { token: staff });
    expect(day0.body.members).toEqual([
      { id: w.id, name: w.name, ableToWork: true, cannotLeaveHome: false, erased: false, inWork: null },
    ]);
    expect(day0.body.zeroEmployment).toEqual({ onList: true, since: '2026-11-20', daysWaiting: 0, overdue: false });
    const saved = env.clock.current;
    env.clock.advanceDays(16);
    try {
      const later = await env.request('GET', `/v1/households/${h.id}`, { token: staff });
      expect(later.body.zeroEmployment).toEqual({ onList: true, since: '2026-11-20', daysWaiting: 16, overdue: true });
    } finally {
      env.clock.current = saved;
    }
    expect((await env.request('GET', `/v1/households/${h.id}`, { token: otherStaff })).status).toBe(404);
  });

  it('income at the local minimum recorded by staff takes the household off the list', async () => {
    const h = await makeHousehold(env, { areaCode: VILLAGE }, staff);
    await makeWorker(env, h.id, {}, staff);
    const res = await env.request('PATCH', `/v1/households/${h.id}`, { token: staff, body: { incomeAtMinimum: true } });
    expect(res.status).toBe(200);
    expect(res.body.incomeAtMinimumSince).toBe('2026-11-20');
    expect(res.body.zeroEmployment.onList).toBe(false);
  });
});

describe('workers', () => {
  it('registers a worker with the defaults and the household’s area', async () => {
    const h = await makeHousehold(env, { areaCode: VILLAGE }, staff);
    const res = await env.request('POST', '/v1/workers', {
      token: staff,
      body: { householdId: h.id, name: '李四', phone: '138 0000 1111', cannotLeaveHome: true, careFor: ['elders', 'children'], skills: ['sewing'] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      householdId: h.id,
      areaCode: VILLAGE,
      name: '李四',
      home: null,
      maxDistanceKm: 5,
      cannotLeaveHome: true,
      careFor: ['elders', 'children'],
      skills: ['sewing'],
      ableToWork: true,
      household: { povertyAlleviated: true, monitored: false, zeroEmployment: true },
      erased: false,
    });
  });

  it('refuses bad input with the field and the reason', async () => {
    const h = await makeHousehold(env, { areaCode: VILLAGE }, staff);
    const post = (body: Record<string, unknown>) => env.request('POST', '/v1/workers', { token: staff, body: { householdId: h.id, name: 'x', ...body } });
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ cannotLeaveHome: true }, 422, 'careFor'],
      [{ careFor: ['cats'] }, 400, 'careFor.0'],
      [{ skills: ['juggling'] }, 400, 'skills.0'],
      [{ home: { lat: 123, lon: 103 } }, 400, 'home.lat'],
      [{ maxDistanceKm: -1 }, 400, 'maxDistanceKm'],
      [{ availability: 'nights' }, 400, 'availability'],
      [{ phone: 'call me' }, 400, 'phone'],
      [{ householdId: 999999 }, 422, 'householdId'],
    ];
    for (const [body, status, path] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.issues[0].path, JSON.stringify(body)).toBe(path);
    }
    const count = await env.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM workers WHERE household_id = ${h.id}`);
    expect(count?.n).toBe(0);
  });

  it('staff of another area neither read nor register nor change the worker', async () => {
    const h = await makeHousehold(env, { areaCode: VILLAGE }, staff);
    const w = await makeWorker(env, h.id, {}, staff);
    expect((await env.request('GET', `/v1/workers/${w.id}`, { token: otherStaff })).status).toBe(404);
    expect((await env.request('PATCH', `/v1/workers/${w.id}`, { token: otherStaff, body: { name: 'x' } })).status).toBe(404);
    expect((await env.request('DELETE', `/v1/workers/${w.id}`, { token: otherStaff })).status).toBe(404);
    const reg = await env.request('POST', '/v1/workers', { token: otherStaff, body: { householdId: h.id, name: 'x' } });
    expect(reg.status).toBe(422);
  });

  it('employers never read workers or households', async () => {
    const h = await makeHousehold(env, { areaCode: VILLAGE }, staff);
    const w = await makeWorker(env, h.id, { cannotLeaveHome: true, careFor: ['disabled'] }, staff);
    const employer = await makeEmployer(env);
    for (const path of [`/v1/workers/${w.id}`, `/v1/households/${h.id}`, '/v1/workers', `/v1/workers/${w.id}/matches`]) {
      const res = await env.request('GET', path, { token: employer.token });
      expect(res.status, path).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain(w.name);
    }
  });

  it('a member recorded as unable to work takes the household off the list, and back when able again', async () => {
    const h = await makeHousehold(env, { areaCode: VILLAGE }, staff);
    const w = await makeWorker(env, h.id, {}, staff);
    const off = await env.request('PATCH', `/v1/workers/${w.id}`, { token: staff, body: { ableToWork: false } });
    expect(off.status).toBe(200);
    expect(off.body.household.zeroEmployment).toBe(false);
    const on = await env.request('PATCH', `/v1/workers/${w.id}`, { token: staff, body: { ableToWork: true, home: { lat: 23.4, lon: 103.38 } } });
    expect(on.body.household.zeroEmployment).toBe(true);
    expect(on.body.home).toEqual({ lat: 23.4, lon: 103.38 });
  });

  it('lists workers of an area by zero-employment and cannot-leave-home, page by page', async () => {
    const town = '532503003';
    const villages = await env.request('GET', `/v1/areas?parent=${town}`, { token: staff });
    const village = villages.body.items[0].code;
    const zeroHome = await makeHousehold(env, { areaCode: village }, staff);
    const homebound = await makeWorker(env, zeroHome.id, { cannotLeaveHome: true, careFor: ['children'] }, staff);
    const mobile = await makeWorker(env, zeroHome.id, {}, staff);
    const busyHome = await makeHousehold(env, { areaCode: village }, staff);
    const busy = await makeWorker(env, busyHome.id, {}, staff);
    await env.request('POST', '/v1/placements', {
      token: staff,
      body: { workerId: busy.id, type: 'self_employed', areaCode: village, startDate: '2026-11-01' },
    });

    const list = async (q: string) => {
      const res = await env.request('GET', `/v1/workers?area=${town}${q}`, { token: staff });
      expect(res.status).toBe(200);
      return res.body;
    };
    expect((await list('')).items.map((w: any) => w.id)).toEqual([homebound.id, mobile.id, busy.id]);
    expect((await list('&zeroEmployment=true')).items.map((w: any) => w.id)).toEqual([homebound.id, mobile.id]);
    expect((await list('&zeroEmployment=false')).items.map((w: any) => w.id)).toEqual([busy.id]);
    expect((await list('&zeroEmployment=true&cannotLeaveHome=true')).items.map((w: any) => w.id)).toEqual([homebound.id]);
    const page1 = await list('&limit=2');
    expect(page1.items).toHaveLength(2);
    const page2 = await list(`&limit=2&cursor=${page1.nextCursor}`);
    expect(page2.items.map((w: any) => w.id)).toEqual([busy.id]);
    expect(page2.nextCursor).toBeNull();
    // Staff of another area asking for this one are refused.
    expect((await env.request('GET', `/v1/workers?area=${town}`, { token: otherStaff })).status).toBe(403);
  });

  it('every staff write is audited without personal values', async () => {
    const h = await makeHousehold(env, { areaCode: VILLAGE }, staff);
    const w = await makeWorker(env, h.id, { name: '王五审计' }, staff);
    const rows = await env.db.all<{ action: string; object_id: string; detail: string }>(
      sql`SELECT action, object_id, detail FROM audit_log WHERE object_type IN ('household', 'worker') AND object_id IN (${String(h.id)}, ${String(w.id)})`,
    );
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['household.create', 'worker.create']));
    expect(JSON.stringify(rows)).not.toContain('王五审计');
  });
});
