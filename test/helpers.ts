// Test harness: the real app over a real in-memory libSQL database, with the
// migrations and reference areas applied, a settable clock and factories that
// give every row unique values.
import { createDbClient } from '../db/local-client.js';
import { type FakeBotApi, startFakeBotApi } from '../bot/dev/fake-bot-api.js';
import { libsqlDb, type Db } from '../db/client.js';
import { createApp } from '../src/app.js';
import { createLogger, logLevels, type LogLevel, writes } from '../src/observability/log.js';
import { buildDocument } from '../src/openapi/document.js';
import { nodeDocsAssets } from '../src/openapi/node-assets.js';
import { API_VERSION } from '../src/openapi/routes.js';
import { prepareDatabase } from '../src/bootstrap.js';
import { parseConfig } from '../src/config.js';
import type { Clock, Deps } from '../src/context.js';
import { createToken } from '../src/services/tokens.js';
import { telegramApi } from '../src/telegram.js';
import { contractChecker } from './contract.js';

export class TestClock implements Clock {
  constructor(public current = new Date('2026-11-20T02:00:00Z')) {}
  now() {
    return new Date(this.current);
  }
  set(iso: string) {
    this.current = new Date(iso);
  }
  advanceDays(days: number) {
    this.current = new Date(this.current.getTime() + days * 86_400_000);
  }
}

let seq = 0;
export const unique = (prefix = 'x') => `${prefix}-${process.pid}-${++seq}`;

export interface TestEnv {
  db: Db;
  clock: TestClock;
  deps: Deps;
  app: ReturnType<typeof createApp>;
  adminToken: string;
  request: (method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }) => Promise<{ status: number; body: any; headers: Headers }>;
  token: (spec: Parameters<typeof createToken>[2]) => Promise<string>;
  /** Every log line the app wrote (JSON), at debug and up; printed too when LOG_LEVEL is set for the test run. */
  logs: string[];
  /** Waits for the work the app left running after its responses (sending owed messages). */
  settle: () => Promise<void>;
  close: () => void;
}

const adminTokenOfFile = new Map<string, string>();

export async function makeTestEnv(url = ':memory:', opts: { config?: Record<string, string>; busyWaitMs?: number } = {}): Promise<TestEnv> {
  const client = createDbClient({ url, busyWaitMs: opts.busyWaitMs });
  const db = libsqlDb(client);
  const clock = new TestClock();
  // One JIUJIN_ADMIN_TOKEN per database, as processes sharing a file share their
  // environment: a different one would be a rotation, ending the first (src/services/tokens.ts).
  const adminToken = url === ':memory:' ? `test-admin-token-${unique()}` : (adminTokenOfFile.get(url) ?? `test-admin-token-${unique()}`);
  if (url !== ':memory:') adminTokenOfFile.set(url, adminToken);
  await prepareDatabase(db, clock, { adminToken, generateAdminToken: false });
  const config = parseConfig(opts.config ?? {});
  const pending = new Set<Promise<unknown>>();
  const logs: string[] = [];
  // Every token, name and phone the test sends: no log line may hold one (see noteSecrets).
  const secrets = new Set<string>([adminToken]);
  for (const [key, value] of Object.entries(opts.config ?? {})) if (/TOKEN|SECRET/.test(key) && value.length >= 4) secrets.add(value);
  const deps: Deps = {
    db,
    clock,
    config,
    telegram: config.TELEGRAM_BOT_TOKEN ? telegramApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT, 5) : undefined,
    background: (task) => {
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
    docsAssets: nodeDocsAssets(),
    // Quiet by default: lines are kept for the tests, printed only with LOG_LEVEL=… npx vitest.
    log: createLogger('debug', {
      clock,
      sink: (line, level) => {
        logs.push(line);
        for (const secret of secrets) {
          if (line.includes(secret)) throw new Error(`A log line holds a token, name or phone the test used (${secret}): ${line}`);
        }
        if (writes(echoLevel, level)) console.log(line);
      },
    }),
  };
  const app = createApp(deps);
  checkResponsesAgainstContract(app);
  const request: TestEnv['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    noteSecrets(secrets, opts.body);
    if (opts.token) secrets.add(opts.token);
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    db,
    clock,
    deps,
    app,
    adminToken,
    request,
    token: async (spec) => {
      const { token } = await createToken(db, clock, spec);
      secrets.add(token);
      return token;
    },
    logs,
    settle: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close: () => client.close(),
  };
}

const personalKeys = new Set(['name', 'phone', 'email', 'first_name', 'last_name', 'phone_number']);

/** The personal values (names, phones) of a request body, at any depth. */
function noteSecrets(secrets: Set<string>, value: unknown, key?: string): void {
  if (typeof value === 'string') {
    if (key && personalKeys.has(key) && value.trim().length >= 2) secrets.add(value.trim());
  } else if (Array.isArray(value)) {
    for (const v of value) noteSecrets(secrets, v, key);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) noteSecrets(secrets, v, k);
  }
}

const echoLevel: LogLevel = logLevels.find((l) => l === process.env.LOG_LEVEL) ?? 'silent';

let check: ReturnType<typeof contractChecker> | undefined;

/**
 * Every response of the app (through app.request, app.fetch or a server on
 * it) is checked against the OpenAPI document: see test/contract.ts.
 */
function checkResponsesAgainstContract(app: ReturnType<typeof createApp>) {
  check ??= contractChecker(buildDocument(app.routes, { version: API_VERSION }));
  const checker = check;
  const inner = app.fetch;
  app.fetch = async (request, ...rest) => {
    const res = await inner(request, ...rest);
    const copy = res.clone();
    checker(request.method, new URL(request.url).pathname, res.status, res.headers.get('content-type') ?? '', await copy.text());
    return res;
  };
}

/** Creates an employer through the API and returns it with a token for it. */
export async function makeEmployer(
  env: TestEnv,
  over: Record<string, unknown> = {},
): Promise<{ id: number; token: string; body: any }> {
  const res = await env.request('POST', '/v1/employers', {
    token: env.adminToken,
    body: { name: unique('employer'), kind: 'workshop', areaCode: '532503', point: { lat: 23.4, lon: 103.38 }, ...over },
  });
  if (res.status !== 201) throw new Error(`employer not created: ${res.status} ${JSON.stringify(res.body)}`);
  const token = await env.token({ role: 'employer', employerId: res.body.id });
  return { id: res.body.id, token, body: res.body };
}

export const openingBody = (over: Record<string, unknown> = {}) => ({
  title: unique('opening'),
  kind: 'workshop',
  areaCode: '532503',
  point: { lat: 23.4, lon: 103.38 },
  slots: 2,
  wage: { amount: 2200, period: 'month' },
  hours: 'full_day',
  skills: ['sewing'],
  ...over,
});

/** Creates a household through the API (admin by default) and returns its body. */
export async function makeHousehold(env: TestEnv, over: Record<string, unknown> = {}, token = env.adminToken): Promise<any> {
  const res = await env.request('POST', '/v1/households', {
    token,
    body: { areaCode: '532503001001', povertyAlleviated: true, monitored: false, ...over },
  });
  if (res.status !== 201) throw new Error(`household not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates a worker through the API (admin by default) and returns its body. */
export async function makeWorker(env: TestEnv, householdId: number, over: Record<string, unknown> = {}, token = env.adminToken): Promise<any> {
  const res = await env.request('POST', '/v1/workers', {
    token,
    body: { householdId, name: unique('worker'), home: { lat: 23.4, lon: 103.38 }, availability: 'full_day', ...over },
  });
  if (res.status !== 201) throw new Error(`worker not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates an open opening through the API as admin for that employer and returns its body. */
export async function makeOpening(env: TestEnv, employerId: number, over: Record<string, unknown> = {}): Promise<any> {
  const res = await env.request('POST', '/v1/openings', {
    token: env.adminToken,
    body: openingBody({ employerId, status: 'open', skills: [], ...over }),
  });
  if (res.status !== 201) throw new Error(`opening not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The point `km` kilometres north of `p` (along a meridian). */
export const northOf = (p: { lat: number; lon: number }, km: number) => ({ lat: p.lat + km / 111.195, lon: p.lon });

/** Applies, offers and hires as admin through the API; returns the application id. */
export async function hireThroughApi(env: TestEnv, workerId: number, openingId: number): Promise<number> {
  const a = await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId, openingId } });
  if (a.status !== 201) throw new Error(`application not created: ${a.status} ${JSON.stringify(a.body)}`);
  for (const to of ['offered', 'hired']) {
    const r = await env.request('POST', `/v1/applications/${a.body.id}/transitions`, { token: env.adminToken, body: { to } });
    if (r.status !== 200) throw new Error(`not ${to}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return a.body.id;
}

/**
 * A test environment with the chat bot on: the app's outgoing Telegram calls
 * go to a fresh local fake Bot API on 127.0.0.1. `close` waits for background
 * sends, then closes both.
 */
export async function makeBotTestEnv(config: { token: string; secret: string; more?: Record<string, string> }): Promise<{ env: TestEnv; fake: FakeBotApi; close: () => Promise<void> }> {
  const fake = await startFakeBotApi();
  const env = await makeTestEnv(':memory:', {
    config: { ...config.more, TELEGRAM_BOT_TOKEN: config.token, TELEGRAM_WEBHOOK_SECRET: config.secret, TELEGRAM_API_ROOT: fake.url },
  });
  return {
    env,
    fake,
    close: async () => {
      await env.settle();
      env.close();
      await fake.close();
    },
  };
}
