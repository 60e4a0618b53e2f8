// A public-welfare post's year (聘用协议): the agreements a hire makes, the
// renewal list staff work from, a renewal after a fresh eligibility check,
// an exit with its coded reason, and the clock that ends a post whose
// agreement ran out without renewal. Agreements' end dates are exclusive, as
// every end date: the first day the agreement no longer covers; an exit's
// `lastDayWorked` is inclusive, and the placement ends the day after it.
import { and, asc, eq, gt, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import { batch } from '../../../db/client.js';
import { agreements, openings, placements, workers } from '../../../db/schema.js';
import { nowIso, postRulesOf, type ServiceCtx } from '../../context.js';
import { addDays, dateOutOfRange } from '../../domain/dates.js';
import { ineligibilities, type OpeningFacts, postDay } from '../../domain/eligibility.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../../domain/scope.js';
import { AppError, notFound, ruleBroken } from '../../errors.js';
import { SLICE_ROWS, yieldToEventLoop } from '../../lib/yield.js';
import { auditInsert } from '../audit.js';
import { heldOn } from '../household-status.js';
import { today } from '../households.js';
import { loadMatchWorker, notEligibleError } from '../matching.js';
import { endPlacementWrites, type Placement, type PlacementEndReason } from '../placements.js';
import { areaPrefix } from '../sql.js';
import { type Agreement, type AgreementExitReason, agreementEnd } from './writes.js';

export type { Agreement, AgreementExitReason } from './writes.js';

/** How an exit reads on the placement it ends (placements keep their own, coarser reasons). */
const placementReasonOf: Record<AgreementExitReason, PlacementEndReason> = {
  resigned: 'quit',
  failed_assessment: 'dismissed',
  no_longer_eligible: 'other',
  found_other_work: 'quit',
  moved: 'moved_away',
  died: 'other',
};

export interface AgreementView {
  agreement: Agreement;
  worker: { id: number; name: string | null; areaCode: string };
  opening: { id: number; title: string; areaCode: string } | null;
  placement: { id: number; startDate: string; endDate: string | null; areaCode: string | null };
}

export function toAgreementJson(v: AgreementView) {
  const a = v.agreement;
  return {
    id: a.id,
    placementId: a.placementId,
    workerId: a.workerId,
    householdId: a.householdId,
    openingId: a.openingId,
    homeAreaCode: a.homeAreaCode,
    startDate: a.startDate,
    endDate: a.endDate,
    status: a.status,
    previousId: a.previousId,
    exitReason: a.exitReason,
    lastDayWorked: a.lastDayWorked,
    closedAt: a.closedAt,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    worker: v.worker,
    opening: v.opening,
  };
}

function viewQuery(ctx: ServiceCtx) {
  return ctx.db
    .select({
      agreement: agreements,
      workerId: workers.id,
      workerName: workers.name,
      workerArea: workers.areaCode,
      openingId: openings.id,
      openingTitle: openings.title,
      openingArea: openings.areaCode,
      placementId: placements.id,
      placementStart: placements.startDate,
      placementEnd: placements.endDate,
      placementArea: placements.areaCode,
    })
    .from(agreements)
    .innerJoin(workers, eq(workers.id, agreements.workerId))
    .innerJoin(placements, eq(placements.id, agreements.placementId))
    .leftJoin(openings, eq(openings.id, agreements.openingId));
}

type ViewRow = Awaited<ReturnType<ReturnType<typeof viewQuery>['where']>>[number];

const toView = (r: ViewRow): AgreementView => ({
  agreement: r.agreement,
  worker: { id: r.workerId, name: r.workerName, areaCode: r.workerArea },
  opening: r.openingId !== null ? { id: r.openingId, title: r.openingTitle ?? '', areaCode: r.openingArea ?? '' } : null,
  placement: { id: r.placementId, startDate: r.placementStart, endDate: r.placementEnd, areaCode: r.placementArea },
});

/** One agreement: staff of the holder's home area, admins; anyone else 404. */
export async function getScopedAgreement(ctx: ServiceCtx, id: number): Promise<AgreementView> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const [row] = await viewQuery(ctx).where(eq(agreements.id, id));
  if (!row || !areaInScope(ctx.actor, row.agreement.homeAreaCode)) throw notFound(`Agreement ${id}`);
  return toView(row);
}

/** The last day an agreement may end on and be on the renewal list on `day`. */
export const renewalCutoff = (day: string, rules: { renewalNoticeDays: number }) => addDays(day, rules.renewalNoticeDays);

/**
 * Running agreements of an area (a code prefix within the caller's scope),
 * soonest end first. `due: 'renewal'`: only those ending within
 * POST_RULES.renewalNoticeDays of today (end date on or before today + that
 * many days), the list staff renew or release from.
 */
export async function listAgreements(
  ctx: ServiceCtx,
  q: { area?: string; due?: 'renewal'; after?: { endDate: string; id: number }; limit: number },
): Promise<{ items: AgreementView[]; last: { endDate: string; id: number } | null; cutoff: string | null }> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const cutoff = q.due === 'renewal' ? renewalCutoff(today(ctx), postRulesOf(ctx)) : null;
  const conds: (SQL | undefined)[] = [eq(agreements.status, 'active'), areaPrefix(agreements.homeAreaCode, prefix)];
  if (cutoff) conds.push(lte(agreements.endDate, cutoff));
  if (q.after) {
    conds.push(or(gt(agreements.endDate, q.after.endDate), and(eq(agreements.endDate, q.after.endDate), gt(agreements.id, q.after.id))));
  }
  const rows = await viewQuery(ctx)
    .where(and(...conds))
    .orderBy(asc(agreements.endDate), asc(agreements.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map(toView);
  const lastItem = items[items.length - 1];
  return { items, last: rows.length > q.limit && lastItem ? { endDate: lastItem.agreement.endDate, id: lastItem.agreement.id } : null, cutoff };
}

function requireActive(a: Agreement) {
  if (a.status !== 'active') {
    throw new AppError('invalid_transition', `The agreement is ${a.status}`, [{ path: 'id', message: `agreement ${a.id} is ${a.status}` }]);
  }
}

/**
 * Whether the holder still qualifies on `day` (the renewal's start), by the
 * one rule: the post they hold is left out of "holds a post", any other post
 * of the household is not. Hours and skills were settled at the hire.
 */
async function whyNotRenewable(ctx: ServiceCtx, v: AgreementView, day: string) {
  const [w] = await ctx.db.select().from(workers).where(eq(workers.id, v.agreement.workerId));
  const { worker } = await loadMatchWorker(ctx, w!, day);
  const [other] = await ctx.db
    .select({ id: placements.id })
    .from(placements)
    .where(
      and(
        eq(placements.householdId, v.agreement.householdId),
        eq(placements.type, 'public_welfare'),
        ne(placements.id, v.agreement.placementId),
        heldOn(day),
      ),
    )
    .limit(1);
  const post: OpeningFacts = {
    kind: 'public_welfare',
    povertyOnly: true,
    hours: 'flexible',
    skills: [],
    areaCode: v.opening?.areaCode ?? v.placement.areaCode ?? v.agreement.homeAreaCode,
  };
  return ineligibilities(
    { ...worker, availability: 'full_day', holdsPublicWelfare: false, householdHoldsPublicWelfare: other !== undefined },
    post,
    postDay(day, postRulesOf(ctx)),
  );
}

/**
 * Renews a running agreement: the next one starts on its end date and runs
 * POST_RULES.agreementMonths, if the holder still qualifies on that date
 * (422 not_eligible with the coded reasons otherwise, nothing written).
 * Staff of the holder's area and admins; audited in the same batch.
 */
export async function renewAgreement(ctx: ServiceCtx, id: number): Promise<AgreementView> {
  requireRole(ctx.actor, 'staff', 'admin');
  const v = await getScopedAgreement(ctx, id);
  const a = v.agreement;
  requireActive(a);
  const startDate = a.endDate;
  const outOfRange = dateOutOfRange(startDate, ctx.clock.now());
  if (outOfRange) throw ruleBroken('id', `The renewal would start on ${startDate}, which ${outOfRange}`);
  const problems = await whyNotRenewable(ctx, v, startDate);
  if (problems.length) throw notEligibleError(problems);
  const endDate = agreementEnd(startDate, postRulesOf(ctx));
  const now = nowIso(ctx.clock);
  try {
    await batch(ctx.db, [
      ctx.db
        .update(agreements)
        .set({ status: 'renewed', closedAt: now, updatedAt: now })
        .where(and(eq(agreements.id, a.id), eq(agreements.status, 'active'))),
      // Only when the line above did close it (a racing exit or renewal came first otherwise).
      ctx.db.run(sql`INSERT INTO ${agreements} (placement_id, worker_id, household_id, opening_id, home_area_code, start_date, end_date, status, previous_id, created_at, updated_at)
        SELECT ${a.placementId}, ${a.workerId}, ${a.householdId}, ${a.openingId}, ${a.homeAreaCode}, ${startDate}, ${endDate}, 'active', ${a.id}, ${now}, ${now}
        WHERE changes() = 1`),
      auditInsert(ctx.db, ctx.clock, ctx.actor, {
        action: 'agreement.renew',
        objectType: 'agreement',
        objectId: a.id,
        detail: { startDate, endDate },
      }),
    ]);
  } catch (err) {
    const text = `${(err as Error)?.message} ${((err as Error)?.cause as Error)?.message}`;
    if (/UNIQUE constraint failed: agreements\.placement_id/.test(text)) throw new AppError('conflict', 'The agreement was renewed meanwhile; reload it');
    throw err;
  }
  const [next] = await viewQuery(ctx).where(and(eq(agreements.previousId, a.id), eq(agreements.placementId, a.placementId)));
  if (!next) throw new AppError('conflict', 'The agreement changed meanwhile; reload it');
  return toView(next);
}

/**
 * Ends a running agreement before its end, with a coded reason and the last
 * day worked (inclusive): the placement ends the day after, in the same
 * batch, its slot freed and the household's periods rewritten. A `died`
 * exit records the person as deceased from that day and no longer able to
 * work (they leave matching and candidates; the household's zero-employment
 * periods count them as a member able to work until then, not after).
 */
export async function exitAgreement(
  ctx: ServiceCtx,
  id: number,
  input: { reason: AgreementExitReason; lastDayWorked: string },
): Promise<AgreementView> {
  requireRole(ctx.actor, 'staff', 'admin');
  const v = await getScopedAgreement(ctx, id);
  const a = v.agreement;
  requireActive(a);
  if (input.lastDayWorked >= a.endDate) {
    throw ruleBroken('lastDayWorked', `The agreement ends on ${a.endDate} (its last day is ${addDays(a.endDate, -1)}); give a day before that`);
  }
  const endDate = addDays(input.lastDayWorked, 1);
  if (endDate < a.startDate) throw ruleBroken('lastDayWorked', `The agreement started on ${a.startDate}; the last day worked is ${addDays(a.startDate, -1)} at the earliest`);
  if (input.lastDayWorked > today(ctx)) throw ruleBroken('lastDayWorked', `must be today (${today(ctx)}) or earlier: record an exit once it happened`);
  const [p] = await ctx.db.select().from(placements).where(eq(placements.id, a.placementId));
  const { writes, after } = await endPlacementWrites(ctx, p!, { endDate, reason: placementReasonOf[input.reason], agreementExit: input.reason });
  const [rows] = (await batch(ctx.db, [
    ...writes,
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'agreement.exit',
      objectType: 'agreement',
      objectId: a.id,
      detail: { reason: input.reason, lastDayWorked: input.lastDayWorked },
    }),
  ])) as [Placement[]];
  if (!rows[0]) throw new AppError('conflict', 'The placement was ended meanwhile; reload it');
  await after();
  return getScopedAgreement(ctx, id);
}

/**
 * Scheduled: an agreement that reached its end without renewal ends its
 * post on that day (the placement's end is the agreement's, both exclusive),
 * read by index (agreements_due_idx) in slices. Returns how many ended.
 */
export async function endLapsedAgreements(ctx: ServiceCtx): Promise<number> {
  const day = today(ctx);
  let ended = 0;
  for (;;) {
    const due = await ctx.db
      .select({ a: agreements, p: placements })
      .from(agreements)
      .innerJoin(placements, eq(placements.id, agreements.placementId))
      .where(and(eq(agreements.status, 'active'), lte(agreements.endDate, day)))
      .orderBy(asc(agreements.endDate), asc(agreements.id))
      .limit(SLICE_ROWS);
    if (due.length === 0) return ended;
    for (const { a, p } of due) {
      if (p.endDate !== null) {
        // Ended some other way meanwhile: the agreement follows it.
        await ctx.db
          .update(agreements)
          .set({ status: 'ended', lastDayWorked: addDays(p.endDate < a.endDate ? p.endDate : a.endDate, -1), closedAt: nowIso(ctx.clock), updatedAt: nowIso(ctx.clock) })
          .where(and(eq(agreements.id, a.id), eq(agreements.status, 'active')));
        continue;
      }
      const { writes, after } = await endPlacementWrites(ctx, p, { endDate: a.endDate, reason: 'contract_ended' });
      await batch(ctx.db, [...writes]);
      await after();
      ended++;
    }
    if (due.length < SLICE_ROWS) return ended;
    await yieldToEventLoop();
  }
}
