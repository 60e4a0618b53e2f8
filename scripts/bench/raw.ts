// The benchmark's raw SQL baselines: the service's three lookups written by
// hand against the same database, asking the same question, so the ratio
// printed beside each figure is the service's overhead and not a simpler
// question answered faster.
//
// - matches: the worker's facts (poverty status, public-welfare posts held
//   by the person or the household, applications), then one statement over
//   an R*Tree of the open openings' points (built by the bench on its own
//   connection, TEMP) and the area codes for openings without a point, with
//   every eligibility rule of domain/eligibility.ts and the score of
//   domain/matching.ts (nearness, skills, hours, a carer's own village),
//   ordered as compareMatches orders: score, rank km, id.
// - candidates: workers by reach band and grid cell, the cells as one
//   json_each parameter (the form the service uses; an OR of ranges is 3×
//   slower), in priority order.
// - stats: the six aggregates of GET /v1/stats counted directly (no summary
//   tables): registered, people in work by type and scope, public-welfare
//   posts, certified workshops and the people they employ, zero-employment
//   households, and the month's starts and ends. They read the households'
//   and workshops' current flags: the bench's database has no status or
//   certification history (the service reads it when there is), and the run
//   checks the figures equal.
import { HONGHE_POST_RULES } from '../../src/domain/post-rules.js';
import type { Client, InValue } from '@libsql/client';
import { addDays, chinaDayEnd, monthBounds } from '../../src/domain/dates.js';
import { boundingBox, KM_PER_DEGREE, type Point } from '../../src/domain/geo.js';
import { cellRanges, REACH_BAND_KM } from '../../src/domain/grid.js';
import { OVERDUE_DAYS } from '../../src/domain/household-status.js';
import { COUNTY_REACH_KM, NOMINAL_KM, SCORE_POINTS } from '../../src/domain/matching.js';

const EARTH_RADIUS_KM = (KM_PER_DEGREE * 180) / Math.PI;
const hoursLevel = { flexible: 0, part_day: 1, full_day: 2 } as const;
type Hours = keyof typeof hoursLevel;

export interface Statement {
  sql: string;
  args: InValue[];
}

/** Haversine km in SQL (SQLite's math functions), the formula of domain/geo.ts distanceKm. */
export function haversineSql(lat1: string, lon1: string, lat2: string, lon2: string) {
  const s = `sin(radians(${lat2} - ${lat1}) / 2) * sin(radians(${lat2} - ${lat1}) / 2) + cos(radians(${lat1})) * cos(radians(${lat2})) * sin(radians(${lon2} - ${lon1}) / 2) * sin(radians(${lon2} - ${lon1}) / 2)`;
  return `(2 * ${EARTH_RADIUS_KM} * asin(min(1, sqrt(${s}))))`;
}

/** The R*Tree the raw matches read: open openings with a point, TEMP on the raw connection (the database file is left as it was). */
export async function buildOpeningsRtree(client: Client): Promise<number> {
  await client.execute('DROP TABLE IF EXISTS temp.bench_openings_rtree');
  await client.execute('CREATE VIRTUAL TABLE temp.bench_openings_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)');
  await client.execute(
    `INSERT INTO temp.bench_openings_rtree SELECT id, lat, lat, lon, lon FROM openings WHERE status = 'open' AND lat IS NOT NULL AND lon IS NOT NULL`,
  );
  return Number((await client.execute('SELECT count(*) AS n FROM temp.bench_openings_rtree')).rows[0]!.n);
}

export interface RawWorkerFacts {
  id: number;
  areaCode: string;
  home: Point | null;
  maxKm: number;
  carer: boolean;
  skills: string;
  availability: Hours;
  poor: boolean;
  holdsPw: boolean;
  householdPw: boolean;
  /** Issue 18's public-welfare rules: the birth date (null: not recorded, not refused) and a cadre household. */
  birthDate: string | null;
  cadre: boolean;
  applied: string;
}

/** The worker's facts as eligibility needs them on `today`: one statement, as the service's loadMatchWorker. */
export async function rawWorkerFacts(client: Client, workerId: number, today: string): Promise<RawWorkerFacts> {
  const held = `p.type = 'public_welfare' AND (p.end_date IS NULL OR p.end_date > ?2)`;
  const r = (
    await client.execute({
      sql: `SELECT w.id, w.area_code, w.home_lat, w.home_lon, w.max_distance_km, w.cannot_leave_home, w.skills, w.availability,
          (h.poverty_alleviated = 1 OR h.monitored = 1) AS poor, w.birth_date, h.cadre_household,
          EXISTS (SELECT 1 FROM placements p WHERE p.worker_id = w.id AND ${held}) AS holds_pw,
          EXISTS (SELECT 1 FROM placements p WHERE p.household_id = w.household_id AND ${held}) AS household_pw,
          (SELECT json_group_array(a.opening_id) FROM applications a WHERE a.worker_id = w.id AND a.state NOT IN ('suggested', 'withdrawn', 'expired')) AS applied
        FROM workers w JOIN households h ON h.id = w.household_id WHERE w.id = ?1`,
      args: [workerId, today],
    })
  ).rows[0]!;
  const areaCode = String(r.area_code);
  return {
    id: workerId,
    areaCode,
    home: r.home_lat === null || r.home_lon === null ? null : { lat: Number(r.home_lat), lon: Number(r.home_lon) },
    maxKm: Number(r.max_distance_km),
    carer: Boolean(r.cannot_leave_home) && areaCode.length === 12,
    skills: String(r.skills),
    availability: r.availability as Hours,
    poor: Boolean(r.poor),
    holdsPw: Boolean(r.holds_pw),
    householdPw: Boolean(r.household_pw),
    birthDate: r.birth_date === null ? null : String(r.birth_date),
    cadre: Boolean(r.cadre_household),
    applied: String(r.applied),
  };
}

/** POST_RULES' ages on the day (Honghe's 16 to 60), by whole years as eligibility counts them; no birth date recorded: not refused. */
export function ageFits(birthDate: string | null, today: string): boolean {
  if (birthDate === null) return true;
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const age = y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
  return age >= HONGHE_POST_RULES.minAge && age <= HONGHE_POST_RULES.maxAge;
}

/** Nominal km of the closest shared area within reach (areaNearness), or NULL: SQL over `o.area_code`. */
function areaKmSql(w: RawWorkerFacts) {
  const a = w.areaCode.replaceAll("'", "''");
  const same = (digits: number) =>
    `(length(o.area_code) >= ${digits} AND ${a.length >= digits ? 1 : 0} AND substr(o.area_code, 1, ${digits}) = '${a.slice(0, digits)}')`;
  return `CASE WHEN ${same(12)} THEN ${NOMINAL_KM.village} WHEN ${same(9)} THEN ${NOMINAL_KM.township} WHEN ${w.maxKm >= COUNTY_REACH_KM ? 1 : 0} AND ${same(6)} THEN ${NOMINAL_KM.county} END`;
}

/**
 * The worker's `limit` best openings by the service's rules, in one
 * statement: eligibility in WHERE, reach by haversine (or by area without a
 * point), the score of domain/matching.ts rounded to 0.1, ordered by score,
 * rank km, id. Arguments: ?1 today, ?2 the worker's skills (JSON), ?3 applied (JSON).
 */
export function rawMatchesStatement(w: RawWorkerFacts, today: string, limit: number): Statement {
  const hours = (Object.keys(hoursLevel) as Hours[]).filter((h) => hoursLevel[w.availability] >= hoursLevel[h]);
  const eligible = [
    `o.status = 'open'`,
    `(o.closing_date IS NULL OR o.closing_date >= ?1)`,
    `o.hours IN (${hours.map((h) => `'${h}'`).join(', ')})`,
    `o.id NOT IN (SELECT value FROM json_each(?3))`,
    ...(w.poor ? [] : [`o.poverty_only = 0`, `o.kind <> 'public_welfare'`]),
    ...(w.holdsPw || w.householdPw || w.cadre || !ageFits(w.birthDate, today) ? [`o.kind <> 'public_welfare'`] : []),
    // A post takes people registered in its area (a village post: that village; a township post: its villages).
    `(o.kind <> 'public_welfare' OR substr('${w.areaCode.replaceAll("'", "''")}', 1, length(o.area_code)) = o.area_code)`,
  ].join(' AND ');
  const skillPoints = `CASE WHEN json_array_length(o.skills) = 0 THEN ${SCORE_POINTS.skills / 2}
    ELSE ${SCORE_POINTS.skills}.0 * (SELECT count(*) FROM json_each(o.skills) s WHERE s.value IN (SELECT value FROM json_each(?2))) / json_array_length(o.skills) END`;
  const hourPoints = `CASE WHEN o.hours = '${w.availability}' THEN ${SCORE_POINTS.hours} ELSE ${SCORE_POINTS.hours / 2} END`;
  const ownPoints = w.carer ? `CASE WHEN o.serves <> 'none' AND o.area_code = '${w.areaCode}' THEN ${SCORE_POINTS.servesOwnVillage} ELSE 0 END` : '0';
  const areaReach = w.maxKm >= COUNTY_REACH_KM ? w.areaCode.slice(0, 6) : w.areaCode.slice(0, 9);
  const inAreaReach = `o.area_code >= '${areaReach}' AND o.area_code < '${areaReach}:'`;
  const parts: string[] = [];
  if (w.home) {
    const box = boundingBox(w.home, w.maxKm);
    const km = haversineSql(`${w.home.lat}`, `${w.home.lon}`, 'o.lat', 'o.lon');
    parts.push(
      `SELECT o.*, ${km} AS km FROM temp.bench_openings_rtree r JOIN openings o ON o.id = r.id
        WHERE r.max_lat >= ${box.minLat} AND r.min_lat <= ${box.maxLat} AND r.max_lon >= ${box.minLon} AND r.min_lon <= ${box.maxLon} AND ${eligible}`,
      `SELECT o.*, ${areaKmSql(w)} AS km FROM openings o WHERE ${inAreaReach} AND (o.lat IS NULL OR o.lon IS NULL) AND ${eligible}`,
    );
  } else {
    parts.push(`SELECT o.*, ${areaKmSql(w)} AS km FROM openings o WHERE ${inAreaReach} AND ${eligible}`);
  }
  // By distance where both points are known, else by area (a 5 km worker still reaches the township by area).
  const reach = w.home ? `km IS NOT NULL AND (lat IS NULL OR lon IS NULL OR km <= ${w.maxKm})` : 'km IS NOT NULL';
  return {
    sql: `SELECT id, km, round(${SCORE_POINTS.nearness * 5}.0 / (5 + km) + ${skillPoints} + ${hourPoints} + ${ownPoints}, 1) AS score
      FROM (${parts.join(' UNION ALL ')}) AS o WHERE ${reach} ORDER BY score DESC, km, id LIMIT ${limit}`,
    args: [today, w.skills, w.applied],
  };
}

export interface RawOpening {
  id: number;
  lat: number | null;
  lon: number | null;
  area: string;
  kind: string;
  hours: Hours;
  povertyOnly: boolean;
}

/**
 * An opening's candidates in priority order (tier, cannot leave home,
 * distance), `limit` + 20 rows: workers by reach band and grid cell with the
 * cells as one json_each parameter of [band, first, last] (the service's form).
 */
export function rawCandidatesStatement(o: RawOpening, today: string, limit: number): Statement {
  const avail = (Object.keys(hoursLevel) as Hours[]).filter((a) => hoursLevel[a] >= hoursLevel[o.hours]);
  const pw = o.kind === 'public_welfare';
  const held = (owner: string) => `EXISTS (SELECT 1 FROM placements p WHERE ${owner} AND p.type = 'public_welfare' AND (p.end_date IS NULL OR p.end_date > ?1))`;
  const conds = [
    `w.erased_at IS NULL`,
    `w.able_to_work = 1`,
    `w.availability IN (${avail.map((a) => `'${a}'`).join(', ')})`,
    `w.id NOT IN (SELECT worker_id FROM applications WHERE opening_id = ${o.id} AND state NOT IN ('suggested', 'withdrawn', 'expired'))`,
    ...(o.povertyOnly || pw ? [`(h.poverty_alleviated = 1 OR h.monitored = 1)`] : []),
    ...(pw ? [`NOT ${held('p.worker_id = w.id')}`, `NOT ${held('p.household_id = w.household_id')}`] : []),
  ];
  const tier = `CASE WHEN EXISTS (SELECT 1 FROM zero_employment_periods z WHERE z.household_id = w.household_id AND z.start_date <= ?1 AND (z.end_date IS NULL OR z.end_date > ?1)) THEN 0 WHEN h.monitored = 1 THEN 1 WHEN h.poverty_alleviated = 1 THEN 2 ELSE 3 END`;
  const select = (rank: string) => `SELECT w.id, ${tier} AS tier, w.cannot_leave_home AS clh, ${rank} AS rank FROM workers w JOIN households h ON h.id = w.household_id`;
  if (o.lat === null || o.lon === null) {
    const t = o.area.slice(0, 9);
    return {
      sql: `${select('w.id')} WHERE w.area_code >= '${t}' AND w.area_code < '${t}:' AND ${conds.join(' AND ')} ORDER BY tier, clh DESC, rank LIMIT ${limit + 20}`,
      args: [today],
    };
  }
  const p = { lat: o.lat, lon: o.lon };
  const cells: Array<[number, number, number]> = [];
  REACH_BAND_KM.slice(0, 4).forEach((km, band) => {
    for (const [a, z] of cellRanges(boundingBox(p, km)) ?? []) cells.push([band, a, z]);
  });
  const km = haversineSql('w.home_lat', 'w.home_lon', `${p.lat}`, `${p.lon}`);
  return {
    sql: `${select(km)}, json_each(?2) AS c
      WHERE w.reach_band = json_extract(c.value, '$[0]') AND w.cell BETWEEN json_extract(c.value, '$[1]') AND json_extract(c.value, '$[2]')
        AND ${km} <= w.max_distance_km AND ${conds.join(' AND ')}
      ORDER BY tier, clh DESC, rank LIMIT ${limit + 20}`,
    args: [today, JSON.stringify(cells)],
  };
}

/**
 * The six aggregates of GET /v1/stats for an area prefix on `asOf`, counted
 * directly over the records: six statements, run one after another.
 */
export function rawStatsStatements(prefix: string, asOf: string): Statement[] {
  const end = chinaDayEnd(asOf);
  const { first } = monthBounds(asOf);
  const overdueBefore = addDays(asOf, -OVERDUE_DAYS);
  const inArea = (col: string) => `${col} >= '${prefix}' AND ${col} < '${prefix}:'`;
  const active = `p.start_date <= '${asOf}' AND (p.end_date IS NULL OR p.end_date > '${asOf}')`;
  const person = `p.home_area_code || ':' || p.worker_id`;
  const byType = ['migrant', 'enterprise', 'self_employed', 'workshop', 'public_welfare']
    .map((t) => `count(DISTINCT CASE WHEN p.type = '${t}' THEN ${person} END) AS "type ${t}"`)
    .join(', ');
  const byScope = ['township', 'county', 'province', 'out_of_province']
    .map((s) => `count(DISTINCT CASE WHEN p.scope = '${s}' THEN ${person} END) AS "scope ${s}"`)
    .join(', ');
  const poor = `(h.poverty_alleviated = 1 OR h.monitored = 1)`;
  return [
    { sql: `SELECT count(*) AS registered FROM workers WHERE ${inArea('area_code')} AND registered_on <= '${asOf}'`, args: [] },
    {
      sql: `SELECT count(DISTINCT ${person}) AS in_work, count(DISTINCT CASE WHEN p.scope <> 'out_of_province' THEN ${person} END) AS in_province, ${byType}, ${byScope}
        FROM placements p WHERE ${inArea('p.home_area_code')} AND ${active}`,
      args: [],
    },
    {
      sql: `SELECT coalesce(sum(filled), 0) AS pw_filled, coalesce(sum(CASE WHEN standing THEN max(slots - filled - promised, 0) ELSE 0 END), 0) AS pw_open FROM (
          SELECT o.slots,
            (NOT (o.status IN ('closed', 'expired') AND o.updated_at < '${end}') AND (o.closing_date IS NULL OR o.closing_date >= '${asOf}')) AS standing,
            (SELECT count(*) FROM placements p WHERE p.opening_id = o.id AND ${active}) AS filled,
            (SELECT count(*) FROM placements p WHERE p.opening_id = o.id AND p.start_date > '${asOf}' AND p.created_at < '${end}') AS promised
          FROM openings o WHERE o.kind = 'public_welfare' AND ${inArea('o.area_code')} AND o.created_at < '${end}' AND o.status <> 'draft')`,
      args: [],
    },
    {
      sql: `SELECT (SELECT count(*) FROM employers e WHERE e.kind = 'workshop' AND ${inArea('e.area_code')} AND e.certified = 1 AND e.certified_at < '${end}') AS workshops,
          (SELECT count(DISTINCT p.worker_id) FROM employers e JOIN openings o ON o.employer_id = e.id JOIN placements p ON p.opening_id = o.id AND ${active}
            JOIN households h ON h.id = p.household_id
            WHERE e.kind = 'workshop' AND ${inArea('e.area_code')} AND e.certified = 1 AND e.certified_at < '${end}' AND ${poor}) AS employed`,
      args: [],
    },
    {
      sql: `SELECT count(*) AS zero_all, coalesce(sum(${poor}), 0) AS zero_remaining, coalesce(sum(${poor} AND z.start_date < '${overdueBefore}'), 0) AS zero_overdue
        FROM zero_employment_periods z JOIN households h ON h.id = z.household_id
        WHERE ${inArea('z.area_code')} AND z.start_date <= '${asOf}' AND (z.end_date IS NULL OR z.end_date > '${asOf}')`,
      args: [],
    },
    {
      sql: `SELECT (SELECT count(*) FROM placements p WHERE p.start_date >= '${first}' AND p.start_date <= '${asOf}' AND ${inArea('p.home_area_code')} AND (p.end_date IS NULL OR p.end_date >= '${first}')) AS started,
          (SELECT count(*) FROM placements p WHERE p.end_date >= '${first}' AND p.end_date <= '${asOf}' AND ${inArea('p.home_area_code')} AND p.start_date <= '${asOf}') AS ended`,
      args: [],
    },
  ];
}

/** The raw stats' figures as GET /v1/stats names them, to compare with the service's answer. */
export function rawStatsFigures(rows: Array<Record<string, unknown>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) for (const [k, v] of Object.entries(r)) out[k] = Number(v);
  return out;
}

/** The service's /v1/stats body in the raw stats' names. */
export function serviceStatsFigures(s: {
  workersRegistered: number;
  inWork: { total: number; inProvince: number; byType: Record<string, number>; byScope: Record<string, number> };
  publicWelfarePosts: { open: number; filled: number };
  workshops: { certified: number; povertyAlleviatedEmployed: number };
  zeroEmployment: { remaining: number; overdue: number; allHouseholds: number };
  placementsThisMonth: { started: number; ended: number };
}): Record<string, number> {
  return {
    registered: s.workersRegistered,
    in_work: s.inWork.total,
    in_province: s.inWork.inProvince,
    ...Object.fromEntries(Object.entries(s.inWork.byType).map(([k, v]) => [`type ${k}`, v])),
    ...Object.fromEntries(Object.entries(s.inWork.byScope).map(([k, v]) => [`scope ${k}`, v])),
    pw_filled: s.publicWelfarePosts.filled,
    pw_open: s.publicWelfarePosts.open,
    workshops: s.workshops.certified,
    employed: s.workshops.povertyAlleviatedEmployed,
    zero_all: s.zeroEmployment.allHouseholds,
    zero_remaining: s.zeroEmployment.remaining,
    zero_overdue: s.zeroEmployment.overdue,
    started: s.placementsThisMonth.started,
    ended: s.placementsThisMonth.ended,
  };
}
