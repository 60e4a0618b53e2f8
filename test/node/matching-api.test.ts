// Matching through HTTP on a real libSQL database: a worker's ranked
// openings and an opening's ranked candidates, with the eligibility, reach,
// priority and household rules. Each test builds its own small world in a
// fresh database, so counts and orders are exact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { gridCell } from '../../src/domain/grid.js';
import { runClocks } from '../../src/scheduler.js';
import { CHANGES_KEPT, openingCatalogue, openingJsonText } from '../../src/services/opening-catalogue.js';
import {
  makeEmployer,
  makeHousehold,
  makeOpening,
  makeTestEnv,
  makeWorker,
  northOf,
  type TestEnv,
} from '../helpers.js';
import { hireThroughApi } from '../helpers.js';

const HOME = { lat: 23.4, lon: 103.38 };
const VILLAGE = '532503001001';
const OTHER_VILLAGE = '532503001002';
const OTHER_TOWNSHIP_VILLAGE = '532503002001';

let env: TestEnv;
afterEach(() => env?.close());

async function world() {
  env = await makeTestEnv();
  const employer = await makeEmployer(env);
  return { employer };
}

/** Runs `use` with the URL of a database file in a fresh folder, removed after: for two processes on one database. */
async function onSharedFile(use: (url: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'jiujin-catalogue-'));
  try {
    await use(`file:${join(dir, 'shared.db')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const matchesOf = async (workerId: number, token = env.adminToken, query = '') => {
  const res = await env.request('GET', `/v1/workers/${workerId}/matches${query}`, { token });
  expect(res.status).toBe(200);
  return res.body.items as any[];
};
const candidatesOf = async (openingId: number, token = env.adminToken, query = '') => {
  const res = await env.request('GET', `/v1/openings/${openingId}/candidates${query}`, { token });
  expect(res.status).toBe(200);
  return res.body.items as any[];
};
const ids = (items: any[], key: 'opening' | 'worker') => items.map((i) => i[key].id);

const hire = (workerId: number, openingId: number) => hireThroughApi(env, workerId, openingId);

describe('opening texts kept for answers', () => {
  it('are JSON.stringify\'s bytes, for more openings than are kept and again after one was let go', () => {
    const many = Array.from({ length: 2_500 }, (_, i) => Object.freeze({ id: i, title: `岗位 ${i}`, skills: Object.freeze(['sewing']), wage: i / 7 }));
    for (const o of many) expect(openingJsonText(o)).toBe(JSON.stringify(o));
    // The first ones were let go to keep the rest: made again, the same.
    for (const o of many.slice(0, 10)) expect(openingJsonText(o)).toBe(JSON.stringify(o));
    expect(openingJsonText(many[2_499]!)).toBe(JSON.stringify(many[2_499]));
  });
});

describe('the catalogue and the log ends a lookup read', () => {
  it('ends read before another call applied a newer change leave the catalogue as it is (no whole re-read)', async () => {
    const { employer } = await world();
    const point = northOf(HOME, 1);
    await makeOpening(env, employer.id, { point });
    const catalogue = await openingCatalogue(env.db);
    // A lookup reads the log's ends with its worker…
    const ends = await env.db.get<{ hi: number | null; lo: number | null }>(sql`SELECT max(seq) AS hi, min(seq) AS lo FROM opening_changes`);
    // …another request applies a newer change meanwhile…
    const later = await makeOpening(env, employer.id, { point });
    await openingCatalogue(env.db);
    const shelf = catalogue.inCell(gridCell(point));
    expect(shelf?.items.map((o) => o.id)).toContain(later.id);
    // …and the first lookup's older ends do not make it read everything again (a new shelf) or go back.
    await openingCatalogue(env.db, ends);
    expect(catalogue.inCell(gridCell(point))).toBe(shelf);
    expect(shelf!.items.map((o) => o.id)).toContain(later.id);
  });
});

describe('worker → matches', () => {
  it('lists open openings within reach, nearest first, with distance, score and reasons', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env, { povertyAlleviated: false });
    const w = await makeWorker(env, h.id, { home: HOME, skills: ['sewing'] });
    const near = await makeOpening(env, employer.id, { point: northOf(HOME, 1) });
    const far = await makeOpening(env, employer.id, { point: northOf(HOME, 4) });
    await makeOpening(env, employer.id, { point: northOf(HOME, 6) }); // beyond 5 km
    const draft = await makeOpening(env, employer.id, { point: northOf(HOME, 1), status: 'draft' });

    const items = await matchesOf(w.id);
    expect(ids(items, 'opening')).toEqual([near.id, far.id]);
    expect(ids(items, 'opening')).not.toContain(draft.id);
    expect(items[0].distanceKm).toBeCloseTo(1, 1);
    expect(items[0].score).toBeGreaterThan(items[1].score);
    expect(items[0].reasons).toContainEqual({ code: 'distance', km: items[0].distanceKm });
    expect(items[0].reasons).toContainEqual({ code: 'priority_tier', tier: 'zero_employment' });
    expect(items[0].reasons).toContainEqual({ code: 'hours_fit', hours: 'full_day' });
    expect(items[0].opening.employerName).toBe(employer.body.name);
    // The answer is written with each opening's JSON spliced in as text
    // (matchesJson): the very bytes JSON.stringify gives, opening and all.
    const res = await env.app.request(`/v1/workers/${w.id}/matches`, { headers: { authorization: `Bearer ${env.adminToken}` } });
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(text).toBe(JSON.stringify({ items }));
    const openingRes = await env.request('GET', `/v1/openings/${near.id}`, { token: env.adminToken });
    expect(items[0].opening).toEqual(openingRes.body);
  });

  it('a longer reach brings farther openings in', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env);
    const w = await makeWorker(env, h.id, { home: HOME, maxDistanceKm: 10 });
    const o = await makeOpening(env, employer.id, { point: northOf(HOME, 8) });
    expect(ids(await matchesOf(w.id), 'opening')).toEqual([o.id]);
    await env.request('PATCH', `/v1/workers/${w.id}`, { token: env.adminToken, body: { maxDistanceKm: 5 } });
    expect(await matchesOf(w.id)).toEqual([]);
  });

  it('poverty-only openings and public-welfare posts are shown only to poverty-alleviated or monitored households', async () => {
    const { employer } = await world();
    const plain = await makeWorker(env, (await makeHousehold(env, { povertyAlleviated: false, monitored: false })).id);
    const monitored = await makeWorker(env, (await makeHousehold(env, { povertyAlleviated: false, monitored: true })).id);
    const shop = await makeOpening(env, employer.id, { point: northOf(HOME, 1) });
    const povertyOnly = await makeOpening(env, employer.id, { point: northOf(HOME, 1.5), povertyOnly: true });
    const post = await makeOpening(env, employer.id, { point: northOf(HOME, 2), kind: 'public_welfare' });

    expect(ids(await matchesOf(plain.id), 'opening')).toEqual([shop.id]);
    expect(new Set(ids(await matchesOf(monitored.id), 'opening'))).toEqual(new Set([shop.id, povertyOnly.id, post.id]));
  });

  it('no second public-welfare post for the person or anyone of the household', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env);
    const a = await makeWorker(env, h.id);
    const b = await makeWorker(env, h.id);
    const post1 = await makeOpening(env, employer.id, { point: northOf(HOME, 1), kind: 'public_welfare' });
    const post2 = await makeOpening(env, employer.id, { point: northOf(HOME, 2), kind: 'public_welfare' });
    const shop = await makeOpening(env, employer.id, { point: northOf(HOME, 3) });
    expect(ids(await matchesOf(b.id), 'opening')).toEqual([post1.id, post2.id, shop.id]);

    await hire(a.id, post1.id);
    expect(ids(await matchesOf(a.id), 'opening')).toEqual([shop.id]);
    expect(ids(await matchesOf(b.id), 'opening')).toEqual([shop.id]);
  });

  it('a far-reaching worker gets the best of the whole reach: a skilled post 40 km away outranks unskilled ones next door', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env, { povertyAlleviated: false });
    const w = await makeWorker(env, h.id, { home: HOME, maxDistanceKm: 50, skills: ['sewing'] });
    // 24 openings 2 to 8 km away wanting a skill the worker lacks (25 to 39 points),
    // and three 20 to 40 km away wanting the worker's skill (44 to 48 points).
    const nearby = [];
    for (let i = 0; i < 24; i++) nearby.push(await makeOpening(env, employer.id, { point: northOf(HOME, 2 + 0.25 * i), skills: ['driving'] }));
    const skilled = [];
    for (const km of [20, 30, 40]) skilled.push(await makeOpening(env, employer.id, { point: northOf(HOME, km), skills: ['sewing'] }));
    const items = await matchesOf(w.id, env.adminToken, '?limit=20');
    expect(ids(items, 'opening')).toEqual([...skilled.map((o) => o.id), ...nearby.slice(0, 17).map((o) => o.id)]);
    const scores = items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    // When the near ones fit best, the far ones stay below them.
    const w2 = await makeWorker(env, h.id, { home: HOME, maxDistanceKm: 50, skills: ['driving'] });
    const items2 = await matchesOf(w2.id, env.adminToken, '?limit=20');
    expect(ids(items2, 'opening')).toEqual(nearby.slice(0, 20).map((o) => o.id));
    const all = await matchesOf(w2.id, env.adminToken, '?limit=50');
    expect(ids(all, 'opening')).toEqual([...nearby.map((o) => o.id), ...skilled.map((o) => o.id)]);
  });

  it('a far-reaching worker\'s first 20 are the first 20 of everything in reach, whatever the mix near and far', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env, { povertyAlleviated: false });
    const w = await makeWorker(env, h.id, { home: HOME, maxDistanceKm: 50, skills: ['sewing', 'cooking'] });
    // Near: 24 openings needing no skill (41 to 54 points). Far: posts wanting the
    // worker's skills (44 to 48), posts needing no skill (33 to 35) and posts
    // wanting other skills (under 20): only the first kind can reach the list.
    const made = [];
    for (let i = 0; i < 24; i++) made.push(await makeOpening(env, employer.id, { point: northOf(HOME, 2 + 0.25 * i) }));
    for (const km of [20, 30, 40]) made.push(await makeOpening(env, employer.id, { point: northOf(HOME, km), skills: ['sewing'] }));
    made.push(await makeOpening(env, employer.id, { point: northOf(HOME, 35), skills: ['cooking', 'driving'] }));
    for (const km of [15, 18]) made.push(await makeOpening(env, employer.id, { point: northOf(HOME, km) }));
    for (const km of [12, 45]) made.push(await makeOpening(env, employer.id, { point: northOf(HOME, km), skills: ['driving'] }));
    const everything = await matchesOf(w.id, env.adminToken, '?limit=50');
    expect(everything).toHaveLength(made.length);
    const top = await matchesOf(w.id, env.adminToken, '?limit=20');
    expect(ids(top, 'opening')).toEqual(ids(everything, 'opening').slice(0, 20));
    // The far skilled posts are among them.
    for (const o of made.slice(24, 27)) expect(ids(top, 'opening')).toContain(o.id);

    // Openings change: one far post now wants the worker's skill, one moves, one closes.
    const patch = async (id: number, body: Record<string, unknown>) =>
      expect((await env.request('PATCH', `/v1/openings/${id}`, { token: env.adminToken, body })).status).toBe(200);
    await patch(made[31]!.id, { skills: ['cooking'] });
    await patch(made[24]!.id, { point: northOf(HOME, 60) });
    expect((await env.request('POST', `/v1/openings/${made[25]!.id}/close`, { token: env.adminToken, body: {} })).status).toBe(200);
    const everything2 = await matchesOf(w.id, env.adminToken, '?limit=50');
    const top2 = await matchesOf(w.id, env.adminToken, '?limit=20');
    expect(ids(top2, 'opening')).toEqual(ids(everything2, 'opening').slice(0, 20));
    expect(ids(top2, 'opening')).toContain(made[31]!.id);
    expect(ids(everything2, 'opening')).not.toContain(made[24]!.id);
    expect(ids(everything2, 'opening')).not.toContain(made[25]!.id);
  });

  it('a skilled post just short of where nothing further could make the list is found among many near ones', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env, { povertyAlleviated: false });
    const w = await makeWorker(env, h.id, { home: HOME, maxDistanceKm: 50, skills: ['sewing'] });
    // 24 openings needing no skill 0.5 to 1.65 km north (the 20th scores 56.2), and one
    // wanting the worker's skill 7 km north (56.7): just short of where a post wanting
    // the skill could no longer beat the 20th (7.35 km), three grid rows from home.
    const near = [];
    for (let i = 0; i < 24; i++) near.push(await makeOpening(env, employer.id, { point: northOf(HOME, 0.5 + 0.05 * i) }));
    const skilled = await makeOpening(env, employer.id, { point: northOf(HOME, 7), skills: ['sewing'] });
    const top = await matchesOf(w.id, env.adminToken, '?limit=20');
    expect(ids(top, 'opening')).toContain(skilled.id);
    expect(ids(top, 'opening')).toEqual(ids(await matchesOf(w.id, env.adminToken, '?limit=50'), 'opening').slice(0, 20));
  });

  it('two processes on one database: each one\'s matches follow the openings the other changes, also after the change log is pruned', async () => {
    await onSharedFile(async (url) => {
      const a = await makeTestEnv(url);
      const b = await makeTestEnv(url);
      env = a;
      try {
        const employer = await makeEmployer(b);
        const w = await makeWorker(a, (await makeHousehold(a)).id, { home: HOME, maxDistanceKm: 10, skills: ['sewing'] });
        const near = await makeOpening(b, employer.id, { point: northOf(HOME, 1) });
        const other = await makeOpening(b, employer.id, { point: northOf(HOME, 3) });
        const matchesIn = async (e: TestEnv) => ids(await matchesOf(w.id, e.adminToken), 'opening');
        expect(await matchesIn(a)).toEqual([near.id, other.id]);

        // B moves one out of reach, makes the other want the worker's skill, adds one: A sees each.
        const patch = async (id: number, body: Record<string, unknown>) =>
          expect((await b.request('PATCH', `/v1/openings/${id}`, { token: b.adminToken, body })).status).toBe(200);
        await patch(near.id, { point: northOf(HOME, 30) });
        await patch(other.id, { skills: ['sewing'] });
        const added = await makeOpening(b, employer.id, { point: northOf(HOME, 2), skills: ['driving'] });
        expect(await matchesIn(a)).toEqual([other.id, added.id]);
        const [scored] = await matchesOf(w.id, a.adminToken);
        expect(scored.reasons).toContainEqual({ code: 'skills_met', skills: ['sewing'] });
        // What A shows of an opening follows too: a hire's slots, the employer's new name.
        expect((await b.request('PATCH', `/v1/employers/${employer.id}`, { token: b.adminToken, body: { name: 'Renamed Workshop' } })).status).toBe(200);
        expect((await matchesOf(w.id, a.adminToken))[0].opening).toMatchObject({ id: other.id, employerName: 'Renamed Workshop' });
        await patch(other.id, { slots: 3 });
        expect((await matchesOf(w.id, a.adminToken))[0].opening).toMatchObject({ id: other.id, slots: 3 });

        // B closes one and opens another, then changes a far opening more often than the
        // log keeps (in one statement): its clocks prune both from the log, so A, which
        // never saw them, must read every opening again rather than only those the log
        // still names.
        const far = await makeOpening(b, employer.id, { point: northOf(HOME, 40) });
        expect((await b.request('POST', `/v1/openings/${added.id}/close`, { token: b.adminToken, body: {} })).status).toBe(200);
        const late = await makeOpening(b, employer.id, { point: northOf(HOME, 1.5) });
        await b.db.run(sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${CHANGES_KEPT + 10})
          INSERT INTO openings (id, employer_id, title, kind, area_code, slots, wage_amount, wage_period, hours, created_at, updated_at)
          SELECT o.id, o.employer_id, o.title, o.kind, o.area_code, o.slots, o.wage_amount, o.wage_period, o.hours, o.created_at, o.updated_at
          FROM openings o, n WHERE o.id = ${far.id}
          ON CONFLICT (id) DO UPDATE SET hours = excluded.hours`);
        expect((await runClocks(b.deps)).openingChangesPruned).toBeGreaterThan(0);
        const [log] = await b.db.all<{ n: number; far: number }>(sql`SELECT count(*) AS n, count(*) FILTER (WHERE opening_id = ${far.id}) AS far FROM opening_changes`);
        expect(log).toEqual({ n: CHANGES_KEPT, far: CHANGES_KEPT });
        expect(await matchesIn(a)).toEqual([other.id, late.id]);
        // And B, which made every change, agrees.
        expect(await matchesIn(b)).toEqual([other.id, late.id]);
      } finally {
        b.close();
      }
    });
  });

  it('thousands of openings changed by another process are read in slices, and matches equal a fresh process\'s', async () => {
    await onSharedFile(async (url) => {
      const a = await makeTestEnv(url);
      env = a;
      const employer = await makeEmployer(a);
      const w = await makeWorker(a, (await makeHousehold(a)).id, { home: HOME, maxDistanceKm: 25 });
      const seed = await makeOpening(a, employer.id, { point: northOf(HOME, 20) });
      const asked = (e: TestEnv) => matchesOf(w.id, e.adminToken, '?limit=50');
      expect(ids(await asked(a), 'opening')).toEqual([seed.id]);
      // 2,400 new openings in one statement by another connection (a day's expiry changes as many):
      // spread 0.2 to 24 km north, every fourth closed, then 600 of them moved nearer.
      const b = await makeTestEnv(url);
      try {
        await b.db.run(sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2400)
          INSERT INTO openings (employer_id, title, kind, area_code, lat, lon, slots, wage_amount, wage_period, hours, status, created_at, updated_at)
          SELECT o.employer_id, 'bulk ' || n.i, o.kind, o.area_code, o.lat - (20 - n.i * 0.01) / 111.195, o.lon, o.slots, o.wage_amount, o.wage_period, o.hours,
            CASE WHEN n.i % 4 = 0 THEN 'closed' ELSE 'open' END, o.created_at, o.updated_at
          FROM openings o, n WHERE o.id = ${seed.id}`);
        await b.db.run(sql`UPDATE openings SET lat = lat - 0.001 WHERE title LIKE 'bulk %' AND id % 4 = 1`);
        const [log] = await b.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM opening_changes`);
        expect(log!.n).toBeGreaterThan(2400);
      } finally {
        b.close();
      }
      const fresh = await makeTestEnv(url);
      try {
        const mine = await asked(a);
        expect(mine).toHaveLength(50);
        expect(mine).toEqual(await asked(fresh));
      } finally {
        fresh.close();
      }
    });
  });

  it('matches asked while openings change, all at once, settle on what a fresh process sees', async () => {
    await onSharedFile(async (url) => {
      const a = await makeTestEnv(url);
      env = a;
      const employer = await makeEmployer(a);
      const w = await makeWorker(a, (await makeHousehold(a)).id, { home: HOME, maxDistanceKm: 10 });
      const made = [];
      for (let i = 0; i < 6; i++) made.push(await makeOpening(a, employer.id, { point: northOf(HOME, 1 + i) }));
      const asked = (e: TestEnv) => matchesOf(w.id, e.adminToken, '?limit=50');
      const patch = (id: number, body: Record<string, unknown>) => a.request('PATCH', `/v1/openings/${id}`, { token: a.adminToken, body });
      // Reads and writes interleaved: new openings, moves out of reach and back, closes.
      const jobs: Array<Promise<unknown>> = [];
      for (let round = 0; round < 4; round++) {
        jobs.push(asked(a), makeOpening(a, employer.id, { point: northOf(HOME, 0.5 + round) }), asked(a));
        jobs.push(patch(made[round]!.id, { point: northOf(HOME, 40) }), asked(a));
        jobs.push(patch(made[(round + 2) % 6]!.id, { point: northOf(HOME, 2.5) }), asked(a));
      }
      jobs.push(a.request('POST', `/v1/openings/${made[5]!.id}/close`, { token: a.adminToken, body: {} }));
      await Promise.all(jobs);
      const fresh = await makeTestEnv(url);
      try {
        expect(ids(await asked(a), 'opening')).toEqual(ids(await asked(fresh), 'opening'));
        expect(await asked(a)).toEqual(await asked(fresh));
      } finally {
        fresh.close();
      }
    });
  });

  it('hours must fit: a worker free only for flexible hours is not shown full-day jobs', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env);
    const w = await makeWorker(env, h.id, { availability: 'flexible', cannotLeaveHome: true, careFor: ['children'] });
    await makeOpening(env, employer.id, { point: northOf(HOME, 1), hours: 'full_day' });
    const part = await makeOpening(env, employer.id, { point: northOf(HOME, 1), hours: 'part_day' });
    const flex = await makeOpening(env, employer.id, { point: northOf(HOME, 1), hours: 'flexible' });
    expect(ids(await matchesOf(w.id), 'opening')).toEqual([flex.id]);
    await env.request('PATCH', `/v1/workers/${w.id}`, { token: env.adminToken, body: { availability: 'part_day' } });
    // Hours that are exactly the worker's availability rank first.
    expect(ids(await matchesOf(w.id), 'opening')).toEqual([part.id, flex.id]);
  });

  it('without a home point, reach is judged by village and township and distanceKm is null', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env, { areaCode: VILLAGE });
    const w = await makeWorker(env, h.id, { home: undefined });
    const sameVillage = await makeOpening(env, employer.id, { areaCode: VILLAGE, point: northOf(HOME, 30) });
    const sameTownship = await makeOpening(env, employer.id, { areaCode: OTHER_VILLAGE, point: undefined });
    await makeOpening(env, employer.id, { areaCode: OTHER_TOWNSHIP_VILLAGE, point: undefined });
    const items = await matchesOf(w.id);
    expect(ids(items, 'opening')).toEqual([sameVillage.id, sameTownship.id]);
    expect(items.map((i) => i.distanceKm)).toEqual([null, null]);
    expect(items[0].reasons).toContainEqual({ code: 'same_village' });
    expect(items[1].reasons).toContainEqual({ code: 'same_township' });
  });

  it('a carer who cannot leave home sees a post serving their own village’s elders ranked up', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env, { areaCode: VILLAGE });
    const w = await makeWorker(env, h.id, { cannotLeaveHome: true, careFor: ['elders'] });
    // The township's post (open to every village of it) is nearer, but does not serve the carer's own village.
    const nearer = await makeOpening(env, employer.id, { kind: 'public_welfare', serves: 'elders', areaCode: VILLAGE.slice(0, 9), point: northOf(HOME, 0.5) });
    const own = await makeOpening(env, employer.id, { kind: 'public_welfare', serves: 'elders', areaCode: VILLAGE, point: northOf(HOME, 2) });
    const items = await matchesOf(w.id);
    expect(ids(items, 'opening')).toEqual([own.id, nearer.id]);
    expect(items[0].reasons).toContainEqual({ code: 'serves_own_village', serves: 'elders' });
    expect(items[1].reasons).not.toContainEqual(expect.objectContaining({ code: 'serves_own_village' }));
  });

  it('a far-reaching carer still sees a post serving their own village placed far from home, among many good ones nearby', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env, { areaCode: VILLAGE });
    const w = await makeWorker(env, h.id, { cannotLeaveHome: true, careFor: ['elders'], maxDistanceKm: 50, skills: ['elder_care'] });
    // 24 openings 2 to 8 km away wanting the worker's skill (56 to 69 points)…
    const nearby = [];
    for (let i = 0; i < 24; i++) {
      nearby.push(await makeOpening(env, employer.id, { point: northOf(HOME, 2 + 0.25 * i), areaCode: OTHER_VILLAGE, skills: ['elder_care'] }));
    }
    // …and the village's own elder-care post, its point recorded 30 km away (66 points).
    const own = await makeOpening(env, employer.id, { kind: 'public_welfare', serves: 'elders', areaCode: VILLAGE, point: northOf(HOME, 30), skills: ['elder_care'] });
    const items = await matchesOf(w.id, env.adminToken, '?limit=20');
    expect(ids(items, 'opening')).toContain(own.id);
    const scores = items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(items.find((i) => i.opening.id === own.id).reasons).toContainEqual({ code: 'serves_own_village', serves: 'elders' });
    expect(items).toHaveLength(20);
    expect(ids(items, 'opening').filter((id) => id !== own.id)).toEqual(nearby.slice(0, 19).map((o) => o.id));
  });

  it('honours the limit and leaves out openings the worker already applied to', async () => {
    const { employer } = await world();
    const w = await makeWorker(env, (await makeHousehold(env)).id);
    const opened = [];
    for (let i = 1; i <= 4; i++) opened.push(await makeOpening(env, employer.id, { point: northOf(HOME, i) }));
    expect(ids(await matchesOf(w.id, env.adminToken, '?limit=2'), 'opening')).toEqual([opened[0].id, opened[1].id]);
    await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId: w.id, openingId: opened[0].id } });
    expect(ids(await matchesOf(w.id, env.adminToken, '?limit=2'), 'opening')).toEqual([opened[1].id, opened[2].id]);
    const bad = await env.request('GET', `/v1/workers/${w.id}/matches?limit=500`, { token: env.adminToken });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('limit');
  });

  it('staff see matches for workers of their area only; employers never', async () => {
    const { employer } = await world();
    const w = await makeWorker(env, (await makeHousehold(env)).id);
    await makeOpening(env, employer.id, { point: northOf(HOME, 1) });
    const mine = await env.token({ role: 'staff', areaPrefix: '532503' });
    const other = await env.token({ role: 'staff', areaPrefix: '532501' });
    expect(await matchesOf(w.id, mine)).toHaveLength(1);
    expect((await env.request('GET', `/v1/workers/${w.id}/matches`, { token: other })).status).toBe(404);
    expect((await env.request('GET', `/v1/workers/${w.id}/matches`, { token: employer.token })).status).toBe(403);
  });

  it('the database computes the same grid cell as the matcher for every stored point', async () => {
    const { employer } = await world();
    const h = await makeHousehold(env);
    const points = [HOME, { lat: 22.51, lon: 103.96 }, { lat: 24.532, lon: 103.766 }, { lat: 23.0199999, lon: 102.0000001 }];
    for (const p of points) {
      await makeWorker(env, h.id, { home: p });
      await makeOpening(env, employer.id, { point: p });
    }
    const rows = await env.db.all<{ lat: number; lon: number; cell: number }>(
      sql`SELECT home_lat AS lat, home_lon AS lon, cell FROM workers UNION ALL SELECT lat, lon, cell FROM openings`,
    );
    expect(rows).toHaveLength(points.length * 2);
    for (const r of rows) expect(r.cell).toBe(gridCell({ lat: r.lat, lon: r.lon }));
  });
});

describe('opening → candidates', () => {
  /**
   * A household of the given status with a member in work far away (so not
   * zero-employment), and its member `km` north of HOME who is the candidate.
   */
  const householdInWork = async (flags: Record<string, boolean>, km: number, over: Record<string, unknown> = {}) => {
    const h = await makeHousehold(env, flags);
    const busy = await makeWorker(env, h.id, { home: northOf(HOME, 40) });
    const p = await env.request('POST', '/v1/placements', {
      token: env.adminToken,
      body: { workerId: busy.id, type: 'enterprise', areaCode: '532503', startDate: '2026-11-01' },
    });
    expect(p.status).toBe(201);
    return { h, w: await makeWorker(env, h.id, { home: northOf(HOME, km), ...over }) };
  };

  it('ranks by tier: zero-employment, monitored, poverty-alleviated, everyone; cannot-leave-home first within a tier; nearer first', async () => {
    const { employer } = await world();
    const post = await makeOpening(env, employer.id, { point: HOME });
    const working = async (flags: Record<string, boolean>, km: number) => (await householdInWork(flags, km)).w;
    const general = await working({ povertyAlleviated: false, monitored: false }, 0.5);
    const poor = await working({ povertyAlleviated: true, monitored: false }, 0.5);
    const monitoredFar = await working({ povertyAlleviated: false, monitored: true }, 3);
    const monitoredNear = await working({ povertyAlleviated: false, monitored: true }, 1);
    const zeroFar = await makeWorker(env, (await makeHousehold(env)).id, { home: northOf(HOME, 4) });
    const zeroNear = await makeWorker(env, (await makeHousehold(env)).id, { home: northOf(HOME, 2) });
    const zeroHomebound = await makeWorker(env, (await makeHousehold(env)).id, {
      home: northOf(HOME, 4.5),
      cannotLeaveHome: true,
      careFor: ['disabled'],
    });
    await makeWorker(env, (await makeHousehold(env)).id, { home: northOf(HOME, 6) }); // out of reach

    const items = await candidatesOf(post.id);
    expect(ids(items, 'worker')).toEqual([zeroHomebound.id, zeroNear.id, zeroFar.id, monitoredNear.id, monitoredFar.id, poor.id, general.id]);
    expect(items.map((i) => i.tier)).toEqual([
      'zero_employment',
      'zero_employment',
      'zero_employment',
      'monitored',
      'monitored',
      'poverty_alleviated',
      'general',
    ]);
    expect(items[0].reasons).toContainEqual({ code: 'cannot_leave_home' });
    expect(items[1].distanceKm).toBeCloseTo(2, 1);
  });

  it('a person joining a household already on the zero-employment list is a first-tier candidate at once', async () => {
    const { employer } = await world();
    const post = await makeOpening(env, employer.id, { point: HOME });
    // Enough first-tier candidates 3 km away to fill a first read on their own…
    for (let i = 0; i < 22; i++) await makeWorker(env, (await makeHousehold(env)).id, { home: northOf(HOME, 3) });
    // …and a household on the list whose second member registers later, 0.5 km away.
    const h = await makeHousehold(env);
    await makeWorker(env, h.id, { home: northOf(HOME, 3.5) });
    const late = await makeWorker(env, h.id, { home: northOf(HOME, 0.5) });
    const [first] = await candidatesOf(post.id, env.adminToken, '?limit=1');
    expect(first.worker.id).toBe(late.id);
    expect(first.tier).toBe('zero_employment');

    // The flag the triggers keep is "the household has any zero-employment period", for every worker.
    const flagsHold = async () => {
      const wrong = await env.db.all(sql`SELECT w.id FROM workers w
        WHERE w.zero_listed <> EXISTS (SELECT 1 FROM zero_employment_periods z WHERE z.household_id = w.household_id)`);
      expect(wrong).toEqual([]);
    };
    await flagsHold();
    // The household finds work: its period ends, and the late member drops out of the first tier.
    const job = await env.request('POST', '/v1/placements', {
      token: env.adminToken,
      body: { workerId: late.id, type: 'enterprise', areaCode: '532503', startDate: '2026-11-01' },
    });
    expect(job.status).toBe(201);
    await flagsHold();
    const after = await candidatesOf(post.id, env.adminToken, '?limit=50');
    expect(after.find((c: any) => c.worker.id === late.id).tier).toBe('poverty_alleviated');
    expect(after.filter((c: any) => c.tier === 'zero_employment')).toHaveLength(22);
  });

  it('a household whose status changes moves its members to their new tier at once, and a short first tier is filled from the next', async () => {
    const { employer } = await world();
    const post = await makeOpening(env, employer.id, { point: HOME });
    // One monitored carer, far; poverty-alleviated neighbours; one general household, nearest of all.
    const monitored = await householdInWork({ povertyAlleviated: false, monitored: true }, 4, { cannotLeaveHome: true, careFor: ['elders'] });
    const poor = [];
    for (let i = 0; i < 5; i++) poor.push(await householdInWork({ povertyAlleviated: true, monitored: false }, 1 + i * 0.5));
    const general = await householdInWork({ povertyAlleviated: false, monitored: false }, 0.2);
    const tiersHold = async () => {
      const wrong = await env.db.all(sql`SELECT w.id FROM workers w JOIN households h ON h.id = w.household_id
        WHERE w.status_tier <> CASE WHEN h.monitored = 1 THEN 1 WHEN h.poverty_alleviated = 1 THEN 2 ELSE 3 END`);
      expect(wrong).toEqual([]);
    };
    await tiersHold();
    const before = await candidatesOf(post.id, env.adminToken, '?limit=3');
    expect(ids(before, 'worker')).toEqual([monitored.w.id, poor[0]!.w.id, poor[1]!.w.id]);
    expect(before.map((c: any) => c.tier)).toEqual(['monitored', 'poverty_alleviated', 'poverty_alleviated']);
    // The general household becomes monitored: its nearby member now leads the non-carers.
    const res = await env.request('PATCH', `/v1/households/${general.h.id}`, { token: env.adminToken, body: { monitored: true } });
    expect(res.status).toBe(200);
    await tiersHold();
    const after = await candidatesOf(post.id, env.adminToken, '?limit=3');
    expect(ids(after, 'worker')).toEqual([monitored.w.id, general.w.id, poor[0]!.w.id]);
    // The monitored household leaves monitoring and poverty: its carer drops to the last tier.
    expect((await env.request('PATCH', `/v1/households/${monitored.h.id}`, { token: env.adminToken, body: { monitored: false, povertyAlleviated: false } })).status).toBe(200);
    await tiersHold();
    const all = await candidatesOf(post.id, env.adminToken, '?limit=20');
    expect(all.at(-1).worker.id).toBe(monitored.w.id);
    expect(all.at(-1).tier).toBe('general');
    expect(all).toHaveLength(7);
  });

  it('a public-welfare post is not offered to a household already in work while a zero-employment household within reach has none', async () => {
    const { employer } = await world();
    const post = await makeOpening(env, employer.id, { point: HOME, kind: 'public_welfare' });
    const shop = await makeOpening(env, employer.id, { point: northOf(HOME, 20) });
    const busyHousehold = await makeHousehold(env, { monitored: true });
    const busy = await makeWorker(env, busyHousehold.id, { home: northOf(HOME, 20) });
    await hire(busy.id, shop.id);
    const sibling = await makeWorker(env, busyHousehold.id, { home: northOf(HOME, 0.5) });
    const zero = await makeWorker(env, (await makeHousehold(env)).id, { home: northOf(HOME, 3) });

    expect(ids(await candidatesOf(post.id), 'worker')).toEqual([zero.id]);
    // For a workshop job nobody is held back.
    const job = await makeOpening(env, employer.id, { point: HOME });
    expect(ids(await candidatesOf(job.id), 'worker')).toEqual([zero.id, sibling.id]);
    // Once the zero-employment household is in work, the other household is
    // listed again, first as monitored; the hired worker may still take a post.
    await hire(zero.id, job.id);
    const after = await candidatesOf(post.id);
    expect(ids(after, 'worker')).toEqual([sibling.id, zero.id]);
    expect(after.map((i) => i.tier)).toEqual(['monitored', 'poverty_alleviated']);
  });

  it('leaves out workers not eligible: wrong hours, not poverty-alleviated for a poverty-only job, unable to work, erased', async () => {
    const { employer } = await world();
    const post = await makeOpening(env, employer.id, { point: HOME, povertyOnly: true });
    const ok = await makeWorker(env, (await makeHousehold(env)).id);
    await makeWorker(env, (await makeHousehold(env)).id, { availability: 'part_day' });
    await makeWorker(env, (await makeHousehold(env, { povertyAlleviated: false })).id);
    await makeWorker(env, (await makeHousehold(env)).id, { ableToWork: false });
    const erased = await makeWorker(env, (await makeHousehold(env)).id);
    expect((await env.request('DELETE', `/v1/workers/${erased.id}`, { token: env.adminToken })).status).toBe(204);
    expect(ids(await candidatesOf(post.id), 'worker')).toEqual([ok.id]);
  });

  it('workers without a home point are candidates by village and township', async () => {
    const { employer } = await world();
    const post = await makeOpening(env, employer.id, { point: HOME, areaCode: VILLAGE });
    const villager = await makeWorker(env, (await makeHousehold(env, { areaCode: VILLAGE })).id, { home: undefined });
    const townsman = await makeWorker(env, (await makeHousehold(env, { areaCode: OTHER_VILLAGE })).id, { home: undefined });
    await makeWorker(env, (await makeHousehold(env, { areaCode: OTHER_TOWNSHIP_VILLAGE })).id, { home: undefined });
    const items = await candidatesOf(post.id);
    expect(ids(items, 'worker')).toEqual([villager.id, townsman.id]);
    expect(items[0].distanceKm).toBeNull();
  });

  it('staff see candidates of their area only; employers are refused', async () => {
    const { employer } = await world();
    const post = await makeOpening(env, employer.id, { point: HOME });
    await makeWorker(env, (await makeHousehold(env)).id);
    const mine = await env.token({ role: 'staff', areaPrefix: '532503' });
    const other = await env.token({ role: 'staff', areaPrefix: '532501' });
    expect(await candidatesOf(post.id, mine)).toHaveLength(1);
    expect((await env.request('GET', `/v1/openings/${post.id}/candidates`, { token: other })).status).toBe(404);
    expect((await env.request('GET', `/v1/openings/${post.id}/candidates`, { token: employer.token })).status).toBe(403);
    expect((await env.request('GET', '/v1/openings/999999/candidates', { token: env.adminToken })).status).toBe(404);
  });
});
