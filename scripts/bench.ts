// `npm run bench` (not part of the tests): builds a synthetic prefecture in a
// temporary libSQL file — by default 1.5 M workers in 600,000 households,
// 50,000 openings, 3,000 employers, 300,000 placements, spread over Honghe's
// real counties, townships and villages (scripts/bench/generate.ts) — then
// times the API against it and prints each figure beside a raw SQL query
// asking the same question (scripts/bench/raw.ts: the same eligibility, the
// same ranking, the same six aggregates), so the overhead of the service over
// the database shows as a ratio; with PG_URL, beside PostgreSQL/PostGIS too
// (scripts/bench/postgis.ts).
//
//   npm run bench                      full scale
//   npm run bench -- --scale=0.1       a tenth (also BENCH_SCALE=0.1)
//   npm run bench -- --scales=0.1,0.3,1,2  one run per scale (each in its own process), then the growth table
//   npm run bench -- --load-only       build the database and stop (with --db, to time it later)
//   npm run bench -- --explain         also print the statements and plans of the slowest lookups
//   npm run bench -- --keep            keep the database file (its path is printed)
//   npm run bench -- --zero-share=0.005  the zero-employment list at 0.5% of households (default 5%)
//   npm run bench -- --db=/tmp/x.db    use (and keep) this file: built when missing, reused
//                                      as it is when present (new migrations are applied)
//   npm run bench -- --db-dir=/tmp/b   with --scales: one kept database per scale and zero share in that folder
//   npm run bench -- --no-clocks       skip the phase with the scheduler's clocks running (it writes to the database)
//   PG_URL=postgres://… npm run bench  also the PostGIS peer
//
// Everything random comes from one seeded PRNG (--seed=N, default 20211), so
// two runs build the same prefecture and time the same lookups.
import { createClient, type Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import { Client as HttpClient } from 'undici';
import type { Db } from '../db/client.js';
import { createDbClient } from '../db/local-client.js';
import * as schema from '../db/schema.js';
import { createApp } from '../src/app.js';
import { prepareDatabase } from '../src/bootstrap.js';
import { parseConfig } from '../src/config.js';
import type { Deps } from '../src/context.js';
import { runClocks } from '../src/scheduler.js';
import { openingCatalogue } from '../src/services/opening-catalogue.js';
import { int, load, reseed } from './bench/generate.js';
import { fmt, loopDelayMonitor, mb, median, peakRssBytes, percentile, PING_PATH, table, time, withPing, yieldToLoop } from './bench/measure.js';
import { ADMIN_TOKEN, advanceClock, args, clock, COUNTY, DB_FILE, EXPLAIN, KEEP, LIMIT, N, PREFECTURE, resetClock, SAMPLE, SCALE, SEED, TARGET, TODAY, ZERO_SHARE } from './bench/options.js';
import { overlap, type PgTimings, runPostgis } from './bench/postgis.js';
import {
  buildOpeningsRtree,
  rawCandidatesStatement,
  rawMatchesStatement,
  type RawOpening,
  rawStatsFigures,
  rawStatsStatements,
  rawWorkerFacts,
  type RawWorkerFacts,
  serviceStatsFigures,
  type Statement,
} from './bench/raw.js';

/** What one run reports to a --scales parent (--summary=FILE). */
interface Summary {
  scale: number;
  matchesP99: number;
  candidatesP99: number;
  statsMedian: number;
  rawMatchesP99: number;
  rawStatsMedian: number;
  peakRssMb: number;
}

// ---------------------------------------------------------------------------
// --scales: one child run per scale, then the growth table.

function growth(scales: number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'jiujin-bench-scales-'));
  const dbDir = args.get('db-dir');
  const passed = process.argv.slice(2).filter((a) => !/^--(scales|scale|db|db-dir|summary|keep)(=|$)/.test(a));
  const rows: Summary[] = [];
  try {
    for (const scale of scales) {
      const summary = join(dir, `${scale}.json`);
      const db = dbDir ? [`--db=${join(dbDir, `bench-s${scale}-z${ZERO_SHARE}-seed${SEED}.db`)}`] : [];
      console.log(`\n===== scale ${scale}\n`);
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, `--scale=${scale}`, `--summary=${summary}`, ...db, ...passed], {
        stdio: 'inherit',
      });
      if (child.status !== 0) throw new Error(`the run at scale ${scale} failed (exit ${child.status})`);
      rows.push(JSON.parse(readFileSync(summary, 'utf8')) as Summary);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\ngrowth (each scale in its own process; service times through app.request):');
  console.log(
    table(
      ['scale', 'workers', 'matches p99', 'raw matches p99', 'candidates p99', 'stats prefecture median', 'raw stats median', 'peak RSS'],
      rows.map((r) => [
        String(r.scale),
        Math.round(1_500_000 * r.scale).toLocaleString('en'),
        `${fmt(r.matchesP99)} ms`,
        `${fmt(r.rawMatchesP99)} ms`,
        `${fmt(r.candidatesP99)} ms`,
        `${fmt(r.statsMedian)} ms`,
        `${fmt(r.rawStatsMedian)} ms`,
        `${mb(r.peakRssMb * 2 ** 20).toFixed(0)} MB`,
      ]),
    ),
  );
}

// ---------------------------------------------------------------------------
// One run

async function main() {
  const scalesArg = args.get('scales');
  if (scalesArg !== undefined) {
    const scales = scalesArg.split(',').map(Number);
    if (!scales.every((s) => s > 0 && s <= 10)) throw new Error(`--scales must be numbers in (0, 10], not ${scalesArg}`);
    return growth(scales);
  }
  const tStart = performance.now();
  const file = DB_FILE ?? join(tmpdir(), `jiujin-bench-${process.pid}-${Date.now()}.db`);
  const reuse = DB_FILE !== undefined && existsSync(DB_FILE) && !args.has('loader');
  const url = `file:${file}`;
  const cleanup = () => {
    if (KEEP || args.has('loader')) return;
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
  };
  process.on('exit', cleanup);

  const cpu = cpus();
  console.log('Jiujin benchmark');
  console.log(`machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()} ${arch()}, Node ${process.version}`);
  console.log(`scale ${SCALE}: ${N.workers.toLocaleString('en')} workers in ${N.households.toLocaleString('en')} households, ${N.openings.toLocaleString('en')} openings, ${N.employers.toLocaleString('en')} employers, ${N.placements.toLocaleString('en')} placements, ${N.applications.toLocaleString('en')} applications; zero-employment share ${ZERO_SHARE}; seed ${SEED}`);
  console.log(`database: ${file}${KEEP ? ' (kept)' : ' (deleted at the end)'}`);

  // Schema and reference areas, as the Node entry does it.
  let client = createDbClient({ url });
  let db = libsqlDbWithLog(client);
  const prepared = await prepareDatabase(db, clock, { adminToken: ADMIN_TOKEN, generateAdminToken: false });
  const version = (await client.execute('SELECT sqlite_version() AS v')).rows[0]!.v;
  console.log(`engine: libSQL (SQLite ${version}), the embedded client the service opens (db/local-client.ts), default pragmas`);

  // Bulk load on a connection of its own (load pragmas stay on it).
  let loadSeconds = 0;
  if (reuse) {
    console.log(`reusing the database as it is${prepared.migrationsApplied.length ? ` (applied ${prepared.migrationsApplied.join(', ')})` : ''}`);
    if (prepared.migrationsApplied.length) await client.execute('ANALYZE');
  } else if (args.has('loader')) {
    // The child that builds the database (below): load, report, stop.
    const loader = createClient({ url });
    const tLoad = performance.now();
    const { seconds } = await load(loader);
    loadSeconds = (performance.now() - tLoad) / 1000;
    loader.close();
    console.log(`\nload: ${loadSeconds.toFixed(1)} s (${Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}); loader peak RSS ${mb(peakRssBytes()).toFixed(0)} MB`);
    client.close();
    return;
  } else {
    // The generator's arrays and the bulk INSERT text are not the service's
    // memory: build in a child process, then measure in a fresh one.
    client.close();
    const tLoad = performance.now();
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1]!, '--loader', `--db=${file}`, `--scale=${SCALE}`, `--seed=${SEED}`, `--zero-share=${ZERO_SHARE}`],
      { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`loading failed (exit ${child.status})`);
    process.stdout.write(child.stdout.slice(child.stdout.indexOf('\nload:')));
    loadSeconds = (performance.now() - tLoad) / 1000;
  }
  if (!reuse) {
    client = createDbClient({ url });
    db = libsqlDbWithLog(client);
  }
  const counts = await client.execute(
    `SELECT (SELECT count(*) FROM workers) w, (SELECT count(*) FROM households) h, (SELECT count(*) FROM openings) o, (SELECT count(*) FROM employers) e, (SELECT count(*) FROM placements) p, (SELECT count(*) FROM zero_employment_periods) z, (SELECT count(*) FROM applications) a`,
  );
  const c0 = counts.rows[0]!;
  const dbMb = Number((await client.execute('SELECT page_count * page_size AS s FROM pragma_page_count(), pragma_page_size()')).rows[0]!.s) / 2 ** 20;
  console.log(
    `rows: ${c0.w} workers, ${c0.h} households, ${c0.o} openings, ${c0.e} employers, ${c0.p} placements, ${c0.z} zero-employment periods, ${c0.a} applications; file ${dbMb.toFixed(0)} MB`,
  );

  // Civil-affairs counts for every village (care coverage), once: from the seeded PRNG, so two runs agree.
  if (Number((await client.execute('SELECT count(*) AS n FROM care_counts')).rows[0]!.n) === 0) {
    const stamp = clock.now().toISOString();
    const villageCodes = (await client.execute('SELECT code FROM areas WHERE length(code) = 12 ORDER BY code')).rows.map((r) => String(r.code));
    const values = villageCodes.map((code) => `('${code}', '${TODAY}', ${int(12)}, ${int(40)}, ${int(6)}, 'bench', '${stamp}', '${stamp}')`);
    for (let i = 0; i < values.length; i += 500) {
      await client.execute(`INSERT INTO care_counts (area_code, effective_date, elders, children, disabled, source, created_at, updated_at) VALUES ${values.slice(i, i + 500).join(', ')}`);
    }
  }
  if (args.has('load-only') || args.has('loader')) {
    client.close();
    return;
  }
  const deps: Deps = { db, clock, config: parseConfig({ LOG_LEVEL: 'warn' }) }; // a line per timed request would swamp the figures
  // As `npm start` does (src/node.ts): the matcher's catalogue of open openings is read before serving.
  const tCatalogue = performance.now();
  const catalogue = await openingCatalogue(db);
  const catalogueMs = performance.now() - tCatalogue;
  const rssAfterCatalogue = process.memoryUsage().rss;
  const app = createApp(deps);
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
  // Timed until the body is read; parsing it is the client's work, done after.
  const get = async (path: string) => {
    const res = await app.request(path, { headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body}`);
    return body;
  };
  // The same app over a real socket (loopback, one keep-alive connection),
  // as the PostGIS peer is timed over its client connection: served from a
  // thread of its own (scripts/bench/http-thread.ts), as its own process
  // would be, so this thread's client does not share its event loop. Started
  // for its pass only: its catalogue read (and the collections after it)
  // would otherwise share the cores with the passes before.
  // (A thread does not inherit tsx's loader: it registers it, then imports the file.)
  const threadFile = JSON.stringify(new URL('./bench/http-thread.ts', import.meta.url).href);
  let serverThread: Worker | null = null;
  let port = 0;
  const startServerThread = async () => {
    serverThread = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${threadFile}); })`, { eval: true, workerData: { url } });
    port = await new Promise<number>((resolve, reject) => {
      serverThread!.once('message', (m: { port: number }) => resolve(m.port));
      serverThread!.once('error', reject);
    });
  };
  const stopServerThread = async () => {
    const t = serverThread;
    if (!t) return;
    serverThread = null;
    await threadHttp?.close();
    threadHttp = null;
    t.postMessage('close');
    await new Promise<void>((done) => t.once('exit', () => done()));
  };
  // And the same app served on this thread too: client and server then share
  // one event loop but no thread wakes another (both are printed).
  const sameThread = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: withPing(app.fetch), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const samePort = (sameThread.address() as AddressInfo).port;
  // One keep-alive connection to each server, through undici's client (the
  // one inside Node's fetch): node:http's own client adds 1–2 ms at p99 to
  // every round trip, even to a bare server answering "ok" (measured), which
  // would be the client's figure, not the service's. PostgreSQL's pg client
  // is as lean. Each side's bare round trip is timed too (pingPass).
  let threadHttp: HttpClient | null = null;
  const sameHttp = new HttpClient(`http://127.0.0.1:${samePort}`, { pipelining: 1 });
  const getHttp = async (path: string, on: 'thread' | 'same' = 'thread') => {
    const http = on === 'same' ? sameHttp : (threadHttp ??= new HttpClient(`http://127.0.0.1:${port}`, { pipelining: 1 }));
    const res = await http.request({ path, method: 'GET', headers });
    const body = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${body}`);
    return body;
  };
  const idsIn = (body: string) => ((JSON.parse(body) as { items?: Array<{ opening: { id: number } }> }).items ?? []).map((i) => i.opening.id);
  const itemsIn = (body: string) => (JSON.parse(body) as { items?: unknown[] }).items?.length ?? 0;
  const raw = async (st: Statement | string) => (await client.execute(st)).rows;

  // Samples (from a PRNG of their own, so a reused database gets the same ones).
  reseed(SEED + 1);
  // Workers able to work (erased or unable ones answer at once), open openings.
  const sampleOf = async (tableName: string, where: string, k: number) => {
    const max = Number((await raw(`SELECT max(id) AS m FROM ${tableName}`))[0]!.m);
    if (!(max > 0)) throw new Error(`no ${tableName} to sample`);
    const out: number[] = [];
    while (out.length < k) {
      const draw = Array.from({ length: k }, () => 1 + int(max));
      const ok = new Set((await raw(`SELECT id FROM ${tableName} WHERE id IN (${draw.join(',')}) AND ${where}`)).map((r) => Number(r.id)));
      for (const id of draw) if (ok.has(id) && out.length < k) out.push(id);
    }
    return out;
  };
  const wIds = await sampleOf('workers', 'erased_at IS NULL AND able_to_work = 1', SAMPLE.workers + SAMPLE.warmup);
  const oIds = await sampleOf('openings', `status = 'open'`, SAMPLE.openings + SAMPLE.warmup);
  const so = new Map<number, RawOpening>();
  for (const r of await raw(`SELECT id, lat, lon, area_code, kind, hours, poverty_only FROM openings WHERE id IN (${oIds.join(',')})`)) {
    so.set(Number(r.id), {
      id: Number(r.id), lat: r.lat === null ? null : Number(r.lat), lon: r.lon === null ? null : Number(r.lon), area: String(r.area_code),
      kind: String(r.kind), hours: r.hours as RawOpening['hours'], povertyOnly: Boolean(r.poverty_only),
    });
  }

  const rssBeforeQueries = process.memoryUsage().rss;
  // Every pass yields to the event loop between lookups (not timed), as a
  // server does between requests: the delay monitor then sees what one
  // lookup holds the loop for.
  const lookupsDelay = loopDelayMonitor();
  /** A pass over ids: warm-up first, then timed; returns the times and each timed id's answer. */
  const pass = async <T>(ids: number[], f: (id: number) => Promise<T>) => {
    const times: number[] = [];
    const answers = new Map<number, T>();
    const delay = loopDelayMonitor();
    for (const [k, id] of ids.entries()) {
      const [ms, out] = await time(() => f(id));
      if (k >= SAMPLE.warmup) {
        times.push(ms);
        answers.set(id, out);
      }
      await yieldToLoop();
    }
    return { times, answers, delay: delay.stop() };
  };
  const slowest = (times: number[], ids: number[]) =>
    times.map((ms, i) => [ms, ids[SAMPLE.warmup + i]!] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);

  // The service's lookups in one pass and the raw queries in another, each
  // with its own warm-up: interleaved, each paid for the caches the other
  // had just filled with its own rows.
  const matches = await pass(wIds, (id) => get(`/v1/workers/${id}/matches?limit=${LIMIT}`));
  const matchLists = new Map([...matches.answers].map(([id, body]) => [id, idsIn(body)]));
  const matchItems = [...matchLists.values()].reduce((s, l) => s + l.length, 0);
  const matchesHttpSame = await pass(wIds, (id) => getHttp(`/v1/workers/${id}/matches?limit=${LIMIT}`, 'same'));
  const pingSame = await pass(wIds, () => getHttp(PING_PATH, 'same'));
  await startServerThread();
  // A new thread's code is cold where this thread's has run every pass
  // before: the warm-up workers three times more first (untimed), as a live
  // server has long been warm. The timed workers' rows stay unread on its
  // connection until they are timed.
  for (let k = 0; k < 3; k++) for (const id of wIds.slice(0, SAMPLE.warmup)) await getHttp(`/v1/workers/${id}/matches?limit=${LIMIT}`);
  const matchesHttp = await pass(wIds, (id) => getHttp(`/v1/workers/${id}/matches?limit=${LIMIT}`));
  const pingThread = await pass(wIds, () => getHttp(PING_PATH));
  // The same round trip to a stand-in that only spins for the service's own
  // p50 (in-process): what this machine adds to a round trip that long.
  const spinUs = Math.round(median(matches.times) * 1000);
  const spinThread = await pass(wIds, () => getHttp(`${PING_PATH}?spin=${spinUs}`));
  await stopServerThread();
  const tRtree = performance.now();
  const rtreeRows = await buildOpeningsRtree(client);
  const rtreeMs = performance.now() - tRtree;
  const facts = new Map<number, RawWorkerFacts>();
  const matchesRaw = await pass(wIds, async (id) => {
    const w = await rawWorkerFacts(client, id, TODAY);
    facts.set(id, w);
    return (await raw(rawMatchesStatement(w, TODAY, LIMIT))).map((r) => Number(r.id));
  });
  const rawAgree = overlap(matchLists, matchesRaw.answers);

  // Opening → candidates
  const cands = await pass(oIds, (id) => get(`/v1/openings/${id}/candidates?limit=${LIMIT}`));
  const candItems = [...cands.answers.values()].reduce((s, b) => s + itemsIn(b), 0);
  const candsRaw = await pass(oIds, (id) => raw(rawCandidatesStatement(so.get(id)!, TODAY, LIMIT)));

  // Stats: the whole prefecture and one county (first run is the warm-up);
  // the raw six aggregates' figures compared with the service's answer.
  const statsRuns = async (area: string) => {
    const svc: number[] = [];
    const rawMs: number[] = [];
    let same = true;
    const differ: string[] = [];
    for (let k = 0; k <= SAMPLE.statsRuns; k++) {
      const [ms, body] = await time(() => get(`/v1/stats?area=${area}&asOf=${TODAY}`));
      await yieldToLoop();
      const [rms, rows] = await time(async () => {
        const out: Array<Record<string, unknown>> = [];
        for (const st of rawStatsStatements(area, TODAY)) out.push(...(await raw(st)));
        return out;
      });
      await yieldToLoop();
      if (k === 0) {
        const a = serviceStatsFigures(JSON.parse(body));
        const b = rawStatsFigures(rows);
        for (const key of Object.keys(b)) if (a[key] !== b[key]) differ.push(`${key} ${a[key]} vs ${b[key]}`);
        same = differ.length === 0;
      } else {
        svc.push(ms);
        rawMs.push(rms);
      }
    }
    return { svc, rawMs, same, differ };
  };
  const statsP = await statsRuns(PREFECTURE);
  const statsC = await statsRuns(COUNTY);
  // Care coverage: every village of the area ranked (its carers are the most rows it reads).
  const careRuns = async (area: string) => {
    const svc: number[] = [];
    for (let k = 0; k <= SAMPLE.statsRuns; k++) {
      const [ms] = await time(() => get(`/v1/care-coverage?area=${area}&asOf=${TODAY}&limit=100`));
      await yieldToLoop();
      if (k > 0) svc.push(ms);
    }
    return svc;
  };
  const careP = await careRuns(PREFECTURE);
  const careC = await careRuns(COUNTY);
  const delayLookups = lookupsDelay.stop();

  // Matches again while the scheduler's clocks run (one run after another,
  // in this process, as `npm start` runs them beside the API): what a lookup
  // waits for while a clock holds the loop. The clocks write (expiries,
  // check-ins owed); on a kept database a second run finds less to do.
  let clocksPhase: null | { times: number[]; runs: number; runMs: number[]; steps: string[]; delay: ReturnType<ReturnType<typeof loopDelayMonitor>['stop']>; report: unknown } = null;
  if (!args.has('no-clocks')) {
    const delay = loopDelayMonitor();
    let running = true;
    const runMs: number[] = [];
    const steps: string[] = [];
    let report: unknown = null;
    const clocks = (async () => {
      while (running || runMs.length === 0) {
        const [ms, r] = await time(() => runClocks(deps, 'bench', (step, stepMs) => {
          if (stepMs >= 20) steps.push(`${step} ${stepMs.toFixed(0)} ms`);
        }));
        runMs.push(ms);
        report ??= r;
        // As the scheduler's loop: the next run a minute on (the date stays the same for the day's few hours of runs).
        if (runMs.length < 600) advanceClock(60_000);
        await yieldToLoop();
      }
    })();
    const during = await pass(wIds, (id) => get(`/v1/workers/${id}/matches?limit=${LIMIT}`));
    running = false;
    await clocks;
    resetClock();
    clocksPhase = { times: during.times, runs: runMs.length, runMs, steps, delay: delay.stop(), report };
  }

  // The PostGIS peer, over its client connection.
  let pgResult: PgTimings | null = null;
  const pgUrl = process.env.PG_URL;
  if (pgUrl) {
    const ordered = wIds.map((id) => facts.get(id)).filter((w): w is RawWorkerFacts => w !== undefined);
    // Facts were read for every id but only timed ones were kept: read the warm-up ones too.
    for (const id of wIds) if (!facts.has(id)) ordered.push(await rawWorkerFacts(client, id, TODAY));
    pgResult = await runPostgis(pgUrl, client, ordered, { today: TODAY, limit: LIMIT, warmup: Math.min(SAMPLE.warmup, Math.floor(ordered.length / 3)) });
  }
  const peak = peakRssBytes();
  if (EXPLAIN) {
    const w = slowest(matches.times, wIds)[0]![1];
    const o = slowest(cands.times, oIds)[0]![1];
    await explainAll(client, get, w, so.get(o)!);
  }

  // Report
  const rows: string[][] = [];
  const line = (label: string, svc: number, rawMs: number | null, target: number | null) => {
    rows.push([
      label,
      `${fmt(svc)} ms`,
      rawMs === null ? '—' : `${fmt(rawMs)} ms`,
      rawMs === null ? '—' : `${(svc / Math.max(rawMs, 0.001)).toFixed(1)}×`,
      target === null ? '—' : `≤ ${target} ms`,
      target === null ? '' : svc <= target ? 'PASS' : 'FAIL',
    ]);
  };
  line(`worker → matches p50 (n=${matches.times.length})`, median(matches.times), median(matchesRaw.times), null);
  line(`worker → matches p99`, percentile(matches.times, 99), percentile(matchesRaw.times, 99), TARGET.matchesP99);
  line(`worker → matches over HTTP p50`, median(matchesHttp.times), null, null);
  line(`worker → matches over HTTP p99`, percentile(matchesHttp.times, 99), null, null);
  line(`… server on the measuring thread, p50`, median(matchesHttpSame.times), null, null);
  line(`… server on the measuring thread, p99`, percentile(matchesHttpSame.times, 99), null, null);
  line(`HTTP round trip alone (${PING_PATH}, own thread) p50`, median(pingThread.times), null, null);
  line(`HTTP round trip alone (${PING_PATH}, own thread) p99`, percentile(pingThread.times, 99), null, null);
  line(`… to a stand-in spinning ${spinUs} µs (the in-process p50), p50`, median(spinThread.times), null, null);
  line(`… to a stand-in spinning ${spinUs} µs, p99`, percentile(spinThread.times, 99), null, null);
  line(`opening → candidates p50 (n=${cands.times.length})`, median(cands.times), median(candsRaw.times), null);
  line(`opening → candidates p99`, percentile(cands.times, 99), percentile(candsRaw.times, 99), TARGET.candidatesP99);
  line(`/v1/stats prefecture ${PREFECTURE} median (n=${statsP.svc.length})`, median(statsP.svc), median(statsP.rawMs), null);
  line(`/v1/stats prefecture ${PREFECTURE} max`, Math.max(...statsP.svc), Math.max(...statsP.rawMs), TARGET.prefectureStats);
  line(`/v1/stats county ${COUNTY} median (n=${statsC.svc.length})`, median(statsC.svc), median(statsC.rawMs), null);
  line(`/v1/stats county ${COUNTY} max`, Math.max(...statsC.svc), Math.max(...statsC.rawMs), null);
  line(`/v1/care-coverage prefecture ${PREFECTURE} median (n=${careP.length})`, median(careP), null, null);
  line(`/v1/care-coverage county ${COUNTY} median (n=${careC.length})`, median(careC), null, null);
  if (clocksPhase) {
    line(`worker → matches p50, clocks running`, median(clocksPhase.times), null, null);
    line(`worker → matches p99, clocks running`, percentile(clocksPhase.times, 99), null, null);
    line(`worker → matches max, clocks running`, Math.max(...clocksPhase.times), null, null);
  }
  console.log(`\nqueries (after ${SAMPLE.warmup} warm-up lookups each; ${(matchItems / matches.times.length).toFixed(1)} matches and ${(candItems / cands.times.length).toFixed(1)} candidates per answer on average; service through app.request unless "over HTTP"):`);
  console.log(table(['figure', 'service', 'raw SQL', 'ratio', 'target', ''], rows));
  const show = (xs: ReadonlyArray<readonly [number, number]>, what: (id: number) => string) => xs.map(([ms, id]) => `${id} ${fmt(ms)} ms (${what(id)})`).join('; ');
  console.log(`slowest matches: ${show(slowest(matches.times, wIds), (id) => { const w = facts.get(id); return w ? `${w.maxKm} km, ${w.home ? 'point' : 'no point'}` : '?'; })}`);
  console.log(`slowest candidates: ${show(slowest(cands.times, oIds), (id) => { const o = so.get(id)!; return `${o.kind}, ${o.lat === null ? 'no point' : 'point'}`; })}`);
  console.log(`raw matches vs the service's lists: ${rawAgree.identical} of ${rawAgree.compared} identical in order, ${(rawAgree.share * 100).toFixed(1)} % of entries shared (scores are rounded to 0.1 in both; a tie at a rounding edge can swap two)`);
  console.log(`raw stats equal the service's figures: prefecture ${statsP.same ? 'yes' : `no (${statsP.differ.join(', ')})`}, county ${statsC.same ? 'yes' : `no (${statsC.differ.join(', ')})`}`);

  if (pgResult) {
    const knnAgree = overlap(matchLists, pgResult.knnLists);
    const scoreAgree = overlap(matchLists, pgResult.scoreLists);
    console.log(`\nPostgreSQL peer (${pgResult.server}; ${pgResult.openings} open openings and ${pgResult.workers} workers' facts loaded in ${(pgResult.loadMs / 1000).toFixed(1)} s; workers with a home point; over a pg client connection):`);
    console.log(
      table(
        ['figure', 'p50', 'p99', 'lists vs the service'],
        [
          [`PostGIS nearest-neighbour (<-> LIMIT ${LIMIT}, n=${pgResult.knn.length})`, `${fmt(median(pgResult.knn))} ms`, `${fmt(percentile(pgResult.knn, 99))} ms`, `${(knnAgree.share * 100).toFixed(0)} % shared, ${knnAgree.identical}/${knnAgree.compared} identical`],
          [`PostGIS by the service's score (n=${pgResult.score.length})`, `${fmt(median(pgResult.score))} ms`, `${fmt(percentile(pgResult.score, 99))} ms`, `${(scoreAgree.share * 100).toFixed(0)} % shared, ${scoreAgree.identical}/${scoreAgree.compared} identical`],
          [`PostgreSQL round trip alone (SELECT 1)`, `${fmt(median(pgResult.ping))} ms`, `${fmt(percentile(pgResult.ping, 99))} ms`, ''],
          [`service over HTTP, same run (all sampled workers)`, `${fmt(median(matchesHttp.times))} ms`, `${fmt(percentile(matchesHttp.times, 99))} ms`, ''],
          [`… its server on the measuring thread`, `${fmt(median(matchesHttpSame.times))} ms`, `${fmt(percentile(matchesHttpSame.times, 99))} ms`, ''],
          [`HTTP round trip to a stand-in spinning ${spinUs} µs (the service's in-process p50), own thread`, `${fmt(median(spinThread.times))} ms`, `${fmt(percentile(spinThread.times, 99))} ms`, ''],
          [`HTTP round trip alone (${PING_PATH}), own thread / measuring thread`, `${fmt(median(pingThread.times))} / ${fmt(median(pingSame.times))} ms`, `${fmt(percentile(pingThread.times, 99))} / ${fmt(percentile(pingSame.times, 99))} ms`, ''],
          [`service through app.request, same run`, `${fmt(median(matches.times))} ms`, `${fmt(percentile(matches.times, 99))} ms`, ''],
        ],
      ),
    );
  } else {
    console.log('\nPostgreSQL peer: skipped (set PG_URL to a PostgreSQL with PostGIS; see the README\'s Benchmark section)');
  }

  const delays = ([['service matches', matches], ['service candidates', cands], ['raw matches', matchesRaw], ['raw candidates', candsRaw]] as const)
    .map(([name, p]) => `${name} p99 ${fmt(p.delay.p99)} / max ${fmt(p.delay.max)}`)
    .join('; ');
  console.log(`\nevent-loop delay (each pass yields between lookups, as a server between requests): ${delays} ms; the whole of the timed passes, stats included: p99 ${fmt(delayLookups.p99)} ms, max ${fmt(delayLookups.max)} ms`);
  if (clocksPhase) {
    console.log(
      `event-loop delay with the clocks running (${clocksPhase.runs} runs of every clock back to back, the clock a minute on each time, beside ${clocksPhase.times.length} timed lookups; a run took median ${fmt(median(clocksPhase.runMs))}, max ${fmt(Math.max(...clocksPhase.runMs))} ms): p99 ${fmt(clocksPhase.delay.p99)} ms, max ${fmt(clocksPhase.delay.max)} ms`,
    );
    console.log(`  first run of the clocks: ${JSON.stringify(clocksPhase.report)}`);
    if (clocksPhase.steps.length) console.log(`  clock steps of 20 ms or more: ${clocksPhase.steps.slice(0, 12).join(', ')}${clocksPhase.steps.length > 12 ? ', …' : ''}`);
  } else {
    console.log('clocks phase: skipped (--no-clocks)');
  }
  const memOk = mb(peak) <= TARGET.rssMb;
  console.log(
    `peak RSS: ${mb(peak).toFixed(0)} MB (process.resourceUsage().maxRSS of the measuring process: migrations, catalogue, samples, lookups${reuse && prepared.migrationsApplied.length ? ', and the migrations it applied to this database' : ''}; the load runs in a child, its peak is printed above; ${mb(rssBeforeQueries).toFixed(0)} MB when the timed lookups began)  target ≤ ${TARGET.rssMb} MB  ${memOk ? 'PASS' : 'FAIL'}`,
  );
  console.log(`load: ${reuse ? 'reused database' : `${loadSeconds.toFixed(1)} s`}; whole run ${((performance.now() - tStart) / 1000).toFixed(0)} s`);
  console.log(`matcher's catalogue (read at start, as npm start does): ${catalogue.size} open openings in ${fmt(catalogueMs)} ms; RSS ${mb(rssAfterCatalogue).toFixed(0)} MB after it`);
  console.log(`raw SQL: matches = the worker's facts, then one statement over an R*Tree of the ${rtreeRows} open openings' points (TEMP, built in ${fmt(rtreeMs)} ms) and area codes, every eligibility rule, the service's score, LIMIT ${LIMIT};`);
  console.log(`         candidates = workers by reach band and grid cell (json_each of cell ranges, the index SQLite picks) joined to households, priority order, LIMIT ${LIMIT + 20};`);
  console.log('         stats = the six aggregates of /v1/stats counted directly (registered, in work by type and scope, public-welfare posts, workshops, zero-employment, the month\'s starts and ends).');

  const summaryFile = args.get('summary');
  if (summaryFile) {
    const summary: Summary = {
      scale: SCALE,
      matchesP99: percentile(matches.times, 99),
      candidatesP99: percentile(cands.times, 99),
      statsMedian: median(statsP.svc),
      rawMatchesP99: percentile(matchesRaw.times, 99),
      rawStatsMedian: median(statsP.rawMs),
      peakRssMb: mb(peak),
    };
    writeFileSync(summaryFile, JSON.stringify(summary));
  }
  await stopServerThread();
  await sameHttp.close();
  await new Promise<void>((done) => sameThread.close(() => done()));
  client.close();
  cleanup();
}

// ---------------------------------------------------------------------------
// --explain: the statements the service runs for one lookup, with their plans.

let captured: Array<{ sql: string; params: unknown[] }> | null = null;
function libsqlDbWithLog(client: Client): Db {
  return drizzle(client, {
    schema,
    logger: { logQuery: (sqlText, params) => captured?.push({ sql: sqlText, params }) },
  }) as unknown as Db;
}

async function explainAll(client: Client, get: (p: string) => Promise<unknown>, workerId: number, o: RawOpening) {
  const show = async (label: string, stmts: Array<{ sql: string; params: unknown[] }>) => {
    console.log(`\n--- ${label}`);
    for (const s of stmts) {
      const t = performance.now();
      await client.execute({ sql: s.sql, args: s.params as never });
      const ms = performance.now() - t;
      const plan = await client.execute({ sql: `EXPLAIN QUERY PLAN ${s.sql}`, args: s.params as never });
      console.log(`[${ms.toFixed(2)} ms] ${s.sql.length > 300 ? `${s.sql.slice(0, 300)}…` : s.sql}`);
      for (const r of plan.rows) console.log(`    ${r.id}/${r.parent} ${r.detail}`);
    }
  };
  const run = async (label: string, path: string, rawStatements: Statement[]) => {
    captured = [];
    await get(path);
    const stmts = captured;
    captured = null;
    await show(`${label} (service)`, stmts);
    await show(`${label} (raw)`, rawStatements.map((s) => ({ sql: s.sql, params: s.args })));
  };
  const w = await rawWorkerFacts(client, workerId, TODAY);
  await run(`worker ${workerId} → matches`, `/v1/workers/${workerId}/matches?limit=${LIMIT}`, [rawMatchesStatement(w, TODAY, LIMIT)]);
  await run(`opening ${o.id} → candidates`, `/v1/openings/${o.id}/candidates?limit=${LIMIT}`, [rawCandidatesStatement(o, TODAY, LIMIT)]);
  await run(`stats ${PREFECTURE}`, `/v1/stats?area=${PREFECTURE}&asOf=${TODAY}`, rawStatsStatements(PREFECTURE, TODAY));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
