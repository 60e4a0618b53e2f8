// Month closing (月报报送, DESIGN.md "closing"): county staff file their
// county's figures for a month — statsFor as of the month's last day — and
// the filing is stored with who and when, never changed. Later changes that
// would alter a closed month show as revisions (filed beside now), never
// replacing the filed figure; closing again needs a reason and adds a filing.
// The prefecture sees which of its counties have closed.
//
// Who: staff whose area is exactly the county (not a township's staff, not
// the prefecture's: the county signs its own figures), or an admin; the
// system for `npm run export -- close`. A month can be closed from its last
// day on (China time). Reading: staff of the area or above it, admins.
import { and, asc, desc, eq, like } from 'drizzle-orm';
import { batch } from '../../db/client.js';
import { areas, closings } from '../../db/schema.js';
import type { ServiceCtx } from '../context.js';
import { monthBounds, todayInChina } from '../domain/dates.js';
import { AREA_CODE_DIGITS } from '../domain/matching.js';
import { requireRole } from '../domain/scope.js';
import { AppError, ruleBroken } from '../errors.js';
import { findArea } from '../services/areas.js';
import { auditInsert } from '../services/audit.js';
import { resolveStatsArea, type Stats, statsFor } from '../services/stats.js';
import { type RevisionWithRecords, revisionsWithRecords } from './revision-records.js';
import { revisionsBetween } from './revisions.js';

export type ClosingRow = typeof closings.$inferSelect;

export interface Filing {
  area: string;
  month: string;
  asOf: string;
  figures: Stats;
  closedBy: { role: string; tokenId: number | null };
  closedAt: string;
  reason: string | null;
}

export interface CountyClosing {
  area: string;
  month: string;
  asOf: string;
  closed: boolean;
  /** The filing in force (the newest), null when not closed. */
  filed: Filing | null;
  /** The same figures recomputed now. */
  now: Stats;
  /** One entry per figure that moved since the filing in force, with the records that moved it. */
  revisions: RevisionWithRecords[];
  /** Every filing of the month, oldest first. */
  history: Filing[];
}

export interface CountyStatus {
  area: string;
  name: string;
  closed: boolean;
  closedAt: string | null;
  revisions: number;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function checkMonth(month: string) {
  if (!MONTH.test(month)) throw ruleBroken('month', 'must be a month as YYYY-MM');
  return monthBounds(`${month}-01`).last;
}

const toFiling = (r: ClosingRow): Filing => ({
  area: r.areaCode,
  month: r.month,
  asOf: r.asOf,
  figures: r.figures as unknown as Stats,
  closedBy: { role: r.closedByRole, tokenId: r.closedByTokenId },
  closedAt: r.closedAt,
  reason: r.reason,
});

async function filingsOf(ctx: ServiceCtx, area: string, month: string): Promise<ClosingRow[]> {
  return ctx.db.select().from(closings).where(and(eq(closings.areaCode, area), eq(closings.month, month))).orderBy(asc(closings.id));
}

/** The filing in force for a county's month (the newest), if it was closed. */
export async function filingInForce(ctx: ServiceCtx, area: string, month: string): Promise<Filing | undefined> {
  const [row] = await ctx.db
    .select()
    .from(closings)
    .where(and(eq(closings.areaCode, area), eq(closings.month, month)))
    .orderBy(desc(closings.id))
    .limit(1);
  return row ? toFiling(row) : undefined;
}

/**
 * Closes (or, with a reason, re-closes) a county's month: stores statsFor as
 * of the month's last day with who and when, audited in the same batch.
 */
export async function closeMonth(ctx: ServiceCtx, input: { area: string; month: string; reason?: string }): Promise<Filing> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const last = checkMonth(input.month);
  if (input.area.length !== AREA_CODE_DIGITS.county) throw ruleBroken('area', 'A month is closed for a county (a 6-digit code)');
  const area = await findArea(ctx.db, input.area);
  if (!area) throw ruleBroken('area', `Unknown area code ${input.area}`);
  if (ctx.actor.role === 'staff' && ctx.actor.areaPrefix !== input.area) {
    throw new AppError('forbidden', `Only staff of ${input.area} (or an admin) may close its month`);
  }
  const today = todayInChina(ctx.clock);
  if (today < last) throw ruleBroken('month', `${input.month} can be closed from its last day, ${last}`);
  const before = await filingsOf(ctx, input.area, input.month);
  const reason = input.reason?.trim() || null;
  if (before.length > 0 && !reason) {
    throw new AppError('conflict', `${input.month} is already closed for ${input.area}; closing it again needs a reason`, [
      { path: 'reason', message: 'required to close a closed month again' },
    ]);
  }
  const figures = await statsFor({ ...ctx, actor: { role: 'system', name: 'closing' } }, { area: input.area, asOf: last });
  const prior = before.at(-1);
  const [rows] = (await batch(ctx.db, [
    ctx.db
      .insert(closings)
      .values({
        areaCode: input.area,
        month: input.month,
        asOf: last,
        figures: figures as unknown as Record<string, unknown>,
        closedByRole: ctx.actor.role === 'system' ? `system:${ctx.actor.name}` : ctx.actor.role,
        closedByTokenId: 'tokenId' in ctx.actor ? ctx.actor.tokenId : null,
        closedAt: ctx.clock.now().toISOString(),
        reason,
      })
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: prior ? 'closing.reclose' : 'closing.close',
      objectType: 'closing',
      objectId: 'inserted',
      detail: {
        area: input.area,
        month: input.month,
        ...(prior ? { reason, revised: revisionsBetween(prior.figures, figures).map((r) => r.figure) } : {}),
      },
    }),
  ])) as [ClosingRow[]];
  return toFiling(rows[0]!);
}

/** A county's month: the filing in force, the figures now and what moved. */
export async function countyClosing(ctx: ServiceCtx, area: string, month: string): Promise<CountyClosing> {
  const last = checkMonth(month);
  const rows = await filingsOf(ctx, area, month);
  const now = await statsFor({ ...ctx, actor: { role: 'system', name: 'closing' } }, { area, asOf: last });
  const filed = rows.at(-1);
  return {
    area,
    month,
    asOf: last,
    closed: Boolean(filed),
    filed: filed ? toFiling(filed) : null,
    now,
    revisions: filed ? await revisionsWithRecords(ctx, { area, asOf: last, filedAt: filed.closedAt, revisions: revisionsBetween(filed.figures, now) }) : [],
    history: rows.map(toFiling),
  };
}

/** Which counties of an area (a prefecture or more) have closed the month, and how many figures moved since. */
export async function countiesClosing(ctx: ServiceCtx, prefix: string, month: string): Promise<CountyStatus[]> {
  const last = checkMonth(month);
  const counties = await ctx.db
    .select()
    .from(areas)
    .where(and(eq(areas.level, 'county'), like(areas.code, `${prefix}%`)))
    .orderBy(asc(areas.code));
  const out: CountyStatus[] = [];
  for (const county of counties) {
    const [filed] = await ctx.db
      .select()
      .from(closings)
      .where(and(eq(closings.areaCode, county.code), eq(closings.month, month)))
      .orderBy(desc(closings.id))
      .limit(1);
    let revisions = 0;
    if (filed) {
      const now = await statsFor({ ...ctx, actor: { role: 'system', name: 'closing' } }, { area: county.code, asOf: last });
      revisions = revisionsBetween(filed.figures, now).length;
    }
    out.push({ area: county.code, name: county.name, closed: Boolean(filed), closedAt: filed?.closedAt ?? null, revisions });
  }
  return out;
}

export type ClosingsView =
  | ({ level: 'county' } & CountyClosing)
  | { level: 'counties'; area: string; month: string; asOf: string; counties: CountyStatus[] };

/**
 * GET /v1/closings: for a county, its month (filed, now, revisions); for a
 * prefecture or more, its counties closed or not. A filing holds a whole
 * county's figures, so staff of a township may not read it.
 */
export async function closingsFor(ctx: ServiceCtx, q: { area?: string; month: string }): Promise<ClosingsView> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const last = checkMonth(q.month);
  if (q.area !== undefined && q.area.length > AREA_CODE_DIGITS.county) {
    throw ruleBroken('area', 'Months are closed by county: give a county (6 digits) or an area above it');
  }
  const prefix = await resolveStatsArea(ctx, q.area);
  if (prefix.length > AREA_CODE_DIGITS.county) {
    throw new AppError('forbidden', 'A filing holds a whole county\'s figures: staff of a smaller area may not read it');
  }
  if (prefix.length === AREA_CODE_DIGITS.county) return { level: 'county', ...(await countyClosing(ctx, prefix, q.month)) };
  return { level: 'counties', area: prefix, month: q.month, asOf: last, counties: await countiesClosing(ctx, prefix, q.month) };
}
