// `npm run bench:clocks -- --db=FILE` (not a test): how long the scheduler's
// clocks and the catalogue's refreshes hold the event loop, on a benchmark
// database (`npm run bench -- --load-only --db=FILE` builds one). Works on a
// copy of FILE (VACUUM INTO a temporary file), so the benchmark database is
// left as it was. Phases, each with the event-loop delay measured by
// perf_hooks.monitorEventLoopDelay and a 5 ms probe timer:
//   1. the catalogue's first read (as at start)
//   2. the clocks at the benchmark's "now" (a first run: every due check-in)
//   3. the clocks again a minute later (what every minute costs)
//   4. the clocks a day later (a day's expiries), then the catalogue's refresh
// Target (issue 14): no single piece of work holds the loop past 20 ms; max delay ≤ 50 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { libsqlDb } from '../db/client.js';
import { createDbClient } from '../db/local-client.js';
import { prepareDatabase } from '../src/bootstrap.js';
import { parseConfig } from '../src/config.js';
import type { Clock, Deps } from '../src/context.js';
import { runClocks } from '../src/scheduler.js';
import { openingCatalogue } from '../src/services/opening-catalogue.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const source = args.get('db');
if (!source) {
  console.error('usage: npm run bench:clocks -- --db=FILE   (a database built by npm run bench -- --load-only --db=FILE)');
  process.exit(2);
}

const NOW = Date.parse('2026-11-20T02:00:00Z');
let now = NOW;
const clock: Clock = { now: () => new Date(now) };

async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let worstGap = 0;
  const probe = setInterval(() => {
    const t = performance.now();
    worstGap = Math.max(worstGap, t - last - 5);
    last = t;
  }, 5);
  h.enable();
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  // One more probe tick so a block at the very end is seen.
  await new Promise((r) => setTimeout(r, 20));
  h.disable();
  clearInterval(probe);
  const p = (q: number) => (h.percentile(q) / 1e6).toFixed(1);
  console.log(
    `${name.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms   loop delay p50 ${p(50).padStart(6)}  p99 ${p(99).padStart(6)}  max ${(h.max / 1e6).toFixed(1).padStart(7)} ms   worst gap ${worstGap.toFixed(1)} ms`,
  );
  return result;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'jiujin-bench-clocks-'));
  const copy = join(dir, 'copy.db');
  try {
    {
      const c = createDbClient({ url: `file:${source}` });
      const t = performance.now();
      await c.execute({ sql: 'VACUUM INTO ?', args: [copy] });
      c.close();
      console.log(`copied ${source} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const client = createDbClient({ url: `file:${copy}` });
    const db = libsqlDb(client);
    const prepared = await prepareDatabase(db, clock, { generateAdminToken: false });
    if (prepared.migrationsApplied.length) console.log(`migrations applied to the copy: ${prepared.migrationsApplied.join(', ')}`);
    const deps: Deps = { db, clock, config: parseConfig({ LOG_LEVEL: 'warn' }) }; // a line per timed request would swamp the figures
    const [counts] = await db.all<{ active: number; open: number }>(
      sql`SELECT (SELECT count(*) FROM placements WHERE end_date IS NULL) AS active, (SELECT count(*) FROM openings WHERE status = 'open') AS open`,
    );
    console.log(`${counts!.active.toLocaleString('en')} active placements, ${counts!.open.toLocaleString('en')} open openings\n`);
    const steps: string[] = [];
    const clocks = (label: string) =>
      phase(label, () =>
        runClocks(deps, 'bench', (step, ms) => {
          if (ms >= 5) steps.push(`${step} ${ms.toFixed(0)} ms`);
        }),
      ).then((r) => {
        console.log(`  ${JSON.stringify(r)}${steps.length ? `\n  steps of 5 ms or more: ${steps.splice(0).join(', ')}` : ''}`);
      });

    const catalogue = await phase('catalogue, first read', () => openingCatalogue(db));
    console.log(`  ${catalogue.size.toLocaleString('en')} open openings`);
    await clocks('clocks at the bench\'s now (first run)');
    now += 60_000;
    await clocks('clocks a minute later');
    now += 86_400_000;
    await clocks('clocks a day later (a day\'s expiries)');
    await phase('catalogue refresh after that day', () => openingCatalogue(db));
    console.log(`  ${catalogue.size.toLocaleString('en')} open openings`);
    client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
