// A handle answering before its catalogue is warm (a new Workers isolate)
// ranks a catalogue narrowed to the worker's reach: its answers must be the
// whole catalogue's, for every kind of worker (with and without a home
// point, near and far reach, carers of a village) and after changes. Two
// handles on one database file: one warm, one kept narrowed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogueIfWarm,
  keepNarrowed,
  OpeningCatalogue,
  openingCatalogue,
  warmInBackground,
} from '../../src/services/opening-catalogue.js';
import { catalogueReach, loadMatchWorker } from '../../src/services/matching.js';
import type { ServiceCtx } from '../../src/context.js';
import { todayInChina } from '../../src/domain/dates.js';
import { getScopedWorker } from '../../src/services/workers.js';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

const CENTRE = { lat: 23.4, lon: 103.38 };
const SKILLS = ['sewing', 'farming', 'tea_picking', 'cleaning', 'cooking'];

/** Seeded, so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

let dir: string;
let warm: TestEnv;
let cold: TestEnv;
const workerIds: number[] = [];
const openingIds: number[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jiujin-cold-'));
  const url = `file:${join(dir, 'shared.db')}`;
  warm = await makeTestEnv(url);
  cold = await makeTestEnv(url);
  keepNarrowed(cold.db);
  const rand = prng(20211);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  // Points within ~40 km of the centre, so reaches of 5 to 50 km cross many cells and some stop short.
  const somewhere = () => ({ lat: CENTRE.lat + (rand() - 0.5) * 0.7, lon: CENTRE.lon + (rand() - 0.5) * 0.7 });
  const rows = await warm.db.all<{ code: string }>(
    sql`SELECT code FROM areas WHERE code LIKE '532503%' AND length(code) IN (9, 12) ORDER BY code`,
  );
  const villages = rows.map((r) => r.code).filter((c) => c.length === 12).slice(0, 12);
  const townships = [...new Set(villages.map((v) => v.slice(0, 9)))];
  const employer = await makeEmployer(warm);
  const body = await makeEmployer(warm, { kind: 'public_body' });
  // An opening without a point takes its employer's: these employers have none.
  const pointless = await makeEmployer(warm, { point: undefined });
  const pointlessBody = await makeEmployer(warm, { kind: 'public_body', point: undefined });
  for (let i = 0; i < 160; i++) {
    const pw = rand() < 0.4;
    const village = pick(villages);
    const noPoint = rand() < 0.15;
    const o = await makeOpening(warm, noPoint ? (pw ? pointlessBody.id : pointless.id) : pw ? body.id : employer.id, {
      kind: pw ? 'public_welfare' : pick(['workshop', 'enterprise']),
      serves: pw ? pick(['none', 'elders', 'children', 'disabled']) : 'none',
      // Some at village, township or county level, some without a point (reach judged by area then).
      areaCode: pw ? village : pick([village, village.slice(0, 9), '532503']),
      point: noPoint ? undefined : somewhere(),
      hours: pick(['full_day', 'part_day', 'flexible']),
      skills: SKILLS.filter(() => rand() < 0.3),
      status: rand() < 0.1 ? 'draft' : 'open',
      ...(pw ? {} : { povertyOnly: rand() < 0.2 }),
    });
    openingIds.push(o.id);
  }
  for (let i = 0; i < 70; i++) {
    const area = rand() < 0.85 ? pick(villages) : pick(townships);
    const h = await makeHousehold(warm, { areaCode: area, povertyAlleviated: rand() < 0.5, monitored: rand() < 0.1 });
    const carer = rand() < 0.3;
    const w = await makeWorker(warm, h.id, {
      home: rand() < 0.15 ? undefined : somewhere(),
      maxDistanceKm: pick([5, 5, 10, 25, 50]),
      cannotLeaveHome: carer,
      careFor: carer ? [pick(['elders', 'children', 'disabled'])] : [],
      skills: SKILLS.filter(() => rand() < 0.3),
      availability: pick(['full_day', 'part_day', 'flexible']),
    });
    workerIds.push(w.id);
  }
});

afterAll(() => {
  warm?.close();
  cold?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const matches = async (env: TestEnv, id: number, limit: number) => {
  const res = await env.request('GET', `/v1/workers/${id}/matches?limit=${limit}`, { token: env.adminToken });
  expect(res.status).toBe(200);
  return res.body.items;
};

describe('matches before the catalogue is warm', () => {
  it('a handle kept narrowed never holds the catalogue; a warm one does', async () => {
    expect(await catalogueIfWarm(cold.db)).toBeNull();
    expect((await catalogueIfWarm(warm.db))?.size).toBeGreaterThan(100);
  });

  it('the narrowed answer is the whole catalogue’s for every worker, short lists and long', async () => {
    let nonEmpty = 0;
    let byArea = 0;
    // Openings without a point on the list of a worker with a home point.
    let byAreaFromHome = 0;
    for (const id of workerIds) {
      for (const limit of [3, 20, 100]) {
        const fromWhole = await matches(warm, id, limit);
        expect(await matches(cold, id, limit), `worker ${id}, limit ${limit}`).toEqual(fromWhole);
        if (fromWhole.length > 0) nonEmpty++;
        const judgedByArea = fromWhole.filter((m: { distanceKm: number | null }) => m.distanceKm === null).length;
        byArea += judgedByArea;
        if (fromWhole.some((m: { distanceKm: number | null }) => m.distanceKm !== null)) byAreaFromHome += judgedByArea;
      }
    }
    // Not a comparison of empty lists, nor of lists without the openings judged by area.
    expect(nonEmpty).toBeGreaterThan(workerIds.length);
    expect(byArea).toBeGreaterThan(10);
    expect(byAreaFromHome).toBeGreaterThan(10);
  });

  it('a narrowed catalogue holds only what the worker can reach: a 5 km worker reads a fraction of the openings', async () => {
    const whole = await openingCatalogue(warm.db);
    const ctx: ServiceCtx = { db: cold.db, clock: cold.clock, actor: { role: 'system', name: 'test' } };
    let checked = 0;
    for (const id of workerIds) {
      const w = await getScopedWorker(ctx, id);
      if (w.maxDistanceKm !== 5 || w.homeLat === null) continue;
      const { worker } = await loadMatchWorker(ctx, w, todayInChina(ctx.clock));
      const narrowed = await OpeningCatalogue.narrowed(cold.db, catalogueReach(worker));
      expect(narrowed.size).toBeLessThan(whole.size / 3);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('after openings close, open and change, both handles still agree', async () => {
    const rand = prng(7);
    const changed = { closed: 0, opened: 0, edited: 0 };
    for (const id of openingIds) {
      const r = rand();
      if (r < 0.15) {
        const res = await warm.request('POST', `/v1/openings/${id}/close`, { token: warm.adminToken, body: {} });
        if (res.status === 200) changed.closed++;
      } else if (r < 0.3) {
        // Drafts open (the others are open already: the same answer either way).
        const res = await cold.request('PATCH', `/v1/openings/${id}`, { token: cold.adminToken, body: { status: 'open' } });
        expect(res.status).toBe(200);
        changed.opened++;
      } else if (r < 0.4) {
        const res = await cold.request('PATCH', `/v1/openings/${id}`, { token: cold.adminToken, body: { skills: ['sewing'], hours: 'part_day' } });
        expect(res.status).toBe(200);
        changed.edited++;
      }
    }
    expect(changed.closed).toBeGreaterThan(10);
    expect(changed.edited).toBeGreaterThan(5);
    for (const id of workerIds) expect(await matches(cold, id, 20), `worker ${id}`).toEqual(await matches(warm, id, 20));
  });

  it('a handle warmed in the background answers narrowed until its one read is done, then from the catalogue', async () => {
    const third = await makeTestEnv(`file:${join(dir, 'shared.db')}`);
    try {
      const read = warmInBackground(third.db);
      // Calls before the read is done share it.
      expect(warmInBackground(third.db)).toBe(read);
      const during = await Promise.all(workerIds.slice(0, 8).map((id) => matches(third, id, 20)));
      await read;
      expect(await catalogueIfWarm(third.db)).toBe(await openingCatalogue(third.db));
      for (const [i, id] of workerIds.slice(0, 8).entries()) {
        expect(during[i]).toEqual(await matches(warm, id, 20));
        expect(await matches(third, id, 20)).toEqual(during[i]);
      }
    } finally {
      third.close();
    }
  });

  it('eight concurrent first reads of a new handle give one complete catalogue', async () => {
    const fourth = await makeTestEnv(`file:${join(dir, 'shared.db')}`);
    try {
      const all = await Promise.all(Array.from({ length: 8 }, () => openingCatalogue(fourth.db)));
      expect(new Set(all).size).toBe(1);
      expect(all[0]!.size).toBe((await openingCatalogue(warm.db)).size);
    } finally {
      fourth.close();
    }
  });
});
