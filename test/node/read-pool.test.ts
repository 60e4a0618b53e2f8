// The read pool (src/services/read-pool/): candidates, stats and care
// coverage answered by worker threads on their own connections to the same
// database file must answer exactly what the request's own thread answers —
// the same bodies, the same refusals (status and error body) — follow the
// request's clock, and keep answering when a thread dies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overviewData } from '../../src/console/overview.js';
import type { ServiceCtx } from '../../src/context.js';
import { createReadPool, type ReadPool } from '../../src/services/read-pool/pool.js';
import { hireThroughApi, makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, northOf, type TestEnv } from '../helpers.js';

const HOME = { lat: 23.4, lon: 103.38 };
let dir: string;
let env: TestEnv;
let pool: ReadPool;
let staff: string;
let otherStaff: string;
let post: { id: number };
let workshop: { id: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jiujin-read-pool-'));
  const url = `file:${join(dir, 'pool.db')}`;
  env = await makeTestEnv(url);
  const employer = await makeEmployer(env);
  // Candidates in several tiers and distances, one of them already in work.
  for (let i = 0; i < 8; i++) {
    const h = await makeHousehold(env, { povertyAlleviated: i % 2 === 0, monitored: i % 3 === 0 });
    await makeWorker(env, h.id, { home: northOf(HOME, i * 0.7), cannotLeaveHome: i % 4 === 0, ...(i % 4 === 0 ? { careFor: ['elders'] } : {}) });
  }
  workshop = await makeOpening(env, employer.id, { point: HOME, title: 'pool-workshop', slots: 5 });
  post = await makeOpening(env, employer.id, { point: HOME, kind: 'public_welfare', areaCode: '532503001001', title: 'pool-post', slots: 3 });
  const h = await makeHousehold(env);
  const hired = await makeWorker(env, h.id, { home: HOME });
  await hireThroughApi(env, hired.id, workshop.id);
  staff = await env.token({ role: 'staff', areaPrefix: '532503' });
  otherStaff = await env.token({ role: 'staff', areaPrefix: '532501' });
  pool = createReadPool({ url, size: 2 });
});

afterAll(async () => {
  await pool?.close();
  env?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The same request answered in the request's thread, then through the pool. */
async function bothWays(path: string, token: string) {
  env.deps.readPool = undefined;
  const inProcess = await env.request('GET', path, { token });
  env.deps.readPool = pool;
  try {
    const before = pool.answered();
    const pooled = await env.request('GET', path, { token });
    // Answered by a thread, not by the request's own.
    expect(pool.answered(), path).toBe(before + 1);
    return { inProcess, pooled };
  } finally {
    env.deps.readPool = undefined;
  }
}

const ASKED = [
  `/v1/openings/{post}/candidates`,
  `/v1/openings/{post}/candidates?limit=3`,
  `/v1/openings/{workshop}/candidates`,
  '/v1/stats?area=532503',
  '/v1/stats?area=5325&asOf=2026-11-01',
  '/v1/stats',
  '/v1/care-coverage?area=532503',
];

describe('read pool', () => {
  it('answers candidates, stats and care coverage with the same bodies as the request’s own thread', async () => {
    for (const template of ASKED) {
      const path = template.replace('{post}', String(post.id)).replace('{workshop}', String(workshop.id));
      const { inProcess, pooled } = await bothWays(path, env.adminToken);
      expect(inProcess.status, path).toBe(200);
      expect(pooled.status, path).toBe(200);
      expect(pooled.body, path).toEqual(inProcess.body);
    }
    // Not an empty answer compared with an empty one.
    const { pooled } = await bothWays(`/v1/openings/${post.id}/candidates`, env.adminToken);
    expect(pooled.body.items.length).toBeGreaterThan(2);
  });

  it('the console’s overview (its stats, twelve months of trend and every child area) reads the same through the pool', async () => {
    const ctx: ServiceCtx = { db: env.db, clock: env.clock, actor: { role: 'staff', tokenId: 1, areaPrefix: '532503' } };
    const inProcess = await overviewData(ctx, { area: '532503' });
    const before = pool.answered();
    const pooled = await overviewData({ ...ctx, readPool: pool }, { area: '532503' });
    expect(pooled).toEqual(inProcess);
    // Its stats, then the trend and the children's table as one call each (statsMany): a page holds three places in the queue, however many areas.
    expect(inProcess.children.length).toBeGreaterThan(1);
    expect(pool.answered() - before).toBe(3);
    expect(inProcess.stats.workersRegistered).toBeGreaterThan(0);
  });

  it('refuses as the request’s own thread does: same status, same error body', async () => {
    const refused: Array<[string, string, number]> = [
      [`/v1/openings/999999/candidates`, env.adminToken, 404],
      // Another county's staff: the opening is not theirs to see.
      [`/v1/openings/${post.id}/candidates`, otherStaff, 404],
      ['/v1/stats?area=532501', staff, 403],
      ['/v1/care-coverage?area=532501', staff, 403],
      ['/v1/stats?area=9999', env.adminToken, 422],
    ];
    for (const [path, token, status] of refused) {
      const { inProcess, pooled } = await bothWays(path, token);
      expect(inProcess.status, path).toBe(status);
      expect(pooled.status, path).toBe(status);
      expect(pooled.body, path).toEqual(inProcess.body);
      expect(pooled.body.error.code, path).toBeTypeOf('string');
    }
  });

  it('counts as of the request’s clock, not the thread’s', async () => {
    const before = env.clock.now().toISOString();
    try {
      env.clock.advanceDays(400);
      const { inProcess, pooled } = await bothWays('/v1/stats?area=532503', env.adminToken);
      expect(pooled.body).toEqual(inProcess.body);
      expect(pooled.body.asOf).not.toBe(before.slice(0, 10));
    } finally {
      env.clock.set(before);
    }
  });

  it('keeps answering when a thread dies: the calls it held answer 503, a new thread takes its place', async () => {
    env.deps.readPool = pool;
    try {
      const path = `/v1/openings/${post.id}/candidates`;
      const expected = (await env.request('GET', path, { token: env.adminToken })).body;
      const [first] = pool.threads();
      const inFlight = env.request('GET', path, { token: env.adminToken });
      await first!.terminate();
      const answer = await inFlight;
      // Either it was answered before the thread ended, or it is told to try again; never a 500, never left hanging.
      if (answer.status === 200) expect(answer.body).toEqual(expected);
      else {
        expect(answer.status).toBe(503);
        expect(answer.body.error.code).toBe('unavailable');
        expect(answer.headers.get('retry-after')).not.toBeNull();
      }
      expect(pool.threads()).not.toContain(first);
      // Replaced (at once, or a second later for one that had just started), and the replacement answers.
      for (const until = Date.now() + 15_000; pool.threads().length < 2 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
      expect(pool.threads()).toHaveLength(2);
      for (let i = 0; i < 4; i++) {
        const again = await env.request('GET', path, { token: env.adminToken });
        expect(again.status).toBe(200);
        expect(again.body).toEqual(expected);
      }
    } finally {
      env.deps.readPool = undefined;
    }
  });

  it('a thread that cannot start answers 503 and is not restarted in a tight loop', async () => {
    const broken = createReadPool({ url: `file:${join(dir, 'no-such-folder', 'x.db')}`, size: 1 });
    try {
      const who = { actor: { role: 'admin', tokenId: 1 } as const, clock: env.clock };
      await expect(broken.run('stats', who, {})).rejects.toMatchObject({ code: 'unavailable' });
      // Dead and waiting a second before the next try: refused at once, not queued to a dead thread.
      expect(broken.threads()).toHaveLength(0);
      await expect(broken.run('stats', who, {})).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await broken.close();
    }
  });

  it('refuses a call at once with 503 when every thread already holds its most waiting calls, and serves again once they are answered', async () => {
    const url = `file:${join(dir, 'pool.db')}`;
    const small = createReadPool({ url, size: 1, maxWaiting: 2 });
    try {
      const who = { actor: { role: 'admin', tokenId: 1 } as const, clock: env.clock };
      // Sent together: the first two wait for the one thread, the third is refused without waiting.
      const calls = [small.run('stats', who, {}), small.run('stats', who, {}), small.run('stats', who, {})];
      const settled = await Promise.allSettled(calls);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'unavailable' });
      expect(small.answered()).toBe(2);
      // Once answered, the thread takes calls again.
      await expect(small.run('stats', who, {})).resolves.toMatchObject({ asOf: expect.any(String) });
    } finally {
      await small.close();
    }
  });

  it('answers 503 after it is closed, and a pool needs a thread', async () => {
    const url = `file:${join(dir, 'pool.db')}`;
    const closing = createReadPool({ url, size: 1 });
    await closing.close();
    await expect(closing.run('stats', { actor: { role: 'admin', tokenId: 1 }, clock: env.clock }, {})).rejects.toMatchObject({ code: 'unavailable' });
    expect(() => createReadPool({ url, size: 0 })).toThrow(/at least one thread/);
  });
});
