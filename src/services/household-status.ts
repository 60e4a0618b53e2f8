// Keeps each household's zero-employment periods in step with its records:
// every verb that changes members or placements loads the facts, applies its
// change to them, and puts these writes in the same batch as the change.
import { chinaDayOf } from '../domain/dates.js';
import { and, eq, gt, isNull, lte, or, type Placeholder, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { households, placements, workers, zeroEmploymentPeriods } from '../../db/schema.js';
import { type HouseholdFacts, type MemberFacts, type Period, zeroEmploymentPeriods as derivePeriods } from '../domain/household-status.js';

export type Household = typeof households.$inferSelect;

export async function loadHouseholdFacts(db: Db, household: Household): Promise<HouseholdFacts> {
  const [members, held] = await Promise.all([
    db
      .select({
        id: workers.id,
        ableToWork: workers.ableToWork,
        createdAt: workers.createdAt,
        registeredOn: workers.registeredOn,
        deceasedOn: workers.deceasedOn,
      })
      .from(workers)
      .where(eq(workers.householdId, household.id)),
    db
      .select({ id: placements.id, startDate: placements.startDate, endDate: placements.endDate })
      .from(placements)
      .where(eq(placements.householdId, household.id)),
  ]);
  return {
    registeredOn: chinaDayOf(household.createdAt),
    incomeAtMinimumSince: household.incomeAtMinimumSince,
    members: members.map(memberFactsOf),
    placements: held,
  };
}

/**
 * A member's facts for the zero-employment rule, from their row (the one
 * reading, for one household and for an import's many). A member who died was
 * able to work until then: a post holder's death is recorded by the
 * agreement's exit, which also marks them not able to work from then on.
 */
export function memberFactsOf(m: { id: number; ableToWork: boolean; createdAt: string; registeredOn: string | null; deceasedOn: string | null }): MemberFacts {
  return { id: m.id, ableToWork: m.ableToWork || m.deceasedOn !== null, since: m.registeredOn ?? chinaDayOf(m.createdAt), until: m.deceasedOn };
}

/** The statements that replace the household's periods with those its facts give. */
export function periodWrites(db: Db, household: Pick<Household, 'id' | 'areaCode'>, facts: HouseholdFacts) {
  const periods = derivePeriods(facts);
  const writes = [db.delete(zeroEmploymentPeriods).where(eq(zeroEmploymentPeriods.householdId, household.id))];
  if (periods.length > 0) {
    // Few periods per household; D1's 100-parameter limit allows 25 rows of 4.
    for (let i = 0; i < periods.length; i += 25) {
      writes.push(
        db.insert(zeroEmploymentPeriods).values(
          periods.slice(i, i + 25).map((p) => ({ householdId: household.id, areaCode: household.areaCode, ...p })),
        ) as never,
      );
    }
  }
  return writes;
}

/** The periods stored for a household (oldest first). */
export async function storedPeriods(db: Db, householdId: number): Promise<Period[]> {
  return db
    .select({ startDate: zeroEmploymentPeriods.startDate, endDate: zeroEmploymentPeriods.endDate })
    .from(zeroEmploymentPeriods)
    .where(eq(zeroEmploymentPeriods.householdId, householdId))
    .orderBy(zeroEmploymentPeriods.startDate);
}

/** SQL condition: the household with this id column is on the list on `date`. */
export function onZeroListOn(householdIdColumn: typeof households.id | typeof workers.householdId, date: string | Placeholder) {
  return sql`EXISTS (SELECT 1 FROM ${zeroEmploymentPeriods} WHERE ${zeroEmploymentPeriods.householdId} = ${householdIdColumn} AND ${periodContains(date)})`;
}

/** SQL condition on zero_employment_periods: the period contains `date` (periodOn in domain/household-status.ts). */
export function periodContains(date: string | Placeholder) {
  return sql`(${zeroEmploymentPeriods.startDate} <= ${date} AND (${zeroEmploymentPeriods.endDate} IS NULL OR ${zeroEmploymentPeriods.endDate} > ${date}))`;
}

/** SQL condition on placements: active on `date` (start <= date < end). */
export function activeOn(date: string) {
  return and(lte(placements.startDate, date), or(isNull(placements.endDate), gt(placements.endDate, date)));
}

/**
 * SQL condition on placements: the post is held on `date` or later (current
 * or upcoming, not ended by then). The one reading of "holds a post" for
 * matching and applying alike.
 */
export function heldOn(date: string | Placeholder) {
  return sql`(${placements.endDate} IS NULL OR ${placements.endDate} > ${date})`;
}
