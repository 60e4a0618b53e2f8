// The staff console's rules over plain HTTP (app.request, no browser): who may
// sign in, form tokens and origins, area scope, the household rule in
// allocation, forms that save all or nothing, exports that agree with the
// statistics code and are audited.
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applications, auditLog, consoleSessions, households, publicNotices, workers, zeroEmploymentPeriods } from '../../db/schema.js';
import { runClocks } from '../../src/scheduler.js';
import { readXlsx } from '../../src/lib/xlsx.js';
import { statsFor } from '../../src/services/stats.js';
import { zeroEmploymentWorklist } from '../../src/services/worklists.js';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';
import { HOME, seedPrefecture, type Seeded, V1 } from './seed.js';

const ORIGIN = 'http://console.test';
let env: TestEnv;
let seeded: Seeded;

async function signIn(token: string): Promise<{ cookie: string; csrf: string }> {
  const res = await env.app.request(`${ORIGIN}/console/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: new URLSearchParams({ token }),
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await env.app.request(`${ORIGIN}/console/workers/new`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([0-9a-f]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

function post(path: string, s: { cookie: string }, fields: Record<string, string | string[]>, origin: string | null = ORIGIN) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie };
  if (origin) headers.origin = origin;
  return env.app.request(`${ORIGIN}${path}`, { method: 'POST', headers, body });
}

const get = (path: string, s?: { cookie: string }) => env.app.request(`${ORIGIN}${path}`, { headers: s ? { cookie: s.cookie } : {} });
const system = () => ({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'test' } as const });

beforeAll(async () => {
  env = await makeTestEnv();
  seeded = await seedPrefecture(env);
});
afterAll(() => env.close());

describe('console sign-in and sessions', () => {
  it('a wrong token and an employer token are refused at sign-in; pages without a session go to sign-in', async () => {
    const wrong = await env.app.request(`${ORIGIN}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ token: 'jj_not-a-token' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('令牌无效');
    const employer = await makeEmployer(env);
    const refused = await env.app.request(`${ORIGIN}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ token: employer.token }),
    });
    expect(refused.status).toBe(403);
    const page = await get('/console/overview?area=532503');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console?next=%2Fconsole%2Foverview%3Farea%3D532503');
    const exp = await get('/console/exports/overview.xlsx');
    expect(exp.status).toBe(303);
  });

  it('a sign-in form posted from another origin is refused', async () => {
    const res = await env.app.request(`${ORIGIN}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.test' },
      body: new URLSearchParams({ token: seeded.staffCounty }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('a signed-in post without the form token, or from another origin, changes nothing and is audited as refused', async () => {
    const s = await signIn(seeded.staffCounty);
    const before = (await env.db.select({ n: count() }).from(households))[0]!.n;
    const form = { areaCode: V1, name: '无令牌', povertyAlleviated: '1', ableToWork: '1' };
    expect((await post('/console/workers', s, form)).status).toBe(403);
    expect((await post('/console/workers', s, { ...form, _csrf: 'f'.repeat(64) })).status).toBe(403);
    expect((await post('/console/workers', s, { ...form, _csrf: s.csrf }, 'http://evil.test')).status).toBe(403);
    expect((await post('/console/workers', s, { ...form, _csrf: s.csrf }, 'null')).status).toBe(403);
    expect((await env.db.select({ n: count() }).from(households))[0]!.n).toBe(before);
    const refused = await env.db.select().from(auditLog).where(and(eq(auditLog.action, 'POST /console/workers'), eq(auditLog.outcome, 'refused:403')));
    expect(refused.length).toBe(4);
    // The same form with the token from our own page is saved.
    const ok = await post('/console/workers', s, { ...form, _csrf: s.csrf });
    expect(ok.status).toBe(303);
    expect((await env.db.select({ n: count() }).from(households))[0]!.n).toBe(before + 1);
  });
});

describe('console scope', () => {
  it('county staff see their county only; an admin may pick any area', async () => {
    const s = await signIn(seeded.staffCounty);
    const own = await get('/console/overview', s);
    expect(own.status).toBe(200);
    const ownHtml = await own.text();
    expect(ownHtml).toContain('蒙自市 就业概况');
    // The one line that says why the parts of people in work can exceed the total.
    expect(ownHtml).toMatch(/id="parts-note"[^>]*>一人同时有两份工作时/);
    const other = await get('/console/overview?area=532501', s);
    expect(other.status).toBe(403);
    const otherPost = await get(`/console/openings/${seeded.ids.pw2}`, s);
    expect(otherPost.status).toBe(404);
    const admin = await signIn(env.adminToken);
    const gejiu = await get('/console/overview?area=532501', admin);
    expect(gejiu.status).toBe(200);
    const html = await gejiu.text();
    expect(html).toContain('个旧市 就业概况');
    const stats = await statsFor(system(), { area: '532501' });
    expect(html).toContain(`data-figure="inWork.total">${stats.inWork.total}<`);
  });
});

describe('console allocation', () => {
  it('a household already proposed for one post cannot be proposed for another while the notice runs', async () => {
    const s = await signIn(seeded.staffCounty);
    const bureau = await makeEmployer(env, { kind: 'public_body', areaCode: '532503' });
    const postA = await makeOpening(env, bureau.id, { kind: 'public_welfare', areaCode: V1, point: HOME, slots: 1, hours: 'part_day' });
    const postB = await makeOpening(env, bureau.id, { kind: 'public_welfare', areaCode: V1, point: HOME, slots: 1, hours: 'part_day' });
    const h = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    const a = await makeWorker(env, h.id, { name: '钱一', home: HOME });
    const b = await makeWorker(env, h.id, { name: '钱二', home: HOME });
    const first = await post(`/console/openings/${postA.id}/propose`, s, { _csrf: s.csrf, workerIds: String(a.id) });
    expect(first.status).toBe(303);
    const second = await post(`/console/openings/${postB.id}/propose`, s, { _csrf: s.csrf, workerIds: String(b.id) });
    expect(second.status).toBe(422);
    expect(await second.text()).toContain('该户已有人在公示中');
    expect(await env.db.select().from(publicNotices).where(eq(publicNotices.openingId, postB.id))).toHaveLength(0);
    // A post full of proposals takes no more.
    const c = await makeWorker(env, (await makeHousehold(env, { areaCode: V1, povertyAlleviated: true })).id, { home: HOME });
    const full = await post(`/console/openings/${postA.id}/propose`, s, { _csrf: s.csrf, workerIds: String(c.id) });
    expect(full.status).toBe(422);
    // The notice cannot be finalised before its 7 days are over.
    const noticeId = first.headers.get('location')!.split('/').pop()!;
    const early = await post(`/console/notices/${noticeId}/finalise`, s, { _csrf: s.csrf });
    expect(early.status).toBe(422);
    // The public page is public and names no one in full.
    const pub = await get(`/console/public/notices/${noticeId}`);
    expect(pub.status).toBe(200);
    const html = await pub.text();
    expect(html).toContain('钱*');
    expect(html).not.toContain('钱一');
    expect((await get('/console/public/notices/pn_xxxxxxxxxxxxxxxxxxxxxxxx')).status).toBe(404);
  });
});

describe('console forms', () => {
  it('registering a person and a new household saves both, with the zero-employment period, or neither', async () => {
    const s = await signIn(seeded.staffCounty);
    const count0 = (await env.db.select({ n: count() }).from(households))[0]!.n;
    const bad = await post('/console/workers', s, { _csrf: s.csrf, areaCode: V1, name: '冯青', cannotLeaveHome: '1', ableToWork: '1' });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('id="err-careFor"');
    expect(html).toContain('value="冯青"');
    expect((await env.db.select({ n: count() }).from(households))[0]!.n).toBe(count0);

    const before = await statsFor(system(), { area: '532503' });
    const ok = await post('/console/workers', s, { _csrf: s.csrf, areaCode: V1, name: '冯青', cannotLeaveHome: '1', careFor: 'elders', ableToWork: '1', povertyAlleviated: '1', skills: ['cleaning'] });
    expect(ok.status).toBe(303);
    const [w] = await env.db.select().from(workers).where(eq(workers.name, '冯青'));
    expect(w).toMatchObject({ areaCode: V1, cannotLeaveHome: true, careFor: ['elders'], skills: ['cleaning'] });
    const periods = await env.db.select().from(zeroEmploymentPeriods).where(eq(zeroEmploymentPeriods.householdId, w!.householdId));
    expect(periods).toHaveLength(1);
    const after = await statsFor(system(), { area: '532503' });
    expect(after.zeroEmployment.remaining).toBe(before.zeroEmployment.remaining + 1);
    const audits = await env.db.select().from(auditLog).where(eq(auditLog.objectId, String(w!.householdId)));
    expect(audits.map((a) => a.action)).toContain('household.create');
    expect((await env.db.select().from(auditLog).where(and(eq(auditLog.action, 'worker.create'), eq(auditLog.objectId, String(w!.id))))).length).toBe(1);
  });

  it('a public-welfare post with bad input is shown again with the messages; a good one opens its allocation page', async () => {
    const s = await signIn(seeded.staffCounty);
    const bureau = await makeEmployer(env, { kind: 'public_body', areaCode: '532503' });
    const bad = await post('/console/openings', s, { _csrf: s.csrf, title: '河道保洁员', employerId: String(bureau.id), areaCode: '5325-03', slots: 'two', wageAmount: '800' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('id="err-areaCode"');
    expect(html).toContain('id="err-slots"');
    expect(html).toContain('value="河道保洁员"');
    const ok = await post('/console/openings', s, { _csrf: s.csrf, title: '河道保洁员', employerId: String(bureau.id), areaCode: V1, slots: '2', wageAmount: '800', wagePeriod: 'month', hours: 'part_day', serves: 'none' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/console\/openings\/\d+$/);
    const audit = await env.db.select().from(auditLog).where(eq(auditLog.action, 'opening.create'));
    expect(audit.at(-1)!.actorRole).toBe('staff');
  });
});

describe('console worklists and exports', () => {
  it('the stalled list shows offers unanswered for 7 days', async () => {
    const s = await signIn(seeded.staffPrefecture);
    const html = await (await get('/console/worklists/stalled', s)).text();
    expect(html).toContain(`data-application="${seeded.ids.stalledApplication}"`);
  });

  it('the worklist export has one row per household of zeroEmploymentWorklist, as many as the stats count, overdue marked', async () => {
    const s = await signIn(seeded.staffPrefecture);
    const res = await get('/console/exports/worklist.xlsx?asOf=2026-11-20', s);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const [sheet] = readXlsx(new Uint8Array(await res.arrayBuffer()));
    const list = await zeroEmploymentWorklist({ ...system(), actor: { role: 'staff', tokenId: 0, areaPrefix: '5325' } }, { asOf: '2026-11-20', limit: 100 });
    const stats = await statsFor(system(), { area: '5325', asOf: '2026-11-20' });
    expect(sheet!.rows[0]!.slice(0, 2)).toEqual(['就近户号', '户编号']);
    expect(sheet!.rows.slice(1).map((r) => r[0])).toEqual(list.items.map((i) => i.householdId));
    // The date on the list reads back as a date, and the area code stays text.
    expect(sheet!.rows.slice(1).map((r) => r[4])).toEqual(list.items.map((i) => i.since));
    expect(sheet!.rows.slice(1).map((r) => r[2])).toEqual(list.items.map((i) => i.areaCode));
    // The worklist is every household with nobody in work; the clearance figures are its poverty-alleviated and monitored ones.
    expect(sheet!.rows.length - 1).toBe(stats.zeroEmployment.allHouseholds);
    expect(list.items.filter((i) => i.povertyAlleviated || i.monitored).length).toBe(stats.zeroEmployment.remaining);
    expect(list.items.filter((i) => i.overdue && (i.povertyAlleviated || i.monitored)).length).toBe(stats.zeroEmployment.overdue);
    const csv = await (await get('/console/exports/worklist.csv?asOf=2026-11-20', s)).text();
    expect(csv.trim().split('\r\n')).toHaveLength(stats.zeroEmployment.allHouseholds + 1);
    const bad = await get('/console/exports/placements.xlsx?month=2026-13', s);
    expect(bad.status).toBe(400);
  });
});

describe('console sessions end', () => {
  it('expired and signed-out sessions are refused, and the scheduled job deletes their rows', async () => {
    const e = await makeTestEnv();
    const prior = env;
    env = e;
    try {
      e.clock.set('2026-11-20T02:00:00Z');
      const out = await signIn(e.adminToken);
      const stays = await signIn(e.adminToken);
      expect((await post('/console/logout', out, { _csrf: out.csrf })).status).toBe(303);
      expect((await get('/console/overview', out)).status).toBe(303);
      expect((await get('/console/overview', stays)).status).toBe(200);
      const rows = async () => (await e.db.select({ n: count() }).from(consoleSessions))[0]!.n;
      expect(await rows()).toBe(2);
      expect((await runClocks(e.deps)).consoleSessionsForgotten).toBe(1);
      expect(await rows()).toBe(1);
      // Twelve hours later the other one has expired too.
      e.clock.set('2026-11-20T14:00:01Z');
      expect((await get('/console/overview', stays)).status).toBe(303);
      expect((await runClocks(e.deps)).consoleSessionsForgotten).toBe(1);
      expect(await rows()).toBe(0);
    } finally {
      env = prior;
      e.close();
    }
  });
});

describe("console pages of a person and a household", () => {
  it("a county's staff open their own people's pages only; another county's person, household and placement answer 404 and change nothing", async () => {
    const s = await signIn(seeded.staffCounty);
    const h = await makeHousehold(env, { areaCode: '532501001001', povertyAlleviated: true });
    const w = await makeWorker(env, h.id, { name: '他县人' });
    expect((await get(`/console/workers/${w.id}`, s)).status).toBe(404);
    expect((await get(`/console/households/${h.id}`, s)).status).toBe(404);
    expect((await post(`/console/workers/${w.id}`, s, { _csrf: s.csrf, name: '改名' })).status).toBe(404);
    expect((await post(`/console/workers/${w.id}/erase`, s, { _csrf: s.csrf, confirm: '1' })).status).toBe(404);
    expect((await post(`/console/households/${h.id}`, s, { _csrf: s.csrf, areaCode: V1 })).status).toBe(404);
    const [still] = await env.db.select().from(workers).where(eq(workers.id, w.id));
    expect(still).toMatchObject({ name: '他县人', erasedAt: null });
    const own = await get(`/console/workers/${seeded.ids.twoMembers[0]}`, s);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('周大山');
  });

  it('erasing asks for a confirmation first; confirmed, the person is erased and it is audited', async () => {
    const s = await signIn(seeded.staffCounty);
    const h = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    const w = await makeWorker(env, h.id, { name: '待删除', phone: '13800001111' });
    const unconfirmed = await post(`/console/workers/${w.id}/erase`, s, { _csrf: s.csrf });
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain('id="err-confirm"');
    expect((await env.db.select().from(workers).where(eq(workers.id, w.id)))[0]!.erasedAt).toBeNull();
    const done = await post(`/console/workers/${w.id}/erase`, s, { _csrf: s.csrf, confirm: '1' });
    expect(done.status).toBe(303);
    const [erased] = await env.db.select().from(workers).where(eq(workers.id, w.id));
    expect(erased).toMatchObject({ name: null, phone: null });
    expect(erased!.erasedAt).not.toBeNull();
    expect((await env.db.select().from(auditLog).where(and(eq(auditLog.action, 'worker.erase'), eq(auditLog.objectId, String(w.id))))).length).toBe(1);
  });

  it('a withdrawal from a notice needs a reason, which the declined offer keeps', async () => {
    const s = await signIn(seeded.staffCounty);
    const bureau = await makeEmployer(env, { kind: 'public_body', areaCode: '532503' });
    const postX = await makeOpening(env, bureau.id, { kind: 'public_welfare', areaCode: V1, point: HOME, slots: 1, hours: 'part_day' });
    const h = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    const w = await makeWorker(env, h.id, { name: '孔异议', home: HOME });
    const proposed = await post(`/console/openings/${postX.id}/propose`, s, { _csrf: s.csrf, workerIds: String(w.id) });
    expect(proposed.status).toBe(303);
    const noticeId = proposed.headers.get('location')!.split('/').pop()!;
    const noReason = await post(`/console/notices/${noticeId}/withdraw`, s, { _csrf: s.csrf, workerId: String(w.id) });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('id="err-reason"');
    const ok = await post(`/console/notices/${noticeId}/withdraw`, s, { _csrf: s.csrf, workerId: String(w.id), reason: 'not_eligible' });
    expect(ok.status).toBe(303);
    const [offer] = await env.db.select().from(applications).where(and(eq(applications.workerId, w.id), eq(applications.openingId, postX.id)));
    expect(offer).toMatchObject({ state: 'declined', reason: 'not_eligible' });
  });

  it('registries page by cursor and show the total; the pages together hold every match once', async () => {
    const s = await signIn(seeded.staffPrefecture);
    // More than a page's worth (50).
    const many = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    for (let i = 0; i < 45; i++) await makeWorker(env, many.id, { name: `翻页${i}` });
    const ids: string[] = [];
    let pages = 0;
    let path: string | null = '/console/workers?q=';
    let total = -1;
    while (path) {
      const html: string = await (await get(path, s)).text();
      pages++;
      total = Number(/data-total="(\d+)"/.exec(html)![1]);
      ids.push(...[...html.matchAll(/data-worker="(\d+)"/g)].map((m) => m[1]!));
      const next: string | undefined = /href="([^"]+)" id="next-page"/.exec(html)?.[1];
      path = next ? next.replace(/&amp;/g, '&') : null;
    }
    const all = (await env.db.select().from(workers)).filter((w) => w.erasedAt === null && w.areaCode.startsWith('5325'));
    expect(pages).toBeGreaterThan(1);
    expect(total).toBe(all.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(all.length);
  });
});

describe('console month closing', () => {
  it('county staff close a month, see filed beside now, must give a reason to close again; the prefecture sees who has closed', async () => {
    const s = await signIn(seeded.staffCounty);
    const page = await get('/console/closings?month=2026-10', s);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="closing-status" data-closed="false"');
    expect(html).toContain('id="close-month"');

    // November is still running (the seed's clock is in November): refused with the rule, no filing.
    const early = await post('/console/closings', s, { _csrf: s.csrf, area: '532503', month: '2026-11' });
    expect(early.status).toBe(422);

    const ok = await post('/console/closings', s, { _csrf: s.csrf, area: '532503', month: '2026-10' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/console/closings?area=532503&month=2026-10');
    const after = await (await get('/console/closings?area=532503&month=2026-10', s)).text();
    expect(after).toContain('id="closing-status" data-closed="true"');
    expect(after).toContain('id="revisions-count" data-n="0"');
    const stats = await statsFor(system(), { area: '532503', asOf: '2026-10-31' });
    expect(after).toMatch(new RegExp(`data-figure="inWork.total"[^]*?<td[^>]*class="num">${stats.inWork.total}</td>`));

    const bare = await post('/console/closings', s, { _csrf: s.csrf, area: '532503', month: '2026-10' });
    expect(bare.status).toBe(409);
    expect(await bare.text()).toContain('id="err-reason"');
    const again = await post('/console/closings', s, { _csrf: s.csrf, area: '532503', month: '2026-10', reason: '核对后重报' });
    expect(again.status).toBe(303);
    const audits = await env.db.select().from(auditLog).where(eq(auditLog.objectType, 'closing'));
    expect(audits.map((a) => [a.action, a.actorRole])).toEqual([
      ['closing.close', 'staff'],
      ['closing.reclose', 'staff'],
    ]);

    // Work found in October, recorded now: the page lists the placement that moved the figures, when and by whom.
    const hh = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    const late = await makeWorker(env, hh.id, { home: HOME, registeredOn: '2026-09-01' });
    const placed = await env.request('POST', '/v1/placements', { token: seeded.staffCounty, body: { workerId: late.id, type: 'migrant', areaCode: '44', startDate: '2026-10-20' } });
    expect(placed.status).toBe(201);
    const moved = await (await get('/console/closings?area=532503&month=2026-10', s)).text();
    expect(moved).toContain('id="moved-records"');
    expect(moved).toMatch(new RegExp(`<tr data-kind="placement" data-id="${placed.body.id}" data-change="placement.recorded">[^]*?2026-10-20[^]*?staff`));
    expect(moved).toMatch(new RegExp(`<tr data-kind="worker" data-id="${late.id}" data-change="worker.registered">[^]*?href="/console/workers/${late.id}"`));

    const p = await signIn(seeded.staffPrefecture);
    const list = await (await get('/console/closings?month=2026-10', p)).text();
    expect(list).toContain('data-county="532503" data-closed="true"');
    expect(list).toContain('data-county="532501" data-closed="false"');
    // The prefecture's staff may look but not close a county's month.
    expect((await post('/console/closings', p, { _csrf: p.csrf, area: '532503', month: '2026-10', reason: 'x' })).status).toBe(403);
  });
});

describe('console: a public-welfare post\'s agreements', () => {
  it('the household page records a cadre household with its date; the renewal list renews and releases, each with its check', async () => {
    env.clock.set('2026-12-01T02:00:00Z');
    const h = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    const holder = await makeWorker(env, h.id, { home: HOME, birthDate: '1980-02-02' });
    const placed = await env.request('POST', '/v1/placements', {
      token: env.adminToken,
      body: { workerId: holder.id, type: 'public_welfare', areaCode: V1, startDate: '2026-12-01' },
    });
    expect(placed.status).toBe(201);
    const h2 = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
    const other = await makeWorker(env, h2.id, { home: HOME, birthDate: '1981-03-03' });
    expect((await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: other.id, type: 'public_welfare', areaCode: V1, startDate: '2026-12-01' } })).status).toBe(201);

    // 30 days before the end (2027-12-01): both on the renewal list.
    env.clock.set('2027-11-01T02:00:00Z');
    const s = await signIn(seeded.staffCounty);
    const list = await (await get('/console/agreements?due=renewal', s)).text();
    const ids = [...list.matchAll(/data-agreement="(\d+)"/g)].map((m) => Number(m[1]));
    const running = (await env.request('GET', '/v1/agreements?area=532503&limit=100', { token: env.adminToken })).body.items;
    const mine = running.find((a: any) => a.workerId === holder.id);
    const theirs = running.find((a: any) => a.workerId === other.id);
    expect(ids).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect(list).toContain('续签一年');

    // The other household is now recorded as a cadre's, from 20 October.
    const flagged = await post(`/console/households/${h2.id}`, s, { _csrf: s.csrf, areaCode: V1, povertyAlleviated: '1', cadreHousehold: '1', cadreSince: '2027-10-20' });
    expect(flagged.status).toBe(303);
    expect((await env.request('GET', `/v1/households/${h2.id}`, { token: env.adminToken })).body).toMatchObject({ cadreHousehold: true, cadreSince: '2027-10-20' });
    expect(await (await get(`/console/households/${h2.id}`, s)).text()).toContain('村干部户');

    const renewed = await post(`/console/agreements/${mine.id}/renew`, s, { _csrf: s.csrf, back: '/console/agreements?due=renewal' });
    expect(renewed.status).toBe(303);
    expect(await (await get(renewed.headers.get('location')!, s)).text()).toContain('已续签，新协议到 2028-12-01 结束');
    const refused = await post(`/console/agreements/${theirs.id}/renew`, s, { _csrf: s.csrf, back: '/console/agreements?due=renewal' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('村干部户成员');

    const released = await post(`/console/agreements/${theirs.id}/exit`, s, { _csrf: s.csrf, reason: 'no_longer_eligible', lastDayWorked: '2027-10-31' });
    expect(released.status).toBe(303);
    const p = await env.request('GET', `/v1/placements/${(await env.request('GET', `/v1/agreements/${theirs.id}`, { token: env.adminToken })).body.placementId}`, { token: env.adminToken });
    expect(p.body.endDate).toBe('2027-11-01');
    const audit = await env.db.select().from(auditLog).where(and(eq(auditLog.objectType, 'agreement'), eq(auditLog.objectId, String(theirs.id))));
    expect(audit.map((a) => a.action)).toEqual(['agreement.create', 'agreement.exit']);
    const after = await (await get('/console/agreements?due=renewal', s)).text();
    expect(after).not.toContain(`data-agreement="${theirs.id}"`);
    expect(after).not.toContain(`data-agreement="${mine.id}"`);
  });
});
