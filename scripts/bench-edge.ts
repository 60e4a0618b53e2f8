// `npm run bench:edge` (not part of the tests): how fast a new Cloudflare
// Workers isolate answers its first matches, in Miniflare's workerd over a
// local D1 database holding the bench's synthetic prefecture.
//
//   npm run bench:edge                   scale 1 (the bench's 50,000 openings, 1.5 M workers)
//   npm run bench:edge -- --scale=0.1    a tenth
//   npm run bench:edge -- --db=/tmp/x.db the bench database to load (built by `npm run bench -- --load-only --db=…` when missing)
//   npm run bench:edge -- --isolates=5   new isolates timed one by one (default 5)
//
// D1 in Miniflare is a SQLite file under its persistence folder (d1Persist):
// the script lets workerd create it, puts a copy of the bench database in its
// place (rollback journal, as workerd keeps it), and then starts a new
// workerd (a new isolate) per run. It times, from outside, each isolate's
// first request (a matches request: the database check of the first request
// included), its next ones while the catalogue is read in the background,
// and once that read is done (its size on /metrics); then eight concurrent first requests on
// another new isolate. The isolate's memory is the V8 heap workerd reports
// over its inspector (Runtime.getHeapUsage, after a collection), and
// workerd's resident set from /proc.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '@libsql/client';
import { Miniflare } from 'miniflare';
import { libsqlDb } from '../db/client.js';
import { systemClock } from '../src/context.js';
import { todayInChina } from '../src/domain/dates.js';
import { catalogueReach, FIRST_RINGS, loadMatchWorker } from '../src/services/matching.js';
import { OpeningCatalogue } from '../src/services/opening-catalogue.js';
import { getScopedWorker } from '../src/services/workers.js';
import { buildWorker, wranglerSettings } from '../test/workers/worker-runtime.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const SCALE = Number(args.get('scale') ?? 1);
const ISOLATES = Number(args.get('isolates') ?? 5);
const SOURCE_DB = args.get('db') ?? join(tmpdir(), `jiujin-bench-${SCALE}.db`);
const ADMIN_TOKEN = 'bench-edge-admin-token-0123456789';
const CONCURRENT = 8;
const BASELINE = { firstMs: '1,800–2,600 ms', isolateMb: '78–85 MB', warmP99: '25–39 ms' };
const TARGET = { firstMs: 300, isolateMb: 48 };
if (!(SCALE > 0 && SCALE <= 10)) throw new Error(`--scale must be in (0, 10], not ${args.get('scale')}`);
if (!(ISOLATES >= 1 && ISOLATES <= 50)) throw new Error(`--isolates must be in [1, 50], not ${args.get('isolates')}`);

if (typeof WebSocket === 'undefined') throw new Error('run with node --experimental-websocket (npm run bench:edge does)');

// ---------------------------------------------------------------------------
// The bench database, in D1's place

if (!existsSync(SOURCE_DB)) {
  console.log(`building the bench database at scale ${SCALE} into ${SOURCE_DB} (npm run bench -- --load-only)…`);
  const run = spawnSync('npx', ['tsx', 'scripts/bench.ts', `--scale=${SCALE}`, '--load-only', `--db=${SOURCE_DB}`], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

const persist = mkdtempSync(join(tmpdir(), 'jiujin-bench-edge-'));
const bundle = await buildWorker();

function miniflare(inspectorPort?: number) {
  return new Miniflare({
    modules: true,
    modulesRoot: join(bundle.scriptPath, '..'),
    scriptPath: bundle.scriptPath,
    ...wranglerSettings(),
    d1Databases: { DB: 'jiujin-bench-edge' },
    d1Persist: persist,
    bindings: { JIUJIN_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn' },
    ...(inspectorPort ? { inspectorPort } : {}),
  });
}

const sqliteFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sqliteFiles(join(dir, e.name)) : e.name.endsWith('.sqlite') ? [join(dir, e.name)] : [],
  );

{
  const mf = miniflare();
  await (await mf.getD1Database('DB')).prepare('SELECT 1').all();
  await mf.dispose();
}
const [d1File] = sqliteFiles(persist);
if (!d1File) throw new Error(`Miniflare made no D1 file under ${persist}`);
for (const suffix of ['', '-wal', '-shm']) rmSync(d1File + suffix, { force: true });
copyFileSync(SOURCE_DB, d1File);
if (existsSync(`${SOURCE_DB}-wal`)) copyFileSync(`${SOURCE_DB}-wal`, `${d1File}-wal`);
{
  const c = createClient({ url: `file:${d1File}` });
  await c.execute('PRAGMA journal_mode = DELETE');
  c.close();
}

// ---------------------------------------------------------------------------
// Workers to ask for, and what the database holds

const source = createClient({ url: `file:${d1File}` });
const count = async (q: string) => Number((await source.execute(q)).rows[0]![0]);
const openOpenings = await count("SELECT count(*) FROM openings WHERE status = 'open'");
const workerCount = await count('SELECT count(*) FROM workers');
// Workers able to work, as the bench samples them; a fixed stride so runs ask for the same ones.
const sample = (await source.execute('SELECT id FROM workers WHERE able_to_work = 1 AND erased_at IS NULL AND id % 997 = 0 ORDER BY id')).rows.map((r) => Number(r[0]));
// What a first request reads instead of the whole catalogue: the narrowed catalogue of each sampled worker, counted here on the same file.
const sourceDb = libsqlDb(source);
const system = { db: sourceDb, clock: systemClock, actor: { role: 'system', name: 'bench-edge' } } as const;
const firstSizes: number[] = [];
const narrowedSizes: number[] = [];
for (const id of sample.slice(0, 200)) {
  const w = await getScopedWorker(system, id);
  const { worker } = await loadMatchWorker(system, w, todayInChina(systemClock));
  firstSizes.push((await OpeningCatalogue.narrowed(sourceDb, catalogueReach(worker, FIRST_RINGS))).size);
  narrowedSizes.push((await OpeningCatalogue.narrowed(sourceDb, catalogueReach(worker))).size);
}
source.close();
if (sample.length < 40) throw new Error('too few workers in the bench database');
let next = 0;
const someWorker = () => sample[next++ % sample.length]!;

// ---------------------------------------------------------------------------
// Timing and memory

async function matches(mf: Miniflare, id: number): Promise<{ ms: number; n: number }> {
  const t = performance.now();
  const res = await mf.dispatchFetch(`http://localhost/v1/workers/${id}/matches?limit=20`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const body = (await res.json()) as { items?: unknown[] };
  const ms = performance.now() - t;
  if (res.status !== 200) throw new Error(`matches for worker ${id}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, n: body.items?.length ?? 0 };
}

/**
 * The isolate's V8 heap, after a collection, over workerd's inspector (Chrome
 * DevTools protocol): one session per isolate, kept open (closing it stalls
 * the isolate's next request in this workerd).
 */
const sessions = new Map<number, Promise<(method: string) => Promise<Record<string, unknown>>>>();
function inspector(port: number) {
  let session = sessions.get(port);
  if (!session) {
    session = (async () => {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{ webSocketDebuggerUrl?: string }>;
      const url = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
      if (!url) throw new Error('workerd lists no inspector target');
      const ws = new WebSocket(url);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const waiting = new Map<number, (result: Record<string, unknown>) => void>();
      ws.addEventListener('message', (e) => {
        const msg = JSON.parse(String(e.data)) as { id?: number; result?: Record<string, unknown> };
        if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result ?? {});
      });
      let id = 0;
      return (method: string) =>
        new Promise<Record<string, unknown>>((resolve) => {
          waiting.set(++id, resolve);
          ws.send(JSON.stringify({ id, method }));
        });
    })();
    sessions.set(port, session);
  }
  return session;
}
async function heapMb(mf: Miniflare, port: number): Promise<number> {
  const call = await inspector(port);
  // workerd serves the inspector while the isolate runs: a /health request now and then wakes an idle one.
  let answered = false;
  const read = (async () => {
    await call('HeapProfiler.collectGarbage');
    const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
    answered = true;
    return usage.usedSize / 2 ** 20;
  })();
  while (!answered) {
    const done = await Promise.race([read.then(() => true), sleep(100).then(() => false)]);
    if (!done) await (await mf.dispatchFetch('http://localhost/health')).text();
  }
  return read;
}

/** Resident set of the workerd processes (the runtime itself, every isolate's heap and D1's SQLite). */
function workerdRssMb(): number {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      // workerd processes this script's Miniflare started (its children).
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!/^Name:\s+workerd/m.test(status) || Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      /* gone meanwhile */
    }
  }
  return kb / 1024;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const f = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const VERBOSE = args.has('verbose');
const step = (what: string) => {
  if (VERBOSE) console.error(`  … ${what}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The isolate's catalogue size as /metrics reports it (0 until its background read is done). */
async function catalogueSize(mf: Miniflare): Promise<number> {
  const res = await mf.dispatchFetch('http://localhost/metrics', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics: ${res.status} ${text}`);
  return Number(/^jiujin_catalogue_open_openings(?:\{\})? (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Asks for matches until the catalogue's background read is done (its size on /metrics), timed from `since`. */
async function untilWarm(mf: Miniflare, port: number, since: number): Promise<{ ms: number; heap: number }> {
  for (;;) {
    const size = await catalogueSize(mf);
    step(`catalogue ${size}`);
    if (size === openOpenings) return { ms: performance.now() - since, heap: await heapMb(mf, port) };
    if (performance.now() - since > 180_000) throw new Error(`the catalogue holds ${size} of ${openOpenings} after 3 minutes`);
    await matches(mf, someWorker());
    await sleep(100);
  }
}

const loadStart = loadavg().map((l) => l.toFixed(1)).join(' ');
console.log('\nJiujin edge benchmark: the first matches on a new Workers isolate (Miniflare, D1)');
console.log(`scale ${SCALE}: ${workerCount.toLocaleString('en')} workers, ${openOpenings.toLocaleString('en')} open openings; D1 file ${(statSync(d1File).size / 2 ** 20).toFixed(0)} MB`);

const firsts: number[] = [];
const during: number[] = [];
const warm: number[] = [];
const heapsCold: number[] = [];
const heapsWarm: number[] = [];
/** After the 100 warm matches: what answering adds (shelves packed, answers' texts kept). */
const heapsServed: number[] = [];
const rssWarm: number[] = [];
const warmAfter: number[] = [];
let port = 9229 + (process.pid % 500);
for (let i = 0; i < ISOLATES; i++) {
  const mf = miniflare(++port);
  await mf.ready;
  step(`isolate ${i + 1} ready`);
  const since = performance.now();
  const first = await matches(mf, someWorker());
  firsts.push(first.ms);
  step(`first matches ${f(first.ms)} ms`);
  heapsCold.push(await heapMb(mf, port));
  step('heap read');
  for (let k = 0; k < 5; k++) {
    during.push((await matches(mf, someWorker())).ms);
    step(`next matches ${f(during[during.length - 1]!)} ms`);
  }
  const settled = await untilWarm(mf, port, since);
  warmAfter.push(settled.ms);
  heapsWarm.push(settled.heap);
  rssWarm.push(workerdRssMb());
  for (let k = 0; k < 100; k++) warm.push((await matches(mf, someWorker())).ms);
  heapsServed.push(await heapMb(mf, port));
  await mf.dispose();
  console.log(`isolate ${i + 1}: first matches ${f(first.ms)} ms (${first.n} openings); heap ${heapsCold[i]!.toFixed(1)} MB after it, ${settled.heap.toFixed(1)} MB warm`);
}

// The first request's parts: a /health first (isolate start, database check), then the first matches.
const healthFirst: number[] = [];
const matchesAfterHealth: number[] = [];
for (let i = 0; i < Math.min(3, ISOLATES); i++) {
  const mf = miniflare(++port);
  await mf.ready;
  const t = performance.now();
  await (await mf.dispatchFetch('http://localhost/health')).text();
  healthFirst.push(performance.now() - t);
  matchesAfterHealth.push((await matches(mf, someWorker())).ms);
  await mf.dispose();
}

// Eight first requests at once on a new isolate: one catalogue read between them.
const mf = miniflare(++port);
await mf.ready;
const sinceTogether = performance.now();
const together = await Promise.all(Array.from({ length: CONCURRENT }, () => matches(mf, someWorker())));
const heapTogether = await heapMb(mf, port);
const settledTogether = await untilWarm(mf, port, sinceTogether);
await mf.dispose();
rmSync(persist, { recursive: true, force: true });

const concurrentMs = together.map((r) => r.ms);
const row = (label: string, now: string, baseline: string, target: string) =>
  console.log(`${label.padEnd(58)}${now.padStart(16)}${baseline.padStart(18)}${target.padStart(12)}`);
console.log('');
row('figure', 'now', 'issue 14', 'target');
row(`first matches on a new isolate, median of ${ISOLATES}`, `${f(pct(firsts, 50))} ms`, BASELINE.firstMs, `≤ ${TARGET.firstMs} ms`);
row(`first matches on a new isolate, max of ${ISOLATES}`, `${f(Math.max(...firsts))} ms`, BASELINE.firstMs, `≤ ${TARGET.firstMs} ms`);
row('… of which: a first /health, then the first matches (medians)', `${f(pct(healthFirst, 50))} + ${f(pct(matchesAfterHealth, 50))} ms`, '—', '—');
row(`${CONCURRENT} concurrent first requests, slowest`, `${f(Math.max(...concurrentMs))} ms`, 'each re-read', `≤ ${TARGET.firstMs} ms`);
row('next 5 matches while the catalogue is read, p50 / max', `${f(pct(during, 50))} / ${f(Math.max(...during))} ms`, '—', '—');
row('catalogue read in the background, done (after the first request)', `${(pct(warmAfter, 50) / 1000).toFixed(1)} s`, '—', '—');
row(`warm matches, p50 / p99 (n=${warm.length})`, `${f(pct(warm, 50))} / ${f(pct(warm, 99))} ms`, `p99 ${BASELINE.warmP99}`, '—');
row(`openings a cold matches reads first (${FIRST_RINGS} rings), median / max`, `${pct(firstSizes, 50)} / ${Math.max(...firstSizes)}`, `all ${openOpenings.toLocaleString('en')}`, '—');
row('… and, if those do not settle it, its whole reach', `${pct(narrowedSizes, 50)} / ${Math.max(...narrowedSizes)}`, '—', '—');
row('isolate heap after the first matches (median)', `${pct(heapsCold, 50).toFixed(1)} MB`, '—', `≤ ${TARGET.isolateMb} MB`);
row('isolate heap with the catalogue warm (median)', `${pct(heapsWarm, 50).toFixed(1)} MB`, BASELINE.isolateMb, `≤ ${TARGET.isolateMb} MB`);
row('isolate heap after 100 warm matches (median)', `${pct(heapsServed, 50).toFixed(1)} MB`, '—', `≤ ${TARGET.isolateMb} MB`);
row(`isolate heap after ${CONCURRENT} concurrent first requests / warm`, `${heapTogether.toFixed(1)} / ${settledTogether.heap.toFixed(1)} MB`, '—', '—');
row('workerd resident set, catalogue warm (median)', `${pct(rssWarm, 50).toFixed(0)} MB`, '—', '—');
console.log(`\nload average (1, 5, 15 min) at the start: ${loadStart}; at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${cpus().length} cores`);
console.log(
  '\nTimes are from the caller (dispatchFetch to the parsed body); the first request includes its database check.' +
    '\nHeap: V8 used size of the isolate over workerd\'s inspector after a collection; resident set: workerd\'s, runtime and SQLite included.',
);
