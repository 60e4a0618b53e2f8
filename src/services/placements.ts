// Placements (employment records): a worker in work from a date to a date.
// Their place decides the transfer scope; their dates drive the household's
// zero-employment status, rewritten in the same batch.
import { and, asc, eq, gte, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { batch, type Db } from '../../db/client.js';
import { areas, employers, households, openings, placementTypes, placements, workers } from '../../db/schema.js';
import { type Actor, nowIso, postRulesOf, type ServiceCtx } from '../context.js';
import { dateOutOfRange, monthBounds } from '../domain/dates.js';
import { distanceKm, type Point, pointOf } from '../domain/geo.js';
import { transferScope } from '../domain/transfer.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../domain/scope.js';
import { AppError, notFound, ruleBroken } from '../errors.js';
import { type AgreementExitReason, agreementOnHire, closeAgreementOfPlacement } from './agreements/writes.js';
import { findArea } from './areas.js';
import { oweAlertsForOpening } from './alerts.js';
import { auditInsert } from './audit.js';
import { heldOn, loadHouseholdFacts, periodWrites } from './household-status.js';
import { oweZeroPlaced } from './outbox.js';
import { today } from './households.js';
import { areaPrefix } from './sql.js';
import { notEligibleError, whyNotEligible } from './matching.js';
import { getScopedWorker, type Worker } from './workers.js';

export type Placement = typeof placements.$inferSelect;
export type PlacementType = (typeof placementTypes)[number];

export const placementEndReasons = ['contract_ended', 'quit', 'dismissed', 'health', 'care_duties', 'moved_away', 'other'] as const;
export type PlacementEndReason = (typeof placementEndReasons)[number];

export interface PlacementInput {
  workerId: number;
  type: PlacementType;
  point?: Point;
  areaCode?: string;
  startDate: string;
  contractMonths?: number;
}

export function toPlacementJson(p: Placement) {
  return {
    id: p.id,
    workerId: p.workerId,
    type: p.type,
    openingId: p.openingId,
    applicationId: p.applicationId,
    areaCode: p.areaCode,
    point: pointOf(p.lat, p.lon),
    scope: p.scope,
    startDate: p.startDate,
    endDate: p.endDate,
    endReason: p.endReason,
    contractMonths: p.contractMonths,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/**
 * What a caller may see of a placement: an employer learns that its hire
 * started, not where the person lives against the place (scope, area).
 */
export function placementViewFor(actor: Actor, p: Placement) {
  if (actor.role === 'employer') return { id: p.id, workerId: p.workerId, type: p.type, openingId: p.openingId, startDate: p.startDate, endDate: p.endDate };
  return toPlacementJson(p);
}

/**
 * The area of a place given only as a point: the nearest area that has a
 * centre point (county seats, prefecture seats, provincial capitals). Coarse
 * on purpose — township points are not known — so a same-township job given
 * only as a point counts as `county`. Staff should give an areaCode when known.
 */
export async function nearestAreaCode(db: Db, p: Point): Promise<string> {
  const withPoints = await db
    .select({ code: areas.code, lat: areas.lat, lon: areas.lon })
    .from(areas)
    .where(and(isNotNull(areas.lat), isNotNull(areas.lon)));
  let best = withPoints[0]!;
  let bestKm = Infinity;
  for (const a of withPoints) {
    const km = distanceKm(p, { lat: a.lat!, lon: a.lon! });
    // Prefer the finer area when two seats coincide (a county seat that is also the prefecture seat).
    if (km < bestKm - 1e-9 || (Math.abs(km - bestKm) <= 1e-9 && a.code.length > best.code.length)) {
      best = a;
      bestKm = km;
    }
  }
  return best.code;
}

/** Maps a database refusal of a second public-welfare post to the rule's error. */
export function publicWelfareClash(err: unknown): AppError | null {
  const text = `${(err as Error)?.message} ${((err as Error)?.cause as Error)?.message}`;
  if (/UNIQUE constraint failed: placements\.worker_id/.test(text)) {
    return new AppError('not_eligible', 'The person already holds a public-welfare post', [{ path: 'workerId', message: 'holds a public-welfare post' }]);
  }
  if (/UNIQUE constraint failed: placements\.household_id/.test(text)) {
    return new AppError('not_eligible', 'Someone in the household already holds a public-welfare post', [{ path: 'workerId', message: 'household holds a public-welfare post' }]);
  }
  return null;
}

/** The statements that record a placement and refresh the household's status. */
export async function placementWrites(
  ctx: ServiceCtx,
  worker: Worker,
  p: {
    type: PlacementType;
    areaCode: string;
    point?: Point | null;
    startDate: string;
    contractMonths?: number | null;
    openingId?: number | null;
    applicationId?: number | null;
  },
) {
  // Every way in (API, console, bot, a hire) meets the same bound as the API's dates.
  const outOfRange = dateOutOfRange(p.startDate, ctx.clock.now());
  if (outOfRange) throw ruleBroken('startDate', `startDate ${outOfRange}`);
  const [household] = await ctx.db.select().from(households).where(eq(households.id, worker.householdId));
  const facts = await loadHouseholdFacts(ctx.db, household!);
  facts.placements.push({ startDate: p.startDate, endDate: null });
  const now = nowIso(ctx.clock);
  return [
    ctx.db
      .insert(placements)
      .values({
        workerId: worker.id,
        householdId: worker.householdId,
        homeAreaCode: worker.areaCode,
        openingId: p.openingId ?? null,
        applicationId: p.applicationId ?? null,
        type: p.type,
        areaCode: p.areaCode,
        lat: p.point?.lat ?? null,
        lon: p.point?.lon ?? null,
        scope: transferScope(worker.areaCode, p.areaCode),
        startDate: p.startDate,
        contractMonths: p.contractMonths ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'placement.create',
      objectType: 'placement',
      objectId: 'inserted',
      detail: { type: p.type, workerId: worker.id, openingId: p.openingId ?? null },
    }),
    // Staff of the area hear of it when the household was on the zero-employment list.
    oweZeroPlaced(ctx.db, ctx.clock, household!, worker.id, today(ctx)),
    ...periodWrites(ctx.db, household!, facts),
    // A public-welfare post is held under an agreement (聘用协议) from its first day.
    ...(p.type === 'public_welfare' ? agreementOnHire(ctx.db, ctx.clock, ctx.actor, worker.id, p.startDate, postRulesOf(ctx)) : []),
  ] as const;
}

/** Staff record work a person found (elsewhere, or a public-welfare post allocated outside the app). */
export async function createPlacement(ctx: ServiceCtx, input: PlacementInput): Promise<Placement> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const worker = await getScopedWorker(ctx, input.workerId).catch((err) => {
    if (err instanceof AppError && err.code === 'not_found') throw ruleBroken('workerId', `Unknown worker ${input.workerId}`);
    throw err;
  });
  if (worker.erasedAt) throw ruleBroken('workerId', 'This person\'s data was erased');
  if (!input.areaCode && !input.point) {
    throw new AppError('validation_failed', 'Say where the work is', [{ path: 'areaCode', message: 'give areaCode or point' }]);
  }
  if (input.areaCode && !(await findArea(ctx.db, input.areaCode))) {
    throw ruleBroken('areaCode', `Unknown area code ${input.areaCode}`);
  }
  const areaCode = input.areaCode ?? (await nearestAreaCode(ctx.db, input.point!));
  if (input.type === 'public_welfare') {
    // A post allocated outside the app meets the same rule as a hire, as of
    // its start: the post's area is where the work is (hours are not asked).
    const problems = await whyNotEligible(
      ctx,
      worker,
      { kind: 'public_welfare', povertyOnly: true, hours: 'flexible', skills: [], areaCode },
      input.startDate,
    );
    if (problems.length) throw notEligibleError(problems);
  }
  const writes = await placementWrites(ctx, worker, { ...input, areaCode });
  try {
    const [rows] = (await batch(ctx.db, [...writes])) as [Placement[]];
    return rows[0]!;
  } catch (err) {
    throw publicWelfareClash(err) ?? err;
  }
}

export async function getScopedPlacement(ctx: ServiceCtx, id: number): Promise<Placement> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const [p] = await ctx.db.select().from(placements).where(eq(placements.id, id));
  if (!p || !areaInScope(ctx.actor, p.homeAreaCode)) throw notFound(`Placement ${id}`);
  return p;
}

/**
 * The statements that end a placement on `endDate` (exclusive) and what
 * follows from it in the same batch: the opening's slot freed, the
 * household's periods rewritten, a public-welfare post's running agreement
 * closed (with the exit's coded reason, when an agreement exit ends it), the
 * audit row. The placement update comes first: its result says whether it
 * did end it. `after`: what to run once the batch committed.
 */
export async function endPlacementWrites(
  ctx: ServiceCtx,
  p: Placement,
  input: { endDate: string; reason: PlacementEndReason; agreementExit?: AgreementExitReason },
) {
  // A death (an agreement's `died` exit) is recorded with the end: deceased
  // from that day, no longer able to work, a member able to work until then.
  const died = input.agreementExit === 'died';
  if (p.endDate) throw new AppError('invalid_transition', `The placement already ended on ${p.endDate}`);
  if (input.endDate < p.startDate) throw ruleBroken('endDate', `The placement started on ${p.startDate}`);
  const endOutOfRange = dateOutOfRange(input.endDate, ctx.clock.now());
  if (endOutOfRange) throw ruleBroken('endDate', `endDate ${endOutOfRange}`);
  const [household] = await ctx.db.select().from(households).where(eq(households.id, p.householdId));
  const facts = await loadHouseholdFacts(ctx.db, household!);
  facts.placements = facts.placements.map((x) => (x.id === p.id ? { ...x, endDate: input.endDate } : x));
  if (died) facts.members = facts.members.map((m) => (m.id === p.workerId ? { ...m, ableToWork: true, until: input.endDate } : m));
  const now = nowIso(ctx.clock);
  const writes = [
    ctx.db
      .update(placements)
      .set({ endDate: input.endDate, endReason: input.reason, updatedAt: now })
      .where(and(eq(placements.id, p.id), isNull(placements.endDate)))
      .returning(),
    // A hire's slot is free again (and a filled opening open again while its
    // closing date has not passed), only if the line above did end it.
    ...(p.openingId !== null
      ? [
          ctx.db
            .update(openings)
            .set({
              slotsFilled: sql`max(${openings.slotsFilled} - 1, 0)`,
              status: sql`CASE WHEN ${openings.status} = 'filled' AND (${openings.closingDate} IS NULL OR ${openings.closingDate} >= ${today(ctx)}) THEN 'open' ELSE ${openings.status} END`,
              // Reopened: the workers within reach are owed an alert again (see services/alerts.ts).
              alertsPendingAt: sql`CASE WHEN ${openings.status} = 'filled' AND (${openings.closingDate} IS NULL OR ${openings.closingDate} >= ${today(ctx)}) THEN ${now} ELSE ${openings.alertsPendingAt} END`,
              updatedAt: now,
            })
            .where(and(eq(openings.id, p.openingId), sql`changes() = 1`)),
        ]
      : []),
    ...periodWrites(ctx.db, household!, facts),
    ...(died ? [ctx.db.update(workers).set({ deceasedOn: input.endDate, ableToWork: false, updatedAt: now }).where(eq(workers.id, p.workerId))] : []),
    ...(p.type === 'public_welfare' ? [closeAgreementOfPlacement(ctx.db, ctx.clock, p.id, input.endDate, input.agreementExit ?? null)] : []),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'placement.end',
      objectType: 'placement',
      objectId: p.id,
      detail: { reason: input.reason, ...(input.agreementExit ? { agreementExit: input.agreementExit } : {}) },
    }),
  ] as const;
  const after = async () => {
    if (p.openingId !== null) {
      // A failure here is left to the scheduler, which finishes marked openings.
      await oweAlertsForOpening(ctx, p.openingId).catch((err) => console.error('opening alerts: left to the scheduler', p.openingId, err));
    }
  };
  return { writes, after };
}

export async function endPlacement(
  ctx: ServiceCtx,
  id: number,
  input: { endDate: string; reason: PlacementEndReason },
): Promise<Placement> {
  const p = await getScopedPlacement(ctx, id);
  const { writes, after } = await endPlacementWrites(ctx, p, input);
  const [rows] = (await batch(ctx.db, [...writes])) as [Placement[]];
  if (!rows[0]) throw new AppError('conflict', 'The placement was ended meanwhile; reload it');
  await after();
  return rows[0]!;
}

/** A worker's placements (staff of the worker's area), newest start first. */
export async function placementsOfWorker(ctx: ServiceCtx, workerId: number): Promise<Placement[]> {
  const w = await getScopedWorker(ctx, workerId);
  return ctx.db.select().from(placements).where(eq(placements.workerId, w.id)).orderBy(sql`${placements.startDate} DESC`, sql`${placements.id} DESC`);
}

/**
 * People of an area (a code prefix, within the caller's scope) who hold a
 * public-welfare post today or from a later start (the matcher's reading of
 * "holds a post"): allocation shows them as taken, not as candidates.
 */
export async function publicWelfareHolders(
  ctx: ServiceCtx,
  q: { area: string; limit: number },
): Promise<Array<{ workerId: number; name: string | null; householdId: number; areaCode: string; openingId: number | null; startDate: string }>> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  return ctx.db
    .select({
      workerId: workers.id,
      name: workers.name,
      householdId: workers.householdId,
      areaCode: workers.areaCode,
      openingId: placements.openingId,
      startDate: placements.startDate,
    })
    .from(placements)
    .innerJoin(workers, eq(workers.id, placements.workerId))
    .where(and(eq(placements.type, 'public_welfare'), heldOn(today(ctx)), areaPrefix(placements.homeAreaCode, prefix)))
    .orderBy(asc(placements.startDate), asc(placements.id))
    .limit(q.limit);
}

export interface MonthPlacement {
  placement: Placement;
  worker: { name: string | null; householdId: number; sourceId: string | null; householdSourceId: string | null };
  opening: { title: string; employerName: string } | null;
  startedInMonth: boolean;
  endedInMonth: boolean;
}

/**
 * The placements behind a month's "started" and "ended" counts (statsFor's
 * placementsThisMonth as of the month's last day): placements of workers of
 * the area, by home area, that started in the month or ended in it (end_date,
 * the first day no longer in work). Staff and admins; oldest start first.
 */
export async function placementsOfMonth(
  ctx: ServiceCtx,
  q: { area?: string; month: string },
): Promise<{ area: string | null; from: string; to: string; items: MonthPlacement[] }> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  if (q.area !== undefined && !(await findArea(ctx.db, q.area))) throw ruleBroken('area', `Unknown area code ${q.area}`);
  const { first, last } = monthBounds(`${q.month}-01`);
  const inMonth = (col: typeof placements.startDate | typeof placements.endDate) => and(gte(col, first), lte(col, last));
  const rows = await ctx.db
    .select({ p: placements, name: workers.name, workerSourceId: workers.sourceId, householdSourceId: households.sourceId, title: openings.title, employerName: employers.name })
    .from(placements)
    .innerJoin(workers, eq(workers.id, placements.workerId))
    .innerJoin(households, eq(households.id, placements.householdId))
    .leftJoin(openings, eq(openings.id, placements.openingId))
    .leftJoin(employers, eq(employers.id, openings.employerId))
    .where(and(areaPrefix(placements.homeAreaCode, prefix), or(inMonth(placements.startDate), inMonth(placements.endDate))))
    .orderBy(asc(placements.startDate), asc(placements.id));
  return {
    area: prefix || null,
    from: first,
    to: last,
    items: rows.map((r) => ({
      placement: r.p,
      worker: { name: r.name, householdId: r.p.householdId, sourceId: r.workerSourceId, householdSourceId: r.householdSourceId },
      opening: r.title !== null ? { title: r.title, employerName: r.employerName ?? '' } : null,
      startedInMonth: r.p.startDate >= first && r.p.startDate <= last,
      endedInMonth: r.p.endDate !== null && r.p.endDate >= first && r.p.endDate <= last,
    })),
  };
}
