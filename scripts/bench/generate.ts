// The synthetic prefecture of `npm run bench`: Honghe's real counties,
// townships and villages (db/seed/areas.json), households, workers,
// employers, openings, placements, zero-employment periods and applications
// from one seeded PRNG, loaded as multi-row INSERTs with the indexes and
// triggers built after (what the triggers keep filled by the migrations' own
// backfill statements), then ANALYZE.
import type { Client } from '@libsql/client';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Point } from '../../src/domain/geo.js';
import { occupationCodes } from '../../src/domain/occupations.js';
import { N, NOW, PREFECTURE, SEED, ZERO_SHARE } from './options.js';

// ---------------------------------------------------------------------------
// Seeded randomness (sfc32)

export function prng(seed: number) {
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
/** Restarts the PRNG (the samples draw from a seed of their own, so a reused database gets the same ones). */
export function reseed(seed: number) {
  rand = prng(seed);
}
export const int = (n: number) => Math.floor(rand() * n);
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
const seedAreas = JSON.parse(readFileSync(new URL('../../db/seed/areas.json', import.meta.url), 'utf8')) as SeedArea[];
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

export async function load(client: Client): Promise<{ built: Built; seconds: Record<string, number> }> {
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
    const dir = new URL('../../db/migrations/', import.meta.url);
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

