// Openings: jobs to fill. Employers post their own; labour bureau staff post
// public-welfare posts in their area. The public list never carries worker data.
import { todayInChina } from '../domain/dates.js';
import { and, between, count, desc, eq, inArray, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { batch } from '../../db/client.js';
import {
  employers,
  type hoursValues,
  type openingKinds,
  openings,
  type servesValues,
  type wagePeriods,
} from '../../db/schema.js';
import { nowIso, type ServiceCtx } from '../context.js';
import { boundingBox, distanceKm, type Point, pointOf, roundKm } from '../domain/geo.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../domain/scope.js';
import { AppError, notFound, ruleBroken } from '../errors.js';
import { SLICE_ROWS, yieldToEventLoop } from '../lib/yield.js';
import { oweAlertsForOpening } from './alerts.js';
import { requireAreaInScope } from './areas.js';
import { auditInsert } from './audit.js';
import { areaPrefix, containsText } from './sql.js';

export type Opening = typeof openings.$inferSelect;

export interface OpeningInput {
  title: string;
  kind: (typeof openingKinds)[number];
  serves: (typeof servesValues)[number];
  areaCode: string;
  point?: Point;
  slots: number;
  wage: { amount: number; period: (typeof wagePeriods)[number] };
  hours: (typeof hoursValues)[number];
  skills: string[];
  povertyOnly?: boolean;
  startDate?: string;
  closingDate?: string;
  employerId?: number;
  status?: 'draft' | 'open';
}

export type OpeningPatch = Partial<
  Omit<OpeningInput, 'kind' | 'employerId' | 'status' | 'point' | 'startDate' | 'closingDate'>
> & {
  point?: Point | null;
  startDate?: string | null;
  closingDate?: string | null;
  status?: 'draft' | 'open';
};

export function toOpeningJson(o: Opening, extra: { distanceKm?: number | null; employerName?: string } = {}) {
  return {
    id: o.id,
    status: o.status,
    title: o.title,
    kind: o.kind,
    serves: o.serves,
    employerId: o.employerId,
    ...(extra.employerName !== undefined ? { employerName: extra.employerName } : {}),
    areaCode: o.areaCode,
    point: pointOf(o.lat, o.lon),
    slots: o.slots,
    slotsFilled: o.slotsFilled,
    wage: { amount: o.wageAmount, period: o.wagePeriod },
    hours: o.hours,
    skills: o.skills,
    povertyOnly: o.povertyOnly,
    startDate: o.startDate,
    closingDate: o.closingDate,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    ...(extra.distanceKm !== undefined ? { distanceKm: extra.distanceKm } : {}),
  };
}

const today = (ctx: ServiceCtx) => todayInChina(ctx.clock);

function checkDates(ctx: ServiceCtx, startDate: string | null | undefined, closingDate: string | null | undefined) {
  if (closingDate && startDate && closingDate < startDate) {
    throw ruleBroken('closingDate', 'The closing date is before the start date');
  }
  if (closingDate && closingDate < today(ctx)) {
    throw ruleBroken('closingDate', 'The closing date is in the past');
  }
}

/** Who posts for whom: an employer for itself (not public-welfare posts), staff public-welfare posts in their area. */
async function resolveEmployer(ctx: ServiceCtx, input: OpeningInput) {
  const actor = ctx.actor;
  requireRole(actor, 'employer', 'staff', 'admin');
  let employerId: number;
  if (actor.role === 'employer') {
    if (input.kind === 'public_welfare') {
      throw new AppError('forbidden', 'Public-welfare posts are created by labour bureau staff', [
        { path: 'kind', message: 'staff only' },
      ]);
    }
    if (input.employerId !== undefined && input.employerId !== actor.employerId) {
      throw new AppError('forbidden', 'An employer posts openings for itself only', [
        { path: 'employerId', message: 'not your employer' },
      ]);
    }
    employerId = actor.employerId;
  } else {
    if (actor.role === 'staff' && input.kind !== 'public_welfare') {
      throw new AppError('forbidden', 'Staff create public-welfare posts; employers post their own openings', [
        { path: 'kind', message: 'staff create public_welfare posts only' },
      ]);
    }
    if (input.employerId === undefined) {
      throw new AppError('validation_failed', 'The body is not valid', [
        { path: 'employerId', message: 'required when staff or an admin post an opening' },
      ]);
    }
    employerId = input.employerId;
  }
  const [employer] = await ctx.db.select().from(employers).where(eq(employers.id, employerId));
  if (!employer || (actor.role === 'staff' && !areaInScope(actor, employer.areaCode))) {
    throw ruleBroken('employerId', `Unknown employer ${employerId}`);
  }
  return employer;
}

export async function createOpening(ctx: ServiceCtx, input: OpeningInput): Promise<Opening> {
  const employer = await resolveEmployer(ctx, input);
  await requireAreaInScope(ctx, input.areaCode);
  if (input.kind === 'public_welfare' && input.povertyOnly === false) {
    throw ruleBroken('povertyOnly', 'Every public-welfare post is for poverty-alleviated or monitored households');
  }
  checkDates(ctx, input.startDate, input.closingDate);
  const now = nowIso(ctx.clock);
  // Without its own point an opening is at its employer's place, when known.
  const point = input.point ?? pointOf(employer.lat, employer.lon);
  const [rows] = (await batch(ctx.db, [
    ctx.db
      .insert(openings)
      .values({
        employerId: employer.id,
        title: input.title,
        kind: input.kind,
        serves: input.serves,
        areaCode: input.areaCode,
        lat: point?.lat ?? null,
        lon: point?.lon ?? null,
        slots: input.slots,
        wageAmount: input.wage.amount,
        wagePeriod: input.wage.period,
        hours: input.hours,
        skills: input.skills,
        povertyOnly: input.kind === 'public_welfare' ? true : (input.povertyOnly ?? false),
        startDate: input.startDate ?? null,
        closingDate: input.closingDate ?? null,
        status: input.status ?? 'open',
        // Open from the start: alerts are owed (written just below, or by the scheduler).
        alertsPendingAt: (input.status ?? 'open') === 'open' ? now : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'opening.create',
      objectType: 'opening',
      objectId: 'inserted',
      detail: { kind: input.kind, employerId: employer.id, areaCode: input.areaCode },
    }),
  ])) as [Opening[]];
  await oweAlertsAfter(ctx, rows[0]!);
  return rows[0]!;
}

/**
 * Writes the alerts the change made owed. The change is already stored with
 * its marker, so a failure here is not the caller's: the scheduler finishes it.
 */
async function oweAlertsAfter(ctx: ServiceCtx, o: Opening) {
  if (o.alertsPendingAt === null) return;
  try {
    await oweAlertsForOpening(ctx, o.id);
  } catch (err) {
    console.error('opening alerts: left to the scheduler', o.id, err);
  }
}

function canManage(ctx: ServiceCtx, o: Opening): boolean {
  const a = ctx.actor;
  if (a.role === 'employer') return a.employerId === o.employerId;
  if (a.role === 'staff' || a.role === 'admin' || a.role === 'system') return areaInScope(a, o.areaCode);
  return false;
}

/** Open openings are public; others only to whoever manages them. */
export async function getOpening(ctx: ServiceCtx, id: number): Promise<Opening & { employerName: string }> {
  const [row] = await ctx.db
    .select({ o: openings, employerName: employers.name })
    .from(openings)
    .innerJoin(employers, eq(employers.id, openings.employerId))
    .where(eq(openings.id, id));
  if (!row || (row.o.status !== 'open' && !canManage(ctx, row.o))) throw notFound(`Opening ${id}`);
  return { ...row.o, employerName: row.employerName };
}

async function getManaged(ctx: ServiceCtx, id: number): Promise<Opening> {
  // The system: the bot closing an opening for its employer (the bot checks whose it is).
  requireRole(ctx.actor, 'employer', 'staff', 'admin', 'system');
  const [o] = await ctx.db.select().from(openings).where(eq(openings.id, id));
  if (!o || !canManage(ctx, o)) throw notFound(`Opening ${id}`);
  return o;
}

export async function updateOpening(ctx: ServiceCtx, id: number, patch: OpeningPatch): Promise<Opening> {
  const o = await getManaged(ctx, id);
  if (o.status === 'closed' || o.status === 'expired') {
    throw new AppError('invalid_transition', `The opening is ${o.status} and can no longer change`);
  }
  if (patch.areaCode !== undefined) await requireAreaInScope(ctx, patch.areaCode);
  if (o.kind === 'public_welfare' && patch.povertyOnly === false) {
    throw ruleBroken('povertyOnly', 'Every public-welfare post is for poverty-alleviated or monitored households');
  }
  const slots = patch.slots ?? o.slots;
  if (slots < o.slotsFilled) {
    throw ruleBroken('slots', `${o.slotsFilled} slots are already filled`);
  }
  if (patch.status === 'draft' && o.status !== 'draft') {
    throw new AppError('invalid_transition', 'A published opening cannot go back to draft', [
      { path: 'status', message: `is ${o.status}` },
    ]);
  }
  checkDates(
    ctx,
    patch.startDate !== undefined ? patch.startDate : o.startDate,
    patch.closingDate !== undefined ? patch.closingDate : o.closingDate,
  );
  const set: Partial<typeof openings.$inferInsert> = { updatedAt: nowIso(ctx.clock) };
  if (patch.title !== undefined) set.title = patch.title;
  if (patch.serves !== undefined) set.serves = patch.serves;
  if (patch.areaCode !== undefined) set.areaCode = patch.areaCode;
  if (patch.point !== undefined) {
    set.lat = patch.point?.lat ?? null;
    set.lon = patch.point?.lon ?? null;
  }
  if (patch.slots !== undefined) set.slots = patch.slots;
  if (patch.wage !== undefined) {
    set.wageAmount = patch.wage.amount;
    set.wagePeriod = patch.wage.period;
  }
  if (patch.hours !== undefined) set.hours = patch.hours;
  if (patch.skills !== undefined) set.skills = patch.skills;
  if (patch.povertyOnly !== undefined) set.povertyOnly = patch.povertyOnly;
  if (patch.startDate !== undefined) set.startDate = patch.startDate;
  if (patch.closingDate !== undefined) set.closingDate = patch.closingDate;
  const published = patch.status === 'open' || (patch.status === undefined && o.status !== 'draft');
  if (published) set.status = slots <= o.slotsFilled ? 'filled' : 'open';
  // Opened, or open with more slots: alerts are owed (to those not alerted yet).
  if (set.status === 'open' && (o.status !== 'open' || slots > o.slots)) set.alertsPendingAt = set.updatedAt!;
  const [rows] = (await batch(ctx.db, [
    ctx.db.update(openings).set(set).where(eq(openings.id, id)).returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'opening.update',
      objectType: 'opening',
      objectId: id,
      detail: { fields: Object.keys(patch) },
    }),
  ])) as [Opening[]];
  await oweAlertsAfter(ctx, rows[0]!);
  return rows[0]!;
}

export async function closeOpening(ctx: ServiceCtx, id: number, reason?: string): Promise<Opening> {
  const o = await getManaged(ctx, id);
  if (o.status === 'closed' || o.status === 'expired') {
    throw new AppError('invalid_transition', `The opening is already ${o.status}`);
  }
  const [rows] = (await batch(ctx.db, [
    ctx.db
      .update(openings)
      .set({ status: 'closed', updatedAt: nowIso(ctx.clock) })
      .where(eq(openings.id, id))
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'opening.close',
      objectType: 'opening',
      objectId: id,
      detail: reason ? { reason } : {},
    }),
  ])) as [Opening[]];
  return rows[0]!;
}

export interface OpeningQuery {
  near?: Point;
  radiusKm: number;
  kind?: Opening['kind'];
  serves?: Opening['serves'];
  area?: string;
  skills?: string[];
  limit: number;
  /** Without `near`: the last id seen (newest first). With `near`: the last [distance, id]. */
  after?: { id: number; d?: number };
}

export interface ListedOpening {
  opening: Opening;
  employerName: string;
  distanceKm?: number;
}

/** The public list: open openings only, nearest first when a point is given. */
export async function listOpenOpenings(
  ctx: ServiceCtx,
  q: OpeningQuery,
): Promise<{ items: ListedOpening[]; last: { id: number; d?: number } | null }> {
  const conds: (SQL | undefined)[] = [eq(openings.status, 'open')];
  if (q.kind) conds.push(eq(openings.kind, q.kind));
  if (q.serves) conds.push(eq(openings.serves, q.serves));
  if (q.area) conds.push(areaPrefix(openings.areaCode, q.area));
  if (q.skills && q.skills.length > 0) {
    conds.push(
      sql`EXISTS (SELECT 1 FROM json_each(${openings.skills}) WHERE json_each.value IN ${q.skills})`,
    );
  }
  const base = ctx.db
    .select({ opening: openings, employerName: employers.name })
    .from(openings)
    .innerJoin(employers, eq(employers.id, openings.employerId));

  if (!q.near) {
    if (q.after) conds.push(lt(openings.id, q.after.id));
    const rows = await base.where(and(...conds)).orderBy(desc(openings.id)).limit(q.limit + 1);
    const items = rows.slice(0, q.limit);
    return { items, last: rows.length > q.limit ? { id: items[items.length - 1]!.opening.id } : null };
  }

  const near = q.near;
  const box = boundingBox(near, q.radiusKm);
  conds.push(isNotNull(openings.lat), between(openings.lat, box.minLat, box.maxLat), between(openings.lon, box.minLon, box.maxLon));
  const rows = await base.where(and(...conds));
  const after = q.after;
  const ranked = rows
    .map((r) => ({ ...r, distanceKm: distanceKm(near, { lat: r.opening.lat!, lon: r.opening.lon! }) }))
    .filter((r) => r.distanceKm <= q.radiusKm)
    .map((r) => ({ ...r, distanceKm: roundKm(r.distanceKm) }))
    .filter((r) => !after || r.distanceKm > after.d! || (r.distanceKm === after.d && r.opening.id > after.id))
    .sort((a, b) => a.distanceKm - b.distanceKm || a.opening.id - b.opening.id);
  const items = ranked.slice(0, q.limit);
  const lastItem = items[items.length - 1];
  return {
    items,
    last: ranked.length > q.limit && lastItem ? { id: lastItem.opening.id, d: lastItem.distanceKm } : null,
  };
}

/** Scheduled: openings past their closing date close. Returns how many. */
export async function expireOpeningsPastClosing(ctx: ServiceCtx): Promise<number> {
  const past = and(inArray(openings.status, ['open', 'draft']), isNotNull(openings.closingDate), lt(openings.closingDate, today(ctx)));
  let expired = 0;
  // In slices (a day's expiries after a pause can be thousands), the event loop served between them.
  for (;;) {
    const slice = ctx.db.select({ id: openings.id }).from(openings).where(past).limit(SLICE_ROWS);
    const rows = await ctx.db
      .update(openings)
      .set({ status: 'expired', updatedAt: nowIso(ctx.clock) })
      .where(and(past, inArray(openings.id, slice)))
      .returning({ id: openings.id });
    expired += rows.length;
    if (rows.length < SLICE_ROWS) return expired;
    await yieldToEventLoop();
  }
}

/**
 * Openings whose place is in the caller's area, any status, whose title or
 * employer's name contains `q`: staff and admins. Newest first.
 */
export async function searchOpenings(
  ctx: ServiceCtx,
  q: { area?: string; q: string; kind?: Opening['kind']; limit: number },
): Promise<ListedOpening[]> {
  return (await searchOpeningsPage(ctx, q)).items;
}

/** One page of searchOpenings after the cursor (an opening id), with how many match in all. */
export async function searchOpeningsPage(
  ctx: ServiceCtx,
  q: { area?: string; q: string; kind?: Opening['kind']; beforeId?: number; limit: number },
): Promise<{ items: ListedOpening[]; total: number; nextBeforeId: number | null }> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const text = q.q.trim();
  const where = and(
    areaPrefix(openings.areaCode, prefix),
    q.kind ? eq(openings.kind, q.kind) : undefined,
    text ? or(containsText(openings.title, text), containsText(employers.name, text)) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    ctx.db
      .select({ opening: openings, employerName: employers.name })
      .from(openings)
      .innerJoin(employers, eq(employers.id, openings.employerId))
      .where(and(where, q.beforeId !== undefined ? lt(openings.id, q.beforeId) : undefined))
      .orderBy(desc(openings.id))
      .limit(q.limit + 1),
    ctx.db.select({ n: count() }).from(openings).innerJoin(employers, eq(employers.id, openings.employerId)).where(where),
  ]);
  const items = rows.slice(0, q.limit);
  return { items, total: total?.n ?? 0, nextBeforeId: rows.length > q.limit ? items[items.length - 1]!.opening.id : null };
}
