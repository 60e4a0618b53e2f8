// Cloudflare Workers entry: the database comes from the D1 binding `DB`, or a
// remote libSQL server when LIBSQL_URL is set. Dependencies are built per
// request (isolates keep nothing reliable); cached are only "already
// prepared" and the database handle, so what is kept per handle (prepared
// queries, the matcher's catalogue of open openings, brought up to date on
// each use) serves the isolate's later requests too. The catalogue is read
// after the isolate's first response (waitUntil), once however many requests
// arrive together; until then matches read only the openings each worker's
// ranking can reach (services/opening-catalogue.ts).
import { createClient } from '@libsql/client/web';
import { d1Db, type Db, libsqlDb } from '../db/client.js';
import { createApp } from './app.js';
import { prepareDatabase } from './bootstrap.js';
import { parseConfig } from './config.js';
import { systemClock, type Deps } from './context.js';
import { createLogger, errorFields, loggerOf } from './observability/log.js';
import { requestIdOf } from './observability/request.js';
import { CRON_DELIVERY_BUDGET_MS, runScheduledJobs } from './scheduler.js';
import { keepNarrowed, warmInBackground } from './services/opening-catalogue.js';
import { telegramApi } from './telegram.js';

export interface WorkerEnv {
  DB?: unknown;
  [key: string]: unknown;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

let prepared: Promise<unknown> | null = null;

/** Handles by D1 binding and by remote URL, for the isolate's life. */
const d1Handles = new WeakMap<object, Db>();
const libsqlHandles = new Map<string, Db>();

/** The handle kept under `key`, opened the first time it is asked for. */
function kept<K>(handles: { get(key: K): Db | undefined; set(key: K, db: Db): unknown }, key: K, open: () => Db): Db {
  let db = handles.get(key);
  if (!db) handles.set(key, (db = open()));
  return db;
}

function databaseFor(env: WorkerEnv, config: ReturnType<typeof parseConfig>): Db {
  const { LIBSQL_URL: url, LIBSQL_AUTH_TOKEN: authToken } = config;
  if (url) return kept(libsqlHandles, `${url} ${authToken ?? ''}`, () => libsqlDb(createClient({ url, authToken })));
  const binding = env.DB;
  if (!binding || typeof binding !== 'object') throw new Error('No database: bind D1 as DB or set LIBSQL_URL');
  return kept(d1Handles, binding, () => d1Db(binding));
}

async function depsFor(env: WorkerEnv): Promise<Deps> {
  const config = parseConfig(env);
  const db = databaseFor(env, config);
  prepared ??= prepareDatabase(db, systemClock, {
    adminToken: config.JIUJIN_ADMIN_TOKEN,
    // No console to show a generated token on: set JIUJIN_ADMIN_TOKEN as a secret.
    generateAdminToken: false,
  }).catch((err) => {
    prepared = null;
    throw err;
  });
  await prepared;
  return {
    db,
    clock: systemClock,
    config,
    telegram: config.TELEGRAM_BOT_TOKEN ? telegramApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT) : undefined,
  };
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let deps: Deps;
    try {
      deps = await depsFor(env);
    } catch (err) {
      // Before the app (and its logger at LOG_LEVEL) exists: the same line shape, at error level.
      const requestId = requestIdOf(request.headers.get('x-request-id') ?? undefined);
      createLogger('error').error('database not ready', { requestId, ...errorFields(err) });
      return Response.json(
        { error: { code: 'unavailable', message: 'The database is not reachable; try again soon', issues: [] } },
        { status: 503, headers: { 'X-Request-Id': requestId } },
      );
    }
    deps.background = (task) => ctx.waitUntil(task);
    // A new isolate answers matches from narrowed reads while its catalogue is read, once, after the response.
    if (deps.config.MATCH_CATALOGUE === 'narrowed') keepNarrowed(deps.db);
    else {
      ctx.waitUntil(
        warmInBackground(deps.db).catch((err: unknown) => loggerOf(deps).error('catalogue not read', errorFields(err))),
      );
    }
    return createApp(deps).fetch(request, env, ctx as never);
  },

  // Cron: the clocks, then the outbox drained within CRON_DELIVERY_BUDGET_MS;
  // a larger backlog is left (unclaimed, or handed back) for the next run.
  async scheduled(_event: unknown, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const deps = await depsFor(env);
    deps.background = (task) => ctx.waitUntil(task);
    // Logged as JSON lines by runScheduledJobs (src/observability/runs.ts).
    await runScheduledJobs(deps, { deliveryBudgetMs: CRON_DELIVERY_BUDGET_MS, trigger: 'cron' });
  },
};
