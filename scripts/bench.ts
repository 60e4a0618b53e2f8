// `npm run bench` (not part of the tests): builds a synthetic prefecture in a
// temporary libSQL file — by default 1.5 M workers in 600,000 households,
// 50,000 openings, 3,000 employers, 300,000 placements, spread over Honghe's
// real counties, townships and villages — then times the API against it and
// prints each figure beside the raw indexed SQL query that does the same
// lookup, so the overhead of the service over the database shows as a ratio.
//
//   npm run bench                      full scale
//   npm run bench -- --scale=0.1       a tenth (also BENCH_SCALE=0.1)
//   npm run bench -- --load-only       build the database and stop (with --db, to time it later)
//   npm run bench -- --explain         also print the statements and plans of the slowest lookups
//   npm run bench -- --keep            keep the database file (its path is printed)
//   npm run bench -- --zero-share=0.005  the zero-employment list at 0.5% of households (default 5%)
//   npm run bench -- --db=/tmp/x.db    use (and keep) this file: built when missing, reused
//                                      as it is when present (new migrations are applied)
//
// Everything random comes from one seeded PRNG (--seed=N, default 20211), so
// two runs build the same prefecture and time the same lookups.
import { createClient, type Client } from '@libsql/client';
import { createDbClient } from '../db/local-client.js';
import { drizzle } from 'drizzle-orm/libsql';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem, arch } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Db } from '../db/client.js';
import * as schema from '../db/schema.js';
import { createApp } from '../src/app.js';
import { prepareDatabase } from '../src/bootstrap.js';
import { openingCatalogue } from '../src/services/opening-catalogue.js';
import { parseConfig } from '../src/config.js';
import type { Clock, Deps } from '../src/context.js';
import { chinaDate, chinaDayEnd } from '../src/domain/dates.js';
import { boundingBox, KM_PER_DEGREE, type Point } from '../src/domain/geo.js';
import { cellRanges, REACH_BAND_KM } from '../src/domain/grid.js';
import { occupationCodes } from '../src/domain/occupations.js';

// ---------------------------------------------------------------------------
// Options

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const SCALE = Number(args.get('scale') ?? process.env.BENCH_SCALE ?? 1);
const SEED = Number(args.get('seed') ?? 20211);
/** Share of households on the zero-employment list (the clearance action aims at none). */
const ZERO_SHARE = Number(args.get('zero-share') ?? 0.05);
const EXPLAIN = args.has('explain');
const DB_FILE = args.get('db');
const KEEP = args.has('keep') || DB_FILE !== undefined;
if (!(SCALE > 0 && SCALE <= 10)) throw new Error(`--scale must be in (0, 10], not ${args.get('scale')}`);
if (!(ZERO_SHARE >= 0 && ZERO_SHARE <= 0.5)) throw new Error(`--zero-share must be in [0, 0.5], not ${args.get('zero-share')}`);

const N = {
  employers: Math.round(3_000 * SCALE),
  households: Math.round(600_000 * SCALE),
  workers: Math.round(1_500_000 * SCALE),
  openings: Math.round(50_000 * SCALE),
  placements: Math.round(300_000 * SCALE),
  applications: Math.round(100_000 * SCALE),
};
const SAMPLE = { workers: 500, openings: 200, warmup: 200, statsRuns: 7 };
const LIMIT = 20;
const TARGET = { matchesP99: 5, candidatesP99: 50, prefectureStats: 200, rssMb: 1024 };

const NOW = new Date('2026-11-20T02:00:00Z');
const clock: Clock = { now: () => new Date(NOW) };
const TODAY = chinaDate(NOW);
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const PREFECTURE = '5325';
const COUNTY = '532503';

// ---------------------------------------------------------------------------
// Peak memory: sampled every 50 ms, and the kernel's high-water mark.

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
sampler.unref();
const mb = (bytes: number) => bytes / (1024 * 1024);

// ---------------------------------------------------------------------------
// Seeded randomness (sfc32)

function prng(seed: number) {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ (seed * 31);
  let c = 0xb7e15162;
  let d = 1;
  const next = () => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 20; i++) next();
  return next;
}
let rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const chance = (p: number) => rand() < p;
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
function weighted<T>(table: ReadonlyArray<readonly [T, number]>): T {
  let r = rand() * table.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of table) if ((r -= w) < 0) return v;
  return table[table.length - 1]![0];
}
/** Normal(0, 1), Box–Muller. */
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const KM_LAT = 111.195;
/** A point about `km` (standard deviation) around p. */
const jitter = (p: Point, km: number): Point => ({
  lat: p.lat + (gauss() * km) / KM_LAT,
  lon: p.lon + (gauss() * km) / (KM_LAT * Math.cos((p.lat * Math.PI) / 180)),
});
/** A point uniformly in a disk of radius km around p. */
const inDisk = (p: Point, km: number): Point => {
  const r = km * Math.sqrt(rand());
  const t = 2 * Math.PI * rand();
  return {
    lat: p.lat + (r * Math.sin(t)) / KM_LAT,
    lon: p.lon + (r * Math.cos(t)) / (KM_LAT * Math.cos((p.lat * Math.PI) / 180)),
  };
};
const day = (offset: number) => new Date(NOW.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
const stamp = (offset: number) => new Date(NOW.getTime() + offset * 86_400_000 - int(86_400_000)).toISOString();

// ---------------------------------------------------------------------------
// SQL text helpers for the bulk load

const q = (s: string | null) => (s === null ? 'NULL' : `'${s.replaceAll("'", "''")}'`);
const n6 = (x: number | null) => (x === null ? 'NULL' : x.toFixed(6));
const b = (x: boolean) => (x ? '1' : '0');

/** Inserts rows in multi-row INSERTs of `chunk` rows, all in one write transaction. */
async function bulkInsert(client: Client, table: string, columns: string[], count: number, row: (i: number) => string, chunk = 2_000) {
  const tx = await client.transaction('write');
  try {
    const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
    for (let start = 0; start < count; start += chunk) {
      const parts: string[] = [];
      for (let i = start; i < Math.min(count, start + chunk); i++) parts.push(`(${row(i)})`);
      await tx.execute(head + parts.join(','));
    }
    await tx.commit();
  } finally {
    tx.close();
  }
}

// ---------------------------------------------------------------------------
// Geography: Honghe's real counties (with their seats), townships and villages
// from db/seed/areas.json. Townships and villages have no points there, so
// each gets a synthetic seat: townships scattered around their county seat,
// villages around their township.

interface Place { code: string; level: 'county' | 'township' | 'village'; point: Point; county: string; township: string | null }

type SeedArea = { code: string; name: string; parent: string | null; level: string; lat: number | null; lon: number | null };
const seedAreas = JSON.parse(readFileSync(new URL('../db/seed/areas.json', import.meta.url), 'utf8')) as SeedArea[];
const counties = seedAreas.filter((a) => a.level === 'county' && a.parent === PREFECTURE);
const townships: Place[] = [];
const villages: Place[] = [];
for (const c of counties) {
  const seat = { lat: c.lat!, lon: c.lon! };
  const towns = seedAreas.filter((a) => a.level === 'township' && a.parent === c.code);
  towns.forEach((t, i) => {
    // The first township is the county seat's own street office.
    const point = i === 0 ? jitter(seat, 1) : inDisk(seat, 26);
    const town: Place = { code: t.code, level: 'township', point, county: c.code, township: t.code };
    townships.push(town);
    for (const v of seedAreas.filter((a) => a.level === 'village' && a.parent === t.code)) {
      villages.push({ code: v.code, level: 'village', point: inDisk(point, 5), county: c.code, township: t.code });
    }
  });
}
if (townships.length === 0 || villages.length === 0) throw new Error('no Honghe townships or villages in db/seed/areas.json');
const otherYunnan = seedAreas.filter((a) => a.level === 'prefecture' && a.parent === '53' && a.code !== PREFECTURE).map((a) => a.code);
const otherProvinces = ['44', '33', '35', '32', '51', '45'];
const townshipsOf = new Map<string, Place[]>();
for (const t of townships) townshipsOf.set(t.county, [...(townshipsOf.get(t.county) ?? []), t]);

// ---------------------------------------------------------------------------
// The synthetic prefecture, generated into typed arrays and loaded as SQL text.

const WORKER_COLS = [
  'id', 'household_id', 'area_code', 'name', 'phone', 'home_lat', 'home_lon', 'max_distance_km', 'cannot_leave_home',
  'care_for', 'skills', 'availability', 'languages', 'able_to_work', 'telegram_chat_id', 'language', 'alerts_enabled',
  'unreachable', 'consent_at', 'sensitive_consent_at', 'source_id', 'created_at', 'updated_at', 'erased_at',
];
const skillSet = occupationCodes.filter((c) => c !== 'other');
const someSkills = (max: number) => {
  const k = int(max + 1);
  const s = new Set<string>();
  while (s.size < k) s.add(pick(skillSet));
  return JSON.stringify([...s]);
};

interface Built {
  /** Per household: its place (index into `places`) and flags. */
  hPlace: Int32Array;
  hPoor: Uint8Array;
  hMonitored: Uint8Array;
  hCreated: Int16Array; // day offset
  /** Per worker (index = id - 1). */
  wHousehold: Int32Array;
  wAble: Uint8Array;
  wErased: Uint8Array;
  wCreated: Int16Array;
  places: Place[];
  /** Employers: place index and kind. */
  eKind: string[];
  ePoint: Point[];
  eArea: string[];
  /** Openings by county and kind, for placements and applications. */
  openingsByCountyKind: Map<string, number[]>;
  oArea: string[];
  oKind: string[];
}

async function load(client: Client): Promise<{ built: Built; seconds: Record<string, number> }> {
  const seconds: Record<string, number> = {};
  const timed = async (label: string, f: () => Promise<void>) => {
    const t = performance.now();
    await f();
    seconds[label] = (performance.now() - t) / 1000;
  };
  // Load-only settings, on the loader's own connection: no fsync, a bigger
  // page cache (the service's connections keep the defaults).
  await client.execute('PRAGMA synchronous = OFF');
  await client.execute('PRAGMA cache_size = -131072');

  // Bulk loads are fastest without the indexes; keep their exact DDL (from
  // the migrations) and re-create them once the rows are in.
  const tables = ['households', 'workers', 'employers', 'openings', 'applications', 'placements', 'zero_employment_periods'];
  const idx = await client.execute(
    `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables.map(q).join(', ')})`,
  );
  const indexDdl = idx.rows.map((r) => ({ name: String(r.name), sql: String(r.sql) }));
  for (const i of indexDdl) await client.execute(`DROP INDEX ${i.name}`);
  // Triggers too (placements' overlap flags would look up every earlier row
  // without an index): re-created after, and the flags they keep set in one
  // pass by the backfill statements of the migrations that made them.
  const trg = await client.execute(
    `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (${tables.map(q).join(', ')})`,
  );
  const triggerDdl = trg.rows.map((r) => ({ name: String(r.name), sql: String(r.sql) }));
  for (const t of triggerDdl) await client.execute(`DROP TRIGGER ${t.name}`);

  // Places households live in: villages mostly, some registered at township level.
  const places: Place[] = [...villages, ...townships];
  const placeIndex = new Map(places.map((p, i) => [p.code, i]));
  const villageIdx = villages.map((v) => placeIndex.get(v.code)!);
  const townshipIdx = townships.map((t) => placeIndex.get(t.code)!);

  // Households
  const H = N.households;
  const hPlace = new Int32Array(H);
  const hPoor = new Uint8Array(H);
  const hMonitored = new Uint8Array(H);
  const hCreated = new Int16Array(H);
  const hHome: Point[] = new Array(H);
  for (let i = 0; i < H; i++) {
    const p = chance(0.92) ? pick(villageIdx) : pick(townshipIdx);
    hPlace[i] = p;
    // Honghe: about a quarter of rural households are poverty-alleviated (脱贫户);
    // a few percent are monitored (防返贫监测对象), most of them also poverty-alleviated.
    hPoor[i] = chance(0.25) ? 1 : 0;
    hMonitored[i] = chance(hPoor[i] ? 0.08 : 0.015) ? 1 : 0;
    hCreated[i] = -int(900) - 30;
    hHome[i] = jitter(places[p]!.point, places[p]!.level === 'village' ? 0.8 : 2);
  }
  await timed('households', () =>
    bulkInsert(client, 'households', ['id', 'area_code', 'poverty_alleviated', 'monitored', 'source_id', 'income_at_minimum_since', 'created_at', 'updated_at'], H, (i) => {
      const c = stamp(hCreated[i]!);
      return `${i + 1},${q(places[hPlace[i]!]!.code)},${hPoor[i]},${hMonitored[i]},NULL,${chance(0.01) ? q(day(-int(300))) : 'NULL'},${q(c)},${q(c)}`;
    }),
  );

  // Workers: 1 to 5 per household (2.5 on average), every household at least one.
  const W = N.workers;
  const wHousehold = new Int32Array(W);
  {
    let w = 0;
    for (let h = 0; h < H; h++) wHousehold[w++] = h;
    while (w < W) wHousehold[w++] = int(H);
    wHousehold.sort();
  }
  const wAble = new Uint8Array(W);
  const wErased = new Uint8Array(W);
  const wCreated = new Int16Array(W);
  const names = ['李', '王', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '普', '马', '白', '罗', '龙'];
  await timed('workers', () =>
    bulkInsert(client, 'workers', WORKER_COLS, W, (i) => {
      const h = wHousehold[i]!;
      const place = places[hPlace[h]!]!;
      const home = chance(0.95) ? jitter(hHome[h]!, 0.15) : null;
      const maxKm = weighted([[5, 78], [10, 15], [25, 6], [50, 1]] as const);
      const clh = chance(0.15);
      const care = clh ? JSON.stringify([weighted([['elders', 5], ['children', 4], ['disabled', 1], ['other', 1]] as const)]) : '[]';
      const able = chance(0.95);
      const erased = chance(0.002);
      const created = Math.max(hCreated[h]!, -int(900) - 1);
      wAble[i] = able ? 1 : 0;
      wErased[i] = erased ? 1 : 0;
      wCreated[i] = created;
      const c = stamp(created);
      return [
        i + 1, h + 1, q(place.code),
        erased ? 'NULL' : q(`${pick(names)}${i}`), erased || chance(0.3) ? 'NULL' : q(`1${String(3e9 + i).padStart(10, '0')}`),
        n6(home?.lat ?? null), n6(home?.lon ?? null), maxKm, b(clh), q(care), q(erased ? '[]' : someSkills(3)),
        q(weighted([['full_day', 60], ['part_day', 25], ['flexible', 15]] as const)), q(chance(0.3) ? '["zh","hni"]' : '["zh"]'),
        b(able), 'NULL', q('zh'), '1', b(chance(0.01)), q(c), clh ? q(c) : 'NULL', 'NULL', q(c), q(c), erased ? q(stamp(-int(20))) : 'NULL',
      ].join(',');
    }),
  );

  // Employers: public bodies (townships, bureaus) own the public-welfare posts.
  const E = N.employers;
  const eKind: string[] = [];
  const ePoint: Point[] = [];
  const eArea: string[] = [];
  await timed('employers', () =>
    bulkInsert(client, 'employers', ['id', 'name', 'kind', 'area_code', 'lat', 'lon', 'contact', 'verified', 'certified', 'certified_at', 'telegram_chat_id', 'created_at', 'updated_at'], E, (i) => {
      const kind = weighted([['public_body', 10], ['workshop', 27], ['cooperative', 23], ['enterprise', 40]] as const);
      const town = pick(townships);
      const point = kind === 'public_body' ? jitter(town.point, 0.3) : jitter(town.point, 3);
      const certified = kind === 'workshop' && chance(0.3);
      eKind.push(kind);
      ePoint.push(point);
      eArea.push(town.code);
      const c = stamp(-int(1000) - 100);
      return `${i + 1},${q(`${kind} ${i + 1}`)},${q(kind)},${q(town.code)},${n6(point.lat)},${n6(point.lon)},${q('{"phone":"0873"}')},${b(kind === 'public_body' || chance(0.7))},${b(certified)},${certified ? q(stamp(-int(600) - 10)) : 'NULL'},NULL,${q(c)},${q(c)}`;
    }),
  );
  const employersByKind = new Map<string, number[]>();
  eKind.forEach((k, i) => employersByKind.set(k, [...(employersByKind.get(k) ?? []), i]));

  // Openings: most open; public-welfare posts in villages, many serving elders or children.
  const O = N.openings;
  const oArea: string[] = [];
  const oKind: string[] = [];
  const openingsByCountyKind = new Map<string, number[]>();
  const villagesOfTownship = new Map<string, Place[]>();
  for (const v of villages) villagesOfTownship.set(v.township!, [...(villagesOfTownship.get(v.township!) ?? []), v]);
  await timed('openings', () =>
    bulkInsert(
      client,
      'openings',
      ['id', 'employer_id', 'title', 'kind', 'serves', 'area_code', 'lat', 'lon', 'slots', 'slots_filled', 'wage_amount', 'wage_period', 'hours', 'skills', 'poverty_only', 'start_date', 'closing_date', 'status', 'created_at', 'updated_at'],
      O,
      (i) => {
        const kind = weighted([['public_welfare', 40], ['workshop', 25], ['enterprise', 35]] as const);
        const e = kind === 'public_welfare' ? pick(employersByKind.get('public_body')!) : kind === 'workshop' ? pick(employersByKind.get('workshop')!) : pick([...employersByKind.get('enterprise')!, ...employersByKind.get('cooperative')!]);
        let area = eArea[e]!;
        let point: Point | null = jitter(ePoint[e]!, 1);
        let serves = 'none';
        if (kind === 'public_welfare') {
          const v = pick(villagesOfTownship.get(area) ?? [townships.find((t) => t.code === area)!]);
          area = v.code;
          point = jitter(v.point, 0.5);
          serves = weighted([['none', 45], ['elders', 30], ['children', 15], ['disabled', 10]] as const);
        }
        if (chance(0.08)) point = null;
        const status = weighted([['open', 72], ['filled', 13], ['closed', 8], ['draft', 4], ['expired', 3]] as const);
        const slots = kind === 'public_welfare' ? 1 + int(3) : 1 + int(20);
        const filled = status === 'filled' ? slots : int(slots);
        const created = -int(400) - 1;
        const updated = Math.min(0, created + int(60));
        oArea.push(area);
        oKind.push(kind);
        const key = `${area.slice(0, 6)}:${kind}`;
        if (!openingsByCountyKind.has(key)) openingsByCountyKind.set(key, []);
        openingsByCountyKind.get(key)!.push(i);
        const closing = chance(0.5) ? null : day(int(200) - 30);
        return [
          i + 1, e + 1, q(`${kind} post ${i + 1}`), q(kind), q(serves), q(area), n6(point?.lat ?? null), n6(point?.lon ?? null),
          slots, filled, kind === 'public_welfare' ? 800 : 1500 + int(3000), q(kind === 'workshop' && chance(0.3) ? 'piece' : 'month'),
          q(weighted([['full_day', 50], ['part_day', 30], ['flexible', 20]] as const)), q(someSkills(2)),
          b(kind === 'workshop' ? chance(0.2) : kind === 'enterprise' ? chance(0.05) : false),
          q(day(created + 10)), q(closing), q(status), q(stamp(created)), q(stamp(updated)),
        ].join(',');
      },
    ),
  );

  // Placements: distinct workers (able to work, not erased), one public-welfare
  // post per household at a time; scope and type consistent with the place.
  const P = N.placements;
  const eligible: number[] = [];
  for (let i = 0; i < W; i++) if (wAble[i] && !wErased[i]) eligible.push(i);
  for (let i = eligible.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!];
  }
  const pwHouseholds = new Set<number>();
  const activeHouseholds = new Set<number>();
  const placementRow = (k: number) => {
    const w = eligible[k % eligible.length]!;
    const h = wHousehold[w]!;
    const home = places[hPlace[h]!]!;
    let type = weighted([['migrant', 35], ['enterprise', 25], ['self_employed', 18], ['workshop', 10], ['public_welfare', 12]] as const) as string;
    const ended = chance(0.3);
    if (type === 'public_welfare' && !(hPoor[h] || hMonitored[h])) type = 'workshop';
    if (type === 'public_welfare' && !ended) {
      if (pwHouseholds.has(h)) type = 'enterprise';
      else pwHouseholds.add(h);
    }
    let scope: string;
    let area: string | null;
    let opening: number | null = null;
    if (type === 'migrant') {
      scope = chance(0.25) ? 'province' : 'out_of_province';
      area = scope === 'province' ? pick(otherYunnan) : pick(otherProvinces);
    } else if (type === 'self_employed') {
      scope = 'township';
      area = home.code;
    } else {
      scope = type === 'enterprise' ? weighted([['township', 50], ['county', 35], ['province', 15]] as const) : chance(0.85) ? 'township' : 'county';
      const county = home.county;
      if (scope === 'province') {
        const other = pick(counties.filter((c) => c.code !== county));
        area = other.code;
      } else if (scope === 'county') {
        const others = (townshipsOf.get(county) ?? []).filter((t) => t.code !== home.township);
        area = pick(others.length > 0 ? others : [home]).code;
      } else {
        area = home.township ?? home.code;
      }
      const pool = openingsByCountyKind.get(`${area.slice(0, 6)}:${type}`);
      if (pool && pool.length > 0) {
        opening = pick(pool);
        area = oArea[opening]!;
        // The opening decides the scope from its place.
        scope = area.slice(0, 6) !== county ? 'province' : area.slice(0, 9) === home.township ? 'township' : 'county';
      }
    }
    const start = -int(700) - 1;
    const end = ended ? Math.min(-1, start + 30 + int(300)) : null;
    if (!ended) activeHouseholds.add(h);
    const c = stamp(start);
    return [
      k + 1, w + 1, h + 1, q(home.code), opening === null ? 'NULL' : opening + 1, 'NULL', q(type), q(area), 'NULL', 'NULL', q(scope),
      q(day(start)), end === null ? 'NULL' : q(day(end)), end === null ? 'NULL' : q(pick(['contract_ended', 'quit', 'other'])),
      chance(0.4) ? 12 : 'NULL', q(c), q(c),
    ].join(',');
  };
  await timed('placements', () =>
    bulkInsert(
      client,
      'placements',
      ['id', 'worker_id', 'household_id', 'home_area_code', 'opening_id', 'application_id', 'type', 'area_code', 'lat', 'lon', 'scope', 'start_date', 'end_date', 'end_reason', 'contract_months', 'created_at', 'updated_at'],
      P,
      placementRow,
    ),
  );

  // Zero-employment periods: about ZERO_SHARE of households (5% by default), all with nobody in work,
  // mostly still on the list (some waiting more than 15 days: overdue), and a
  // few past periods of households that have since found work.
  const zero: string[] = [];
  let zid = 0;
  for (let h = 0; h < H; h++) {
    if (!activeHouseholds.has(h) && chance(0.075 * (ZERO_SHARE / 0.05))) {
      zero.push(`${++zid},${h + 1},${q(places[hPlace[h]!]!.code)},${q(day(-int(200)))},NULL`);
    } else if (activeHouseholds.has(h) && chance(0.02)) {
      const s = -int(600) - 100;
      zero.push(`${++zid},${h + 1},${q(places[hPlace[h]!]!.code)},${q(day(s))},${q(day(s + 20 + int(60)))}`);
    }
  }
  await timed('zero_employment_periods', () =>
    bulkInsert(client, 'zero_employment_periods', ['id', 'household_id', 'area_code', 'start_date', 'end_date'], zero.length, (i) => zero[i]!),
  );

  // Applications: workers applying to openings of their own county.
  const seen = new Set<string>();
  const apps: string[] = [];
  while (apps.length < N.applications) {
    const w = eligible[int(eligible.length)]!;
    const county = places[hPlace[wHousehold[w]!]!]!.county;
    const pool = openingsByCountyKind.get(`${county}:${pick(['workshop', 'enterprise', 'public_welfare'])}`);
    if (!pool?.length) continue;
    const o = pick(pool);
    const key = `${w}:${o}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const state = weighted([['suggested', 30], ['applied', 25], ['offered', 5], ['hired', 10], ['declined', 15], ['withdrawn', 5], ['expired', 10]] as const);
    const ending = ['declined', 'withdrawn', 'expired'].includes(state) ? pick(['not_reachable', 'hours_do_not_fit', 'wage', 'chose_other', 'expired', 'other']) : null;
    const c = stamp(-int(300));
    apps.push(`${apps.length + 1},${w + 1},${o + 1},${q(state)},${q(ending)},${q(c)},${q(c)}`);
  }
  await timed('applications', () =>
    bulkInsert(client, 'applications', ['id', 'worker_id', 'opening_id', 'state', 'reason', 'created_at', 'updated_at'], apps.length, (i) => apps[i]!),
  );
  apps.length = 0;
  zero.length = 0;

  await timed('indexes', async () => {
    for (const i of indexDdl) await client.execute(i.sql);
  });
  await timed('triggers', async () => {
    for (const t of triggerDdl) await client.execute(t.sql);
    // What the triggers keep, filled in one pass by the backfill statements
    // (INSERT or UPDATE) of every migration that creates a trigger, for the
    // tables a later migration has not dropped.
    const dir = new URL('../db/migrations/', import.meta.url);
    const live = new Set((await client.execute(`SELECT name FROM sqlite_master WHERE type = 'table'`)).rows.map((r) => String(r.name)));
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
      const statements = readFileSync(new URL(file, dir), 'utf8')
        .split('--> statement-breakpoint')
        .map((st) => st.replace(/^\s*--.*$/gm, '').trim());
      if (!statements.some((st) => st.startsWith('CREATE TRIGGER'))) continue;
      for (const st of statements) {
        const target = /^(?:INSERT INTO|UPDATE)\s+`?(\w+)`?/.exec(st)?.[1];
        if (target !== undefined && live.has(target)) await client.execute(st);
      }
    }
  });
  await timed('analyze', async () => {
    await client.execute('ANALYZE');
  });

  return {
    built: { hPlace, hPoor, hMonitored, hCreated, wHousehold, wAble, wErased, wCreated, places, eKind, ePoint, eArea, openingsByCountyKind, oArea, oKind },
    seconds,
  };
}

// ---------------------------------------------------------------------------
// Raw SQL: the same lookups as the service, written by hand, one statement each.

function approxKm2(lat: string, lon: string, p: Point, maxAbsLat: number) {
  const kLon = KM_PER_DEGREE * Math.cos((maxAbsLat * Math.PI) / 180);
  return `(((${lat} - ${p.lat}) * ${KM_PER_DEGREE}) * ((${lat} - ${p.lat}) * ${KM_PER_DEGREE}) + ((${lon} - ${p.lon}) * ${kLon}) * ((${lon} - ${p.lon}) * ${kLon}))`;
}
const cellOr = (prefix: string, p: Point, km: number) =>
  cellRanges(boundingBox(p, km))!.map(([a, z]) => `(${prefix} AND cell BETWEEN ${a} AND ${z})`).join(' OR ');
const hoursLevel = { flexible: 0, part_day: 1, full_day: 2 } as const;
const zeroOn = (hh: string) =>
  `EXISTS (SELECT 1 FROM zero_employment_periods z WHERE z.household_id = ${hh} AND z.start_date <= '${TODAY}' AND (z.end_date IS NULL OR z.end_date > '${TODAY}'))`;

interface SampleWorker { id: number; lat: number | null; lon: number | null; maxKm: number; area: string; availability: keyof typeof hoursLevel; poor: boolean }

function rawMatchesSql(w: SampleWorker) {
  const hours = Object.keys(hoursLevel).filter((h) => hoursLevel[w.availability] >= hoursLevel[h as keyof typeof hoursLevel]);
  const elig = [
    `(closing_date IS NULL OR closing_date >= '${TODAY}')`,
    `hours IN (${hours.map(q).join(', ')})`,
    `id NOT IN (SELECT opening_id FROM applications WHERE worker_id = ${w.id} AND state <> 'suggested')`,
    ...(w.poor ? [] : [`poverty_only = 0`, `kind <> 'public_welfare'`]),
  ].join(' AND ');
  if (w.lat === null || w.lon === null) {
    const prefix = w.maxKm >= 25 ? w.area.slice(0, 6) : w.area.slice(0, 9);
    return `SELECT id, kind, serves, hours, skills, poverty_only FROM openings WHERE status = 'open' AND area_code >= '${prefix}' AND area_code < '${prefix}:' AND ${elig} ORDER BY id LIMIT ${LIMIT}`;
  }
  const p = { lat: w.lat, lon: w.lon };
  const box = boundingBox(p, w.maxKm);
  const d2 = approxKm2('lat', 'lon', p, Math.max(Math.abs(box.minLat), Math.abs(box.maxLat)));
  return `SELECT id, kind, serves, hours, skills, poverty_only, ${d2} AS d2 FROM openings WHERE status = 'open' AND lat BETWEEN ${box.minLat} AND ${box.maxLat} AND lon BETWEEN ${box.minLon} AND ${box.maxLon} AND ${d2} <= ${w.maxKm * w.maxKm * 1.0201} AND ${elig} ORDER BY d2 LIMIT ${LIMIT}`;
}

interface SampleOpening { id: number; lat: number | null; lon: number | null; area: string; kind: string; hours: keyof typeof hoursLevel; povertyOnly: boolean }

function rawCandidatesSql(o: SampleOpening) {
  const avail = Object.keys(hoursLevel).filter((a) => hoursLevel[a as keyof typeof hoursLevel] >= hoursLevel[o.hours]);
  const conds = [
    `w.availability IN (${avail.map(q).join(', ')})`,
    `w.id NOT IN (SELECT worker_id FROM applications WHERE opening_id = ${o.id} AND state <> 'suggested')`,
    ...(o.povertyOnly || o.kind === 'public_welfare' ? [`(h.poverty_alleviated = 1 OR h.monitored = 1)`] : []),
  ];
  const tier = `CASE WHEN ${zeroOn('w.household_id')} THEN 0 WHEN h.monitored = 1 THEN 1 WHEN h.poverty_alleviated = 1 THEN 2 ELSE 3 END`;
  let where: string;
  let rank: string;
  if (o.lat === null || o.lon === null) {
    const t = o.area.slice(0, 9);
    where = `w.reach_band IN (0, 1, 2, 3, 4, 5) AND w.area_code >= '${t}' AND w.area_code < '${t}:'`;
    rank = 'w.id';
  } else {
    const p = { lat: o.lat, lon: o.lon };
    const terms: string[] = [];
    REACH_BAND_KM.slice(0, 4).forEach((km, band) => terms.push(cellOr(`w.reach_band = ${band} AND w.erased_at IS NULL AND w.able_to_work = 1`, p, km)));
    const box = boundingBox(p, 50);
    const d2 = approxKm2('w.home_lat', 'w.home_lon', p, Math.max(Math.abs(box.minLat), Math.abs(box.maxLat)));
    where = `(${terms.join(' OR ')}) AND ${d2} <= w.max_distance_km * w.max_distance_km * 1.0201`;
    rank = d2;
  }
  return `SELECT w.id, ${tier} AS tier, w.cannot_leave_home AS clh, ${rank} AS rank FROM workers w JOIN households h ON h.id = w.household_id WHERE w.erased_at IS NULL AND w.able_to_work = 1 AND ${where} AND ${conds.join(' AND ')} ORDER BY tier, clh DESC, rank LIMIT ${LIMIT + 20}`;
}

const rawStatsSql = (prefix: string) =>
  `SELECT count(*) AS n FROM workers WHERE area_code >= '${prefix}' AND area_code < '${prefix}:' AND registered_on <= '${TODAY}'`;

// ---------------------------------------------------------------------------
// Timing

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const median = (xs: number[]) => percentile(xs, 50);
async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

async function main() {
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
  console.log(`scale ${SCALE}: ${N.workers.toLocaleString('en')} workers in ${N.households.toLocaleString('en')} households, ${N.openings.toLocaleString('en')} openings, ${N.employers.toLocaleString('en')} employers, ${N.placements.toLocaleString('en')} placements, ${N.applications.toLocaleString('en')} applications; seed ${SEED}`);
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
    const rss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
    console.log(`\nload: ${loadSeconds.toFixed(1)} s (${Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}); loader peak RSS ${mb(rss).toFixed(0)} MB`);
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
    const stamp = NOW.toISOString();
    const rows = villages.map((v) => `('${v.code}', '${TODAY}', ${int(12)}, ${int(40)}, ${int(6)}, 'bench', '${stamp}', '${stamp}')`);
    for (let i = 0; i < rows.length; i += 500) {
      await client.execute(`INSERT INTO care_counts (area_code, effective_date, elders, children, disabled, source, created_at, updated_at) VALUES ${rows.slice(i, i + 500).join(', ')}`);
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
  const itemsIn = (body: string) => (JSON.parse(body) as { items?: unknown[] }).items?.length ?? 0;
  const raw = async (sqlText: string) => (await client.execute(sqlText)).rows;

  // Samples (from a PRNG of their own, so a reused database gets the same ones).
  rand = prng(SEED + 1);
  // Workers able to work (erased or unable ones answer at once), open openings.
  const sampleOf = async (table: string, where: string, k: number) => {
    const max = Number((await raw(`SELECT max(id) AS m FROM ${table}`))[0]!.m);
    if (!(max > 0)) throw new Error(`no ${table} to sample`);
    const out: number[] = [];
    while (out.length < k) {
      const draw = Array.from({ length: k }, () => 1 + int(max));
      const ok = new Set((await raw(`SELECT id FROM ${table} WHERE id IN (${draw.join(',')}) AND ${where}`)).map((r) => Number(r.id)));
      for (const id of draw) if (ok.has(id) && out.length < k) out.push(id);
    }
    return out;
  };
  const wIds = await sampleOf('workers', 'erased_at IS NULL AND able_to_work = 1', SAMPLE.workers + SAMPLE.warmup);
  const oIds = await sampleOf('openings', `status = 'open'`, SAMPLE.openings + SAMPLE.warmup);
  const sw = new Map<number, SampleWorker>();
  for (const r of await raw(
    `SELECT w.id, w.home_lat, w.home_lon, w.max_distance_km, w.area_code, w.availability, (h.poverty_alleviated OR h.monitored) AS poor FROM workers w JOIN households h ON h.id = w.household_id WHERE w.id IN (${wIds.join(',')})`,
  )) {
    sw.set(Number(r.id), {
      id: Number(r.id), lat: r.home_lat === null ? null : Number(r.home_lat), lon: r.home_lon === null ? null : Number(r.home_lon),
      maxKm: Number(r.max_distance_km), area: String(r.area_code), availability: r.availability as SampleWorker['availability'], poor: Boolean(r.poor),
    });
  }
  const so = new Map<number, SampleOpening>();
  for (const r of await raw(`SELECT id, lat, lon, area_code, kind, hours, poverty_only FROM openings WHERE id IN (${oIds.join(',')})`)) {
    so.set(Number(r.id), {
      id: Number(r.id), lat: r.lat === null ? null : Number(r.lat), lon: r.lon === null ? null : Number(r.lon), area: String(r.area_code),
      kind: String(r.kind), hours: r.hours as SampleOpening['hours'], povertyOnly: Boolean(r.poverty_only),
    });
  }

  const rssBeforeQueries = process.memoryUsage().rss;
  // Worker → matches
  const matches: number[] = [];
  const matchesRaw: number[] = [];
  let slowestWorker = { id: wIds[0]!, ms: 0 };
  let slowestOpening = { id: oIds[0]!, ms: 0 };
  const matchTimes: Array<[number, number]> = [];
  const candTimes: Array<[number, number]> = [];
  let matchItems = 0;
  // The service's lookups in one pass and the raw queries in another, each
  // with its own warm-up: interleaved, each paid for the caches the other
  // had just filled with its own rows.
  for (const [k, id] of wIds.entries()) {
    const [ms, body] = await time(() => get(`/v1/workers/${id}/matches?limit=${LIMIT}`));
    if (k >= SAMPLE.warmup) {
      matches.push(ms);
      if (ms > slowestWorker.ms) slowestWorker = { id, ms };
      matchTimes.push([ms, id]);
      matchItems += itemsIn(body);
    }
  }
  for (const [k, id] of wIds.entries()) {
    const [rms] = await time(() => raw(rawMatchesSql(sw.get(id)!)));
    if (k >= SAMPLE.warmup) matchesRaw.push(rms);
  }
  // Opening → candidates
  const cands: number[] = [];
  const candsRaw: number[] = [];
  let candItems = 0;
  for (const [k, id] of oIds.entries()) {
    const [ms, body] = await time(() => get(`/v1/openings/${id}/candidates?limit=${LIMIT}`));
    if (k >= SAMPLE.warmup) {
      cands.push(ms);
      if (ms > slowestOpening.ms) slowestOpening = { id, ms };
      candTimes.push([ms, id]);
      candItems += itemsIn(body);
    }
  }
  for (const [k, id] of oIds.entries()) {
    const [rms] = await time(() => raw(rawCandidatesSql(so.get(id)!)));
    if (k >= SAMPLE.warmup) candsRaw.push(rms);
  }
  // Stats: the whole prefecture and one county (first run is the warm-up).
  const statsRuns = async (area: string) => {
    const svc: number[] = [];
    const rawMs: number[] = [];
    for (let k = 0; k <= SAMPLE.statsRuns; k++) {
      const [ms] = await time(() => get(`/v1/stats?area=${area}&asOf=${TODAY}`));
      const [rms] = await time(() => raw(rawStatsSql(area)));
      if (k > 0) {
        svc.push(ms);
        rawMs.push(rms);
      }
    }
    return { svc, rawMs };
  };
  const statsP = await statsRuns(PREFECTURE);
  const statsC = await statsRuns(COUNTY);
  // Care coverage: every village of the area ranked (its carers are the most rows it reads).
  const careRuns = async (area: string) => {
    const svc: number[] = [];
    for (let k = 0; k <= SAMPLE.statsRuns; k++) {
      const [ms] = await time(() => get(`/v1/care-coverage?area=${area}&asOf=${TODAY}&limit=100`));
      if (k > 0) svc.push(ms);
    }
    return svc;
  };
  const careP = await careRuns(PREFECTURE);
  const careC = await careRuns(COUNTY);
  const maxRssKb = process.resourceUsage().maxRSS;
  if (EXPLAIN) await explainAll(client, get, sw.get(slowestWorker.id)!, so.get(slowestOpening.id)!);
  const peak = Math.max(peakRss, maxRssKb * 1024);

  // Report
  const f = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  const rows: Array<[string, string, string, string, string, string]> = [];
  const line = (label: string, svc: number, rawMs: number | null, target: number | null) => {
    rows.push([
      label,
      `${f(svc)} ms`,
      rawMs === null ? '—' : `${f(rawMs)} ms`,
      rawMs === null ? '—' : `${(svc / Math.max(rawMs, 0.001)).toFixed(1)}×`,
      target === null ? '—' : `≤ ${target} ms`,
      target === null ? '' : svc <= target ? 'PASS' : 'FAIL',
    ]);
  };
  line(`worker → matches p50 (n=${matches.length})`, median(matches), median(matchesRaw), null);
  line(`worker → matches p99`, percentile(matches, 99), percentile(matchesRaw, 99), TARGET.matchesP99);
  line(`opening → candidates p50 (n=${cands.length})`, median(cands), median(candsRaw), null);
  line(`opening → candidates p99`, percentile(cands, 99), percentile(candsRaw, 99), TARGET.candidatesP99);
  line(`/v1/stats prefecture ${PREFECTURE} median (n=${statsP.svc.length})`, median(statsP.svc), median(statsP.rawMs), null);
  line(`/v1/stats prefecture ${PREFECTURE} max`, Math.max(...statsP.svc), Math.max(...statsP.rawMs), TARGET.prefectureStats);
  line(`/v1/stats county ${COUNTY} median (n=${statsC.svc.length})`, median(statsC.svc), median(statsC.rawMs), null);
  line(`/v1/stats county ${COUNTY} max`, Math.max(...statsC.svc), Math.max(...statsC.rawMs), null);
  line(`/v1/care-coverage prefecture ${PREFECTURE} median (n=${careP.length})`, median(careP), null, null);
  line(`/v1/care-coverage county ${COUNTY} median (n=${careC.length})`, median(careC), null, null);
  const header = ['figure', 'service (HTTP)', 'raw SQL', 'ratio', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\nqueries (after ${SAMPLE.warmup} warm-up lookups each; ${(matchItems / matches.length).toFixed(1)} matches and ${(candItems / cands.length).toFixed(1)} candidates per answer on average):`);
  console.log(pad(header));
  for (const r of rows) console.log(pad(r));
  const slowest = (xs: Array<[number, number]>, show: (id: number) => string) =>
    [...xs].sort((a, b) => b[0] - a[0]).slice(0, 5).map(([ms, id]) => `${id} ${f(ms)} ms (${show(id)})`).join('; ');
  console.log(`slowest matches: ${slowest(matchTimes, (id) => { const w = sw.get(id)!; return `${w.maxKm} km, ${w.lat === null ? 'no point' : 'point'}`; })}`);
  console.log(`slowest candidates: ${slowest(candTimes, (id) => { const o = so.get(id)!; return `${o.kind}, ${o.lat === null ? 'no point' : 'point'}`; })}`);
  const memOk = mb(peak) <= TARGET.rssMb;
  console.log(
    `\npeak RSS: ${mb(peak).toFixed(0)} MB (the measuring process: schema, samples and lookups; the load runs in a child, its peak is printed above; sampled ${mb(peakRss).toFixed(0)} MB, maxRSS ${mb(maxRssKb * 1024).toFixed(0)} MB; ${mb(rssBeforeQueries).toFixed(0)} MB when the timed lookups began)  target ≤ ${TARGET.rssMb} MB  ${memOk ? 'PASS' : 'FAIL'}`,
  );
  console.log(`load: ${reuse ? 'reused database' : `${loadSeconds.toFixed(1)} s`}; whole run ${((performance.now() - tStart) / 1000).toFixed(0)} s`);
  console.log(`matcher's catalogue (read at start, as npm start does): ${catalogue.size} open openings in ${f(catalogueMs)} ms; RSS ${mb(rssAfterCatalogue).toFixed(0)} MB after it`);
  console.log('raw SQL: matches = one SELECT of open openings in the box around home (openings_status_point_idx) with the eligibility filters, ORDER BY distance LIMIT 20 (the service ranks its in-memory catalogue instead);');
  console.log('         candidates = one SELECT of workers by reach band and grid cell (workers_grid_idx) joined to households, tier/cannot-leave-home/distance order, LIMIT 40;');
  console.log('         stats = one COUNT of the area\'s registered workers (the largest of the six aggregates /v1/stats runs).');

  client.close();
  cleanup();
  clearInterval(sampler);
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

async function explainAll(client: Client, get: (p: string) => Promise<unknown>, w: SampleWorker, o: SampleOpening) {
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
  const run = async (label: string, path: string, rawSql: string) => {
    captured = [];
    await get(path);
    const stmts = captured;
    captured = null;
    await show(`${label} (service)`, stmts);
    await show(`${label} (raw)`, [{ sql: rawSql, params: [] }]);
  };
  await run(`worker ${w.id} → matches`, `/v1/workers/${w.id}/matches?limit=${LIMIT}`, rawMatchesSql(w));
  await run(`opening ${o.id} → candidates`, `/v1/openings/${o.id}/candidates?limit=${LIMIT}`, rawCandidatesSql(o));
  await run(`stats ${PREFECTURE}`, `/v1/stats?area=${PREFECTURE}&asOf=${TODAY}`, rawStatsSql(PREFECTURE));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
