// A fuzz of every route (walked from app.routes: the API, the console's
// pages, the webhook): random and adversarial paths, queries, bodies,
// headers and tokens of every role, for a bounded time. Nothing may answer
// 5xx or show a stack trace. A failure prints the seed: FUZZ_SEED=<n> replays it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/openapi/document.js';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

function rng(s: number) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const rand = rng(seed);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

const nasty = [
  '', ' ', '0', '-1', '1e309', 'NaN', 'null', 'true', '9007199254740993', '99999999999999999999999', '1.5', '0x10',
  '../../etc/passwd', '%00', '\u0000', '\ud800', '😀'.repeat(50), '<script>alert(1)</script>', "' OR 1=1 --", '${7*7}',
  '__proto__', 'constructor', 'a'.repeat(5000), '2026-02-30', '9999-12-31', '1999-12-31', '2026-11-20', '532503', '5325',
  '532503001001', 'jj_' + 'A'.repeat(43), '%E0%A4%A', '\r\nX-Injected: 1', '{"a":1}', '[]',
];

function value(depth: number): unknown {
  const r = int(10);
  if (depth > 3 || r < 3) return pick([null, true, false, int(1000), -int(1000), rand() * 1e6, 1e308, -0, pick(nasty)]);
  if (r < 6) return Array.from({ length: int(5) }, () => value(depth + 1));
  const keys = ['name', 'areaCode', 'point', 'lat', 'lon', 'workerId', 'openingId', 'to', 'reason', 'kind', 'status', 'slots', 'startDate', 'endDate', 'householdId', 'skills', 'home', 'phone', 'sourceId', 'lastDayWorked', 'birthDate', 'cadreHousehold', 'cadreSince', 'placementId', 'month', 'daysWorked', 'total', 'attendance', 'how', 'resolution', 'note', '__proto__', pick(nasty)];
  return Object.fromEntries(Array.from({ length: int(6) }, () => [pick(keys), value(depth + 1)]));
}

function deep(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

let env: TestEnv;
const tokens: (string | undefined)[] = [undefined];
const realIds: number[] = [];

beforeAll(async () => {
  env = await makeTestEnv(':memory:', { config: { TELEGRAM_BOT_TOKEN: '123:fuzz', TELEGRAM_WEBHOOK_SECRET: 'fuzz-secret-0123456789', TELEGRAM_API_ROOT: 'http://127.0.0.1:9' } });
  const own = await makeEmployer(env);
  const h = await makeHousehold(env);
  const w = await makeWorker(env, h.id);
  const o = await makeOpening(env, own.id);
  realIds.push(own.id, h.id, w.id, o.id);
  tokens.push(
    env.adminToken,
    await env.token({ role: 'staff', areaPrefix: '532503' }),
    await env.token({ role: 'staff', areaPrefix: '532501' }),
    own.token,
    'jj_not-a-real-token',
  );
});
afterAll(() => env.close());

/** Percent-encoded; a lone surrogate becomes the bytes of one (invalid UTF-8), and now and then a value goes raw. */
function enc(v: string): string {
  if (rand() < 0.1 && /^[\x21-\x7e]*$/.test(v) && !/[#?\/]/.test(v)) return v;
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
}

function pathFor(path: string): string {
  return path.replace(/:(\w+)/g, () => enc(String(rand() < 0.4 ? pick(realIds) : pick(nasty))) || '1');
}

function query(): string {
  if (rand() < 0.4) return '';
  const keys = ['limit', 'cursor', 'area', 'near', 'radiusKm', 'asOf', 'state', 'kind', 'openingId', 'workerId', 'format', 'zeroEmployment', 'parent', 'due', pick(nasty)];
  return '?' + Array.from({ length: 1 + int(4) }, () => `${enc(pick(keys))}=${enc(pick(nasty))}`).join('&');
}

function body(): { body?: BodyInit; type?: string } {
  const r = int(10);
  if (r === 0) return {};
  if (r === 1) return { body: deep(5000 + int(20000)), type: 'application/json' };
  if (r === 2) return { body: '{"a":' + pick(nasty), type: 'application/json' };
  if (r === 3) {
    const form = new FormData();
    form.set(pick(['kind', 'file', 'token', 'workerIds', '_csrf', pick(nasty)]), pick(nasty));
    if (rand() < 0.5) form.set('file', new File([pick(nasty)], pick(['a.xlsx', 'b.csv', '../x'])));
    return { body: form };
  }
  if (r === 4) return { body: new URLSearchParams({ token: pick(nasty), next: pick(nasty), _csrf: pick(nasty) }).toString(), type: 'application/x-www-form-urlencoded' };
  if (r === 5) return { body: JSON.stringify(value(0)), type: pick(['text/plain', 'application/xml', 'application/json; charset=gbk', '']) };
  return { body: JSON.stringify(value(0)), type: 'application/json' };
}

/** A header value a client can send at all (bytes, no line breaks). */
const hv = (v: string) => v.replace(/[^\x20-\x7e\x80-\xff]/g, '').slice(0, 300) || 'x';

const stackLike = /\n\s+at |node_modules|\/src\/|\.ts:\d+|TypeError|ReferenceError|SQLITE_|LibsqlError/;

describe('fuzz', () => {
  it(`every route, random and adversarial input for ${SECONDS} s: no 5xx, no stack trace (seed ${seed})`, async () => {
    const ops = operations(env.app.routes).filter((op) => op.method !== 'HEAD');
    expect(ops.length).toBeGreaterThan(60); // the API, the console's pages and the webhook
    const deadline = Date.now() + SECONDS * 1000;
    let n = 0;
    const statuses = new Map<number, number>();
    while (Date.now() < deadline) {
      for (const op of ops) {
        const method = rand() < 0.9 ? op.method : pick(['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS']);
        const url = pathFor(op.path) + query();
        const shown = url.length > 200 ? `${url.slice(0, 200)}…` : url;
        const headers: Record<string, string> = {};
        const token = pick(tokens);
        if (token) headers.authorization = rand() < 0.9 ? `Bearer ${token}` : pick(['Bearer', 'Basic abc', `Bearer ${token} x`, 'bearer   ' + token, `Bearer ${hv(pick(nasty))}`]);
        if (rand() < 0.3) headers['idempotency-key'] = hv(pick(nasty));
        if (rand() < 0.2) headers['x-telegram-bot-api-secret-token'] = pick(['fuzz-secret-0123456789', 'wrong']);
        if (rand() < 0.2) headers.origin = pick(['http://localhost', 'https://evil.example', 'null']);
        if (rand() < 0.2) headers.cookie = `jj_session=${hv(pick(nasty)).replace(/;/g, '')}; jj_lang=${pick(['en', 'zh', 'xx'])}`;
        if (rand() < 0.1) headers['x-request-id'] = hv(pick(nasty));
        const b = method === 'GET' || method === 'HEAD' ? {} : body();
        if (b.type) headers['content-type'] = b.type;
        let res: Response;
        try {
          res = await env.app.request(url, { method, headers, body: b.body });
        } catch (err) {
          throw new Error(`seed ${seed}: ${method} ${shown} threw ${String(err).slice(0, 1000)}`);
        }
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        n++;
        expect(res.status, `seed ${seed}: ${method} ${shown} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
        expect(stackLike.test(text), `seed ${seed}: ${method} ${shown} shows internals: ${text.slice(0, 300)}`).toBe(false);
        if (Date.now() >= deadline) break;
      }
    }
    await env.settle();
    console.log(`fuzz: ${n} requests, seed ${seed}, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(n).toBeGreaterThan(500);
  }, (SECONDS + 60) * 1000);
});
