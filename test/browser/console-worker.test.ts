// The console on Workers: the built worker in Miniflare with D1. Sessions live
// in the database (an isolate keeps nothing), so a sign-in, a page and a form
// post are separate requests that must find the session again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Bundle, buildWorker, startWorker, type WorkerRuntime } from '../workers/worker-runtime.js';

let bundle: Bundle;
let rt: WorkerRuntime;
const ORIGIN = 'http://localhost';

beforeAll(async () => {
  bundle = await buildWorker();
  rt = await startWorker(bundle);
});

afterAll(async () => {
  await rt?.dispose();
});

const fetchPage = (path: string, init: { method?: string; cookie?: string; form?: Record<string, string> } = {}) =>
  rt.mf.dispatchFetch(`${ORIGIN}${path}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN } : {}),
    },
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
  });

describe('console on Workers', () => {
  it('signs in, shows the overview with the API\'s figures and signs out, the session kept in D1', async () => {
    const login = await fetchPage('/console/login', { method: 'POST', form: { token: ADMIN_TOKEN } });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { results } = await rt.d1.prepare('SELECT count(*) AS n FROM console_sessions').all<{ n: number }>();
    expect(results[0]!.n).toBe(1);

    const page = await fetchPage('/console/overview?area=5325', { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    const api = await rt.request('GET', '/v1/stats?area=5325', { token: ADMIN_TOKEN });
    expect(html).toContain(`data-figure="workersRegistered">${api.body.workersRegistered}<`);
    expect(html).toContain('<svg');
    const csrf = /name="_csrf" value="([0-9a-f]+)"/.exec(html)![1]!;

    const out = await fetchPage('/console/logout', { method: 'POST', cookie, form: { _csrf: csrf } });
    expect(out.status).toBe(303);
    const after = await fetchPage('/console/overview', { cookie });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/console\?next=/);
  });
});
