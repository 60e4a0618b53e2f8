// The authorization matrix: every documented route (walked from app.routes,
// so a new route is in it the day it is added) × every kind of caller —
// none, admin, staff of the objects' county and of another county, the
// owning employer and another employer — for reads and writes. What each
// cell must answer follows from the route's own `who` and the one scope
// rule (an object outside one's scope is 404, as if it did not exist).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChecks } from '../../db/schema.js';
import { operations } from '../../src/openapi/document.js';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

type Caller = 'none' | 'admin' | 'staffIn' | 'staffOut' | 'employerOwn' | 'employerOther';
const callers: Caller[] = ['none', 'admin', 'staffIn', 'staffOut', 'employerOwn', 'employerOther'];

let env: TestEnv;
const tokens: Partial<Record<Caller, string>> = {};
const ids: Record<string, number | string> = {};

beforeAll(async () => {
  env = await makeTestEnv();
  tokens.admin = env.adminToken;
  tokens.staffIn = await env.token({ role: 'staff', areaPrefix: '532503' });
  tokens.staffOut = await env.token({ role: 'staff', areaPrefix: '532501' });
  const own = await makeEmployer(env);
  const other = await makeEmployer(env, { areaCode: '532501', point: { lat: 23.36, lon: 103.15 } });
  tokens.employerOwn = own.token;
  tokens.employerOther = other.token;
  const h = await makeHousehold(env);
  const w = await makeWorker(env, h.id, { phone: '13900001234' });
  const opening = await makeOpening(env, own.id);
  const a = await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId: w.id, openingId: opening.id } });
  const p = await env.request('POST', '/v1/placements', {
    token: env.adminToken,
    body: { workerId: w.id, type: 'self_employed', areaCode: '532503001001', startDate: '2026-11-01' },
  });
  expect(a.status).toBe(201);
  expect(p.status).toBe(201);
  // A public-welfare post held under an agreement, by someone of the same county.
  const holder = await makeWorker(env, (await makeHousehold(env)).id, { birthDate: '1980-01-01' });
  const post = await env.request('POST', '/v1/placements', {
    token: env.adminToken,
    body: { workerId: holder.id, type: 'public_welfare', areaCode: '532503001001', startDate: '2026-11-01' },
  });
  expect(post.status).toBe(201);
  const agreements = await env.request('GET', '/v1/agreements?area=532503', { token: env.adminToken });
  expect(agreements.body.items).toHaveLength(1);
  Object.assign(ids, {
    workers: w.id,
    households: h.id,
    employers: own.id,
    openings: opening.id,
    applications: a.body.id,
    placements: p.body.id,
    agreements: agreements.body.items[0].id,
    areas: '532503',
  });
  // A public-welfare post holder's month, and a flag on the post.
  const ph = await makeHousehold(env);
  const pw = await makeWorker(env, ph.id);
  const heldPost = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: pw.id, type: 'public_welfare', areaCode: '532503001001', startDate: '2026-10-01' } });
  expect(heldPost.status).toBe(201);
  const month = await env.request('PUT', '/v1/assessments', { token: env.adminToken, body: { placementId: heldPost.body.id, month: '2026-11', daysWorked: 15, total: 80 } });
  expect(month.status).toBe(201);
  const [flag] = await env.db
    .insert(postChecks)
    .values({ kind: 'no_assessment', placementId: heldPost.body.id, workerId: pw.id, homeAreaCode: '532503001001', month: '2026-11', raisedAt: '2026-11-20T02:00:00.000Z' })
    .returning();
  Object.assign(ids, { assessments: month.body.id, 'post-checks': flag!.id });
});
afterAll(() => env.close());

/** The id a path's parameter stands for: the object of the first path segment after /v1. */
function fill(path: string): string {
  const kind = path.split('/')[2] ?? '';
  return path.replace(/:(\w+)/g, (_m, name: string) => String(name === 'code' ? ids.areas : ids[kind] ?? 1));
}

/** People's records (and what hangs off them: an agreement, a post holder's month, a flag on a post): their county's staff, admin — and for applications the opening's employer. */
const personScoped = /^\/v1\/(workers|households|placements|applications|agreements|assessments|post-checks)\/:id/;

function routesOf() {
  const app = env.app;
  return operations(app.routes).filter((op) => op.doc && op.path.startsWith('/v1/'));
}

async function call(method: string, path: string, caller: Caller) {
  return env.request(method, fill(path), {
    token: tokens[caller],
    // A body nobody could mean: who may call is settled before it is read.
    ...(method === 'GET' || method === 'DELETE' ? {} : { body: { matrix: true } }),
  });
}

describe('the authorization matrix', () => {
  it('covers every documented /v1 route', () => {
    const ops = routesOf();
    expect(ops.length).toBeGreaterThanOrEqual(35);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(expect.arrayContaining(['GET /v1/applications/:id', 'POST /v1/applications/:id/transitions', 'DELETE /v1/workers/:id']));
  });

  it('every cell: 401 without a token, 403 for a role the route does not name, never a 5xx, and nobody out of scope reads or moves a person', async () => {
    const cells: string[] = [];
    for (const op of routesOf()) {
      const who = op.doc!.who as string[];
      for (const caller of callers) {
        // Erasing would spoil the other cells; its refusals are checked below.
        if (op.method === 'DELETE' && (caller === 'admin' || caller === 'staffIn')) continue;
        const r = await call(op.method, op.path, caller);
        const cell = `${caller} ${op.method} ${op.path} → ${r.status}`;
        cells.push(cell);
        expect(r.status, cell).toBeLessThan(500);
        const role = caller === 'none' ? 'anyone' : caller.startsWith('staff') ? 'staff' : caller.startsWith('employer') ? 'employer' : 'admin';
        if (who.includes('anyone')) {
          expect([401, 403], cell).not.toContain(r.status);
          continue;
        }
        if (caller === 'none') {
          expect(r.status, cell).toBe(401);
          expect(r.body.error.issues, cell).toEqual([]);
          continue;
        }
        if (!who.includes(role)) {
          expect(r.status, cell).toBe(403);
          continue;
        }
        if (personScoped.test(op.path)) {
          const inScope = caller === 'admin' || caller === 'staffIn' || (caller === 'employerOwn' && op.path.startsWith('/v1/applications'));
          if (op.method === 'GET') {
            expect(r.status, cell).toBe(inScope ? 200 : 404);
            if (!inScope) expect(JSON.stringify(r.body), cell).not.toContain('13900001234');
          } else if (!inScope) {
            // A write out of scope is refused as unknown or as not allowed, never done (its body would not pass either).
            expect([400, 403, 404], cell).toContain(r.status);
          }
        }
      }
    }
    expect(cells.length).toBeGreaterThan(200);
  });

  it('nobody but the county’s staff and admins erases a person; the others get 401, 403 or 404', async () => {
    for (const caller of ['none', 'staffOut', 'employerOwn', 'employerOther'] as Caller[]) {
      const r = await call('DELETE', '/v1/workers/:id', caller);
      expect([401, 403, 404], `${caller} → ${r.status}`).toContain(r.status);
    }
    expect((await env.request('GET', `/v1/workers/${ids.workers}`, { token: tokens.staffIn })).status).toBe(200);
  });

  it('applications across counties: the opening’s county staff see none of another county’s people, the person’s county staff all', async () => {
    const own = await makeEmployer(env, { areaCode: '532501', point: { lat: 23.36, lon: 103.15 } });
    const opening = await makeOpening(env, own.id, { areaCode: '532501', point: { lat: 23.36, lon: 103.15 } });
    const h = await makeHousehold(env);
    const w = await makeWorker(env, h.id, { maxDistanceKm: 50 });
    const a = await env.request('POST', '/v1/applications', { token: tokens.staffIn, body: { workerId: w.id, openingId: opening.id } });
    expect(a.status).toBe(201);
    const list = (t?: string) => env.request('GET', `/v1/applications?openingId=${opening.id}`, { token: t });
    expect((await list(tokens.staffOut)).body.items).toEqual([]);
    expect((await list(tokens.staffIn)).body.items.map((i: { id: number }) => i.id)).toEqual([a.body.id]);
    expect((await list(own.token)).body.items.map((i: { id: number }) => i.id)).toEqual([a.body.id]);
    expect((await env.request('GET', `/v1/applications/${a.body.id}`, { token: tokens.staffOut })).status).toBe(404);
    expect((await env.request('POST', `/v1/applications/${a.body.id}/transitions`, { token: tokens.staffOut, body: { to: 'offered' } })).status).toBe(404);
  });
});
