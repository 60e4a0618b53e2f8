// Matching queries: indexes narrow the rows (grid cells by reach band, area
// code ranges when a point is missing, eligibility pushed into SQL), then the
// pure rules in domain/matching.ts decide reach, eligibility, score, reasons
// and order. SQL only pre-sorts so the list can stop early; the exact
// haversine and the rules have the last word.
import { and, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import {
  applications,
  employers,
  openingSkills,
  households,
  openings,
  placements,
  workers,
  zeroEmploymentPeriods,
} from '../../db/schema.js';
import { prepared } from '../../db/client.js';
import type { ServiceCtx } from '../context.js';
import { hoursFit, tierNames } from '../domain/eligibility.js';
import { boundingBox, type Box, type Point, pointOf } from '../domain/geo.js';
import { cellRanges, REACH_BAND_KM } from '../domain/grid.js';
import {
  compareCandidates,
  compareMatches,
  COUNTY_REACH_KM,
  evaluate,
  householdRule,
  isVillageCarer,
  type Match,
  type MatchOpening,
  type MatchWorker,
  NOMINAL_KM,
  SCORE_POINTS,
  type TierName,
} from '../domain/matching.js';
import { areaInScope, requireRole } from '../domain/scope.js';
import { notFound } from '../errors.js';
import { today } from './households.js';
import { heldOn, onZeroListOn, periodContains } from './household-status.js';
import { type Opening, toOpeningJson } from './openings.js';
import { areaPrefix } from './sql.js';
import { getScopedWorker, type Worker } from './workers.js';

const KM_PER_DEGREE = (6371.0088 * Math.PI) / 180;
const availabilities = ['flexible', 'part_day', 'full_day'] as const;
/** Rows fetched beyond the limit, so the exact re-check and re-sort rarely leave the list short. */
const SLACK = 20;
/** Rings (km) a far-reaching worker's disc is read in, nearest first (see matchOpeningsForWorker). */
const RING_KM = [10, 25];
/** Rows a source is cut at before it is read whole. */
const MAX_FETCH = 1000;

/** A constant we computed (score points, knots, a row limit), inlined: it is the same for every call. */
function num(n: number): SQL {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return sql.raw(`(${n})`);
}

/**
 * Squared km from `center`, flat-earth: fine to pre-filter and pre-sort a
 * few tens of km. `conservative` shrinks longitude degrees to the box's
 * widest latitude so the value never exceeds the true distance (a safe filter).
 * The centre and scale are bound values, so the statement's text is the same
 * for every centre (prepared once).
 */
function approxKm2(lat: SQL, lon: SQL, center: Point, box: Box, conservative: boolean): SQL {
  const refLat = conservative ? Math.min(89.9, Math.max(Math.abs(box.minLat), Math.abs(box.maxLat))) : center.lat;
  const kLon = KM_PER_DEGREE * Math.cos((refLat * Math.PI) / 180);
  if (![center.lat, center.lon, kLon].every(Number.isFinite)) throw new Error('not a finite point');
  return sql`((${lat} - ${center.lat}) * (${lat} - ${center.lat}) * ${num(KM_PER_DEGREE * KM_PER_DEGREE)} + (${lon} - ${center.lon}) * (${lon} - ${center.lon}) * ${kLon * kLon})`;
}

/**
 * The grid rows of a box as one JSON parameter of [first, last] cell ranges,
 * read by json_each as the table `cells`: the statement's text is the same
 * for every box, so it is prepared once; null when unbounded.
 */
function cellsParam(box: Box): string | null {
  const ranges = cellRanges(box);
  return ranges === null ? null : JSON.stringify(ranges);
}

/** `cell` within one row of `cells` (see cellsParam): a range workers_grid_idx or openings_grid_idx can seek. */
const inCells = (cell: SQL) => sql`${cell} BETWEEN json_extract(cells.value, '$[0]') AND json_extract(cells.value, '$[1]')`;

/** Nearness points (domain/matching.ts: 40 × 5 / (5 + km)). */
const nearnessPointsAt = (km: number) => (SCORE_POINTS.nearness * 5) / (5 + km);
/** Distances (km) splitting the pieces of nearnessBound's lower bound of the km. */
const BOUND_KNOTS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 1024, 40_000];

/**
 * At least the nearness points of any point whose km² is at least `km2`,
 * without sqrt (which D1 may lack): on each piece [a², b²] the chord
 * a + (km² - a²) / (a + b) never exceeds the km (the root is concave), so
 * the points computed from it never fall short. Built as one short string:
 * the statement is prepared on every call, and its size is what costs.
 */
function nearnessBound(km2: string): SQL {
  const t = '_t';
  const piece = (i: number) => {
    const a = BOUND_KNOTS[i]!;
    const b = BOUND_KNOTS[i + 1]!;
    return `${SCORE_POINTS.nearness * 5} / (5 + ${a} + (${t} - ${a * a}) / ${a + b})`;
  };
  const build = (lo: number, hi: number): string => {
    if (hi - lo === 1) return piece(lo);
    const mid = (lo + hi) >> 1;
    const knot = BOUND_KNOTS[mid]!;
    return `(CASE WHEN ${t} < ${knot * knot} THEN ${build(lo, mid)} ELSE ${build(mid, hi)} END)`;
  };
  return sql.raw(build(0, BOUND_KNOTS.length - 1).replaceAll(t, km2));
}

/** Skill slots in the statement: a worker's codes padded to a power of two (see scoreBounds). */
const skillSlots = (n: number) => (n === 0 ? 0 : 2 ** Math.ceil(Math.log2(n)));
/** Pads the slots: a control character, which JSON text always escapes, so no stored array holds it. */
const NO_SKILL = '\u0001';

/**
 * SQL over an opening's columns, for one worker: `rest` is exactly the score
 * evaluate() gives for skills, hours and serving the worker's own village;
 * `byArea` is at least the nearness points when reach is judged by area.
 * Skills are counted as evaluate() does, every wanted skill the worker has,
 * repeats included: the stored JSON array holds occupation codes, each
 * quoted, so a code's occurrences are its quoted form's. The worker's facts
 * are bound values and the skill slots come in powers of two, so a handful of
 * statement texts serve every worker (each prepared once).
 */
function scoreBounds(w: MatchWorker): { rest: SQL; byArea: SQL } {
  const col = sql`${openings.skills}`;
  const own = [...new Set(w.skills)].map((s) => JSON.stringify(s));
  const slots = Array.from({ length: skillSlots(own.length) }, (_, i) => own[i] ?? NO_SKILL);
  const met = slots.length
    ? sql.join(
        slots.map((quoted) => sql`((length(${col}) - length(replace(${col}, ${quoted}, ''))) / ${quoted.length})`),
        sql` + `,
      )
    : sql`0`;
  const skills = sql`(CASE WHEN json_array_length(${col}) = 0 THEN ${num(SCORE_POINTS.skills / 2)} ELSE ${num(SCORE_POINTS.skills)} * (${met}) / (1.0 * json_array_length(${col})) END)`; // 1.0: not integer division
  const hours = sql`(CASE WHEN ${openings.hours} = ${w.availability} THEN ${num(SCORE_POINTS.hours)} ELSE ${num(SCORE_POINTS.hours / 2)} END)`;
  const carer = isVillageCarer(w);
  const serves = sql`(CASE WHEN ${carer ? 1 : 0} AND ${openings.serves} <> 'none' AND ${openings.areaCode} = ${w.areaCode} THEN ${num(SCORE_POINTS.servesOwnVillage)} ELSE 0 END)`;
  const area = sql`${openings.areaCode}`;
  // A NULL never equals: a worker registered at township level has no village to share.
  const village = w.areaCode.length >= 12 ? w.areaCode.slice(0, 12) : null;
  const township = w.areaCode.length >= 9 ? w.areaCode.slice(0, 9) : null;
  const byArea = sql`(CASE WHEN substr(${area}, 1, 12) = ${village} THEN ${num(nearnessPointsAt(NOMINAL_KM.village))}
    WHEN substr(${area}, 1, 9) = ${township} THEN ${num(nearnessPointsAt(NOMINAL_KM.township))}
    ELSE ${num(nearnessPointsAt(NOMINAL_KM.county))} END)`;
  return { rest: sql`${skills} + ${hours} + ${serves}`, byArea };
}

type OpeningRow = {
  id: number;
  lat: number | null;
  lon: number | null;
  area_code: string;
  kind: MatchOpening['kind'];
  serves: MatchOpening['serves'];
  hours: MatchOpening['hours'];
  skills: string;
  poverty_only: number;
  bound: number;
};

const textRange = (column: SQL, prefix: string) => sql`${column} >= ${prefix} AND ${column} < ${`${prefix}:`}`;

// ---------------------------------------------------------------------------
// Worker → openings

export interface OpeningMatch {
  opening: ReturnType<typeof toOpeningJson>;
  distanceKm: number | null;
  score: number;
  reasons: Match['reasons'];
}

/** Eligibility facts of one worker, in one round trip. */
async function loadMatchWorker(ctx: ServiceCtx, w: Worker, day: string): Promise<MatchWorker> {
  const facts = prepared(ctx.db, 'match worker facts', (db) => {
    const on = sql.placeholder('day');
    return db
      .select({
        povertyAlleviated: households.povertyAlleviated,
        monitored: households.monitored,
        zero: sql<number>`${onZeroListOn(workers.householdId, on)}`,
        holdsPw: sql<number>`EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.workerId} = ${workers.id} AND ${placements.type} = 'public_welfare' AND ${heldOn(on)})`,
        householdPw: sql<number>`EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.householdId} = ${workers.householdId} AND ${placements.type} = 'public_welfare' AND ${heldOn(on)})`,
      })
      .from(workers)
      .innerJoin(households, eq(households.id, workers.householdId))
      .where(eq(workers.id, sql.placeholder('id')))
      .prepare();
  });
  const [row] = await facts.all({ id: w.id, day });
  return toMatchWorker(w, {
    povertyAlleviated: row!.povertyAlleviated,
    monitored: row!.monitored,
    zero: row!.zero,
    holdsPw: row!.holdsPw,
    householdPw: row!.householdPw,
    inWork: 0,
  });
}

type WorkerCols = Pick<
  Worker,
  | 'id'
  | 'householdId'
  | 'areaCode'
  | 'homeLat'
  | 'homeLon'
  | 'maxDistanceKm'
  | 'cannotLeaveHome'
  | 'careFor'
  | 'skills'
  | 'availability'
  | 'ableToWork'
  | 'erasedAt'
>;
type HouseholdCols = {
  povertyAlleviated: boolean;
  monitored: boolean;
  zero: number;
  holdsPw: number;
  householdPw: number;
  inWork: number;
};

function toMatchWorker(w: WorkerCols, h: HouseholdCols): MatchWorker {
  return {
    id: w.id,
    householdId: w.householdId,
    areaCode: w.areaCode,
    home: pointOf(w.homeLat, w.homeLon),
    maxDistanceKm: w.maxDistanceKm,
    cannotLeaveHome: w.cannotLeaveHome,
    careFor: w.careFor,
    skills: w.skills,
    availability: w.availability,
    ableToWork: w.ableToWork,
    erased: w.erasedAt !== null,
    povertyAlleviated: h.povertyAlleviated,
    monitored: h.monitored,
    zeroEmployment: Boolean(h.zero),
    holdsPublicWelfare: Boolean(h.holdsPw),
    householdHoldsPublicWelfare: Boolean(h.householdPw),
    householdInWork: Boolean(h.inWork),
  };
}

const openingCols = {
  id: openings.id,
  lat: openings.lat,
  lon: openings.lon,
  areaCode: openings.areaCode,
  kind: openings.kind,
  serves: openings.serves,
  hours: openings.hours,
  skills: openings.skills,
  povertyOnly: openings.povertyOnly,
};

/**
 * Open openings within the worker's reach that the worker may take, best
 * first. Staff of the worker's area and admins; the bot calls it as `system`.
 */
export async function matchOpeningsForWorker(
  ctx: ServiceCtx,
  workerId: number,
  opts: { limit: number },
): Promise<OpeningMatch[]> {
  const w = await getScopedWorker(ctx, workerId);
  if (w.erasedAt || !w.ableToWork) return [];
  const day = today(ctx);
  const worker = await loadMatchWorker(ctx, w, day);

  // The worker's facts are bound values (not different SQL), so the statement's text stays the same.
  const poor = worker.povertyAlleviated || worker.monitored;
  const holdsPw = worker.holdsPublicWelfare || worker.householdHoldsPublicWelfare;
  const conds: (SQL | undefined)[] = [
    sql`(${openings.closingDate} IS NULL OR ${openings.closingDate} >= ${day})`,
    sql`${openings.hours} IN (SELECT value FROM json_each(${JSON.stringify(availabilities.filter((h) => hoursFit(worker.availability, h)))}))`,
    // Openings the worker already applied to (or turned down) are not suggested again.
    sql`${openings.id} NOT IN (SELECT ${applications.openingId} FROM ${applications} WHERE ${applications.workerId} = ${w.id} AND ${applications.state} <> 'suggested')`,
    // Poverty-only openings and public-welfare posts only for poverty-alleviated or monitored households.
    sql`(${poor ? 1 : 0} OR (${openings.povertyOnly} = 0 AND ${openings.kind} <> 'public_welfare'))`,
    // No second public-welfare post for the person or the household.
    sql`(${holdsPw ? 0 : 1} OR ${openings.kind} <> 'public_welfare')`,
  ];

  // Where to look: by grid cell around home, and by area for openings without
  // a point. Each source is read best-first by an upper bound of the score
  // (scoreBound) and cut at `fetch` rows; the exact rules then rank what was
  // read. When a cut source might still hold a row that beats the last place
  // of the list, the sources are read again without a cut.
  const open = sql`${openings.status} = 'open'`;
  const areaReach = worker.maxDistanceKm >= COUNTY_REACH_KM ? worker.areaCode.slice(0, 6) : worker.areaCode.slice(0, 9);
  const bounds = scoreBounds(worker);
  const where = and(...conds)!;
  const row = sql`${openings.id} AS id, ${openings.lat} AS lat, ${openings.lon} AS lon, ${openings.areaCode} AS area_code,
    ${openings.kind} AS kind, ${openings.serves} AS serves, ${openings.hours} AS hours, ${openings.skills} AS skills,
    ${openings.povertyOnly} AS poverty_only`;
  const limit = (fetch: number | null) => (fetch === null ? sql`` : sql` LIMIT ${num(fetch)}`);
  const byArea = (only: SQL) => (fetch: number | null) =>
    sql`SELECT ${row}, ${bounds.byArea} + ${bounds.rest} AS bound FROM ${openings}
      WHERE ${open} AND ${only} AND ${where} ORDER BY bound DESC${limit(fetch)}`;
  // Openings with a point within `radiusKm` of home: the grid rows of the
  // box as `cells`, and the km² (never above the true one, see approxKm2).
  const disc = (home: Point, radiusKm: number) => {
    const box = boundingBox(home, radiusKm);
    const cells = cellsParam(box);
    const km2 = approxKm2(sql`${openings.lat}`, sql`${openings.lon}`, home, box, true);
    return { cells, km2, inReach: sql`${km2} <= ${radiusKm * radiusKm * 1.0201}` };
  };
  // Ranks an inner query's rows (`row` and their km² as `_d2`) by the score
  // bound. LIMIT -1 keeps SQLite from folding the inner query into the outer
  // one, where the bound would compute the km² once per piece; the outer
  // query is named like the table so the bound reads its columns.
  const byBound = (inner: SQL, fetch: number | null) =>
    sql`SELECT *, ${nearnessBound('("openings"."_d2" / 1.0201)')} + ${bounds.rest} AS bound FROM (${inner} LIMIT -1) AS ${openings}
      ORDER BY bound DESC${limit(fetch)}`;
  // The disc of radius `radiusKm` around home, by grid cell.
  const grid = (home: Point) => (fetch: number | null, radiusKm: number) => {
    const { cells, km2, inReach } = disc(home, radiusKm);
    return byBound(
      sql`SELECT ${row}, ${km2} AS _d2
      FROM ${cells ? sql`json_each(${cells}) AS cells CROSS JOIN ${openings}` : openings}
      WHERE ${open} AND ${cells ? inCells(sql`${openings.cell}`) : sql`${openings.cell} IS NOT NULL`} AND ${inReach} AND ${where}`,
      fetch,
    );
  };
  // Openings wanting one of the worker's skills within the whole reach, found
  // by code and cell (opening_skills, kept by triggers): read instead of the
  // disc beyond a ring once nothing else there could make the list.
  const skilled = (home: Point) => (fetch: number | null) => {
    const { cells, km2, inReach } = disc(home, worker.maxDistanceKm);
    const codes = JSON.stringify([...new Set(worker.skills)]);
    // CROSS JOIN keeps this order: code, grid row, the code's openings there, each opening by id.
    return byBound(
      sql`SELECT DISTINCT ${row}, ${km2} AS _d2
      FROM json_each(${codes}) AS codes${cells ? sql` CROSS JOIN json_each(${cells}) AS cells` : sql``}
        CROSS JOIN ${openingSkills} CROSS JOIN ${openings}
      WHERE ${openingSkills.code} = codes.value AND ${openingSkills.status} = 'open'
        AND ${cells ? inCells(sql`${openingSkills.cell}`) : sql`${openingSkills.cell} IS NOT NULL`}
        AND ${openings.id} = ${openingSkills.openingId}
        AND ${open} AND ${inReach} AND ${where}`,
      fetch,
    );
  };
  const home = worker.home;
  // Each source: its statement for a cut and a ring; `byRing` when it reads the disc of the ring.
  type Source = { statement: (fetch: number | null, radiusKm: number) => SQL; byRing: boolean };
  const sources: Source[] = home
    ? [
        { statement: grid(home), byRing: true },
        // Without a point (what a NULL cell means), said by lat and lon so openings_status_area_idx covers the read.
        { statement: byArea(sql`(${openings.lat} IS NULL OR ${openings.lon} IS NULL) AND ${textRange(sql`${openings.areaCode}`, areaReach)}`), byRing: false },
      ]
    : [{ statement: byArea(textRange(sql`${openings.areaCode}`, areaReach)), byRing: false }];
  // A carer's own village's posts serving its people, wherever their point:
  // a handful, read whole, so the rings below need not allow for them.
  const carer = isVillageCarer(worker);
  if (home && carer) {
    sources.push({
      statement: (fetch) => sql`SELECT ${row}, ${num(SCORE_POINTS.nearness)} + ${bounds.rest} AS bound FROM ${openings}
        WHERE ${open} AND ${openings.areaCode} = ${worker.areaCode} AND ${openings.serves} <> 'none' AND ${where}
        ORDER BY bound DESC${limit(fetch)}`,
      byRing: false,
    });
  }
  // A far-reaching worker's disc is read in rings, nearest first: nothing
  // beyond a ring can score more than the nearness points at its edge plus
  // the most skills and hours could give this worker, so when the list's last
  // place beats that, the rest of the disc is not read.
  const restMax = (worker.skills.length > 0 ? SCORE_POINTS.skills : SCORE_POINTS.skills / 2) + SCORE_POINTS.hours;
  // Each source is read once per cut (and per ring, for those that read the
  // ring's disc): the 'skilled' pass reuses what the pass before it read.
  const readBefore = new Map<string, OpeningRow[]>();
  // What lies beyond a ring scores at most the nearness at its edge plus, in
  // 'all' mode, the most skills and hours could give this worker; in 'skilled'
  // mode the openings wanting one of the worker's skills are read for the
  // whole reach, so the rest score at most half the skill points (none wanted).
  const beyondMax = (radiusKm: number, mode: 'all' | 'skilled') =>
    nearnessPointsAt(radiusKm) + (mode === 'all' ? restMax : SCORE_POINTS.skills / 2 + SCORE_POINTS.hours);
  const read = async (fetch: number | null, radiusKm: number, mode: 'all' | 'skilled' = 'all') => {
    const cutAt: number[] = [];
    const rows: OpeningRow[] = [];
    const all: Source[] = mode === 'skilled' && home ? [...sources, { statement: skilled(home), byRing: false }] : sources;
    for (const [i, source] of all.entries()) {
      const key = `${i} ${fetch} ${source.byRing ? radiusKm : ''}`;
      const got = readBefore.get(key) ?? (await ctx.db.all<OpeningRow>(source.statement(fetch, radiusKm)));
      readBefore.set(key, got);
      rows.push(...got);
      if (fetch !== null && got.length === fetch) cutAt.push(Number(got[got.length - 1]!.bound));
    }
    // The carer's source may repeat rows of the others.
    const ranked = [...new Map(rows.map((r) => [Number(r.id), r])).values()]
      .map((r) => {
        const o: MatchOpening = {
          id: Number(r.id),
          areaCode: r.area_code,
          point: pointOf(r.lat, r.lon),
          kind: r.kind,
          serves: r.serves,
          hours: r.hours,
          skills: JSON.parse(r.skills) as string[],
          povertyOnly: Boolean(Number(r.poverty_only)),
        };
        const e = evaluate(worker, o);
        return e.ok ? { id: o.id, match: e.match } : null;
      })
      .filter((x) => x !== null)
      .sort(compareMatches)
      .slice(0, opts.limit);
    // What was left unread might still beat the last place when it could score
    // more (scores are rounded to 0.1: keep a margin): rows cut off a source,
    // and openings beyond the ring.
    const last = ranked.length === opts.limit ? ranked[opts.limit - 1]!.match.score : -Infinity;
    const beats = (bound: number) => bound + 0.1 >= last;
    return {
      ranked,
      cutBlocks: cutAt.some(beats),
      ringBlocks: radiusKm < worker.maxDistanceKm && beats(beyondMax(radiusKm, mode)),
      last,
    };
  };
  // Ring by ring; within a ring, more rows (four times as many) while rows cut
  // off might still beat the last place, then every row.
  const rings = home ? [...RING_KM.filter((r) => r < worker.maxDistanceKm), worker.maxDistanceKm] : [worker.maxDistanceKm];
  const readRing = async (radiusKm: number, mode: 'all' | 'skilled') => {
    let fetch: number | null = opts.limit + SLACK;
    for (;;) {
      const got = await read(fetch, radiusKm, mode);
      if (!got.cutBlocks || fetch === null) return got;
      fetch = fetch * 4 > MAX_FETCH ? null : fetch * 4;
    }
  };
  let result: Awaited<ReturnType<typeof read>> | null = null;
  for (const radiusKm of rings) {
    result = await readRing(radiusKm, 'all');
    if (!result.ringBlocks) break;
    // Beyond this ring only openings wanting one of the worker's skills could
    // still make the list: read those for the whole reach, and stop.
    if (worker.skills.length > 0 && result.last > beyondMax(radiusKm, 'skilled') + 0.1) {
      result = await readRing(radiusKm, 'skilled');
      if (!result.ringBlocks) break;
    }
  }
  const { ranked } = result!;
  if (ranked.length === 0) return [];

  const withEmployers = prepared(ctx.db, 'openings with employer names by ids', (db) =>
    db
      .select({ o: openings, employerName: employers.name })
      .from(openings)
      .innerJoin(employers, eq(employers.id, openings.employerId))
      // One JSON parameter for any number of ids (D1 binds at most 100).
      .where(sql`${openings.id} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`)
      .prepare(),
  );
  const full = await withEmployers.all({ ids: JSON.stringify(ranked.map((r) => r.id)) });
  const byId = new Map(full.map((f) => [f.o.id, f]));
  return ranked.map((r) => {
    const f = byId.get(r.id)!;
    return {
      opening: toOpeningJson(f.o, { employerName: f.employerName }),
      distanceKm: r.match.distanceKm,
      score: r.match.score,
      reasons: r.match.reasons,
    };
  });
}

// ---------------------------------------------------------------------------
// Opening → workers

export interface Candidate {
  worker: {
    id: number;
    householdId: number;
    name: string | null;
    phone: string | null;
    areaCode: string;
    cannotLeaveHome: boolean;
    careFor: Worker['careFor'];
    skills: string[];
    availability: Worker['availability'];
    maxDistanceKm: number;
  };
  tier: TierName;
  distanceKm: number | null;
  score: number;
  reasons: Match['reasons'];
}

type KeyRow = { id: number; tier: number; clh: number; sov: number; rank: number };

const compareKeys = (a: KeyRow, b: KeyRow) =>
  a.tier - b.tier || b.clh - a.clh || b.sov - a.sov || a.rank - b.rank || a.id - b.id;

/**
 * The index-friendly conditions that together find every worker who might
 * reach the opening: by grid cell per reach band (a 5 km worker is looked for
 * within 5 km only), and by area code for whoever has no point, or all when
 * the opening has none.
 */
function workerSources(o: Opening): Array<{ from: SQL; where: SQL; area?: string }> {
  const sources: Array<{ from: SQL; where: SQL; area?: string }> = [];
  const township = o.areaCode.length >= 9 ? o.areaCode.slice(0, 9) : null;
  const county = o.areaCode.length >= 6 ? o.areaCode.slice(0, 6) : null;
  const allBands = REACH_BAND_KM.map((_, i) => i);
  // Bands that may hold someone with maxDistanceKm >= 25.
  const countyBands = allBands.filter((i) => REACH_BAND_KM[i]! >= COUNTY_REACH_KM);
  const area = sql`${workers.areaCode}`;
  const band = (list: number[]) => sql`${workers.reachBand} IN (${sql.raw(list.join(', '))})`;
  const noPoint = o.lat != null && o.lon != null ? sql` AND ${workers.cell} IS NULL` : sql``;
  if (township) sources.push({ from: sql`${workers}`, where: sql`${band(allBands)}${noPoint} AND ${textRange(area, township)}`, area: township });
  if (county) {
    sources.push({
      from: sql`${workers}`,
      where: sql`${band(countyBands)}${noPoint} AND ${textRange(area, county)} AND ${workers.maxDistanceKm} >= ${num(COUNTY_REACH_KM)}`,
      area: county,
    });
  }
  if (o.lat != null && o.lon != null) {
    const p = { lat: o.lat, lon: o.lon };
    REACH_BAND_KM.forEach((radius, i) => {
      const box = boundingBox(p, Number.isFinite(radius) ? radius : 40_000);
      const within = sql`${approxKm2(sql`${workers.homeLat}`, sql`${workers.homeLon}`, p, box, true)} <= ${workers.maxDistanceKm} * ${workers.maxDistanceKm} * 1.0201`;
      // One index range per grid row, joined from a table of ranges: an OR of
      // ranges would fetch every row from the table (multi-index OR), where
      // this reads workers_grid_idx alone.
      const cells = cellsParam(box);
      const inBand = sql`${workers.reachBand} = ${num(i)} AND ${workers.erasedAt} IS NULL AND ${workers.ableToWork} = 1`;
      sources.push(
        cells
          ? { from: sql`json_each(${cells}) AS cells CROSS JOIN ${workers}`, where: sql`${inBand} AND ${inCells(sql`${workers.cell}`)} AND ${within}` }
          : { from: sql`${workers}`, where: sql`${inBand} AND ${workers.cell} IS NOT NULL AND ${within}` },
      );
    });
  }
  return sources;
}

/** Ordering keys SQL can compute, mirroring compareCandidates, to stop at the top rows. */
function keyColumns(o: Opening, day: string) {
  const area = sql`${workers.areaCode}`;
  const village = o.areaCode.length === 12 ? o.areaCode : null;
  const township = o.areaCode.length >= 9 ? o.areaCode.slice(0, 9) : null;
  const sq = (km: number) => num(km * km);
  const areaRank = sql`CASE WHEN ${village ? sql`${area} = ${village}` : sql`0`} THEN ${sq(NOMINAL_KM.village)} WHEN ${township ? sql`substr(${area}, 1, 9) = ${township}` : sql`0`} THEN ${sq(NOMINAL_KM.township)} ELSE ${sq(NOMINAL_KM.county)} END`;
  let rank = areaRank;
  if (o.lat != null && o.lon != null) {
    const p = { lat: o.lat, lon: o.lon };
    const near = approxKm2(sql`${workers.homeLat}`, sql`${workers.homeLon}`, p, boundingBox(p, 1), false);
    rank = sql`CASE WHEN ${workers.cell} IS NULL THEN ${areaRank} ELSE ${near} END`;
  }
  const sov = o.serves !== 'none' && village ? sql`(${workers.cannotLeaveHome} = 1 AND ${area} = ${village})` : sql`0`;
  return {
    id: workers.id,
    tier: sql<number>`CASE WHEN ${onZeroListOn(workers.householdId, day)} THEN 0 WHEN ${households.monitored} = 1 THEN 1 WHEN ${households.povertyAlleviated} = 1 THEN 2 ELSE 3 END`,
    clh: sql<number>`${workers.cannotLeaveHome}`,
    sov: sql<number>`${sov}`,
    rank: sql<number>`${rank}`,
  };
}

async function candidateKeys(
  ctx: ServiceCtx,
  o: Opening,
  day: string,
  n: number,
  opts: { excludeHouseholdsInWork: boolean },
): Promise<KeyRow[]> {
  const conds: (SQL | undefined)[] = [
    isNull(workers.erasedAt),
    eq(workers.ableToWork, true),
    inArray(
      workers.availability,
      availabilities.filter((a) => hoursFit(a, o.hours)),
    ),
    sql`${workers.id} NOT IN (SELECT ${applications.workerId} FROM ${applications} WHERE ${applications.openingId} = ${o.id} AND ${applications.state} <> 'suggested')`,
  ];
  if (ctx.actor.role === 'staff') conds.push(areaPrefix(workers.areaCode, ctx.actor.areaPrefix));
  if (o.povertyOnly || o.kind === 'public_welfare') {
    conds.push(or(eq(households.povertyAlleviated, true), eq(households.monitored, true)));
  }
  if (o.kind === 'public_welfare') {
    // The household check covers the person: a placement carries its worker's household.
    conds.push(
      sql`NOT EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.householdId} = ${workers.householdId} AND ${placements.type} = 'public_welfare' AND ${heldOn(day)})`,
    );
  }
  if (opts.excludeHouseholdsInWork) {
    conds.push(
      sql`NOT EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.householdId} = ${workers.householdId} AND ${heldOn(day)})`,
    );
  }
  const keys = keyColumns(o, day);
  const sources = workerSources(o);
  const read = async (only: ((source: (typeof sources)[number]) => SQL) | undefined) => {
    const seen = new Map<number, KeyRow>();
    for (const source of sources) {
      const where = and(only?.(source), ...conds)!;
      const rows = await ctx.db.all<KeyRow>(
        sql`SELECT ${workers.id} AS id, ${keys.tier} AS tier, ${keys.clh} AS clh, ${keys.sov} AS sov, ${keys.rank} AS rank
          FROM ${source.from} INNER JOIN ${households} ON ${households.id} = ${workers.householdId}
          WHERE ${source.where} AND ${where}
          ORDER BY tier, clh DESC, sov DESC, rank, ${workers.id} LIMIT ${num(n)}`,
      );
      for (const r of rows) {
        const id = Number(r.id);
        seen.set(id, { id, tier: Number(r.tier), clh: Number(r.clh), sov: Number(r.sov), rank: Number(r.rank) });
      }
    }
    return [...seen.values()].sort(compareKeys).slice(0, n);
  };
  // Tier 0 (zero-employment households) comes first: when it alone fills the
  // list, the other tiers cannot change it, and this read checks the small
  // zero_periods index per row instead of joining every household in reach.
  // A source by area starts from the area's households on the list
  // (zero_periods_area_idx), a few hundred in a township, rather than
  // checking each of its thousands of workers.
  // A source by point reads only workers of households ever on the list
  // (zero_listed, workers_zero_grid_idx: a few in a hundred), checking the day.
  const zeroOnly = await read((source) =>
    source.area
      ? sql`${workers.householdId} IN (SELECT ${zeroEmploymentPeriods.householdId} FROM ${zeroEmploymentPeriods} WHERE ${textRange(sql`${zeroEmploymentPeriods.areaCode}`, source.area)} AND ${periodContains(day)})`
      : sql`${workers.zeroListed} = 1 AND ${onZeroListOn(workers.householdId, day)}`,
  );
  if (zeroOnly.length >= n) return zeroOnly;
  return read(undefined);
}

async function loadCandidateWorkers(ctx: ServiceCtx, ids: number[], day: string) {
  if (ids.length === 0) return [];
  return ctx.db
    .select({
      w: workers,
      povertyAlleviated: households.povertyAlleviated,
      monitored: households.monitored,
      zero: sql<number>`${onZeroListOn(workers.householdId, day)}`,
      holdsPw: sql<number>`EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.workerId} = ${workers.id} AND ${placements.type} = 'public_welfare' AND ${heldOn(day)})`,
      householdPw: sql<number>`EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.householdId} = ${workers.householdId} AND ${placements.type} = 'public_welfare' AND ${heldOn(day)})`,
      inWork: sql<number>`EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.householdId} = ${workers.householdId} AND ${heldOn(day)})`,
    })
    .from(workers)
    .innerJoin(households, eq(households.id, workers.householdId))
    // One JSON parameter for any number of ids (D1 binds at most 100).
    .where(sql`${workers.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
}

/**
 * Eligible workers within reach of the opening, in priority order: staff of
 * the opening's area (and only workers of their area) and admins.
 */
export async function candidatesForOpening(
  ctx: ServiceCtx,
  openingId: number,
  opts: { limit: number },
): Promise<Candidate[]> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const [o] = await ctx.db.select().from(openings).where(eq(openings.id, openingId));
  if (!o || !areaInScope(ctx.actor, o.areaCode)) throw notFound(`Opening ${openingId}`);
  const day = today(ctx);
  const opening: MatchOpening = {
    id: o.id,
    areaCode: o.areaCode,
    point: pointOf(o.lat, o.lon),
    kind: o.kind,
    serves: o.serves,
    hours: o.hours,
    skills: o.skills,
    povertyOnly: o.povertyOnly,
  };
  const n = opts.limit + SLACK;

  const rank = async (excludeHouseholdsInWork: boolean) => {
    const keys = await candidateKeys(ctx, o, day, n, { excludeHouseholdsInWork });
    const rows = await loadCandidateWorkers(ctx, keys.map((k) => k.id), day);
    return rows
      .map((r) => {
        const worker = toMatchWorker(r.w, r);
        const e = evaluate(worker, opening);
        return e.ok ? { worker, row: r.w, match: e.match } : null;
      })
      .filter((x) => x !== null);
  };

  let evaluated = await rank(false);
  let { kept } = householdRule(opening, evaluated);
  if (kept.length < evaluated.length) {
    // Some were held back: fetch again without them so the list is full.
    evaluated = await rank(true);
    kept = householdRule(opening, evaluated).kept;
  }
  return kept
    .sort(compareCandidates)
    .slice(0, opts.limit)
    .map(({ row, match }) => ({
      worker: {
        id: row.id,
        householdId: row.householdId,
        name: row.name,
        phone: row.phone,
        areaCode: row.areaCode,
        cannotLeaveHome: row.cannotLeaveHome,
        careFor: row.careFor,
        skills: row.skills,
        availability: row.availability,
        maxDistanceKm: row.maxDistanceKm,
      },
      tier: tierNames[match.tier],
      distanceKm: match.distanceKm,
      score: match.score,
      reasons: match.reasons,
    }));
}
