// Matching. Worker → openings: the open openings are held in memory (see
// opening-catalogue.ts) and ranked there by the pure rules of
// domain/matching.ts, nearest grid cells first, stopping once nothing
// further could make the list (on a cold Workers isolate, the same ranking
// over only the openings it can read: catalogueReach). Opening → workers: indexes narrow the rows
// (grid cells by reach band, area code ranges when a point is missing,
// eligibility pushed into SQL), SQL pre-sorts so the list can stop early, and
// the same rules have the last word.
import { and, eq, inArray, isNull, type Placeholder, sql, type SQL } from 'drizzle-orm';
import {
  applications,
  households,
  openings,
  placements,
  workers,
  zeroEmploymentPeriods,
} from '../../db/schema.js';
import { prepared } from '../../db/client.js';
import { postRulesOf, type ServiceCtx } from '../context.js';
import {
  eligibilityNotes,
  type EligibilityNote,
  hoursFit,
  type Ineligibility,
  ineligibilities,
  ineligibilityText,
  type OpeningFacts,
  type PostDay,
  postDay,
  refusedClasses,
  tierNames,
} from '../domain/eligibility.js';
import { dayNumber } from '../domain/dates.js';
import { boundingBox, type Box, distanceKmTo, KM_PER_DEGREE, type Point, pointOf } from '../domain/geo.js';
import { cellMinKm, cellRanges, gridRings, REACH_BAND_KM } from '../domain/grid.js';
import {
  AREA_CODE_DIGITS,
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
  nearnessPoints,
  pointsBesideNearness,
  rankEligible,
  SCORE_POINTS,
  scoreBeyond,
  servesOwnVillage,
  type TierName,
} from '../domain/matching.js';
import { areaInScope, requireRole } from '../domain/scope.js';
import { AppError, notFound } from '../errors.js';
import { today } from './households.js';
import { heldOn, onZeroListOn, periodContains } from './household-status.js';
import {
  type CatalogueOpening,
  type CatalogueReach,
  catalogueIfWarm,
  FACT_CLASS,
  FACT_CLOSES,
  FACT_ID,
  FACT_LAT,
  FACT_LON,
  logEndColumns,
  OpeningCatalogue,
  openingJsonText,
  Shelf,
} from './opening-catalogue.js';
import { type Opening, toOpeningJson } from './openings.js';
import { areaPrefix } from './sql.js';
import { scopedWorkerOr404, type Worker } from './workers.js';

const availabilities = ['flexible', 'part_day', 'full_day'] as const;
/** Rows fetched beyond the limit, so the exact re-check and re-sort rarely leave the list short. */
const SLACK = 20;
/** The most candidate rows read for one list when refusals (by age) leave it short. */
const MAX_CANDIDATE_READ = 2000;

/** A constant we computed (a squared km, a row limit), inlined: it is the same for every call. */
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

/** `cell` within one row of `cells` (see cellsParam): a range the grid indexes (workers_tier_grid_idx, workers_zero_grid_idx) can seek. */
const inCells = (cell: SQL) => sql`${cell} BETWEEN json_extract(cells.value, '$[0]') AND json_extract(cells.value, '$[1]')`;

const textRange = (column: SQL, prefix: string) => sql`${column} >= ${prefix} AND ${column} < ${`${prefix}:`}`;

// ---------------------------------------------------------------------------
// Worker → openings

export interface OpeningMatch {
  opening: Readonly<ReturnType<typeof toOpeningJson>>;
  distanceKm: number | null;
  score: number;
  reasons: Match['reasons'];
}

/**
 * What eligibility and priority need about a worker beyond its row, over
 * workers joined to households, as of `day` (a date, or a placeholder): the
 * one reading for matching, candidates and applying alike.
 */
function factColumns(day: string | Placeholder) {
  const publicWelfareHeld = (owner: SQL) =>
    sql<number>`EXISTS (SELECT 1 FROM ${placements} WHERE ${owner} AND ${placements.type} = 'public_welfare' AND ${heldOn(day)})`;
  return {
    povertyAlleviated: households.povertyAlleviated,
    monitored: households.monitored,
    cadre: households.cadreHousehold,
    zero: sql<number>`${onZeroListOn(workers.householdId, day)}`,
    holdsPw: publicWelfareHeld(sql`${placements.workerId} = ${workers.id}`),
    householdPw: publicWelfareHeld(sql`${placements.householdId} = ${workers.householdId}`),
  };
}

/** Eligibility facts of one worker, and the openings they applied to (or turned down; not those withdrawn or expired, which they may take again), in one round trip. */
export async function loadMatchWorker(ctx: ServiceCtx, w: Worker, day: string): Promise<{ worker: MatchWorker; applied: number[] }> {
  const { facts } = await readMatchWorker(ctx, w.id, day);
  return { worker: toMatchWorker(w, { ...facts!, inWork: 0 }), applied: JSON.parse(facts!.applied) as number[] };
}

/** What matching reads of a worker's row (toMatchWorker, the scope): not names, phones or chat ids. */
const matchWorkerColumns = {
  id: workers.id,
  householdId: workers.householdId,
  areaCode: workers.areaCode,
  homeLat: workers.homeLat,
  homeLon: workers.homeLon,
  maxDistanceKm: workers.maxDistanceKm,
  cannotLeaveHome: workers.cannotLeaveHome,
  careFor: workers.careFor,
  skills: workers.skills,
  availability: workers.availability,
  ableToWork: workers.ableToWork,
  erasedAt: workers.erasedAt,
  birthDate: workers.birthDate,
};

/**
 * The worker's row and their facts of `day` (undefined when there is no
 * such worker), and the opening catalogue's log ends (catalogueIfWarm
 * brings the catalogue up to them), in one statement.
 */
async function readMatchWorker(ctx: ServiceCtx, id: number, day: string) {
  const facts = prepared(ctx.db, 'match worker and facts', (db) =>
    db
      .select({
        w: matchWorkerColumns,
        ...factColumns(sql.placeholder('day')),
        applied: sql<string>`(SELECT json_group_array(${applications.openingId}) FROM ${applications} WHERE ${applications.workerId} = ${workers.id} AND ${applications.state} NOT IN ('suggested', 'withdrawn', 'expired'))`,
        ...logEndColumns,
      })
      .from(workers)
      .innerJoin(households, eq(households.id, workers.householdId))
      .where(eq(workers.id, sql.placeholder('id')))
      .prepare(),
  );
  const [row] = await facts.all({ id, day });
  return { w: row?.w, facts: row };
}

/** Why the worker may not take the opening on `day` (default today): the one rule, over the worker's facts of that day. */
export async function whyNotEligible(ctx: ServiceCtx, w: Worker, o: OpeningFacts, day = today(ctx)): Promise<readonly Ineligibility[]> {
  const { worker } = await loadMatchWorker(ctx, w, day);
  return ineligibilities(worker, o, postDay(day, postRulesOf(ctx)));
}

/** The 422 of a refusal: each coded reason with its text, on `workerId`. */
export function notEligibleError(problems: readonly Ineligibility[]) {
  return new AppError(
    'not_eligible',
    `Not eligible: ${problems.map((p) => ineligibilityText[p]).join('; ')}`,
    problems.map((p) => ({ path: 'workerId', message: `${p}: ${ineligibilityText[p]}` })),
  );
}

/** What toMatchWorker reads of a worker's row: the columns matching selects. */
type WorkerCols = Pick<Worker, keyof typeof matchWorkerColumns>;
type HouseholdCols = {
  povertyAlleviated: boolean;
  monitored: boolean;
  cadre: boolean;
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
    birthDate: w.birthDate,
    cadreHousehold: Boolean(h.cadre),
  };
}

/** One opening ranked for a worker (what rankOnly gives), before its reasons are built. */
type Ranked = { id: number; o: CatalogueOpening; match: { score: number; rankKm: number } };

/** True when `a` goes before `b` on the worker's list. */
const before = (a: Ranked, b: Ranked) => compareMatches(a, b) < 0;

/** Rings around home a cold matches reads first (about 7 km): a 5 km worker's whole reach, and most far-reaching workers' list. */
export const FIRST_RINGS = 4;

/** Without a point, reach is judged by area: the township, or the county for a worker who goes far. */
const areaReachOf = (worker: MatchWorker) =>
  worker.maxDistanceKm >= COUNTY_REACH_KM ? worker.areaCode.slice(0, 6) : worker.areaCode.slice(0, 9);

/** The grid rings around home that the ranking walks: the box of the worker's reach. */
const gridAround = (home: Point, worker: MatchWorker) => gridRings(home, boundingBox(home, worker.maxDistanceKm));

/**
 * Everything rankCatalogue may read for this worker, for a catalogue
 * narrowed to it (OpeningCatalogue.narrowed): the cells of every ring (or
 * of the first `rings`), the area reach (only openings without a point when
 * home is known) and, for a village carer, the village's serving posts.
 */
export function catalogueReach(worker: MatchWorker, rings = Infinity): CatalogueReach {
  const serving = isVillageCarer(worker) ? worker.areaCode : null;
  const area = { prefix: areaReachOf(worker), withoutPoint: worker.home !== null };
  if (!worker.home) return { cells: [], area, serving };
  const grid = gridAround(worker.home, worker);
  const cells: number[] = [];
  for (let k = 0; k < Math.min(rings, grid.rings); k++) cells.push(...grid.ring(k));
  cells.sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const cell of cells) {
    const last = ranges[ranges.length - 1];
    if (last && cell <= last[1] + 1) last[1] = Math.max(last[1], cell);
    else ranges.push([cell, cell]);
  }
  return { cells: ranges, area, serving };
}

/**
 * The best `limit` of the catalogue's openings for the worker, in the order
 * of compareMatches: a carer's own village's posts, openings without a point
 * in the worker's area reach, then the grid around home in rings, nearest
 * first, until the list's last place beats all a further ring could score
 * (scoreBeyond its nearest point), reading only the openings wanting one of
 * the worker's skills, or none, once one wanting only others could not make
 * it, and then only those wanting one of theirs. Within the rings an opening
 * is skipped when even its cell's nearest point could not put it on the list.
 */
function rankCatalogue(
  catalogue: OpeningCatalogue,
  worker: MatchWorker,
  opts: { on: PostDay; skip: ReadonlySet<number>; limit: number; rings?: number },
): Ranked[] | null {
  const day = opts.on.day;
  const top: Ranked[] = [];
  // The score to beat once the list is full.
  const lastScore = () => (top.length === opts.limit ? top[top.length - 1]!.match.score : -Infinity);
  const carer = isVillageCarer(worker);
  // The most any opening can want of this worker's skills.
  const best = worker.skills.length > 0 ? 'theirs' : 'none';
  // `nearest`: the most nearness points the opening can have.
  const consider = (o: CatalogueOpening, nearest: number) => {
    if ((o.closingDate !== null && o.closingDate < day) || opts.skip.has(o.id)) return;
    // The rules first: a few comparisons, and most openings read are refused
    // by them (poverty-only, hours, another area's post), before any sum.
    if (ineligibilities(worker, o, opts.on).length > 0) return;
    const beside = pointsBesideNearness(worker, o);
    // Scores are rounded to 0.1: keep a margin.
    if (nearest + beside + 0.1 < lastScore()) return;
    const match = rankEligible(worker, o, beside);
    if (!match) return;
    const entry = { id: o.id, o, match };
    if (top.length === opts.limit && !before(entry, top[top.length - 1]!)) return;
    let i = top.length;
    while (i > 0 && before(entry, top[i - 1]!)) i--;
    top.splice(i, 0, entry);
    if (top.length > opts.limit) top.pop();
  };
  // Each shelf's packed facts first: an opening closed, of a class the rules
  // refuse this worker, or (both points known) beyond their reach is passed
  // over without reading it; consider() still checks all of it for the rest.
  const refused = refusedClasses(worker, opts.on);
  const dayN = dayNumber(day);
  const home = worker.home;
  const read = (shelf: Shelf | undefined, nearest: number, pass?: (o: CatalogueOpening) => boolean, seen?: Set<number>) => {
    if (!shelf) return;
    const { items, facts } = shelf.packed();
    for (let i = 0, at = 0; i < items.length; i++, at += Shelf.FACTS) {
      if (refused[facts[at + FACT_CLASS]!] === 1 || facts[at + FACT_CLOSES]! < dayN) continue;
      const lat = facts[at + FACT_LAT]!;
      if (home && !Number.isNaN(lat) && distanceKmTo(home, lat, facts[at + FACT_LON]!) > worker.maxDistanceKm) continue;
      if (seen) {
        const id = facts[at + FACT_ID]!;
        if (seen.has(id)) continue;
        seen.add(id);
      }
      const o = items[i]!;
      if (!pass || pass(o)) consider(o, nearest);
    }
  };
  // Read first, so the rings need not allow for their points; left out below.
  if (carer) read(catalogue.serving(worker.areaCode), SCORE_POINTS.nearness);
  const notOwn = (o: CatalogueOpening) => !(carer && servesOwnVillage(worker, o));
  const areaReach = areaReachOf(worker);
  if (!home) {
    // Every opening of the area reach, by level, nearest first: the village, the rest of the township, the rest of the county.
    const levels = (['village', 'township', 'county'] as const).filter(
      (level) => AREA_CODE_DIGITS[level] >= areaReach.length && AREA_CODE_DIGITS[level] <= worker.areaCode.length,
    );
    let inner: string | null = null;
    for (const level of levels) {
      const nearest = nearnessPoints(NOMINAL_KM[level]);
      if (scoreBeyond(NOMINAL_KM[level], best) + 0.1 < lastScore()) break;
      const prefix = worker.areaCode.slice(0, AREA_CODE_DIGITS[level]);
      const within = inner;
      read(catalogue.inArea(prefix, false), nearest, (o) => notOwn(o) && !(within !== null && o.areaCode.startsWith(within)));
      inner = prefix;
    }
    return top;
  }
  read(catalogue.inArea(areaReach, true), SCORE_POINTS.nearness, notOwn);
  const grid = gridAround(home, worker);
  const skills = [...new Set(worker.skills)].map((skill) => catalogue.skillNumber(skill)).filter((n) => n !== undefined);
  // Openings wanting two of the worker's skills are listed under each.
  const seen = new Set<number>();
  for (let k = 0; k < grid.rings; k++) {
    const ringKm = grid.ringMinKm(k);
    if (scoreBeyond(ringKm, best) + 0.1 < lastScore()) break;
    // A catalogue narrowed to the first rings cannot tell what this one holds.
    if (opts.rings !== undefined && k >= opts.rings) return null;
    for (const cell of grid.ring(k)) {
      // Every opening of the cell is on this shelf; most cells have none.
      const all = catalogue.inCell(cell);
      if (!all) continue;
      // The ring's bound again for this cell, which may lie beyond the ring's nearest edge.
      const cellKm = cellMinKm(home, cell);
      if (scoreBeyond(cellKm, best) + 0.1 < lastScore()) continue;
      const nearest = nearnessPoints(cellKm);
      // Unless an opening wanting only skills the worker lacks could still
      // make the list, only those wanting one of theirs, or none, are read.
      if (!(scoreBeyond(cellKm, 'others') + 0.1 < lastScore())) {
        read(all, nearest, notOwn);
        continue;
      }
      if (!(scoreBeyond(cellKm, 'none') + 0.1 < lastScore())) read(catalogue.wantingNoSkillIn(cell), nearest, notOwn);
      for (const skill of skills) read(catalogue.wantingIn(skill, cell), nearest, notOwn, seen);
    }
  }
  return top;
}

/**
 * Open openings within the worker's reach that the worker may take, best
 * first. Staff of the worker's area and admins; the bot calls it as `system`.
 */
export async function matchOpeningsForWorker(
  ctx: ServiceCtx,
  workerId: number,
  opts: { limit: number },
): Promise<OpeningMatch[]> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const day = today(ctx);
  // The worker (as getScopedWorker sees them) and their facts, in one round trip.
  const read = await readMatchWorker(ctx, workerId, day);
  const w = scopedWorkerOr404(ctx, workerId, read.w);
  if (w.erasedAt || !w.ableToWork) return [];
  const worker = toMatchWorker(w, { ...read.facts!, inWork: 0 });
  const applied = JSON.parse(read.facts!.applied) as number[];
  // Openings the worker applied to (or turned down) are not suggested again; withdrawn or expired ones are.
  const on = postDay(day, postRulesOf(ctx));
  const rankOpts = { on, skip: new Set(applied), limit: opts.limit };
  const warm = await catalogueIfWarm(ctx.db, { hi: read.facts!.hi, lo: read.facts!.lo });
  // Before a cold handle's catalogue is warm (a new Workers isolate), only the
  // openings this ranking can read: the first rings around home, which fill
  // most lists, and everything in reach when the ranking needs further rings.
  const ranked = warm
    ? rankCatalogue(warm, worker, rankOpts)!
    : (rankCatalogue(await OpeningCatalogue.narrowed(ctx.db, catalogueReach(worker, FIRST_RINGS)), worker, { ...rankOpts, rings: FIRST_RINGS }) ??
      rankCatalogue(await OpeningCatalogue.narrowed(ctx.db, catalogueReach(worker)), worker, rankOpts)!);
  return ranked.map(({ o }) => {
    const e = evaluate(worker, o, on);
    // ineligibilities() and rankEligible() accepted it, so evaluate() does.
    if (!e.ok) throw new Error(`opening ${o.id} ranked but refused: ${e.refusals.join(', ')}`);
    return { opening: o.json, distanceKm: e.match.distanceKm, score: e.match.score, reasons: e.match.reasons };
  });
}

/**
 * `{ items }` as JSON text, the bytes JSON.stringify gives, with each
 * opening's JSON spliced in as made once (openingJsonText): the reasons
 * and figures are all that is written per answer.
 */
export function matchesJson(items: readonly OpeningMatch[]): string {
  let out = '{"items":[';
  for (const [i, m] of items.entries()) {
    out += `${i > 0 ? ',' : ''}{"opening":${openingJsonText(m.opening)},"distanceKm":${JSON.stringify(m.distanceKm)},"score":${JSON.stringify(m.score)},"reasons":${JSON.stringify(m.reasons)}}`;
  }
  return `${out}]}`;
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
  /** The household's status, for staff weighing the pick. */
  household: { povertyAlleviated: boolean; monitored: boolean };
  tier: TierName;
  distanceKm: number | null;
  score: number;
  reasons: Match['reasons'];
  /** What staff should check before picking (eligibilityNotes): e.g. no birth date recorded. */
  notes: readonly EligibilityNote[];
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
function workerSources(o: Opening, byTier: boolean): Array<{ from: SQL; where: SQL; area?: string }> {
  // The indexes are named (the zero-employment pass's by point, then the
  // tiers'): a database whose statistics predate the tier ones (ANALYZE ran before migration 0020) would
  // otherwise be planned by the old ones' figures, at seconds a lookup.
  const byGrid = byTier ? sql`${workers} INDEXED BY workers_tier_grid_idx` : sql`${workers} INDEXED BY workers_zero_grid_idx`;
  const byArea = byTier ? sql`${workers} INDEXED BY workers_tier_area_idx` : sql`${workers}`;
  const sources: Array<{ from: SQL; where: SQL; area?: string }> = [];
  const township = o.areaCode.length >= 9 ? o.areaCode.slice(0, 9) : null;
  const county = o.areaCode.length >= 6 ? o.areaCode.slice(0, 6) : null;
  const allBands = REACH_BAND_KM.map((_, i) => i);
  // Bands that may hold someone with maxDistanceKm >= 25.
  const countyBands = allBands.filter((i) => REACH_BAND_KM[i]! >= COUNTY_REACH_KM);
  const area = sql`${workers.areaCode}`;
  const band = (list: number[]) => sql`${workers.reachBand} IN (${sql.raw(list.join(', '))})`;
  const noPoint = o.lat != null && o.lon != null ? sql` AND ${workers.cell} IS NULL` : sql``;
  if (o.kind === 'public_welfare' && township && o.lat != null && o.lon != null) {
    // A post takes only people of its own area (a village, or a township's
    // villages): one read of that area by index, each person with a point
    // kept by their own band's test below, instead of one read per band
    // over the grid (tens of statements a post, each finding a few).
    const p = { lat: o.lat, lon: o.lon };
    const byBand = REACH_BAND_KM.map((radius, i) => {
      const box = boundingBox(p, Number.isFinite(radius) ? radius : 40_000);
      return sql`WHEN ${num(i)} THEN ${workers.homeLat} BETWEEN ${box.minLat} AND ${box.maxLat} AND ${workers.homeLon} BETWEEN ${box.minLon} AND ${box.maxLon}
        AND ${approxKm2(sql`${workers.homeLat}`, sql`${workers.homeLon}`, p, box, true)} <= ${workers.maxDistanceKm} * ${workers.maxDistanceKm} * 1.0201`;
    });
    const reached = sql`(${workers.cell} IS NULL OR CASE ${workers.reachBand} ${sql.join(byBand, sql` `)} ELSE 0 END)`;
    return [{ from: byArea, where: sql`${band(allBands)} AND ${textRange(area, o.areaCode)} AND ${reached}`, area: o.areaCode }];
  }
  if (township) sources.push({ from: byArea, where: sql`${band(allBands)}${noPoint} AND ${textRange(area, township)}`, area: township });
  if (county) {
    sources.push({
      from: byArea,
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
      // this reads the grid index alone.
      const cells = cellsParam(box);
      const inBand = sql`${workers.reachBand} = ${num(i)} AND ${workers.erasedAt} IS NULL AND ${workers.ableToWork} = 1`;
      sources.push(
        cells
          ? { from: sql`json_each(${cells}) AS cells CROSS JOIN ${byGrid}`, where: sql`${inBand} AND ${inCells(sql`${workers.cell}`)} AND ${within}` }
          : { from: byGrid, where: sql`${inBand} AND ${workers.cell} IS NOT NULL AND ${within}` },
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
    // workers.status_tier is the household's tier without the list (kept by triggers).
    tier: sql<number>`CASE WHEN ${workers.zeroListed} = 1 AND ${onZeroListOn(workers.householdId, day)} THEN 0 ELSE ${workers.statusTier} END`,
    clh: sql<number>`${workers.cannotLeaveHome}`,
    sov: sql<number>`${sov}`,
    rank: sql<number>`${rank}`,
  };
}

type Source = ReturnType<typeof workerSources>[number];

async function candidateKeys(
  ctx: ServiceCtx,
  o: Opening,
  on: PostDay,
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
  const povertyOnly = o.povertyOnly || o.kind === 'public_welfare';
  // Monitored (1) or other poverty-alleviated (2): the household's flags, as workers.status_tier keeps them.
  // (Unary + keeps this term off the tier indexes: the zero-employment pass reads workers_zero_grid_idx.)
  if (povertyOnly) conds.push(sql`+${workers.statusTier} IN (1, 2)`);
  const day = on.day;
  if (o.kind === 'public_welfare') {
    // The post's own rules (ineligibilities decides; these narrow the rows
    // to those it could accept, so the list is not left short): people of
    // the post's area (read from the index), of no cadre household (one
    // household row each), holding no post in their household (a placement
    // carries its worker's household, so this covers the person). The age is
    // left to the rule: see rank().
    conds.push(
      textRange(sql`${workers.areaCode}`, o.areaCode),
      sql`NOT EXISTS (SELECT 1 FROM ${households} WHERE ${households.id} = ${workers.householdId} AND ${households.cadreHousehold} = 1)`,
      sql`NOT EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.householdId} = ${workers.householdId} AND ${placements.type} = 'public_welfare' AND ${heldOn(day)})`,
    );
  }
  if (opts.excludeHouseholdsInWork) {
    conds.push(
      sql`NOT EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.householdId} = ${workers.householdId} AND ${heldOn(day)})`,
    );
  }
  const keys = keyColumns(o, day);
  const read = async (only: (source: Source) => SQL, byTier: boolean) => {
    const sources = workerSources(o, byTier);
    const seen = new Map<number, KeyRow>();
    for (const source of sources) {
      const where = and(only(source), ...conds)!;
      const rows = await ctx.db.all<KeyRow>(
        sql`SELECT ${workers.id} AS id, ${keys.tier} AS tier, ${keys.clh} AS clh, ${keys.sov} AS sov, ${keys.rank} AS rank
          FROM ${source.from}
          WHERE ${source.where} AND ${where}
          ORDER BY tier, clh DESC, sov DESC, rank, ${workers.id} LIMIT ${num(n)}`,
      );
      for (const r of rows) {
        const id = Number(r.id);
        seen.set(id, { id, tier: Number(r.tier), clh: Number(r.clh), sov: Number(r.sov), rank: Number(r.rank) });
      }
    }
    return seen;
  };
  const best = (seen: Map<number, KeyRow>) => [...seen.values()].sort(compareKeys).slice(0, n);
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
    false,
  );
  if (zeroOnly.size >= n) return best(zeroOnly);
  // Then one part at a time, in the order of the ranking's first two keys:
  // monitored carers who cannot leave home, other monitored, poverty-
  // alleviated carers, … (workers_tier_grid_idx and workers_tier_area_idx
  // lead with these), stopping once the list is full. Each read keeps its
  // best n per source, so whatever a later part holds ranks below n rows
  // already found. A row of a part may be on the zero-employment list (tier
  // 0): it was found by the first read, and counts once.
  const found = zeroOnly;
  for (const tier of povertyOnly ? [1, 2] : [1, 2, 3]) {
    for (const clh of [1, 0]) {
      // The partial indexes' own terms, as literals, so SQLite may use them.
      const part = await read(
        () => sql`${workers.statusTier} = ${num(tier)} AND ${workers.cannotLeaveHome} = ${num(clh)} AND ${workers.erasedAt} IS NULL AND ${workers.ableToWork} = 1`,
        true,
      );
      for (const [id, row] of part) found.set(id, row);
      if (found.size >= n) return best(found);
    }
  }
  return best(found);
}

async function loadCandidateWorkers(ctx: ServiceCtx, ids: number[], day: string) {
  if (ids.length === 0) return [];
  return ctx.db
    .select({
      w: workers,
      ...factColumns(day),
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
  const on = postDay(day, postRulesOf(ctx));
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
  const rank = async (excludeHouseholdsInWork: boolean) => {
    // The SQL leaves the age rule to evaluate() (a birth date is not in the
    // covering index the scan reads): when refusals leave the list short of
    // a full read, read again further down, up to a bound.
    for (let n = opts.limit + SLACK; ; n *= 4) {
      const keys = await candidateKeys(ctx, o, on, n, { excludeHouseholdsInWork });
      const rows = await loadCandidateWorkers(ctx, keys.map((k) => k.id), day);
      const evaluated = rows
        .map((r) => {
          const worker = toMatchWorker(r.w, r);
          const e = evaluate(worker, opening, on);
          return e.ok ? { worker, row: r.w, facts: r, match: e.match } : null;
        })
        .filter((x) => x !== null);
      if (evaluated.length >= opts.limit || keys.length < n || n >= MAX_CANDIDATE_READ) return evaluated;
    }
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
    .map(({ worker, row, facts, match }) => ({
      household: { povertyAlleviated: Boolean(facts.povertyAlleviated), monitored: Boolean(facts.monitored) },
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
      notes: eligibilityNotes(worker, opening),
    }));
}
