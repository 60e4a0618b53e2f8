// A new Workers isolate answers its first matches before its catalogue of
// open openings is read (services/opening-catalogue.ts): from a catalogue
// narrowed to each worker's reach, read from D1. Those cold answers must be
// the warm catalogue's. The same D1 rows (kept in a folder) serve three
// runtimes in turn: one never holding the catalogue (MATCH_CATALOGUE=narrowed,
// every answer cold), then new isolates reading it in the background.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Bundle, buildWorker, startWorker, unique, type WorkerRuntime } from './worker-runtime.js';

const CENTRE = { lat: 23.4, lon: 103.38 };
const SKILLS = ['sewing', 'farming', 'tea_picking', 'cleaning', 'cooking'];

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

let bundle: Bundle;
let dir: string;
let rt: WorkerRuntime | undefined;
const workerIds: number[] = [];
let openCount = 0;

async function created(res: Promise<{ status: number; body: any }>) {
  const r = await res;
  if (r.status !== 201) throw new Error(`not created: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

beforeAll(async () => {
  bundle = await buildWorker();
  dir = mkdtempSync(join(tmpdir(), 'jiujin-workers-cold-'));
  rt = await startWorker(bundle, { MATCH_CATALOGUE: 'narrowed', LOG_LEVEL: 'warn' }, { d1Persist: dir });
  const w = rt;
  const rand = prng(4242);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const somewhere = () => ({ lat: CENTRE.lat + (rand() - 0.5) * 0.6, lon: CENTRE.lon + (rand() - 0.5) * 0.6 });
  const post = (path: string, body: unknown) => created(w.request('POST', path, { token: ADMIN_TOKEN, body }));
  // The first request prepares D1 (migrations, reference areas).
  expect((await w.request('GET', '/health')).status).toBe(200);
  const { results } = await w.d1
    .prepare("SELECT code FROM areas WHERE code LIKE '532503%' AND length(code) = 12 ORDER BY code LIMIT 10")
    .all<{ code: string }>();
  const villages = results.map((r) => r.code);
  const employer = (kind: string, point: boolean) =>
    post('/v1/employers', { name: unique('employer'), kind, areaCode: '532503', ...(point ? { point: CENTRE } : {}) });
  const firm = await employer('workshop', true);
  const body = await employer('public_body', true);
  // An opening without a point takes its employer's: these have none.
  const firmNoPoint = await employer('workshop', false);
  const bodyNoPoint = await employer('public_body', false);
  for (let i = 0; i < 90; i++) {
    const pw = rand() < 0.4;
    const noPoint = rand() < 0.15;
    const village = pick(villages);
    await post('/v1/openings', {
      title: unique('opening'),
      employerId: (noPoint ? (pw ? bodyNoPoint : firmNoPoint) : pw ? body : firm).id,
      kind: pw ? 'public_welfare' : pick(['workshop', 'enterprise']),
      serves: pw ? pick(['none', 'elders', 'children']) : 'none',
      areaCode: pw ? village : pick([village, village.slice(0, 9), '532503']),
      ...(noPoint ? {} : { point: somewhere() }),
      slots: 2,
      wage: { amount: 2000, period: 'month' },
      hours: pick(['full_day', 'part_day', 'flexible']),
      skills: SKILLS.filter(() => rand() < 0.3),
      status: rand() < 0.1 ? 'draft' : 'open',
    }).then((o) => {
      if (o.status === 'open') openCount++;
    });
  }
  for (let i = 0; i < 36; i++) {
    const h = await post('/v1/households', { areaCode: pick(villages), povertyAlleviated: rand() < 0.5, monitored: false });
    const carer = rand() < 0.3;
    const worker = await post('/v1/workers', {
      householdId: h.id,
      name: unique('worker'),
      ...(rand() < 0.15 ? {} : { home: somewhere() }),
      maxDistanceKm: pick([5, 5, 10, 25, 50]),
      cannotLeaveHome: carer,
      careFor: carer ? [pick(['elders', 'children'])] : [],
      skills: SKILLS.filter(() => rand() < 0.3),
      availability: pick(['full_day', 'part_day', 'flexible']),
    });
    workerIds.push(worker.id);
  }
}, 240_000);

afterAll(async () => {
  await rt?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const matchesOn = async (r: WorkerRuntime, id: number) => {
  const res = await r.request('GET', `/v1/workers/${id}/matches?limit=20`, { token: ADMIN_TOKEN });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
};
const catalogueSize = async (r: WorkerRuntime) => {
  const res = await r.request('GET', '/metrics', { token: ADMIN_TOKEN });
  expect(res.status).toBe(200);
  return Number(/^jiujin_catalogue_open_openings(?:\{\})? (\d+)/m.exec(String(res.body))?.[1]);
};

describe('first matches on a new isolate', () => {
  it('cold answers (narrowed reads on D1) equal the warm catalogue’s for every worker; eight concurrent first requests on a new isolate too', async () => {
    // Every answer of this runtime is cold: it never holds the catalogue.
    const cold = new Map<number, unknown>();
    for (const id of workerIds) cold.set(id, await matchesOn(rt!, id));
    expect(await catalogueSize(rt!)).toBe(0);
    await rt!.dispose();

    // A new isolate over the same rows: eight first requests at once, then warm answers.
    rt = await startWorker(bundle, { LOG_LEVEL: 'warn' }, { d1Persist: dir });
    const first = workerIds.slice(0, 8);
    const together = await Promise.all(first.map((id) => matchesOn(rt!, id)));
    first.forEach((id, i) => expect(together[i], `worker ${id}, concurrent first`).toEqual(cold.get(id)));
    let size = await catalogueSize(rt!);
    for (let i = 0; size !== openCount && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      size = await catalogueSize(rt!);
    }
    expect(size).toBe(openCount);
    let listed = 0;
    for (const id of workerIds) {
      const warm = await matchesOn(rt!, id);
      expect(warm, `worker ${id}`).toEqual(cold.get(id));
      listed += warm.length;
    }
    // Not a comparison of empty lists.
    expect(listed).toBeGreaterThan(workerIds.length * 2);
  }, 240_000);
});
