// Node entry: one libSQL client (an embedded file by default), migrations at
// start, the API on PORT, and one loop for the clocks and the outbox sender.
// With WEB_PROCESSES above 1 (or "auto", one per core) the work is shared out
// (node:cluster): this primary process applies the migrations, runs the loop
// once for all (so the sending limits hold for the whole bot) and forks the
// servers, which share PORT, each with its own connection to the file (WAL:
// readers never wait) and its own catalogue; a server that dies is replaced.
// Stops cleanly on SIGTERM: sends in flight finish, held messages go back.
import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { serve } from '@hono/node-server';
import { stopDelivery } from '../bot/sender.js';
import { createApp } from './app.js';
import { parseSmsTemplates } from '../bot/channels/sms/sender.js';
import { type Config, loadNodeConfig } from './config.js';
import { systemClock, type Deps } from './context.js';
import { isLocalUrl, localPath } from '../db/local-client.js';
import { openLocalDatabase } from './node-db.js';
import { createReadPool } from './services/read-pool/pool.js';
import { nodeDocsAssets } from './openapi/node-assets.js';
import { openingCatalogue } from './services/opening-catalogue.js';
import { forwardedRequest } from './proxy.js';
import { runNodeLoop } from './scheduler.js';
import { telegramApi } from './telegram.js';

const clock = systemClock;

function depsFor(config: Config, db: Deps['db'], background: Set<Promise<unknown>>, serving: 'alone' | 'beside others' | 'not'): Deps {
  return {
    db,
    clock,
    config,
    telegram: config.TELEGRAM_BOT_TOKEN ? telegramApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT) : undefined,
    background: (task) => {
      background.add(task);
      void task.finally(() => background.delete(task));
    },
    docsAssets: serving === 'not' ? undefined : nodeDocsAssets(),
    sendsAfterWrites: serving === 'alone',
    readPool: serving === 'not' ? undefined : readPoolFor(config),
    webhookAck: config.TELEGRAM_WEBHOOK_ACK,
  };
}

/** An in-memory database: this thread's alone (no other thread or process opens it). */
const inMemory = (url: string) => isLocalUrl(url) && localPath(url) === ':memory:';

/** The serving process's read threads (READ_THREADS), on the embedded file only. */
function readPoolFor(config: Config) {
  const url = config.DATABASE_URL;
  if (config.READ_THREADS === 0 || !isLocalUrl(url) || inMemory(url)) return undefined;
  return createReadPool({ url, size: config.READ_THREADS, busyWaitMs: config.DATABASE_BUSY_WAIT_MS });
}

/** Opens the database as the first process does: migrations, reference areas, the admin token. */
async function openAsFirst(config: Config) {
  const opened = await openLocalDatabase(config, { generateAdminToken: true, clock });
  const { prepared } = opened;
  if (prepared.migrationsApplied.length) console.log(`migrations applied: ${prepared.migrationsApplied.join(', ')}`);
  if (prepared.areasLoaded) console.log(`reference areas loaded: ${prepared.areasLoaded}`);
  if (prepared.generatedAdminToken) {
    console.log('\nNo admin token existed, so one was made. It is shown this once; keep it safe:');
    console.log(`  ${prepared.generatedAdminToken}\n`);
  }
  return opened;
}

/** Serves the API on PORT; resolves with a stop function once listening. */
async function startServing(config: Config, deps: Deps, announce: boolean) {
  // The open openings the matcher ranks, read once now rather than by the first request.
  const catalogue = await openingCatalogue(deps.db);
  if (announce) console.log(`open openings in the matcher's catalogue: ${catalogue.size}`);
  const app = createApp(deps);
  // Behind nginx (TRUST_PROXY=on) the app sees the browser's https URL and address.
  const fetch: typeof app.fetch = config.TRUST_PROXY ? (req, ...rest) => app.fetch(forwardedRequest(req), ...rest) : app.fetch;
  return new Promise<ReturnType<typeof serve>>((resolve) => {
    const server = serve({ fetch, port: config.PORT }, () => resolve(server));
  });
}

/**
 * The start lines, in one write: whoever waits for the first line (the
 * tests, a supervisor) then has them all, not only those a pipe delivered so
 * far (a test once read the output between two lines).
 */
function announceListening(config: Config, listening: string) {
  const trust = config.TRUST_PROXY ? ['behind a proxy: X-Forwarded-Proto, -Host and -For are trusted (TRUST_PROXY)'] : [];
  console.log([listening, ...channelLines(config), ...trust].join('\n'));
}

/** One process: serves, and runs the loop for the clocks and the sender. */
async function single(config: Config) {
  const { client, db } = await openAsFirst(config);
  const background = new Set<Promise<unknown>>();
  const deps = depsFor(config, db, background, 'alone');
  const server = await startServing(config, deps, true);
  const loopAbort = new AbortController();
  const loop = runNodeLoop(deps, { signal: loopAbort.signal }).catch((err) => console.error('scheduler loop failed', err));
  onStop(async () => {
    // Every run of the sender (the loop's and any a request started) finishes
    // the sends in flight and hands back what it holds: nothing is lost.
    stopDelivery(db);
    loopAbort.abort();
    await loop;
    await Promise.allSettled([...background]);
    await new Promise<void>((done) => server.close(() => done()));
    await deps.readPool?.close();
    client.close();
  });
  // Said once it stops cleanly on SIGTERM (onStop above), since whoever waits
  // for the lines may stop it at once.
  announceListening(config, `Jiujin API listening on http://localhost:${(server.address() as AddressInfo).port} (database ${config.DATABASE_URL})`);
}

/** The primary of several: migrations, the loop, and the servers forked (replaced when one dies). */
async function primary(config: Config, processes: number) {
  const { client, db } = await openAsFirst(config);
  const background = new Set<Promise<unknown>>();
  const deps = depsFor(config, db, background, 'not');
  let stopping = false;
  let listening = 0;
  const fork = () => cluster.fork({ JIUJIN_SERVER_PROCESS: '1' });
  cluster.on('message', (_worker, msg: unknown) => {
    if ((msg as { listening?: number }).listening === undefined) return;
    if (++listening === processes) {
      announceListening(config, `Jiujin API listening on http://localhost:${config.PORT} (database ${config.DATABASE_URL}), ${processes} processes serving`);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`a serving process (pid ${worker.process.pid}) ended (${signal ?? code}); starting another`);
    fork();
  });
  for (let i = 0; i < processes; i++) fork();
  const loopAbort = new AbortController();
  const loop = runNodeLoop(deps, { signal: loopAbort.signal }).catch((err) => console.error('scheduler loop failed', err));
  onStop(async () => {
    stopping = true;
    const exited = Object.values(cluster.workers ?? {}).map(
      (w) => new Promise<void>((done) => (w!.isDead() ? done() : w!.once('exit', () => done()))),
    );
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    stopDelivery(db);
    loopAbort.abort();
    await loop;
    await Promise.allSettled([...background, ...exited]);
    client.close();
  });
}

/** A server forked by the primary: serves only; what writes owe is sent by the primary's loop. */
async function server(config: Config) {
  const { client, db } = await openLocalDatabase(config, { clock });
  const background = new Set<Promise<unknown>>();
  const deps = depsFor(config, db, background, 'beside others');
  const http = await startServing(config, deps, false);
  process.send?.({ listening: process.pid });
  onStop(async () => {
    await Promise.allSettled([...background]);
    await new Promise<void>((done) => http.close(() => done()));
    await deps.readPool?.close();
    client.close();
  });
}

function onStop(stop: () => Promise<void>) {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!cluster.isWorker) console.log(`${signal}: stopping`);
    stop().then(
      () => process.exit(0),
      (err) => {
        console.error('stopping failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
}

/**
 * How many processes serve PORT: WEB_PROCESSES, "auto" one per core. An
 * in-memory database lives in one process, which alone can serve it.
 */
function servingProcesses(config: Config): number {
  const url = config.DATABASE_URL;
  if (inMemory(url)) {
    if (config.WEB_PROCESSES > 1) {
      throw new Error(`Invalid configuration:\nWEB_PROCESSES: ${config.WEB_PROCESSES} processes cannot share an in-memory database (${url}): set DATABASE_URL to a file, or WEB_PROCESSES to 1 or auto`);
    }
    return 1;
  }
  return config.WEB_PROCESSES === 0 ? availableParallelism() : config.WEB_PROCESSES;
}

async function main() {
  const config = loadNodeConfig();
  if (cluster.isWorker) return server(config);
  const processes = servingProcesses(config);
  if (processes > 1) return primary(config, processes);
  return single(config);
}

/** What of each channel is on, said at start (the tests wait for the chat bot's line, which comes first). */
function channelLines(config: Config): string[] {
  return [
    config.TELEGRAM_BOT_TOKEN ? 'chat bot: on' : 'chat bot: off (TELEGRAM_BOT_TOKEN is not set)',
    wechatStatus(config),
    config.SMS_ACCESS_KEY_ID && config.SMS_ACCESS_KEY_SECRET && config.SMS_SIGN_NAME
      ? `SMS: on (templates for ${Object.keys(parseSmsTemplates(config.SMS_TEMPLATES)).join(', ') || 'none: every SMS would be dead'}${config.SMS_CALLBACK_TOKEN ? '' : '; no SMS_CALLBACK_TOKEN: receipts and replies refused'})`
      : 'SMS: off (SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET or SMS_SIGN_NAME not set)',
  ];
}

/** What of the WeChat channel runs: the conversation needs the token, alerts the AppID and AppSecret too. */
function wechatStatus(config: Config): string {
  if (!config.WECHAT_TOKEN) return 'WeChat: off (WECHAT_TOKEN is not set)';
  const mode = config.WECHAT_AES_KEY && config.WECHAT_APP_ID ? 'plain and safe mode' : 'plain mode only (WECHAT_AES_KEY or WECHAT_APP_ID not set)';
  const alerts = config.WECHAT_APP_ID && config.WECHAT_APP_SECRET ? 'alerts on' : 'alerts off (WECHAT_APP_ID or WECHAT_APP_SECRET not set)';
  return `WeChat: on at /wechat, ${mode}, ${alerts}`;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
