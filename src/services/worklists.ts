// Worklists for staff: what is left to do, longest waiting first. The
// zero-employment worklist is the clearance action (零就业家庭清零): every
// household of the area on the list on a date, how long it has waited, who
// is in it, and how many openings its members could take now. And offers
// nobody answered.
import { and, asc, eq, gt, lt, or, sql } from 'drizzle-orm';
import {
  applications,
  employers,
  households,
  openings,
  publicNoticeEntries,
  publicNotices,
  workers,
  zeroEmploymentPeriods,
} from '../../db/schema.js';
import type { ServiceCtx } from '../context.js';
import { addDays, daysBetween } from '../domain/dates.js';
import { OVERDUE_DAYS } from '../domain/household-status.js';
import { today } from './households.js';
import { matchOpeningsForWorker } from './matching.js';
import { areaPrefix } from './sql.js';
import { periodContains } from './household-status.js';
import { resolveStatsArea } from './stats.js';

/**
 * Matches fetched per member to count the openings within reach. A member
 * with more is shown as "at least this many" (`capped`); the matcher loads
 * its results with one bound parameter each, and D1 binds at most 100.
 */
export const REACH_COUNT_CAP = 50;

export interface ZeroEmploymentWorklistQuery {
  area?: string;
  /** YYYY-MM-DD; defaults to today in China. */
  asOf?: string;
  /** Position after the last item of the previous page. */
  after?: { since: string; householdId: number };
  limit: number;
  /** Only households waiting more than OVERDUE_DAYS days. */
  overdueOnly?: boolean;
  /** Only households with a member who cannot leave home. */
  cannotLeaveHome?: boolean;
  /** Also count the whole list (and its overdue part) under the same filters. */
  withCounts?: boolean;
  /** Members' phones too (the console's tap-to-call; the API's list stays as it was). */
  withPhones?: boolean;
}

export interface ZeroEmploymentItem {
  householdId: number;
  areaCode: string;
  povertyAlleviated: boolean;
  monitored: boolean;
  /** First day of the current spell on the list. */
  since: string;
  /** asOf - since, in days. */
  daysWaiting: number;
  /** Waiting more than OVERDUE_DAYS days with nobody placed. */
  overdue: boolean;
  members: Array<{ id: number; name: string | null; ableToWork: boolean; cannotLeaveHome: boolean; erased: boolean; phone?: string | null }>;
  /**
   * Distinct open openings at least one member able to work may take and
   * reaches, by the matcher (matchOpeningsForWorker), against the openings
   * open today whatever asOf is: openings keep no history.
   */
  eligibleOpenings: { count: number; capped: boolean };
}

export interface ZeroEmploymentWorklist {
  area: string | null;
  asOf: string;
  items: ZeroEmploymentItem[];
  /** Where the next page starts; null on the last page. */
  next: { since: string; householdId: number } | null;
  /** With withCounts: households on the list under the filters, and how many of them are overdue. */
  counts?: { total: number; overdue: number };
}

export async function zeroEmploymentWorklist(ctx: ServiceCtx, q: ZeroEmploymentWorklistQuery): Promise<ZeroEmploymentWorklist> {
  const prefix = await resolveStatsArea(ctx, q.area);
  const asOf = q.asOf ?? today(ctx);
  const after = q.after;
  const overdueBefore = addDays(asOf, -OVERDUE_DAYS);
  const filters = and(
    areaPrefix(zeroEmploymentPeriods.areaCode, prefix),
    periodContains(asOf),
    q.overdueOnly ? lt(zeroEmploymentPeriods.startDate, overdueBefore) : undefined,
    q.cannotLeaveHome
      ? sql`EXISTS (SELECT 1 FROM ${workers} WHERE ${workers.householdId} = ${zeroEmploymentPeriods.householdId} AND ${workers.cannotLeaveHome} = 1 AND ${workers.erasedAt} IS NULL)`
      : undefined,
  );
  // A household is in at most one period on a date, so (since, household) orders the list totally.
  const [rows, counted] = await Promise.all([
    ctx.db
      .select({
        householdId: zeroEmploymentPeriods.householdId,
        areaCode: zeroEmploymentPeriods.areaCode,
        since: zeroEmploymentPeriods.startDate,
      })
      .from(zeroEmploymentPeriods)
      .where(
        and(
          filters,
          after
            ? or(
                gt(zeroEmploymentPeriods.startDate, after.since),
                and(eq(zeroEmploymentPeriods.startDate, after.since), gt(zeroEmploymentPeriods.householdId, after.householdId)),
              )
            : undefined,
        ),
      )
      .orderBy(asc(zeroEmploymentPeriods.startDate), asc(zeroEmploymentPeriods.householdId))
      .limit(q.limit + 1),
    q.withCounts
      ? ctx.db
          .select({
            total: sql<number>`count(*)`,
            overdue: sql<number>`coalesce(sum(CASE WHEN ${zeroEmploymentPeriods.startDate} < ${overdueBefore} THEN 1 ELSE 0 END), 0)`,
          })
          .from(zeroEmploymentPeriods)
          .where(filters)
      : Promise.resolve(null),
  ]);
  const counts = counted ? { total: Number(counted[0]?.total ?? 0), overdue: Number(counted[0]?.overdue ?? 0) } : undefined;
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const next = rows.length > q.limit && last ? { since: last.since, householdId: last.householdId } : null;
  if (page.length === 0) return { area: prefix || null, asOf, items: [], next, ...(counts ? { counts } : {}) };

  // One JSON parameter for the page's ids (D1 binds at most 100).
  const ids = JSON.stringify(page.map((r) => r.householdId));
  const [flags, members] = await Promise.all([
    ctx.db
      .select({ id: households.id, povertyAlleviated: households.povertyAlleviated, monitored: households.monitored })
      .from(households)
      .where(sql`${households.id} IN (SELECT value FROM json_each(${ids}))`),
    ctx.db
      .select({
        id: workers.id,
        householdId: workers.householdId,
        name: workers.name,
        ableToWork: workers.ableToWork,
        cannotLeaveHome: workers.cannotLeaveHome,
        erasedAt: workers.erasedAt,
        phone: workers.phone,
      })
      .from(workers)
      .where(sql`${workers.householdId} IN (SELECT value FROM json_each(${ids}))`)
      .orderBy(asc(workers.id)),
  ]);
  const flagsOf = new Map(flags.map((f) => [f.id, f]));
  const membersOf = new Map<number, typeof members>();
  for (const m of members) membersOf.set(m.householdId, [...(membersOf.get(m.householdId) ?? []), m]);

  const reach = await Promise.all(
    page.map(async (r) => {
      const able = (membersOf.get(r.householdId) ?? []).filter((m) => m.ableToWork && m.erasedAt === null);
      const lists = await Promise.all(able.map((m) => matchOpeningsForWorker(ctx, m.id, { limit: REACH_COUNT_CAP })));
      const distinct = new Set(lists.flatMap((list) => list.map((match) => match.opening.id)));
      return { count: distinct.size, capped: lists.some((list) => list.length >= REACH_COUNT_CAP) };
    }),
  );

  const items = page.map((r, i): ZeroEmploymentItem => {
    const f = flagsOf.get(r.householdId);
    return {
      householdId: r.householdId,
      areaCode: r.areaCode,
      povertyAlleviated: f?.povertyAlleviated ?? false,
      monitored: f?.monitored ?? false,
      since: r.since,
      daysWaiting: daysBetween(r.since, asOf),
      overdue: r.since < overdueBefore,
      members: (membersOf.get(r.householdId) ?? []).map((m) => ({
        id: m.id,
        name: m.name,
        ableToWork: m.ableToWork,
        cannotLeaveHome: m.cannotLeaveHome,
        erased: m.erasedAt !== null,
        ...(q.withPhones ? { phone: m.phone } : {}),
      })),
      eligibleOpenings: reach[i]!,
    };
  });
  return { area: prefix || null, asOf, items, next, ...(counts ? { counts } : {}) };
}

/** An offer nobody answered for this many days is stalled. */
export const STALLED_OFFER_DAYS = 7;

export interface StalledApplication {
  applicationId: number;
  worker: { id: number; name: string | null; phone: string | null; householdId: number; areaCode: string };
  opening: { id: number; title: string; kind: string; employerName: string };
  /** When the application became `offered` (its last change). */
  offeredAt: string;
  daysWaiting: number;
  /** The open public notice (公示) the offer waits on, if any. */
  noticeId: string | null;
}

/**
 * Applications of the area's workers offered more than STALLED_OFFER_DAYS
 * days ago and still not answered, longest waiting first. Offers waiting on a
 * public notice show its id: once the notice has run, staff finalise them.
 */
export async function stalledApplications(
  ctx: ServiceCtx,
  q: { area?: string; limit: number },
): Promise<{ area: string | null; items: StalledApplication[] }> {
  const prefix = await resolveStatsArea(ctx, q.area);
  const cutoff = new Date(ctx.clock.now().getTime() - STALLED_OFFER_DAYS * 86_400_000).toISOString();
  const rows = await ctx.db
    .select({
      id: applications.id,
      updatedAt: applications.updatedAt,
      workerId: workers.id,
      name: workers.name,
      phone: workers.phone,
      householdId: workers.householdId,
      areaCode: workers.areaCode,
      openingId: openings.id,
      title: openings.title,
      kind: openings.kind,
      employerName: employers.name,
      noticeId: sql<string | null>`(SELECT ${publicNotices.id} FROM ${publicNoticeEntries} INNER JOIN ${publicNotices} ON ${publicNotices.id} = ${publicNoticeEntries.noticeId} WHERE ${publicNoticeEntries.workerId} = ${workers.id} AND ${publicNotices.openingId} = ${openings.id} AND ${publicNotices.status} = 'open' LIMIT 1)`,
    })
    .from(applications)
    .innerJoin(workers, eq(workers.id, applications.workerId))
    .innerJoin(openings, eq(openings.id, applications.openingId))
    .innerJoin(employers, eq(employers.id, openings.employerId))
    .where(and(eq(applications.state, 'offered'), lt(applications.updatedAt, cutoff), areaPrefix(workers.areaCode, prefix)))
    .orderBy(asc(applications.updatedAt), asc(applications.id))
    .limit(q.limit);
  const now = ctx.clock.now().getTime();
  return {
    area: prefix || null,
    items: rows.map((r) => ({
      applicationId: r.id,
      worker: { id: r.workerId, name: r.name, phone: r.phone, householdId: r.householdId, areaCode: r.areaCode },
      opening: { id: r.openingId, title: r.title, kind: r.kind, employerName: r.employerName },
      offeredAt: r.updatedAt,
      daysWaiting: Math.floor((now - Date.parse(r.updatedAt)) / 86_400_000),
      noticeId: r.noticeId,
    })),
  };
}
