// Households (户): registered by village and township staff, with the facts
// the clearance action needs. Their zero-employment status is derived.
import { and, asc, count, desc, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import { batch } from '../../db/client.js';
import { households, placements, workers } from '../../db/schema.js';
import { nowIso, type ServiceCtx } from '../context.js';
import { daysBetween, todayInChina } from '../domain/dates.js';
import { OVERDUE_DAYS, periodOn } from '../domain/household-status.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../domain/scope.js';
import { AppError, notFound, ruleBroken } from '../errors.js';
import { requireAreaInScope } from './areas.js';
import { auditInsert } from './audit.js';
import { activeOn, type Household, loadHouseholdFacts, periodWrites, storedPeriods } from './household-status.js';
import { areaPrefix, containsText } from './sql.js';

export type { Household };

export interface HouseholdInput {
  areaCode: string;
  povertyAlleviated: boolean;
  monitored: boolean;
  sourceId?: string;
  cadreHousehold?: boolean;
}

export interface HouseholdPatch {
  areaCode?: string;
  povertyAlleviated?: boolean;
  monitored?: boolean;
  /** Staff record household income at or above the local minimum wage (true from today), or clear it. */
  incomeAtMinimum?: boolean;
  /** The date a change of povertyAlleviated / monitored took effect (default today in China). */
  statusSince?: string;
  /** 村干部户 (staff-set): no member may hold a public-welfare post. */
  cadreHousehold?: boolean;
  /** The date a change of cadreHousehold took effect (default today in China). */
  cadreSince?: string;
}

/** Today in China (todayInChina, the one rule). */
export const today = (ctx: Pick<ServiceCtx, 'clock'>) => todayInChina(ctx.clock);

export async function requireVillageOrTownship(ctx: ServiceCtx, areaCode: string) {
  const area = await requireAreaInScope(ctx, areaCode);
  if (area.level !== 'village' && area.level !== 'township') {
    throw ruleBroken('areaCode', 'A household lives in a village or township: give its 9- or 12-digit code');
  }
  return area;
}

/**
 * The checks a new household passes (a village or township of the caller's
 * area, a source number not yet registered) and the writes that register it:
 * the row and its audit entry, for a batch.
 */
export async function householdInsert(ctx: ServiceCtx, input: HouseholdInput, path = 'sourceId') {
  await requireVillageOrTownship(ctx, input.areaCode);
  if (input.sourceId) {
    const [dup] = await ctx.db.select({ id: households.id, areaCode: households.areaCode }).from(households).where(eq(households.sourceId, input.sourceId));
    // Another county's household is neither named nor numbered: only that the number is taken.
    const where = dup && areaInScope(ctx.actor, dup.areaCode) ? `as household ${dup.id}` : 'elsewhere';
    if (dup) throw new AppError('conflict', `Household ${input.sourceId} is already registered`, [{ path, message: `already registered ${where}` }]);
  }
  const now = nowIso(ctx.clock);
  return [
    ctx.db
      .insert(households)
      .values({
        areaCode: input.areaCode,
        povertyAlleviated: input.povertyAlleviated,
        monitored: input.monitored,
        sourceId: input.sourceId ?? null,
        cadreHousehold: input.cadreHousehold ?? false,
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'household.create',
      objectType: 'household',
      objectId: 'inserted',
      detail: { areaCode: input.areaCode },
    }),
  ] as const;
}

export async function createHousehold(ctx: ServiceCtx, input: HouseholdInput): Promise<Household> {
  // The system registers a household for a person signing up through the bot.
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const [rows] = (await batch(ctx.db, [...(await householdInsert(ctx, input))])) as [Household[]];
  return rows[0]!;
}

/** A household in the caller's scope (staff and admins only), else 404. */
export async function getScopedHousehold(ctx: ServiceCtx, id: number): Promise<Household> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const [h] = await ctx.db.select().from(households).where(eq(households.id, id));
  if (!h || !areaInScope(ctx.actor, h.areaCode)) throw notFound(`Household ${id}`);
  return h;
}

export async function zeroEmploymentStatus(ctx: ServiceCtx, householdId: number, asOf = today(ctx)) {
  const periods = await storedPeriods(ctx.db, householdId);
  const current = periodOn(periods, asOf);
  const daysWaiting = current ? daysBetween(current.startDate, asOf) : null;
  return {
    onList: current !== undefined,
    since: current?.startDate ?? null,
    daysWaiting,
    overdue: daysWaiting !== null && daysWaiting > OVERDUE_DAYS,
  };
}

export async function householdView(ctx: ServiceCtx, h: Household) {
  const day = today(ctx);
  const members = await ctx.db
    .select({
      id: workers.id,
      name: workers.name,
      ableToWork: workers.ableToWork,
      cannotLeaveHome: workers.cannotLeaveHome,
      erasedAt: workers.erasedAt,
    })
    .from(workers)
    .where(eq(workers.householdId, h.id))
    .orderBy(asc(workers.id));
  const working = await ctx.db
    .select({ workerId: placements.workerId, type: placements.type })
    .from(placements)
    .where(and(eq(placements.householdId, h.id), activeOn(day)));
  const inWork = new Map(working.filter((p) => p.workerId !== null).map((p) => [p.workerId, p.type]));
  return {
    id: h.id,
    areaCode: h.areaCode,
    povertyAlleviated: h.povertyAlleviated,
    monitored: h.monitored,
    sourceId: h.sourceId,
    incomeAtMinimumSince: h.incomeAtMinimumSince,
    statusSince: h.statusSince,
    cadreHousehold: h.cadreHousehold,
    cadreSince: h.cadreSince,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
    members: members.map((m) => ({
      id: m.id,
      name: m.name,
      ableToWork: m.ableToWork,
      cannotLeaveHome: m.cannotLeaveHome,
      erased: m.erasedAt !== null,
      inWork: inWork.get(m.id) ?? null,
    })),
    zeroEmployment: await zeroEmploymentStatus(ctx, h.id, day),
  };
}

export async function updateHousehold(ctx: ServiceCtx, id: number, patch: HouseholdPatch): Promise<Household> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const h = await getScopedHousehold(ctx, id);
  if (patch.areaCode !== undefined) await requireVillageOrTownship(ctx, patch.areaCode);
  const set: Partial<typeof households.$inferInsert> = { updatedAt: nowIso(ctx.clock) };
  if (patch.areaCode !== undefined) set.areaCode = patch.areaCode;
  if (patch.povertyAlleviated !== undefined) set.povertyAlleviated = patch.povertyAlleviated;
  if (patch.monitored !== undefined) set.monitored = patch.monitored;
  // A change of status takes effect on a date, kept with its history (the households_status_history trigger).
  if (patch.statusSince !== undefined && patch.statusSince > today(ctx)) throw ruleBroken('statusSince', 'must be today or earlier');
  if ((set.povertyAlleviated ?? h.povertyAlleviated) !== h.povertyAlleviated || (set.monitored ?? h.monitored) !== h.monitored) {
    set.statusSince = patch.statusSince ?? today(ctx);
  }
  // The cadre flag, too, takes effect on a date with its history (the households_cadre_history trigger).
  if (patch.cadreSince !== undefined && patch.cadreSince > today(ctx)) throw ruleBroken('cadreSince', 'must be today or earlier');
  if (patch.cadreHousehold !== undefined && patch.cadreHousehold !== h.cadreHousehold) {
    set.cadreHousehold = patch.cadreHousehold;
    set.cadreSince = patch.cadreSince ?? today(ctx);
  }
  if (patch.incomeAtMinimum !== undefined) {
    set.incomeAtMinimumSince = patch.incomeAtMinimum ? (h.incomeAtMinimumSince ?? today(ctx)) : null;
  }
  const next = { ...h, ...set } as Household;
  const facts = await loadHouseholdFacts(ctx.db, next);
  const [rows] = (await batch(ctx.db, [
    ctx.db.update(households).set(set).where(eq(households.id, id)).returning(),
    ...(patch.areaCode !== undefined ? [ctx.db.update(workers).set({ areaCode: patch.areaCode }).where(eq(workers.householdId, id))] : []),
    ...periodWrites(ctx.db, next, facts),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'household.update',
      objectType: 'household',
      objectId: id,
      detail: { fields: Object.keys(patch) },
    }),
  ])) as [Household[]];
  return rows[0]!;
}

/**
 * Households of the caller's area found by a member's name or phone, or by
 * the household's number (id or 户编号): staff and admins. Newest first.
 */
export async function searchHouseholds(
  ctx: ServiceCtx,
  q: { area?: string; q: string; limit: number },
): Promise<Household[]> {
  return (await searchHouseholdsPage(ctx, q)).items;
}

/** One page of searchHouseholds after the cursor (a household id), with how many match in all. */
export async function searchHouseholdsPage(
  ctx: ServiceCtx,
  q: { area?: string; q: string; beforeId?: number; limit: number },
): Promise<{ items: Household[]; total: number; nextBeforeId: number | null }> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const text = q.q.trim();
  const digits = text.replace(/[\s-]/g, '');
  const byMember = ctx.db
    .select({ id: workers.householdId })
    .from(workers)
    .where(
      and(
        isNull(workers.erasedAt),
        or(containsText(workers.name, text), /^\+?\d{3,}$/.test(digits) ? containsText(workers.phone, digits) : undefined),
      ),
    );
  const match = text
    ? or(
        inArray(households.id, byMember),
        eq(households.sourceId, text),
        /^\d{1,15}$/.test(text) ? eq(households.id, Number(text)) : undefined,
      )
    : undefined;
  const where = and(areaPrefix(households.areaCode, prefix), match);
  const [rows, [total]] = await Promise.all([
    ctx.db
      .select()
      .from(households)
      .where(and(where, q.beforeId !== undefined ? lt(households.id, q.beforeId) : undefined))
      .orderBy(desc(households.id))
      .limit(q.limit + 1),
    ctx.db.select({ n: count() }).from(households).where(where),
  ]);
  const items = rows.slice(0, q.limit);
  return { items, total: total?.n ?? 0, nextBeforeId: rows.length > q.limit ? items[items.length - 1]!.id : null };
}
