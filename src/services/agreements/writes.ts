// The statements that make and close agreements (聘用协议) inside other
// verbs' batches: a public-welfare hire makes the first agreement, and any
// end of a public-welfare placement closes the one running. Kept apart from
// the agreement verbs (agreements.ts) so services/placements.ts can use them
// without an import circle.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { type agreementExitReasons, agreements, placements } from '../../../db/schema.js';
import { type Actor, type Clock, nowIso } from '../../context.js';
import { addDays, addMonths } from '../../domain/dates.js';
import type { PostRules } from '../../domain/post-rules.js';
import { auditInsert } from '../audit.js';

export type Agreement = typeof agreements.$inferSelect;
export type AgreementExitReason = (typeof agreementExitReasons)[number];

/** An agreement's end (exclusive, as every end date): its start plus POST_RULES.agreementMonths. */
export const agreementEnd = (startDate: string, rules: Pick<PostRules, 'agreementMonths'>) => addMonths(startDate, rules.agreementMonths);

/**
 * The first agreement of a public-welfare placement the same batch has just
 * inserted for this worker (the newest placement of theirs by id: inside the
 * batch's transaction, that one), from its start, and its audit row.
 */
export function agreementOnHire(db: Db, clock: Clock, actor: Actor, workerId: number, startDate: string, rules: Pick<PostRules, 'agreementMonths'>) {
  const now = nowIso(clock);
  const endDate = agreementEnd(startDate, rules);
  const newest = db
    .select({ id: placements.id })
    .from(placements)
    .where(and(eq(placements.workerId, workerId), eq(placements.type, 'public_welfare')))
    .orderBy(desc(placements.id))
    .limit(1);
  return [
    db.run(sql`INSERT INTO ${agreements} (placement_id, worker_id, household_id, opening_id, home_area_code, start_date, end_date, status, created_at, updated_at)
      SELECT ${placements.id}, ${placements.workerId}, ${placements.householdId}, ${placements.openingId}, ${placements.homeAreaCode}, ${startDate}, ${endDate}, 'active', ${now}, ${now}
      FROM ${placements} WHERE ${placements.id} = (${newest})`),
    auditInsert(db, clock, actor, {
      action: 'agreement.create',
      objectType: 'agreement',
      objectId: 'inserted',
      detail: { workerId, startDate, endDate },
    }),
  ] as const;
}

/**
 * Closes the placement's running agreement when the placement ends on
 * `endDate` (exclusive): `exited` with the coded reason when one is given,
 * else `ended`; the last day worked is the day before.
 */
export function closeAgreementOfPlacement(
  db: Db,
  clock: Clock,
  placementId: number,
  endDate: string,
  exitReason: AgreementExitReason | null,
) {
  const now = nowIso(clock);
  return db
    .update(agreements)
    .set({
      status: exitReason ? 'exited' : 'ended',
      exitReason,
      lastDayWorked: addDays(endDate, -1),
      closedAt: now,
      updatedAt: now,
    })
    .where(and(eq(agreements.placementId, placementId), eq(agreements.status, 'active')));
}
