// The benchmark's options (command line) and the fixed facts of its
// synthetic prefecture: scale, seed, sizes, "now", the admin token.
import type { Clock } from '../../src/context.js';
import { chinaDate } from '../../src/domain/dates.js';

export const args = new Map<string, string>(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
export const SCALE = Number(args.get('scale') ?? process.env.BENCH_SCALE ?? 1);
export const SEED = Number(args.get('seed') ?? 20211);
/** Share of households on the zero-employment list (the clearance action aims at none). */
export const ZERO_SHARE = Number(args.get('zero-share') ?? 0.05);
export const EXPLAIN = args.has('explain');
export const DB_FILE = args.get('db');
export const KEEP = args.has('keep') || DB_FILE !== undefined;
if (!(SCALE > 0 && SCALE <= 10)) throw new Error(`--scale must be in (0, 10], not ${args.get('scale')}`);
if (!(ZERO_SHARE >= 0 && ZERO_SHARE <= 0.5)) throw new Error(`--zero-share must be in [0, 0.5], not ${args.get('zero-share')}`);

export const N = {
  employers: Math.round(3_000 * SCALE),
  households: Math.round(600_000 * SCALE),
  workers: Math.round(1_500_000 * SCALE),
  openings: Math.round(50_000 * SCALE),
  placements: Math.round(300_000 * SCALE),
  applications: Math.round(100_000 * SCALE),
};
export const SAMPLE = { workers: 500, openings: 200, warmup: 200, statsRuns: 7 };
export const LIMIT = 20;
export const TARGET = { matchesP99: 5, candidatesP99: 50, prefectureStats: 200, rssMb: 1024 };

export const NOW = new Date('2026-11-20T02:00:00Z');
let offsetMs = 0;
/** The benchmark's "now": NOW, moved on only while the scheduler's clocks run (a minute a run), then put back. */
export const clock: Clock = { now: () => new Date(NOW.getTime() + offsetMs) };
export const advanceClock = (ms: number) => {
  offsetMs += ms;
};
export const resetClock = () => {
  offsetMs = 0;
};
export const TODAY = chinaDate(NOW);
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const PREFECTURE = '5325';
export const COUNTY = '532503';
