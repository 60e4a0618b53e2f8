// Workers test harness: builds the bundle `wrangler deploy` would upload (its
// own bundler, run as --dry-run, so no Cloudflare account or network) and runs
// it in Miniflare's workerd with a local D1 database bound as DB.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const ADMIN_TOKEN = 'workers-test-admin-token-0123456789';

let seq = 0;
export const unique = (prefix = 'x') => `${prefix}-wk-${process.pid}-${Date.now().toString(36)}-${++seq}`;

/** The few wrangler.toml settings the runtime needs, read from the real file. */
export function wranglerSettings(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = readFileSync(join(root, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return {
    compatibilityDate: date,
    compatibilityFlags: [...(flags ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!),
  };
}

export interface Bundle {
  dir: string;
  scriptPath: string;
  /** 0 when the bundle of the same sources was already built. */
  buildMs: number;
}

/** A digest of everything the bundle is made from: the sources, the seed data, wrangler.toml and the lockfile. */
function sourceDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else hash.update(rel).update(readFileSync(join(root, rel)));
    }
  };
  for (const dir of ['src', 'bot', 'db']) walk(dir);
  for (const file of ['wrangler.toml', 'package-lock.json', 'tsconfig.json']) hash.update(file).update(readFileSync(join(root, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The bundle `wrangler deploy` would upload (its own bundler, run as
 * --dry-run, exactly as `npm run build:worker`), built once per state of the
 * sources: the suites running in parallel share it through a cache folder
 * keyed by the sources' digest, instead of each bundling the same code.
 */
export async function buildWorker(): Promise<Bundle> {
  const cacheRoot = join(root, 'node_modules', '.cache', 'jiujin-worker');
  const dir = join(cacheRoot, sourceDigest());
  const scriptPath = join(dir, 'out', 'worker.js');
  if (existsSync(scriptPath)) return { dir, scriptPath, buildMs: 0 };
  mkdirSync(cacheRoot, { recursive: true });
  const building = mkdtempSync(join(cacheRoot, 'building-'));
  const wranglerBin = join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
  const started = Date.now();
  try {
    await promisify(execFile)(process.execPath, [wranglerBin, 'deploy', '--dry-run', '--outdir', join(building, 'out')], {
      cwd: root,
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        WRANGLER_SEND_ERROR_REPORTS: 'false',
        // The banner is what asks the registry for a newer wrangler.
        WRANGLER_HIDE_BANNER: 'true',
        WRANGLER_LOG_PATH: join(building, 'logs'),
        CI: 'true',
      },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    rmSync(building, { recursive: true, force: true });
    throw new Error(`wrangler could not bundle the worker: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  try {
    renameSync(building, dir);
  } catch {
    // Another suite finished the same build first: use that one.
    rmSync(building, { recursive: true, force: true });
  }
  return { dir, scriptPath, buildMs: Date.now() - started };
}

/** What the tests use of the D1 binding (workers-types are not installed). */
export interface D1Statement {
  bind(...values: unknown[]): D1Statement;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  run(): Promise<unknown>;
}
export interface D1 {
  prepare(sql: string): D1Statement;
}

interface ScheduledWorker {
  scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<{ outcome: string; noRetry: boolean }>;
}

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

export interface WorkerRuntime {
  mf: Miniflare;
  d1: D1;
  request(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply>;
  /** Fires the cron trigger as Cloudflare would and returns its outcome. */
  scheduled(cron?: string): Promise<{ outcome: string; noRetry: boolean }>;
  dispose(): Promise<void>;
}

export async function startWorker(
  bundle: Bundle,
  extraBindings: Record<string, string> = {},
  opts: { d1Persist?: string } = {},
): Promise<WorkerRuntime> {
  const mf = new Miniflare({
    modules: true,
    modulesRoot: dirname(bundle.scriptPath),
    scriptPath: bundle.scriptPath,
    ...wranglerSettings(),
    // In-memory D1: each run starts empty, so the worker's own migrations are what builds it.
    // With d1Persist, a folder keeps it: a later runtime (a new isolate) finds the same rows.
    d1Databases: { DB: 'jiujin-workers-test' },
    ...(opts.d1Persist ? { d1Persist: opts.d1Persist } : {}),
    bindings: { JIUJIN_ADMIN_TOKEN: ADMIN_TOKEN, ...extraBindings },
  });
  await mf.ready;
  const d1 = (await mf.getD1Database('DB')) as D1;
  const worker = (await mf.getWorker()) as unknown as ScheduledWorker;

  const request: WorkerRuntime['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await mf.dispatchFetch(`http://localhost${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text for the assertion message */
    }
    return { status: res.status, body: parsed, headers: res.headers as unknown as Headers };
  };

  return {
    mf,
    d1,
    request,
    scheduled: (cron = '*/5 * * * *') => worker.scheduled({ cron }),
    dispose: () => mf.dispose(),
  };
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

/** Creates an employer through the worker as admin and returns its id. */
export async function makeEmployer(rt: WorkerRuntime): Promise<number> {
  const res = await rt.request('POST', '/v1/employers', {
    token: ADMIN_TOKEN,
    body: { name: unique('employer'), kind: 'workshop', areaCode: '532503', point: { lat: 23.4, lon: 103.38 } },
  });
  if (res.status !== 201) throw new Error(`employer not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as number;
}

/** A date as YYYY-MM-DD, `days` from today (UTC, as the worker's clock sees it). */
export const isoDay = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
