// `npm run bench:load` (not a test): the service as `npm start` starts it
// (`tsx src/node.ts`, a child process, DATABASE_URL on a copy of a benchmark
// database, the scheduler's loop and the sender running in it), driven from
// other processes over loopback: matches alone with Debian's wrk
// (/usr/bin/wrk; the load driver when it is missing), then a realistic mix
// with the load driver (scripts/bench/load-driver.ts, which times every
// request by kind), at 1, 16 and 64 connections for 20 s each. The chat bot
// is on, with a real webhook secret and a fake Bot API on 127.0.0.1, so the
// bot's replies go nowhere real.
//
//   npm run bench:load -- --db=FILE         the database (built by npm run bench -- --load-only when missing)
//   npm run bench:load -- --scale=0.1       the scale to build at when FILE is missing (default 1)
//   npm run bench:load -- --seconds=5       each run's length (default 20)
//   npm run bench:load -- --connections=1,16,64
//   npm run bench:load -- --processes=2     WEB_PROCESSES for the service (default: its own, auto)
//   npm run bench:load -- --load-db=FILE2   the service's copy of FILE (default FILE.load.db, made when missing, then reused)
//   npm run bench:load -- --in-place        run on FILE itself, not a copy (the mix writes: applications, hires, updates)
//   npm run bench:load -- --only=matches|mix
//   npm run bench:load -- --json=OUT.json   also write the report as JSON
//   npm run bench:load -- --log=FILE        keep the service's output (a line per request) in FILE
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startFakeBotApi } from '../bot/dev/fake-bot-api.js';
import { createDbClient } from '../db/local-client.js';
import { freePort } from '../test/server-process.js';
import type { KindReport, LoadPlan, LoadReport, Operation } from './bench/load-driver.js';
import { fmt, table } from './bench/measure.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const SECONDS = Number(args.get('seconds') ?? 20);
const CONNECTIONS = (args.get('connections') ?? '1,16,64').split(',').map(Number);
const PROCESSES = args.get('processes');
const SCALE = args.get('scale') ?? '1';
const ONLY = args.get('only');
const DB = args.get('db');
if (!(SECONDS > 0 && SECONDS <= 3600)) throw new Error(`--seconds must be in (0, 3600], not ${args.get('seconds')}`);
if (!CONNECTIONS.every((c) => Number.isInteger(c) && c >= 1 && c <= 1024)) throw new Error(`--connections must be whole numbers from 1 to 1024, not ${args.get('connections')}`);
if (PROCESSES !== undefined && !/^([1-9]\d?|auto)$/.test(PROCESSES)) throw new Error(`--processes must be a whole number or "auto", not ${PROCESSES}`);
if (ONLY !== undefined && ONLY !== 'matches' && ONLY !== 'mix') throw new Error(`--only must be matches or mix, not ${ONLY}`);
if (!DB) {
  console.error('usage: npm run bench:load -- --db=FILE [--scale=1] [--seconds=20] [--connections=1,16,64] [--processes=2]');
  process.exit(2);
}

/** The realistic mix, by operation (an application and hire is three requests: create, offer, hire). */
export const MIX: Record<Operation, number> = { matches: 70, registry: 10, webhook: 10, candidates: 5, apply_and_hire: 4, stats: 1 };
const ADMIN_TOKEN = 'bench-admin-token-0123456789'; // the bench database's (scripts/bench/options.ts)
const WEBHOOK_SECRET = `bench-webhook-${process.pid}-${Date.now()}`;
const PREFECTURE = '5325';
const WRK = '/usr/bin/wrk';

interface Scenario {
  name: 'matches' | 'mix';
  connections: number;
  tool: 'wrk' | 'driver';
  report: LoadReport;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'jiujin-bench-load-'));
  let server: ChildProcess | null = null;
  const fake = await startFakeBotApi();
  try {
    if (!existsSync(DB!)) {
      console.log(`building ${DB} at scale ${SCALE} (npm run bench -- --load-only)…`);
      const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--load-only', `--db=${DB}`, `--scale=${SCALE}`, ...(args.has('zero-share') ? [`--zero-share=${args.get('zero-share')}`] : [])], { cwd: root, stdio: 'inherit' });
      if (built.status !== 0) throw new Error(`building the database failed (exit ${built.status})`);
    }
    // The service runs on its own copy of FILE, kept beside it and reused: the
    // first start on it pays the backlog once (see "settling" below).
    let file = resolve(DB!);
    if (!args.has('in-place')) {
      const copy = args.get('load-db') ?? `${file}.load.db`;
      if (!existsSync(copy)) {
        for (const suffix of ['', '-wal']) if (existsSync(file + suffix)) copyFileSync(file + suffix, copy + suffix);
        console.log(`copied ${file} to ${copy} (kept: the next run starts on it settled)`);
      }
      file = copy;
    }
    // What the requests ask about: able workers, their households, open openings, and pairs to apply with.
    const db = createDbClient({ url: `file:${file}` });
    const ids = async (sqlText: string) => (await db.execute(sqlText)).rows.map((r) => Number(r.id));
    const workers = await ids(`SELECT id FROM workers WHERE erased_at IS NULL AND able_to_work = 1 ORDER BY (id * 2654435761) % 1000003 LIMIT 2000`);
    const households = await ids(`SELECT household_id AS id FROM workers WHERE id IN (${workers.join(',')})`);
    const openings = await ids(`SELECT id FROM openings WHERE status = 'open' ORDER BY (id * 2654435761) % 1000003 LIMIT 1000`);
    // An open non-public-welfare opening of the worker's own township whose hours fit, that the worker has not applied to
    // (a kept copy remembers earlier runs' applications): most of these can be applied to and hired.
    const pairs = (
      await db.execute(`SELECT w.id AS w, (SELECT o.id FROM openings o WHERE o.status = 'open' AND o.kind <> 'public_welfare' AND o.poverty_only = 0
          AND o.area_code >= substr(w.area_code, 1, 9) AND o.area_code < substr(w.area_code, 1, 9) || ':'
          AND (w.availability = 'full_day' OR o.hours = 'flexible' OR (w.availability = 'part_day' AND o.hours = 'part_day'))
          AND o.slots_filled < o.slots
          AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.worker_id = w.id AND a.opening_id = o.id) ORDER BY o.id % 97 LIMIT 1) AS o
        FROM workers w WHERE w.id IN (${workers.join(',')})`)
    ).rows.filter((r) => r.o !== null).map((r) => [Number(r.w), Number(r.o)] as [number, number]);
    const counts = (await db.execute(`SELECT (SELECT count(*) FROM workers) AS w, (SELECT count(*) FROM openings WHERE status = 'open') AS o`)).rows[0]!;
    db.close();

    const port = await freePort();
    const log = args.get('log') ?? join(work, 'server.log');
    const out = openSync(log, 'w');
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DATABASE_URL: `file:${file}`,
      PORT: String(port),
      TELEGRAM_BOT_TOKEN: '123456:bench-token',
      TELEGRAM_API_ROOT: fake.url,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ...(PROCESSES ? { WEB_PROCESSES: PROCESSES } : {}),
    };
    // npm start's command, `tsx src/node.ts`; its output (a log line per request) to a file, not through this process.
    server = spawn(join(root, 'node_modules/.bin/tsx'), ['src/node.ts'], { cwd: root, env, stdio: ['ignore', out, out], detached: false });
    closeSync(out);
    const started = Date.now();
    while (!readFileSync(log, 'utf8').includes('Jiujin API listening')) {
      if (server.exitCode !== null) throw new Error(`the service stopped at start:\n${readFileSync(log, 'utf8')}`);
      if (Date.now() - started > 300_000) throw new Error(`the service did not start in 5 minutes:\n${readFileSync(log, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const startMs = Date.now() - started;
    const base = `http://127.0.0.1:${port}`;
    // The loop's first run of the clocks starts with the service and, on a
    // database last touched at the benchmark's "now", has weeks to catch up
    // (expiries, every check-in owed): timed apart, and the load starts after it.
    while (!readFileSync(log, 'utf8').includes('"msg":"scheduler run"')) {
      if (server.exitCode !== null) throw new Error(`the service stopped:\n${readFileSync(log, 'utf8')}`);
      if (Date.now() - started > 900_000) throw new Error('the first scheduler run did not end in 15 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const firstRun = JSON.parse(readFileSync(log, 'utf8').split('\n').find((l) => l.includes('"msg":"scheduler run"'))!) as Record<string, unknown>;
    const { time: _t, level: _l, msg: _m, pid: _p, runId: _r, trigger: _g, durationMs, ...did } = firstRun;
    console.log(`the scheduler's first run at start: ${fmt(Number(durationMs))} ms (${Object.entries(did).filter(([, v]) => Number(v) > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing to do'}); the load starts after it`);
    console.log(`service: npm start's command (tsx src/node.ts), WEB_PROCESSES=${PROCESSES ?? 'default (auto)'}, up in ${(startMs / 1000).toFixed(1)} s on ${counts.w} workers and ${counts.o} open openings (${file === resolve(DB!) ? 'in place' : 'a copy'}); scheduler loop and sender running; chat bot on, Bot API faked on ${fake.url}`);
    const mixLine = Object.entries(MIX).map(([k, w]) => `${w} % ${k.replaceAll('_', ' ')}`).join(', ');
    console.log(`mix: ${mixLine} (an application and hire: create, offer, hire; registry: a worker or a household)`);

    const scenarios: Scenario[] = [];
    let updateId = 900_000_000 + (Date.now() % 1_000_000) * 100;
    // Each run applies with pairs no run before it used (an application made twice is a 409).
    let pairsUsed = 0;
    const freshPairs = () => {
      const from = pairsUsed;
      pairsUsed += Math.ceil(pairs.length / 8);
      return [...pairs.slice(from % pairs.length), ...pairs.slice(0, from % pairs.length)];
    };
    const plan = (connections: number, mix: LoadPlan['mix']): LoadPlan => ({
      base, adminToken: ADMIN_TOKEN, webhookSecret: WEBHOOK_SECRET, seconds: SECONDS, connections, mix, workers, households, openings, pairs: freshPairs(),
      statsArea: PREFECTURE, firstUpdateId: (updateId += 10_000_000), timeoutMs: 10_000,
    });
    // Settling: the clocks' first run at start catches up from the database's
    // last "now" (expiries, check-ins owed) and the sender then works through
    // what that owes. Until it is done /health is probed every 250 ms; the
    // load starts once ten probes in a row answer within 50 ms.
    {
      const t0 = Date.now();
      let worst = 0;
      let calm = 0;
      while (calm < 10) {
        if (Date.now() - t0 > 1_800_000) throw new Error('the service did not settle in 30 minutes');
        const t = performance.now();
        const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(60_000) }).catch(() => null);
        const ms = performance.now() - t;
        worst = Math.max(worst, ms);
        calm = res?.ok && ms < 50 ? calm + 1 : 0;
        await new Promise((r) => setTimeout(r, 250));
      }
      const deliveries = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"msg":"outbox delivery"')).map((l) => JSON.parse(l) as Record<string, number>);
      const handled = deliveries.reduce((n, d) => n + (d.sent ?? 0) + (d.dropped ?? 0) + (d.dead ?? 0), 0);
      console.log(`settling: ${((Date.now() - t0) / 1000).toFixed(1)} s until /health answered within 50 ms ten times running (${deliveries.length} sender runs handled ${handled} messages meanwhile); the longest /health wait meanwhile ${fmt(worst)} ms`);
    }
    // A short warm-up (not reported): code paths met for the first time, the heap settling after the catalogue's read.
    await runDriver(work, { ...plan(4, MIX), seconds: Math.min(3, SECONDS) });
    for (const name of ['matches', 'mix'] as const) {
      if (ONLY && ONLY !== name) continue;
      for (const connections of CONNECTIONS) {
        const useWrk = name === 'matches' && existsSync(WRK) && !args.has('no-wrk');
        const report = useWrk ? runWrk(work, base, workers, connections) : await runDriver(work, plan(connections, name === 'matches' ? { matches: 1 } : MIX));
        scenarios.push({ name, connections, tool: useWrk ? 'wrk' : 'driver', report });
        printScenario(scenarios[scenarios.length - 1]!);
      }
    }
    const serverLog = readFileSync(log, 'utf8');
    const schedulerRuns = (serverLog.match(/scheduler run/g) ?? []).length;
    const sent = fake.calls.filter((c) => c.method === 'sendMessage').length;
    console.log(`\nbot replies received by the fake Bot API: ${sent}; scheduler runs logged by the service: ${schedulerRuns}`);
    const totals = scenarios.reduce(
      (t, s) => {
        for (const k of Object.values(s.report.kinds)) {
          t.s5xx += k.s5xx;
          t.timeouts += k.timeouts;
          t.errors += k.errors;
        }
        return t;
      },
      { s5xx: 0, timeouts: 0, errors: 0 },
    );
    console.log(`5xx: ${totals.s5xx}, time-outs: ${totals.timeouts}, connection errors: ${totals.errors}`);
    const jsonOut = args.get('json');
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ mix: MIX, processes: PROCESSES ?? null, seconds: SECONDS, scenarios, botReplies: sent, schedulerRuns, ...totals }, null, 2));
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise<void>((done) => server!.once('exit', () => done()));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await fake.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function printScenario(s: Scenario) {
  const r = s.report;
  console.log(`\n${s.name === 'matches' ? 'matches alone' : 'mix'}, ${s.connections} connection${s.connections > 1 ? 's' : ''}, ${r.seconds.toFixed(1)} s (${s.tool}): ${r.rps.toFixed(0)} requests/s`);
  const rows = Object.entries(r.kinds)
    .sort((a, b) => b[1].n - a[1].n)
    .map(([kind, k]) => [kind, String(k.n), (k.n / r.seconds).toFixed(0), `${fmt(k.p50)} ms`, `${fmt(k.p99)} ms`, `${fmt(k.max)} ms`, String(k.s4xx), String(k.s5xx), String(k.timeouts), String(k.errors)]);
  console.log(table(['kind', 'requests', 'per s', 'p50', 'p99', 'max', '4xx', '5xx', 'time-outs', 'errors'], rows));
}

async function runDriver(work: string, plan: LoadPlan): Promise<LoadReport> {
  const file = join(work, `plan-${plan.connections}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(plan));
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/load-driver.ts', file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`the load driver failed (exit ${code})`);
  return JSON.parse(out) as LoadReport;
}

/** Matches alone with wrk: a Lua script walks the sampled workers; its done() prints the figures as JSON. */
function runWrk(work: string, base: string, workers: number[], connections: number): LoadReport {
  const script = join(work, 'matches.lua');
  writeFileSync(
    script,
    `local ids = {${workers.join(',')}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/v1/workers/" .. ids[(i % #ids) + 1] .. "/matches?limit=20", { ["authorization"] = "Bearer ${ADMIN_TOKEN}" })
end
done = function(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration":%d,"p50":%f,"p99":%f,"max":%f,"non2xx":%d,"timeouts":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.timeout, summary.errors.connect + summary.errors.read + summary.errors.write))
end
`,
  );
  const threads = Math.min(2, connections);
  const r = spawnSync(WRK, ['-t', String(threads), '-c', String(connections), '-d', `${SECONDS}s`, '--timeout', '10s', '-s', script, base], { encoding: 'utf8' });
  const m = /WRKJSON (\{.*\})/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) throw new Error(`wrk failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const w = JSON.parse(m[1]!) as { requests: number; duration: number; p50: number; p99: number; max: number; non2xx: number; timeouts: number; errors: number };
  const seconds = w.duration / 1e6;
  // wrk counts non-2xx together; matches alone answers 200 or something is wrong, so they are filed as 5xx unless none.
  const kind: KindReport = { n: w.requests, p50: w.p50, p99: w.p99, max: w.max, s2xx: w.requests - w.non2xx, s4xx: 0, s5xx: w.non2xx, timeouts: w.timeouts, errors: w.errors };
  return { seconds, connections, requests: w.requests, rps: w.requests / seconds, kinds: { matches: kind } };
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
