// The counts a labour bureau reports (DESIGN.md "Statistics"): every figure is
// as of a date and for an area code prefix, recomputed from the records each
// time, so the same question asked again gives the same answer. The console,
// the monthly export and GET /v1/stats all call statsFor.
//
// "As of D" means at the end of China day D: a placement is in work on D when
// start_date <= D < end_date (activeOn); a timestamp counts when it falls
// before the first instant of D + 1 in China (chinaDayEnd).
//
// Five aggregate queries, each a scan of one index over the area's rows (see
// the EXPLAIN QUERY PLAN notes at each); no per-row round trips.
import { and, count, eq, gte, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import {
  employers,
  households,
  openings,
  placements,
  placementTypes,
  transferScopes,
  workers,
  zeroEmploymentPeriods,
} from '../../db/schema.js';
import type { ServiceCtx } from '../context.js';
import { addDays, chinaDayEnd, monthBounds } from '../domain/dates.js';
import { OVERDUE_DAYS } from '../domain/household-status.js';
import { requireRole, scopedAreaPrefix } from '../domain/scope.js';
import type { TransferScope } from '../domain/transfer.js';
import { ruleBroken } from '../errors.js';
import { findArea } from './areas.js';
import { activeOn } from './household-status.js';
import { today } from './households.js';
import { areaPrefix } from './sql.js';

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
  /** Workers (people) registered by the end of asOf, erased ones included: their rows stay. By home area. */
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
   * standing on asOf not taken by such a placement. A post stands on asOf when
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
   * Households on the zero-employment list on asOf (a period containing it),
   * and those of them waiting more than OVERDUE_DAYS days.
   */
  zeroEmployment: { remaining: number; overdue: number };
  /**
   * Placements (not people) of workers of the area that started, and that
   * ended (end_date, the first day no longer in work), from the first day of
   * asOf's calendar month up to asOf inclusive. So the placements active on
   * asOf = those active the day before `from` + started - ended.
   */
  placementsThisMonth: { from: string; to: string; started: number; ended: number };
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

/** SQL condition on zero_employment_periods: the period contains `date` (periodOn in domain/household-status.ts). */
export function periodContains(date: string): SQL {
  return sql`(${zeroEmploymentPeriods.startDate} <= ${date} AND (${zeroEmploymentPeriods.endDate} IS NULL OR ${zeroEmploymentPeriods.endDate} > ${date}))`;
}

const num = (v: unknown) => Number(v ?? 0);

export async function statsFor(ctx: ServiceCtx, q: StatsQuery): Promise<Stats> {
  const prefix = await resolveStatsArea(ctx, q.area);
  const asOf = q.asOf ?? today(ctx);
  const end = chinaDayEnd(asOf);
  const { first } = monthBounds(asOf);
  const db = ctx.db;
  const active = activeOn(asOf)!;

  // Workers registered. Index: workers (area_code, created_at) covers it; with
  // only workers_area_idx each row is a table lookup.
  const registeredQ = db
    .select({ n: count() })
    .from(workers)
    .where(and(areaPrefix(workers.areaCode, prefix), lt(workers.createdAt, end)));

  // People in work and the month's placements, in one pass over the area's
  // placements that may matter (started by asOf, not ended before the month).
  // Grouping by (home area, worker) makes "people" exact without a DISTINCT
  // per figure; with an index on (home_area_code, worker_id, start_date,
  // end_date, type, scope) the groups stream from the index with no sort and
  // no table lookup.
  const has = (cond: SQL, alias: string) => sql<number>`max(${cond})`.as(alias);
  const perWorkerCols: Record<string, SQL.Aliased<number>> = {
    inWork: has(active, 'in_work'),
    inProvince: has(sql`${active} AND ${placements.scope} <> 'out_of_province'`, 'in_province'),
    started: sql<number>`sum(${placements.startDate} >= ${first})`.as('started'),
    ended: sql<number>`sum(${placements.endDate} >= ${first} AND ${placements.endDate} <= ${asOf})`.as('ended'),
  };
  for (const t of placementTypes) perWorkerCols[`type:${t}`] = has(sql`${active} AND ${placements.type} = ${t}`, `type_${t}`);
  for (const s of transferScopes) perWorkerCols[`scope:${s}`] = has(sql`${active} AND ${placements.scope} = ${s}`, `scope_${s}`);
  const perWorker = db
    .select(perWorkerCols)
    .from(placements)
    .where(
      and(
        areaPrefix(placements.homeAreaCode, prefix),
        lte(placements.startDate, asOf),
        or(isNull(placements.endDate), gte(placements.endDate, first)),
      ),
    )
    .groupBy(placements.homeAreaCode, placements.workerId)
    .as('per_worker');
  const sums = Object.fromEntries(
    Object.keys(perWorkerCols).map((k) => [k, sql<number>`coalesce(sum(${(perWorker as unknown as Record<string, SQL.Aliased>)[k]}), 0)`]),
  );
  const placementsQ = db.select(sums).from(perWorker);

  // Public-welfare posts. Index: openings (kind, area_code) narrows to the
  // area's posts (openings_area_idx does today, with a kind check per row);
  // placements (opening_id, start_date, end_date) counts each post's people.
  const posts = db
    .select({
      slots: openings.slots,
      standing: sql<number>`(NOT (${openings.status} IN ('closed', 'expired') AND ${openings.updatedAt} < ${end})
        AND (${openings.closingDate} IS NULL OR ${openings.closingDate} >= ${asOf}))`.as('standing'),
      filled: sql<number>`count(${placements.id})`.as('filled'),
    })
    .from(openings)
    .leftJoin(placements, and(eq(placements.openingId, openings.id), active))
    .where(
      and(
        eq(openings.kind, 'public_welfare'),
        areaPrefix(openings.areaCode, prefix),
        lt(openings.createdAt, end),
        sql`${openings.status} <> 'draft'`,
      ),
    )
    .groupBy(openings.id)
    .as('posts');
  const postsQ = db
    .select({
      filled: sql<number>`coalesce(sum(${posts.filled}), 0)`,
      open: sql<number>`coalesce(sum(CASE WHEN ${posts.standing} THEN max(${posts.slots} - ${posts.filled}, 0) ELSE 0 END), 0)`,
    })
    .from(posts);

  // Certified workshops and the people they employ. Employers are few (3k in
  // a prefecture); each certified workshop's openings by openings_employer_idx,
  // their placements by the opening_id index above.
  const certified = and(
    eq(employers.kind, 'workshop'),
    eq(employers.certified, true),
    lt(employers.certifiedAt, end),
    areaPrefix(employers.areaCode, prefix),
  );
  const workshopsQ = db.select({ n: count() }).from(employers).where(certified);
  const employedQ = db
    .select({ n: sql<number>`count(DISTINCT ${placements.workerId})` })
    .from(employers)
    .innerJoin(openings, eq(openings.employerId, employers.id))
    .innerJoin(placements, and(eq(placements.openingId, openings.id), active))
    .innerJoin(households, eq(households.id, placements.householdId))
    .where(and(certified, or(eq(households.povertyAlleviated, true), eq(households.monitored, true))));

  // Zero-employment households: zero_periods_area_idx (area_code, start_date,
  // end_date) covers it. Overdue: waiting more than OVERDUE_DAYS days, the
  // rule of zeroEmploymentStatus.
  const overdueBefore = addDays(asOf, -OVERDUE_DAYS);
  const zeroQ = db
    .select({
      remaining: count(),
      overdue: sql<number>`coalesce(sum(${zeroEmploymentPeriods.startDate} < ${overdueBefore}), 0)`,
    })
    .from(zeroEmploymentPeriods)
    .where(and(areaPrefix(zeroEmploymentPeriods.areaCode, prefix), periodContains(asOf)));

  const [[registered], [p], [pw], [ws], [employed], [zero]] = await Promise.all([
    registeredQ,
    placementsQ,
    postsQ,
    workshopsQ,
    employedQ,
    zeroQ,
  ]);
  const pick = (k: string) => num((p as Record<string, unknown> | undefined)?.[k]);
  return {
    area: prefix || null,
    asOf,
    workersRegistered: num(registered?.n),
    inWork: {
      total: pick('inWork'),
      byType: Object.fromEntries(placementTypes.map((t) => [t, pick(`type:${t}`)])) as Record<PlacementType, number>,
      byScope: Object.fromEntries(transferScopes.map((s) => [s, pick(`scope:${s}`)])) as Record<TransferScope, number>,
      inProvince: pick('inProvince'),
      outOfProvince: pick('scope:out_of_province'),
    },
    publicWelfarePosts: { open: num(pw?.open), filled: num(pw?.filled) },
    workshops: { certified: num(ws?.n), povertyAlleviatedEmployed: num(employed?.n) },
    zeroEmployment: { remaining: num(zero?.remaining), overdue: num(zero?.overdue) },
    placementsThisMonth: { from: first, to: asOf, started: pick('started'), ended: pick('ended') },
  };
}
