// The PostgreSQL/PostGIS peer of the benchmark, run when PG_URL is set: the
// same open openings and the sampled workers (with the facts eligibility
// needs, as the service reads them) loaded into PostgreSQL, then for each
// worker with a home point, over a `pg` client connection (TCP, as the
// service's HTTP), in the same run:
//   - knn: "the 20 nearest eligible openings", the nearest-neighbour index
//     (LATERAL ORDER BY geog <-> point LIMIT 20) with the same eligibility
//     and reach (ST_DWithin), a simpler ranking than the service's;
//   - score: the service's own ranking (the score of domain/matching.ts,
//     openings without a point by area), ST_DWithin on the GiST index to
//     narrow, haversine to decide.
// `pg` is a devDependency imported here only, so the bench runs without it
// and no test needs PostgreSQL.
import type { Client } from '@libsql/client';
import { KM_PER_DEGREE } from '../../src/domain/geo.js';
import { COUNTY_REACH_KM, NOMINAL_KM, SCORE_POINTS } from '../../src/domain/matching.js';
import { ageFits, type RawWorkerFacts } from './raw.js';

/** Issue 18's bars on a public-welfare post, as the raw baseline applies them: a post held by the person or the household, a cadre household, an age outside POST_RULES'. */
const pwBarred = (w: RawWorkerFacts, today: string) => w.holdsPw || w.householdPw || w.cadre || !ageFits(w.birthDate, today);

const EARTH_RADIUS_KM = (KM_PER_DEGREE * 180) / Math.PI;
const hoursLevel = { flexible: 0, part_day: 1, full_day: 2 } as const;

export interface PgTimings {
  server: string;
  loadMs: number;
  openings: number;
  workers: number;
  knn: number[];
  score: number[];
  /** `SELECT 1`, as many times: the client's bare round trip to the server. */
  ping: number[];
  /** Per worker with a home point: the ids in order. */
  knnLists: Map<number, number[]>;
  scoreLists: Map<number, number[]>;
}

type PgClient = {
  query: (text: string, values?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;
  end: () => Promise<void>;
};

async function connect(url: string): Promise<PgClient> {
  // Lazily: without PG_URL the bench never loads the package.
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client as unknown as PgClient;
}

const haversine = (lat1: string, lon1: string, lat2: string, lon2: string) =>
  `(2 * ${EARTH_RADIUS_KM} * asin(least(1, sqrt(power(sin(radians(${lat2} - ${lat1}) / 2), 2) + cos(radians(${lat1})) * cos(radians(${lat2})) * power(sin(radians(${lon2} - ${lon1}) / 2), 2)))))`;

/** Loads the openings and the workers' facts into schema `jiujin_bench` (dropped first). */
async function load(pg: PgClient, sqlite: Client, workers: RawWorkerFacts[], today: string) {
  await pg.query('CREATE EXTENSION IF NOT EXISTS postgis');
  await pg.query('DROP SCHEMA IF EXISTS jiujin_bench CASCADE');
  await pg.query('CREATE SCHEMA jiujin_bench');
  await pg.query(`CREATE TABLE jiujin_bench.openings (
    id integer PRIMARY KEY, kind text NOT NULL, serves text NOT NULL, area_code text NOT NULL, lat double precision, lon double precision,
    geog geography(Point, 4326), hours text NOT NULL, hours_level smallint NOT NULL, skills text[] NOT NULL, poverty_only boolean NOT NULL,
    closing_date text, status text NOT NULL)`);
  const rows = (await sqlite.execute(`SELECT id, kind, serves, area_code, lat, lon, hours, skills, poverty_only, closing_date, status FROM openings WHERE status = 'open'`)).rows;
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const values: unknown[] = [];
    const tuples = chunk.map((r, k) => {
      const b = k * 11;
      values.push(
        Number(r.id), r.kind, r.serves, r.area_code, r.lat === null ? null : Number(r.lat), r.lon === null ? null : Number(r.lon),
        r.hours, hoursLevel[r.hours as keyof typeof hoursLevel], JSON.parse(String(r.skills)), Boolean(r.poverty_only), r.closing_date,
      );
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, CASE WHEN $${b + 5}::float8 IS NULL OR $${b + 6}::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($${b + 6}, $${b + 5}), 4326)::geography END, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10}, $${b + 11}, 'open')`;
    });
    await pg.query(`INSERT INTO jiujin_bench.openings VALUES ${tuples.join(', ')}`, values);
  }
  await pg.query('CREATE INDEX openings_geog_idx ON jiujin_bench.openings USING gist (geog)');
  await pg.query('CREATE INDEX openings_area_idx ON jiujin_bench.openings (area_code text_pattern_ops)');
  await pg.query(`CREATE TABLE jiujin_bench.workers (
    id integer PRIMARY KEY, area_code text NOT NULL, lat double precision, lon double precision, geog geography(Point, 4326),
    max_km double precision NOT NULL, carer boolean NOT NULL, skills text[] NOT NULL, availability text NOT NULL, avail_level smallint NOT NULL,
    poor boolean NOT NULL, pw_barred boolean NOT NULL, applied integer[] NOT NULL)`);
  for (const w of workers) {
    await pg.query(
      `INSERT INTO jiujin_bench.workers VALUES ($1, $2, $3::float8, $4::float8, CASE WHEN $3::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($4, $3), 4326)::geography END, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
      [w.id, w.areaCode, w.home?.lat ?? null, w.home?.lon ?? null, w.maxKm, w.carer, JSON.parse(w.skills), w.availability, hoursLevel[w.availability], w.poor, pwBarred(w, today), JSON.parse(w.applied)],
    );
  }
  await pg.query('ANALYZE jiujin_bench.openings');
  await pg.query('ANALYZE jiujin_bench.workers');
  return rows.length;
}

const ELIGIBLE = `o.status = 'open' AND (o.closing_date IS NULL OR o.closing_date >= $2) AND o.hours_level <= w.avail_level
  AND (w.poor OR (NOT o.poverty_only AND o.kind <> 'public_welfare'))
  AND (o.kind <> 'public_welfare' OR (NOT w.pw_barred AND left(w.area_code, length(o.area_code)) = o.area_code))
  AND NOT (o.id = ANY (w.applied))`;

const KNN_SQL = `SELECT n.id FROM jiujin_bench.workers w CROSS JOIN LATERAL (
    SELECT o.id FROM jiujin_bench.openings o
    WHERE ${ELIGIBLE} AND ST_DWithin(o.geog, w.geog, w.max_km * 1000)
    ORDER BY o.geog <-> w.geog LIMIT $3) n
  WHERE w.id = $1`;

const same = (digits: number) => `(length(o.area_code) >= ${digits} AND length(w.area_code) >= ${digits} AND left(o.area_code, ${digits}) = left(w.area_code, ${digits}))`;
const AREA_KM = `CASE WHEN ${same(12)} THEN ${NOMINAL_KM.village} WHEN ${same(9)} THEN ${NOMINAL_KM.township} WHEN w.max_km >= ${COUNTY_REACH_KM} AND ${same(6)} THEN ${NOMINAL_KM.county} END`;
const AREA_REACH = `left(w.area_code, CASE WHEN w.max_km >= ${COUNTY_REACH_KM} THEN 6 ELSE 9 END)`;
const SCORE_SQL = `SELECT c.id FROM jiujin_bench.workers w CROSS JOIN LATERAL (
    SELECT o.id, o.km, round((${SCORE_POINTS.nearness * 5}.0 / (5 + o.km)
        + CASE WHEN cardinality(o.skills) = 0 THEN ${SCORE_POINTS.skills / 2} ELSE ${SCORE_POINTS.skills}.0 * (SELECT count(*) FROM unnest(o.skills) s WHERE s = ANY (w.skills)) / cardinality(o.skills) END
        + CASE WHEN o.hours = w.availability THEN ${SCORE_POINTS.hours} ELSE ${SCORE_POINTS.hours / 2} END
        + CASE WHEN w.carer AND o.serves <> 'none' AND o.area_code = w.area_code THEN ${SCORE_POINTS.servesOwnVillage} ELSE 0 END)::numeric, 1) AS score
    FROM (
      SELECT o.*, ${haversine('w.lat', 'w.lon', 'o.lat', 'o.lon')} AS km FROM jiujin_bench.openings o
        WHERE ${ELIGIBLE} AND ST_DWithin(o.geog, w.geog, w.max_km * 1010, false)
      UNION ALL
      SELECT o.*, ${AREA_KM} AS km FROM jiujin_bench.openings o
        WHERE ${ELIGIBLE} AND o.area_code LIKE ${AREA_REACH} || '%' AND o.geog IS NULL
    ) o WHERE o.km IS NOT NULL AND (o.geog IS NULL OR o.km <= w.max_km)
    ORDER BY score DESC, o.km, o.id LIMIT $3) c
  WHERE w.id = $1`;

const time = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
};

/** Loads, warms up on `warmup` workers, then times both queries for the rest; only workers with a home point. */
export async function runPostgis(url: string, sqlite: Client, facts: RawWorkerFacts[], opts: { today: string; limit: number; warmup: number }): Promise<PgTimings> {
  const pg = await connect(url);
  try {
    const server = String((await pg.query('SELECT version() AS v, postgis_lib_version() AS p')).rows.map((r) => `${String(r.v).split(' on ')[0]}, PostGIS ${r.p}`)[0]);
    const t = performance.now();
    const openings = await load(pg, sqlite, facts, opts.today);
    const loadMs = performance.now() - t;
    const withHome = facts.filter((w) => w.home !== null);
    const out: PgTimings = { server, loadMs, openings, workers: facts.length, knn: [], score: [], ping: [], knnLists: new Map(), scoreLists: new Map() };
    // Each query in a pass of its own, each with its warm-up (as the service's passes).
    for (const [name, text, times, lists] of [
      ['knn', KNN_SQL, out.knn, out.knnLists],
      ['score', SCORE_SQL, out.score, out.scoreLists],
    ] as const) {
      void name;
      for (const [k, w] of withHome.entries()) {
        const [ms, res] = await time(() => pg.query(text, [w.id, opts.today, opts.limit]));
        if (k < opts.warmup) continue;
        times.push(ms);
        lists.set(w.id, res.rows.map((r) => Number(r.id)));
      }
    }
    for (const [k] of withHome.entries()) {
      const [ms] = await time(() => pg.query('SELECT 1'));
      if (k >= opts.warmup) out.ping.push(ms);
    }
    return out;
  } finally {
    await pg.end();
  }
}

/** Share of the service's list found in another list (mean over workers), and how many lists are identical in order. */
export function overlap(service: Map<number, number[]>, other: Map<number, number[]>): { share: number; identical: number; compared: number } {
  let sum = 0;
  let identical = 0;
  let compared = 0;
  for (const [id, mine] of service) {
    const theirs = other.get(id);
    if (!theirs) continue;
    compared++;
    if (mine.length === 0 && theirs.length === 0) {
      sum += 1;
      identical++;
      continue;
    }
    const set = new Set(theirs);
    sum += mine.filter((x) => set.has(x)).length / Math.max(mine.length, theirs.length);
    if (mine.length === theirs.length && mine.every((x, i) => x === theirs[i])) identical++;
  }
  return { share: compared ? sum / compared : 0, identical, compared };
}
