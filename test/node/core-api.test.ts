// HTTP behaviour of the core service: areas, auth and scope, employers,
// openings, errors, idempotency and the audit trail, on a real libSQL database.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.js';
import { makeEmployer, makeTestEnv, openingBody, type TestEnv, unique } from '../helpers.js';

let env: TestEnv;
let staffMengzi: string; // staff of 蒙自市 532503
let staffGejiu: string; // staff of 个旧市 532501

beforeAll(async () => {
  env = await makeTestEnv();
  staffMengzi = await env.token({ role: 'staff', areaPrefix: '532503' });
  staffGejiu = await env.token({ role: 'staff', areaPrefix: '532501' });
});
afterAll(() => env.close());

describe('health and reference areas', () => {
  it('health answers ok after a database round trip', async () => {
    const res = await env.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('lists the 13 counties of Honghe with their centre points', async () => {
    const res = await env.request('GET', '/v1/areas?parent=5325');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(13);
    expect(res.body.nextCursor).toBeNull();
    const mengzi = res.body.items.find((a: any) => a.code === '532503');
    expect(mengzi).toMatchObject({ name: '蒙自市', level: 'county', parent: '5325' });
    expect(mengzi.point.lat).toBeGreaterThan(23);
    for (const a of res.body.items) expect(a.point).not.toBeNull();
  });

  it('lists provinces at the top level and pages through them with a cursor', async () => {
    const first = await env.request('GET', '/v1/areas?limit=20');
    expect(first.body.items).toHaveLength(20);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await env.request('GET', `/v1/areas?limit=20&cursor=${first.body.nextCursor}`);
    const codes = [...first.body.items, ...second.body.items].map((a: any) => a.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toContain('53');
    expect(codes).toContain('44');
    expect(second.body.nextCursor).toBeNull();
  });

  it('reads one township and its villages', async () => {
    const towns = await env.request('GET', '/v1/areas?parent=532503');
    expect(towns.body.items.length).toBeGreaterThan(5);
    const town = towns.body.items[0];
    expect(town.code).toHaveLength(9);
    const one = await env.request('GET', `/v1/areas/${town.code}`);
    expect(one.body).toMatchObject({ code: town.code, level: 'township', parent: '532503', point: null });
    const villages = await env.request('GET', `/v1/areas?parent=${town.code}`);
    expect(villages.body.items.length).toBeGreaterThan(0);
    expect(villages.body.items[0].level).toBe('village');
  });

  it('an unknown area is 404 and a malformed code is 400', async () => {
    expect((await env.request('GET', '/v1/areas/532599')).status).toBe(404);
    const bad = await env.request('GET', '/v1/areas/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('code');
  });
});

describe('auth', () => {
  it('a write with no token is 401 and a bad token is 401', async () => {
    const none = await env.request('POST', '/v1/employers', { body: { name: 'x', kind: 'workshop', areaCode: '532503' } });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const bad = await env.request('GET', '/v1/employers', { token: 'jj_not-a-real-token' });
    expect(bad.status).toBe(401);
    const malformed = await env.request('GET', '/v1/employers', { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
  });

  it('an employer may not create employers (403)', async () => {
    const emp = await makeEmployer(env);
    const res = await env.request('POST', '/v1/employers', {
      token: emp.token,
      body: { name: unique(), kind: 'workshop', areaCode: '532503' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('a revoked-looking token from another database does not work', async () => {
    const other = await makeTestEnv();
    const foreign = await other.token({ role: 'admin' });
    other.close();
    expect((await env.request('GET', '/v1/employers', { token: foreign })).status).toBe(401);
  });
});

describe('employers', () => {
  it('staff create an employer in their area and read it back', async () => {
    const name = unique('合作社');
    const res = await env.request('POST', '/v1/employers', {
      token: staffMengzi,
      body: { name, kind: 'cooperative', areaCode: '532503', contact: { name: '李', phone: '13800000000' } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name, kind: 'cooperative', areaCode: '532503', verified: false, certified: false, point: null });
    const got = await env.request('GET', `/v1/employers/${res.body.id}`, { token: staffMengzi });
    expect(got.body.contact).toEqual({ name: '李', phone: '13800000000' });
  });

  it('staff cannot create an employer outside their area (403) nor see one (404)', async () => {
    const res = await env.request('POST', '/v1/employers', {
      token: staffMengzi,
      body: { name: unique(), kind: 'workshop', areaCode: '532501' },
    });
    expect(res.status).toBe(403);
    const gejiu = await env.request('POST', '/v1/employers', {
      token: staffGejiu,
      body: { name: unique(), kind: 'workshop', areaCode: '532501' },
    });
    expect(gejiu.status).toBe(201);
    expect((await env.request('GET', `/v1/employers/${gejiu.body.id}`, { token: staffMengzi })).status).toBe(404);
    expect((await env.request('GET', `/v1/employers/${gejiu.body.id}`, { token: staffGejiu })).status).toBe(200);
  });

  it('an employer sees itself only', async () => {
    const a = await makeEmployer(env);
    const b = await makeEmployer(env);
    expect((await env.request('GET', `/v1/employers/${a.id}`, { token: a.token })).status).toBe(200);
    expect((await env.request('GET', `/v1/employers/${b.id}`, { token: a.token })).status).toBe(404);
    expect((await env.request('GET', '/v1/employers', { token: a.token })).status).toBe(403);
  });

  it('staff certify a workshop; an employer cannot certify itself; a firm cannot be certified', async () => {
    const w = await makeEmployer(env);
    const self = await env.request('PATCH', `/v1/employers/${w.id}`, { token: w.token, body: { certified: true } });
    expect(self.status).toBe(403);
    const ok = await env.request('PATCH', `/v1/employers/${w.id}`, { token: staffMengzi, body: { certified: true, verified: true } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ certified: true, verified: true });
    expect(ok.body.certifiedAt).toEqual(expect.any(String));
    const firm = await makeEmployer(env, { kind: 'enterprise' });
    const refused = await env.request('PATCH', `/v1/employers/${firm.id}`, { token: staffMengzi, body: { certified: true } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.issues[0].path).toBe('certified');
  });

  it('an employer edits its own contact', async () => {
    const w = await makeEmployer(env);
    const res = await env.request('PATCH', `/v1/employers/${w.id}`, { token: w.token, body: { contact: { phone: '0873-1234567' } } });
    expect(res.status).toBe(200);
    expect(res.body.contact).toEqual({ phone: '0873-1234567' });
  });

  it('lists employers in the caller\'s area only, paginated', async () => {
    for (let i = 0; i < 3; i++) await makeEmployer(env, { areaCode: '532501', point: undefined });
    const page1 = await env.request('GET', '/v1/employers?limit=2', { token: staffGejiu });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await env.request('GET', `/v1/employers?limit=2&cursor=${page1.body.nextCursor}`, { token: staffGejiu });
    const all = [...page1.body.items, ...page2.body.items];
    expect(all.every((e: any) => e.areaCode.startsWith('532501'))).toBe(true);
    expect(new Set(all.map((e: any) => e.id)).size).toBe(all.length);
    const outside = await env.request('GET', '/v1/employers?area=532503', { token: staffGejiu });
    expect(outside.status).toBe(403);
  });

  it('rejects an unknown kind and an unknown area with the field named', async () => {
    const kind = await env.request('POST', '/v1/employers', { token: env.adminToken, body: { name: 'x', kind: 'factory', areaCode: '532503' } });
    expect(kind.status).toBe(400);
    expect(kind.body.error.issues.map((i: any) => i.path)).toContain('kind');
    const area = await env.request('POST', '/v1/employers', { token: env.adminToken, body: { name: 'x', kind: 'workshop', areaCode: '532599' } });
    expect(area.status).toBe(422);
    expect(area.body.error.issues[0].path).toBe('areaCode');
  });
});

describe('openings', () => {
  it('an employer posts an opening for itself: 201 with id and status at the top level', async () => {
    const emp = await makeEmployer(env);
    const body = openingBody();
    const res = await env.request('POST', '/v1/openings', { token: emp.token, body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: body.title, status: 'open', kind: 'workshop', serves: 'none', employerId: emp.id, slots: 2, slotsFilled: 0, povertyOnly: false });
    expect(res.body.id).toEqual(expect.any(Number));
    const pub = await env.request('GET', `/v1/openings/${res.body.id}`);
    expect(pub.status).toBe(200);
    expect(pub.body.wage).toEqual({ amount: 2200, period: 'month' });
  });

  it('an employer may not post a public-welfare post nor post for another employer', async () => {
    const emp = await makeEmployer(env);
    const other = await makeEmployer(env);
    const pw = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ kind: 'public_welfare' }) });
    expect(pw.status).toBe(403);
    const foreign = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ employerId: other.id }) });
    expect(foreign.status).toBe(403);
  });

  it('staff create public-welfare posts in their area, always poverty-only', async () => {
    const body_ = await makeEmployer(env, { kind: 'public_body' });
    const res = await env.request('POST', '/v1/openings', {
      token: staffMengzi,
      body: openingBody({ kind: 'public_welfare', serves: 'elders', employerId: body_.id, skills: ['elder_care'] }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'public_welfare', povertyOnly: true, serves: 'elders' });
    const notPoverty = await env.request('POST', '/v1/openings', {
      token: staffMengzi,
      body: openingBody({ kind: 'public_welfare', employerId: body_.id, povertyOnly: false }),
    });
    expect(notPoverty.status).toBe(422);
    expect(notPoverty.body.error.issues[0].path).toBe('povertyOnly');
    const workshop = await env.request('POST', '/v1/openings', { token: staffMengzi, body: openingBody({ employerId: body_.id }) });
    expect(workshop.status).toBe(403);
    const outside = await env.request('POST', '/v1/openings', {
      token: staffMengzi,
      body: openingBody({ kind: 'public_welfare', employerId: body_.id, areaCode: '532501' }),
    });
    expect(outside.status).toBe(403);
    const missing = await env.request('POST', '/v1/openings', { token: staffMengzi, body: openingBody({ kind: 'public_welfare' }) });
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues[0].path).toBe('employerId');
  });

  it('an opening without a point takes its employer\'s point', async () => {
    const emp = await makeEmployer(env, { point: { lat: 23.5, lon: 103.5 } });
    const { point: _drop, ...noPoint } = openingBody();
    const res = await env.request('POST', '/v1/openings', { token: emp.token, body: noPoint });
    expect(res.body.point).toEqual({ lat: 23.5, lon: 103.5 });
  });

  it('refuses unknown fields, bad skills, bad dates and zero slots with the field named', async () => {
    const emp = await makeEmployer(env);
    const cases: [Record<string, unknown>, string, number][] = [
      [{ salary: 1 }, '(root)', 400],
      [{ skills: ['juggling'] }, 'skills.0', 400],
      [{ slots: 0 }, 'slots', 400],
      [{ startDate: '2026-13-01' }, 'startDate', 400],
      [{ wage: { amount: -1, period: 'month' } }, 'wage.amount', 400],
      [{ point: { lat: 91, lon: 0 } }, 'point.lat', 400],
      [{ startDate: '2026-12-10', closingDate: '2026-12-01' }, 'closingDate', 422],
      [{ closingDate: '2026-01-01' }, 'closingDate', 422],
    ];
    for (const [over, path, status] of cases) {
      const res = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody(over) });
      expect(res.status, JSON.stringify(over)).toBe(status);
      expect(res.body.error.issues.map((i: any) => i.path), JSON.stringify(over)).toContain(path);
    }
  });

  it('the public list shows open openings only, nearest first, with distanceKm', async () => {
    const emp = await makeEmployer(env);
    const here = { lat: 22.9, lon: 103.0 }; // away from the other tests' openings
    const near = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ point: { lat: 22.91, lon: 103.0 } }) });
    const far = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ point: { lat: 22.95, lon: 103.0 } }) });
    const outOfRange = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ point: { lat: 23.2, lon: 103.0 } }) });
    const closed = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ point: { lat: 22.905, lon: 103.0 } }) });
    await env.request('POST', `/v1/openings/${closed.body.id}/close`, { token: emp.token });
    const draft = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ point: { lat: 22.902, lon: 103.0 }, status: 'draft' }) });
    expect(draft.body.status).toBe('draft');

    const res = await env.request('GET', `/v1/openings?near=${here.lat},${here.lon}&radiusKm=10`);
    expect(res.status).toBe(200);
    const ids = res.body.items.map((o: any) => o.id);
    expect(ids).toEqual([near.body.id, far.body.id]);
    expect(ids).not.toContain(outOfRange.body.id);
    expect(res.body.items[0].distanceKm).toBeCloseTo(1.11, 1);
    expect(res.body.items[1].distanceKm).toBeCloseTo(5.56, 1);
    expect(JSON.stringify(res.body)).not.toMatch(/household|poverty_alleviated|careFor/);
    // A draft and a closed opening are not public.
    expect((await env.request('GET', `/v1/openings/${draft.body.id}`)).status).toBe(404);
    expect((await env.request('GET', `/v1/openings/${closed.body.id}`)).status).toBe(404);
    expect((await env.request('GET', `/v1/openings/${closed.body.id}`, { token: emp.token })).body.status).toBe('closed');
  });

  it('pages through a near query without repeats', async () => {
    const emp = await makeEmployer(env);
    const made: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ point: { lat: 22.5 + i * 0.005, lon: 102.5 } }) });
      made.push(r.body.id);
    }
    const seen: number[] = [];
    let cursor = '';
    for (let guard = 0; guard < 10; guard++) {
      const r = await env.request('GET', `/v1/openings?near=22.5,102.5&radiusKm=5&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body.items.map((o: any) => o.id));
      if (!r.body.nextCursor) break;
      cursor = r.body.nextCursor;
    }
    expect(seen).toEqual(made);
  });

  it('filters by kind, serves, area and skills', async () => {
    const emp = await makeEmployer(env, { areaCode: '532531', kind: 'enterprise' });
    const tea = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ kind: 'enterprise', areaCode: '532531', skills: ['tea_picking'] }) });
    const sewing = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ kind: 'enterprise', areaCode: '532531', skills: ['sewing'] }) });
    const byArea = await env.request('GET', '/v1/openings?area=532531&limit=100');
    expect(byArea.body.items.map((o: any) => o.id).sort()).toEqual([tea.body.id, sewing.body.id].sort());
    const bySkill = await env.request('GET', '/v1/openings?area=532531&skills=tea_picking,cooking');
    expect(bySkill.body.items.map((o: any) => o.id)).toEqual([tea.body.id]);
    const byKind = await env.request('GET', '/v1/openings?area=532531&kind=workshop');
    expect(byKind.body.items).toEqual([]);
    const badSkill = await env.request('GET', '/v1/openings?skills=flying');
    expect(badSkill.status).toBe(400);
    const tooMany = await env.request('GET', '/v1/openings?limit=101');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.issues[0].path).toBe('limit');
    const badCursor = await env.request('GET', '/v1/openings?cursor=%%%');
    expect(badCursor.status).toBe(400);
  });

  it('the owner updates and closes an opening; others get 404', async () => {
    const emp = await makeEmployer(env);
    const other = await makeEmployer(env);
    const o = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody() });
    const patched = await env.request('PATCH', `/v1/openings/${o.body.id}`, { token: emp.token, body: { slots: 5, title: '缝纫工' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ slots: 5, title: '缝纫工' });
    expect((await env.request('PATCH', `/v1/openings/${o.body.id}`, { token: other.token, body: { slots: 1 } })).status).toBe(404);
    expect((await env.request('PATCH', `/v1/openings/${o.body.id}`, { token: emp.token, body: { kind: 'enterprise' } })).status).toBe(400);
    const closed = await env.request('POST', `/v1/openings/${o.body.id}/close`, { token: emp.token, body: { reason: 'season over' } });
    expect(closed.body.status).toBe('closed');
    const again = await env.request('POST', `/v1/openings/${o.body.id}/close`, { token: emp.token });
    expect(again.status).toBe(409);
    const edit = await env.request('PATCH', `/v1/openings/${o.body.id}`, { token: emp.token, body: { slots: 3 } });
    expect(edit.status).toBe(409);
  });

  it('a draft is published by PATCH status open', async () => {
    const emp = await makeEmployer(env);
    const o = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ status: 'draft' }) });
    const pub = await env.request('PATCH', `/v1/openings/${o.body.id}`, { token: emp.token, body: { status: 'open' } });
    expect(pub.body.status).toBe('open');
    const back = await env.request('PATCH', `/v1/openings/${o.body.id}`, { token: emp.token, body: { status: 'draft' } });
    expect(back.status).toBe(409);
  });
});

describe('errors', () => {
  it('malformed JSON is 400 invalid_json, not 500', async () => {
    const res = await env.request('POST', '/v1/employers', { token: env.adminToken, body: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('a body that is not JSON is 400 naming the body', async () => {
    const res = await env.request('POST', '/v1/employers', {
      token: env.adminToken,
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('(body)');
  });

  it('a body over 64 KB is 413', async () => {
    const res = await env.request('POST', '/v1/employers', {
      token: env.adminToken,
      body: { name: 'x'.repeat(70_000), kind: 'workshop', areaCode: '532503' },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('an unknown route is a 404 in the error shape', async () => {
    const res = await env.request('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', issues: [] });
  });
});

describe('idempotency', () => {
  it('a repeated POST with the same key and body replays the first answer', async () => {
    const key = unique('idem');
    const body = { name: unique(), kind: 'workshop', areaCode: '532503' };
    const first = await env.request('POST', '/v1/employers', { token: env.adminToken, body, headers: { 'idempotency-key': key } });
    const second = await env.request('POST', '/v1/employers', { token: env.adminToken, body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const list = await env.request('GET', '/v1/employers?limit=100&area=532503', { token: env.adminToken });
    let count = 0;
    let page = list.body;
    for (;;) {
      count += page.items.filter((e: any) => e.name === body.name).length;
      if (!page.nextCursor) break;
      page = (await env.request('GET', `/v1/employers?limit=100&area=532503&cursor=${page.nextCursor}`, { token: env.adminToken })).body;
    }
    expect(count).toBe(1);
  });

  it('the same key with a different body is 409', async () => {
    const key = unique('idem');
    await env.request('POST', '/v1/employers', { token: env.adminToken, body: { name: unique(), kind: 'workshop', areaCode: '532503' }, headers: { 'idempotency-key': key } });
    const res = await env.request('POST', '/v1/employers', { token: env.adminToken, body: { name: unique(), kind: 'workshop', areaCode: '532503' }, headers: { 'idempotency-key': key } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('idempotency_key_reused');
  });

  it('keys are per caller: another token may use the same key', async () => {
    const key = unique('idem');
    const a = await env.request('POST', '/v1/employers', { token: env.adminToken, body: { name: unique(), kind: 'workshop', areaCode: '532503' }, headers: { 'idempotency-key': key } });
    const b = await env.request('POST', '/v1/employers', { token: staffMengzi, body: { name: unique(), kind: 'workshop', areaCode: '532503' }, headers: { 'idempotency-key': key } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });
});

describe('audit', () => {
  it('every write by staff or an employer leaves an audit row, refused ones too', async () => {
    const emp = await makeEmployer(env);
    const o = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody() });
    await env.request('POST', `/v1/openings/${o.body.id}/close`, { token: emp.token });
    await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ kind: 'public_welfare' }) });
    const rows = await env.db.select().from(auditLog).where(sql`${auditLog.objectType} = 'opening' AND ${auditLog.objectId} = ${String(o.body.id)}`);
    expect(rows.map((r) => r.action).sort()).toEqual(['opening.close', 'opening.create']);
    expect(rows.every((r) => r.actorRole === 'employer' && r.outcome === 'ok' && r.actorTokenId != null)).toBe(true);
    const refused = await env.db.select().from(auditLog).where(sql`${auditLog.outcome} = 'refused:403' AND ${auditLog.action} = 'POST /v1/openings'`);
    expect(refused.length).toBeGreaterThan(0);
  });

  it('the audit log cannot be changed or deleted, even by direct SQL', async () => {
    const appendOnly = (e: any) => /append-only/.test(`${e.message} ${e.cause?.message}`);
    await expect(env.db.run(sql`UPDATE audit_log SET outcome = 'x'`)).rejects.toSatisfy(appendOnly);
    await expect(env.db.run(sql`DELETE FROM audit_log`)).rejects.toSatisfy(appendOnly);
  });

  it('the API offers no route to change the audit log', async () => {
    for (const method of ['GET', 'DELETE', 'PATCH']) {
      expect((await env.request(method, '/v1/audit', { token: env.adminToken })).status).toBe(404);
    }
  });
});
