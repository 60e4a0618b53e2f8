// The counts a labour bureau reports (DESIGN.md "Statistics"): every figure is
// as of a date and for an area code prefix, recomputed from the records each
// time, so the same question asked again gives the same answer. The console,
// the monthly export and GET /v1/stats all call statsFor.
//
// "As of D" means at the end of China day D: a placement is in work on D when
// start_date <= D < end_date (activeOn); a timestamp counts when it falls
// before the first instant of D + 1 in China (chinaDayEnd).
//
// A handful of aggregate queries, each one index (see the notes at each);
// no per-row round trips. `npm run bench` times them over a prefecture of
// 1.5 M workers.
import { and, count, eq, gt, gte, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import {
  careCounts,
  employerCertifications,
  employers,
  householdStatusHistory,
  households,
  openings,
  placementMonths,
  placements,
  placementTypes,
  transferScopes,
  workers,
  zeroEmploymentPeriods,
} from '../../db/schema.js';
import type { ServiceCtx } from '../context.js';
import { addDays, chinaDayEnd, monthBounds } from '../domain/dates.js';
import { OVERDUE_DAYS } from '../domain/household-status.js';
import { AREA_CODE_DIGITS } from '../domain/matching.js';
import { requireRole, scopedAreaPrefix } from '../domain/scope.js';
import type { TransferScope } from '../domain/transfer.js';
import { ruleBroken } from '../errors.js';
import { findArea } from './areas.js';
import { activeOn, periodContains } from './household-status.js';
import { today } from './households.js';
import { areaPrefix } from './sql.js';
import { postSlotTotals } from '../counting/post-slots.js';

export type PlacementType = (typeof placementTypes)[number];

export interface StatsQuery {
  /** An area code; staff default to (and are held to) their own area, admins to everywhere. */
  area?: string;
  /** YYYY-MM-DD; defaults to today in China. */
  asOf?: string;
}

export interface Stats {
  /** The area code prefix counted; null when everything is counted (an admin without `area`). */
  area: string | null;
  asOf: string;
  /** Workers (people) registered on or before asOf (their registeredOn), erased ones included: their rows stay. By home area. */
  workersRegistered: number;
  /**
   * People in work on asOf (an active placement), by the worker's home area.
   * A person with two placements at once counts once in `total`, once in each
   * type and scope they hold, so the parts may add up to more than the total.
   * `inProvince` = people with an active placement of any scope but out_of_province.
   */
  inWork: {
    total: number;
    byType: Record<PlacementType, number>;
    byScope: Record<TransferScope, number>;
    inProvince: number;
    outOfProvince: number;
  };
  /**
   * Public-welfare posts whose place is in the area. `filled`: people in
   * placements at these posts active on asOf. `open`: slots of the posts
   * standing on asOf not taken by such a placement nor by a hire recorded by
   * then that starts later (its slot is promised: the post's status is
   * filled). A post stands on asOf when
   * it was created by then and is not a draft, was not closed or expired by
   * then (a closed or expired opening is never updated again, so its
   * updated_at is when it closed) and its closing date is not before asOf.
   */
  publicWelfarePosts: { open: number; filled: number };
  /**
   * Workshops of the area certified by the end of asOf (kind workshop, still
   * certified, certified_at by then), and the distinct people of
   * poverty-alleviated or monitored households (脱贫人口和监测对象, the people
   * a workshop is certified for employing) in placements active on asOf at
   * those workshops' openings. Counted by the workshop's area, so both
   * numbers speak of the same workshops.
   */
  workshops: { certified: number; povertyAlleviatedEmployed: number };
  /**
   * Households on the zero-employment list on asOf (a period containing it).
   * `remaining`: those of them poverty-alleviated or monitored (脱贫户 and
   * 防返贫监测对象, the 零转移就业清零 target the provincial form asks for);
   * `overdue`: of `remaining`, those waiting more than OVERDUE_DAYS days;
   * `allHouseholds`: every household with nobody in work, the wider figure.
   */
  zeroEmployment: { remaining: number; overdue: number; allHouseholds: number };
  /**
   * Placements (not people) of workers of the area that started, and that
   * ended (end_date, the first day no longer in work), from the first day of
   * asOf's calendar month up to asOf inclusive. So the placements active on
   * asOf = those active the day before `from` + started - ended.
   */
  placementsThisMonth: { from: string; to: string; started: number; ended: number };
  /**
   * Care coverage's totals for the area (services/care/coverage.ts): the
   * civil-affairs counts in force on asOf (each village's newest sheet row on
   * or before it) and the slots of the public-welfare posts among
   * publicWelfarePosts that serve elders, children or disabled people. The
   * carers are on GET /v1/care-coverage only (a prefecture's 210 k take
   * longer than all of this).
   */
  care: { leftBehindElders: number; leftBehindChildren: number; disabledInDifficulty: number; servingPosts: { filled: number; open: number } };
}

/**
 * The area prefix a staff member, an admin or the system may count: an
 * explicit area must be a known code in the caller's scope (staff asking for
 * an area that contains theirs get their own).
 */
export async function resolveStatsArea(ctx: ServiceCtx, requested: string | undefined): Promise<string> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const prefix = scopedAreaPrefix(ctx.actor, requested);
  if (requested !== undefined && !(await findArea(ctx.db, requested))) {
    throw ruleBroken('area', `Unknown area code ${requested}`);
  }
  return prefix;
}

const num = (v: unknown) => Number(v ?? 0);

export async function statsFor(ctx: ServiceCtx, q: StatsQuery): Promise<Stats> {
  const prefix = await resolveStatsArea(ctx, q.area);
  const asOf = q.asOf ?? today(ctx);
  const end = chinaDayEnd(asOf);
  const { first } = monthBounds(asOf);
  const db = ctx.db;
  const active = activeOn(asOf)!;

  const inArea = <T extends Parameters<typeof areaPrefix>[0]>(column: T) => areaPrefix(column, prefix);

  // Workers registered: see registeredCount (a whole prefecture is 1.5 M rows).
  const registered = await registeredCount(ctx, prefix, asOf);

  // People in work. A person with two placements at once counts once in the
  // total and once in each type and scope they hold: the people of a
  // (home area, worker) group. Placements in work are counted by
  // placementsInWork; people are placements less the extra placements of the
  // few groups holding more than one at once, corrected here. Only a
  // placement that overlaps another of its group in time can be one of them:
  // those carry `overlaps` (kept by triggers, migration 0007), and
  // placements_overlaps_idx holds just them.
  const placed = await placementsInWork(ctx, prefix, asOf);
  const overlapping = and(eq(placements.overlaps, 1), inArea(placements.homeAreaCode), active);
  const multi = db
    .select({ homeAreaCode: placements.homeAreaCode, workerId: placements.workerId })
    .from(placements)
    .where(overlapping)
    .groupBy(placements.homeAreaCode, placements.workerId)
    .having(sql`count(*) > 1`)
    .as('multi');
  const extra = await db
    .select({ homeAreaCode: placements.homeAreaCode, workerId: placements.workerId, type: placements.type, scope: placements.scope })
    .from(placements)
    .innerJoin(multi, and(eq(multi.homeAreaCode, placements.homeAreaCode), eq(multi.workerId, placements.workerId)))
    .where(overlapping);
  const inWork = peopleInWork(placed, extra);

  // Placements (not people) that started and that ended this month:
  // placements_start_idx and placements_end_idx seek the month's dates.
  const [[started], [ended]] = await Promise.all([
    db
      .select({ n: count() })
      .from(placements)
      .where(
        and(
          gte(placements.startDate, first),
          lte(placements.startDate, asOf),
          inArea(placements.homeAreaCode),
          or(isNull(placements.endDate), gte(placements.endDate, first)),
        ),
      ),
    db
      .select({ n: count() })
      .from(placements)
      .where(
        and(
          gte(placements.endDate, first),
          lte(placements.endDate, asOf),
          inArea(placements.homeAreaCode),
          lte(placements.startDate, asOf),
        ),
      ),
  ]);

  // Public-welfare posts whose place is in the area (counting/post-slots.ts).
  const postsQ = postSlotTotals(db, prefix, asOf);

  // Certified workshops and the people they employ. Employers are few (3k in
  // a prefecture); each certified workshop's openings by openings_employer_idx,
  // their placements by placements_opening_idx, which carries each
  // placement's household status (triggers, migration 0025): no household
  // is read unless its status changed after asOf.
  const certified = and(eq(employers.kind, 'workshop'), inArea(employers.areaCode), certifiedOn(asOf, end));
  const workshopsQ = db.select({ n: count() }).from(employers).where(certified);
  const employedQ = db
    .select({ n: sql<number>`count(DISTINCT ${placements.workerId})` })
    .from(employers)
    .innerJoin(openings, eq(openings.employerId, employers.id))
    .innerJoin(placements, and(eq(placements.openingId, openings.id), active))
    .where(
      and(
        certified,
        targetAsOf(asOf, { current: placements.householdTarget, since: placements.householdStatusSince, householdId: placements.householdId }),
      ),
    );

  // Zero-employment households: zero_periods_area_idx (area_code, start_date,
  // end_date) covers it. Overdue: waiting more than OVERDUE_DAYS days, the
  // rule of zeroEmploymentStatus.
  const overdueBefore = addDays(asOf, -OVERDUE_DAYS);
  // The clearance target: households poverty-alleviated or monitored on
  // asOf. Each period carries its household's current status (triggers,
  // migration 0018), so zero_periods_area_idx covers it.
  const z = zeroEmploymentPeriods;
  const target = targetAsOf(asOf, { current: z.target, since: z.statusSince, householdId: z.householdId });
  const zeroQ = db
    .select({
      all: count(),
      remaining: sql<number>`coalesce(sum(${target}), 0)`,
      overdue: sql<number>`coalesce(sum(${target} AND ${z.startDate} < ${overdueBefore}), 0)`,
    })
    .from(z)
    .where(and(inArea(z.areaCode), periodContains(asOf)));

  const [postRows, [ws], [employed], [zero], careRows] = await Promise.all([postsQ, workshopsQ, employedQ, zeroQ, careCountsAsOf(db, prefix, asOf)]);
  const posts = { filled: 0, open: 0 };
  const serving = { filled: 0, open: 0 };
  for (const r of postRows) {
    for (const into of r.serves === 'none' ? [posts] : [posts, serving]) {
      into.filled += r.filled;
      into.open += r.open;
    }
  }
  const care: Stats['care'] = { leftBehindElders: 0, leftBehindChildren: 0, disabledInDifficulty: 0, servingPosts: serving };
  for (const r of careRows) {
    care.leftBehindElders += num(r.elders);
    care.leftBehindChildren += num(r.children);
    care.disabledInDifficulty += num(r.disabled);
  }
  return {
    area: prefix || null,
    asOf,
    workersRegistered: registered,
    inWork,
    publicWelfarePosts: { open: posts.open, filled: posts.filled },
    workshops: { certified: num(ws?.n), povertyAlleviatedEmployed: num(employed?.n) },
    zeroEmployment: { remaining: num(zero?.remaining), overdue: num(zero?.overdue), allHouseholds: num(zero?.all) },
    placementsThisMonth: { from: first, to: asOf, started: num(started?.n), ended: num(ended?.n) },
    care,
  };
}

type Db = ServiceCtx['db'];

/** The civil-affairs counts in force on asOf, per area: the newest row on or before it (care_counts_area_date_uq). */
export function careCountsAsOf(db: Db, prefix: string, asOf: string) {
  // The newest row on or before asOf per village: SQLite takes the bare
  // columns of a max() group from the row holding the max.
  return db
    .select({
      areaCode: careCounts.areaCode,
      date: sql<string>`max(${careCounts.effectiveDate})`,
      elders: careCounts.elders,
      children: careCounts.children,
      disabled: careCounts.disabled,
    })
    .from(careCounts)
    .where(and(areaPrefix(careCounts.areaCode, prefix), lte(careCounts.effectiveDate, asOf)))
    .groupBy(careCounts.areaCode);
}

/**
 * SQL condition: the household poverty-alleviated or monitored on `asOf`,
 * from a row carrying its current flag and households.status_since (the
 * household itself, or a copy kept by triggers: zero-employment periods,
 * placements). The current flag holds from status_since on (null: since
 * registration); before it, the newest household_status_history row on or
 * before `asOf` (none: not yet either). Only households whose status
 * changed after `asOf` read the history, so a count over many stays one
 * index.
 */
export function targetAsOf(asOf: string, row: { current: SQL | SQLiteColumn; since: SQLiteColumn; householdId: SQLiteColumn }): SQL {
  const x = householdStatusHistory;
  return sql`(CASE WHEN ${row.since} IS NULL OR ${row.since} <= ${asOf} THEN ${row.current}
    ELSE coalesce((SELECT (${x.povertyAlleviated} = 1 OR ${x.monitored} = 1) FROM ${x}
      WHERE ${x.householdId} = ${row.householdId} AND ${x.effectiveDate} <= ${asOf}
      ORDER BY ${x.effectiveDate} DESC, ${x.id} DESC LIMIT 1), 0) END)`;
}

/** targetAsOf on households. */
export function targetOn(asOf: string): SQL {
  return targetAsOf(asOf, {
    current: sql`(${households.povertyAlleviated} = 1 OR ${households.monitored} = 1)`,
    since: households.statusSince,
    householdId: households.id,
  });
}

/**
 * SQL condition on employers: certified on `asOf` (`end` = chinaDayEnd of it).
 * An employer whose certification never changed through the service has
 * no history: certified with certified_at by then. Otherwise the newest
 * employer_certifications row on or before `asOf` decides (none: not yet).
 */
export function certifiedOn(asOf: string, end: string): SQL {
  const c = employerCertifications;
  return sql`(CASE WHEN EXISTS (SELECT 1 FROM ${c} WHERE ${c.employerId} = ${employers.id})
    THEN coalesce((SELECT ${c.certified} FROM ${c} WHERE ${c.employerId} = ${employers.id} AND ${c.effectiveDate} <= ${asOf}
      ORDER BY ${c.effectiveDate} DESC, ${c.id} DESC LIMIT 1), 0) = 1
    ELSE (${employers.certified} = 1 AND ${employers.certifiedAt} < ${end}) END)`;
}

/** Placements (not people) by type and by scope; `total` is every placement counted. */
type Tally = { total: number; byType: Record<PlacementType, number>; byScope: Record<TransferScope, number> };

function emptyTally(): Tally {
  return {
    total: 0,
    byType: Object.fromEntries(placementTypes.map((t) => [t, 0])) as Tally['byType'],
    byScope: Object.fromEntries(transferScopes.map((sc) => [sc, 0])) as Tally['byScope'],
  };
}

/** Adds rows counted by (type, scope) to a tally, each `sign` times. */
function addCounts(tally: Tally, rows: Array<{ type: string; scope: string; n: unknown }>, sign: 1 | -1 = 1) {
  for (const r of rows) {
    const n = sign * num(r.n);
    tally.total += n;
    if (r.type in tally.byType) tally.byType[r.type as PlacementType] += n;
    if (r.scope in tally.byScope) tally.byScope[r.scope as TransferScope] += n;
  }
}

/**
 * One pass over placements counting each type and each scope (no grouping:
 * a sort of every row would cost more than the scan).
 */
async function tallyWhere(db: ServiceCtx['db'], where: SQL | undefined, sign: 1 | -1, into: Tally) {
  const columns: Record<string, SQL<number>> = { n: sql<number>`count(*)` };
  for (const t of placementTypes) columns[`type ${t}`] = sql<number>`coalesce(sum(${placements.type} = ${t}), 0)`;
  for (const sc of transferScopes) columns[`scope ${sc}`] = sql<number>`coalesce(sum(${placements.scope} = ${sc}), 0)`;
  const [row] = await db.select(columns).from(placements).where(where);
  into.total += sign * num(row?.n);
  for (const t of placementTypes) into.byType[t] += sign * num(row?.[`type ${t}`]);
  for (const sc of transferScopes) into.byScope[sc] += sign * num(row?.[`scope ${sc}`]);
}

/**
 * Placements in work on `asOf` by type and by scope, for the area. For a
 * county or more (a prefecture's 200 k placements in work), from
 * placement_months (kept by triggers, migration 0014): the placements
 * started and not ended before the month of `asOf`, plus those started in
 * the month up to `asOf` and still in work, less those started before the
 * month that ended in it by `asOf` (placements_start_idx and
 * placements_end_idx seek the month's dates). For a township or village,
 * counted directly (placements_type_scope_idx, one seek per type and scope).
 */
async function placementsInWork(ctx: ServiceCtx, prefix: string, asOf: string): Promise<Tally> {
  const db = ctx.db;
  const tally = emptyTally();
  if (prefix.length > AREA_CODE_DIGITS.county) {
    const rows = await db
      .select({ type: placements.type, scope: placements.scope, n: count() })
      .from(placements)
      .where(
        and(
          inArray(placements.type, [...placementTypes]),
          inArray(placements.scope, [...transferScopes]),
          areaPrefix(placements.homeAreaCode, prefix),
          activeOn(asOf),
        ),
      )
      .groupBy(placements.type, placements.scope);
    addCounts(tally, rows);
    return tally;
  }
  const { first } = monthBounds(asOf);
  const [before] = await Promise.all([
    db
      .select({ type: placementMonths.type, scope: placementMonths.scope, n: sql<number>`sum(${placementMonths.delta})` })
      .from(placementMonths)
      .where(and(areaPrefix(placementMonths.county, prefix), lt(placementMonths.month, first.slice(0, 7))))
      .groupBy(placementMonths.type, placementMonths.scope),
    tallyWhere(db, and(gte(placements.startDate, first), lte(placements.startDate, asOf), areaPrefix(placements.homeAreaCode, prefix), activeOn(asOf)), 1, tally),
    tallyWhere(db, and(gte(placements.endDate, first), lte(placements.endDate, asOf), areaPrefix(placements.homeAreaCode, prefix), lt(placements.startDate, first)), -1, tally),
  ]);
  addCounts(tally, before);
  return tally;
}

/** Rows a probe counts at most before the direct count is cheaper. */
const PROBE_CAP = 20_000;

/**
 * Workers of the area registered on or before `asOf` (registered_on, the
 * date staff gave or the day the record was made). Counting the
 * area's rows costs one index entry each, 1.5 M for a prefecture; when the
 * area holds nearly everyone it is cheaper to count the rows that are not
 * counted: all rows (a b-tree count, no scan) less those outside the area
 * (workers_area_idx) less the area's ones registered after `asOf`
 * (workers_registered_idx). Probes capped at PROBE_CAP rows decide which way,
 * so neither costs more than the direct count of a county.
 */
async function registeredCount(ctx: ServiceCtx, prefix: string, asOf: string): Promise<number> {
  const db = ctx.db;
  const capped = async (where: SQL | undefined) => {
    const sub = db.select({ one: sql<number>`1`.as('one') }).from(workers).where(where).limit(PROBE_CAP).as('probe');
    const [row] = await db.select({ n: count() }).from(sub);
    return num(row?.n);
  };
  // Unary + keeps the area terms off workers_area_idx, so workers_registered_idx seeks the date.
  const late = await capped(
    and(gt(workers.registeredOn, asOf), prefix ? sql`+${workers.areaCode} >= ${prefix} AND +${workers.areaCode} < ${`${prefix}:`}` : undefined),
  );
  if (late < PROBE_CAP) {
    const below = prefix ? await capped(lt(workers.areaCode, prefix)) : 0;
    const above = prefix && below < PROBE_CAP ? await capped(gte(workers.areaCode, `${prefix}:`)) : 0;
    if (below + above < PROBE_CAP) {
      const [all] = await db.select({ n: count() }).from(workers);
      return num(all?.n) - below - above - late;
    }
  }
  // Direct: workers_area_idx (area_code, registered_on) covers it.
  const [row] = await db
    .select({ n: count() })
    .from(workers)
    .where(and(areaPrefix(workers.areaCode, prefix), lte(workers.registeredOn, asOf)));
  return num(row?.n);
}

type Held = { type: PlacementType; scope: TransferScope };

/**
 * People in work from placement counts by type and by scope, less the extra
 * placements of the (home area, worker) groups that hold several at once
 * (`extra`: every active placement of those groups).
 */
export function peopleInWork(placed: Tally, extra: Array<Held & { homeAreaCode: string; workerId: number }>): Stats['inWork'] {
  const byType = { ...placed.byType };
  const byScope = { ...placed.byScope };
  let total = placed.total;
  let inProvince = placed.total - placed.byScope.out_of_province;
  // Each group counts once per figure it has any placement in.
  const groups = new Map<string, Held[]>();
  for (const e of extra) {
    const key = `${e.homeAreaCode}\u0000${e.workerId}`;
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  const surplus = (held: Held[], f: (h: Held) => boolean) => Math.max(0, held.filter(f).length - 1);
  for (const held of groups.values()) {
    total -= surplus(held, () => true);
    inProvince -= surplus(held, (h) => h.scope !== 'out_of_province');
    for (const t of placementTypes) byType[t] -= surplus(held, (h) => h.type === t);
    for (const s of transferScopes) byScope[s] -= surplus(held, (h) => h.scope === s);
  }
  return { total, byType, byScope, inProvince, outOfProvince: byScope.out_of_province };
}
