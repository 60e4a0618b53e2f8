// What the service owes people on its own initiative: alerts of a new opening
// to the workers it suits, and the clocks (a daily digest of overdue
// zero-employment households to staff, idle openings to their employer, the
// monthly check-in of placed workers). Each is written to the outbox
// (services/outbox.ts) atomically with what records that it was owed, and
// is idempotent by its dedupe key, so running a step twice owes nothing twice.
import { and, eq, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { batch, rowsAffected } from '../../db/client.js';
import { apiTokens, employers, openings, outbox, placements, workers, zeroEmploymentPeriods } from '../../db/schema.js';
import { nowIso, type ServiceCtx } from '../context.js';
import { addDays } from '../domain/dates.js';
import { OVERDUE_DAYS } from '../domain/household-status.js';
import { AppError } from '../errors.js';
import { SLICE_ROWS, yieldToEventLoop } from '../lib/yield.js';
import { today } from './households.js';
import { candidatesForOpening } from './matching.js';
import { oweOpeningAlerts } from './outbox.js';
import { endPlacement } from './placements.js';

/** Alerts per opening at most: its best-ranked opted-in candidates. */
export const ALERTS_PER_OPENING = 200;
/** Ranked candidates looked through to find them (some have alerts off or no chat). */
const CANDIDATE_POOL = 1000;
export const IDLE_OPENING_DAYS = 60;
export const CHECKIN_DAYS = 30;
/** Staff digests go out from this hour, China time (not at midnight). */
const DIGEST_HOUR = 9;

type Ctx = Pick<ServiceCtx, 'db' | 'clock' | 'postRules'>;
const system = (ctx: Ctx): ServiceCtx => ({ db: ctx.db, clock: ctx.clock, actor: { role: 'system', name: 'alerts' }, postRules: ctx.postRules });

/**
 * Owes the alerts of an opening that became open or gained slots (its
 * `alertsPendingAt` marker, set in the batch of that change): one to each of
 * the ALERTS_PER_OPENING best candidates by the matcher's own ranking
 * (candidatesForOpening) who has alerts on, a chat, and has not blocked the
 * bot. The alerts and the clearing of the marker are one batch; a marker set
 * again meanwhile (another change) stays for the next pass. Returns how many
 * workers were chosen (those alerted before are skipped by the dedupe key).
 */
export async function oweAlertsForOpening(ctx: Ctx, openingId: number): Promise<number> {
  const [o] = await ctx.db
    .select({ status: openings.status, marker: openings.alertsPendingAt })
    .from(openings)
    .where(eq(openings.id, openingId));
  if (!o || o.marker === null) return 0;
  const clear = ctx.db
    .update(openings)
    .set({ alertsPendingAt: null })
    .where(and(eq(openings.id, openingId), eq(openings.alertsPendingAt, o.marker)));
  if (o.status !== 'open') {
    await clear;
    return 0;
  }
  const ranked = await candidatesForOpening(system(ctx), openingId, { limit: CANDIDATE_POOL });
  const ids = ranked.map((c) => c.worker.id);
  const reachable = ids.length
    ? await ctx.db
        .select({ id: workers.id })
        .from(workers)
        .where(
          and(
            sql`${workers.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
            eq(workers.alertsEnabled, true),
            eq(workers.unreachable, false),
            // A chat, or a phone for SMS (bot/channels/sms/) not refused with TD.
            or(isNotNull(workers.telegramChatId), isNotNull(workers.wechatOpenid), and(isNotNull(workers.phone), isNull(workers.smsOptOutAt))),
            sql`${workers.erasedAt} IS NULL`,
          ),
        )
    : [];
  const ok = new Set(reachable.map((r) => r.id));
  const chosen = ids.filter((id) => ok.has(id)).slice(0, ALERTS_PER_OPENING);
  await batch(ctx.db, [...(chosen.length ? [oweOpeningAlerts(ctx.db, ctx.clock, openingId, chosen)] : []), clear]);
  return chosen.length;
}

/** Scheduled: finishes alert steps a crash or an error left undone. Returns the openings handled. */
export async function oweDueOpeningAlerts(ctx: Ctx, limit = 20): Promise<number> {
  const due = await ctx.db
    .select({ id: openings.id })
    .from(openings)
    .where(isNotNull(openings.alertsPendingAt))
    .orderBy(openings.alertsPendingAt)
    .limit(limit);
  for (const o of due) await oweAlertsForOpening(ctx, o.id);
  return due.length;
}

/**
 * Scheduled: each staff member with a linked chat gets one digest a day when
 * households of their area have waited more than OVERDUE_DAYS on the
 * zero-employment list (one message per person, not per household; the
 * households are listed when it is sent). Returns how many were owed.
 */
export async function oweZeroEmploymentDigests(ctx: Ctx): Promise<number> {
  const day = today(ctx);
  const now = nowIso(ctx.clock);
  const from = new Date(Date.parse(`${day}T${String(DIGEST_HOUR).padStart(2, '0')}:00:00+08:00`));
  const notBefore = new Date(Math.max(from.getTime(), ctx.clock.now().getTime())).toISOString();
  const overdueBefore = addDays(day, -OVERDUE_DAYS);
  const z = zeroEmploymentPeriods;
  const res = await ctx.db.run(sql`INSERT OR IGNORE INTO ${outbox} (kind, staff_token_id, dedupe_key, payload, status, attempts, not_before, created_at)
    SELECT 'zero_digest', t.id, 'zero_digest:' || t.id || ':' || ${day}, json_object('date', ${day}), 'pending', 0, ${notBefore}, ${now}
    FROM ${apiTokens} AS t
    WHERE t.role = 'staff' AND t.revoked_at IS NULL AND t.telegram_chat_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM ${z} WHERE ${z.areaCode} >= t.area_prefix AND ${z.areaCode} < t.area_prefix || ':'
        AND ${z.startDate} < ${overdueBefore} AND (${z.endDate} IS NULL OR ${z.endDate} > ${day}))`);
  return rowsAffected(res);
}

/**
 * Scheduled: an open opening nobody touched for IDLE_OPENING_DAYS is flagged
 * to its employer (when it has a chat), once per idle spell: the key carries
 * the last change, so an opening touched and left idle again is flagged again.
 * Read from the employers with a chat (CROSS JOIN keeps that order): the idle
 * openings of employers without one would otherwise be walked every minute.
 */
export async function flagIdleOpenings(ctx: Ctx): Promise<number> {
  const now = nowIso(ctx.clock);
  const cutoff = new Date(ctx.clock.now().getTime() - IDLE_OPENING_DAYS * 86_400_000).toISOString();
  const res = await ctx.db.run(sql`INSERT OR IGNORE INTO ${outbox} (kind, employer_id, dedupe_key, payload, status, attempts, not_before, created_at)
    SELECT 'opening_idle', ${openings.employerId}, 'opening_idle:' || ${openings.id} || ':' || ${openings.updatedAt},
      json_object('openingId', ${openings.id}), 'pending', 0, ${now}, ${now}
    FROM ${employers} CROSS JOIN ${openings} ON ${openings.employerId} = ${employers.id}
    WHERE (${employers.telegramChatId} IS NOT NULL OR ${employers.wechatOpenid} IS NOT NULL) AND ${openings.status} = 'open' AND ${openings.updatedAt} < ${cutoff}`);
  return rowsAffected(res);
}

/**
 * Scheduled: each worker in active work (with a chat) is asked once every
 * CHECKIN_DAYS whether they still are; the first time CHECKIN_DAYS after the
 * start. Only the placements due today are read, by their `checkinDue` date
 * (indexed), in slices with the event loop served between them; a due
 * placement whose worker cannot be reached now is looked at again in
 * CHECKIN_DAYS. Each slice's questions and the new due dates are one batch.
 */
export async function oweCheckins(ctx: Ctx): Promise<number> {
  const day = today(ctx);
  const now = nowIso(ctx.clock);
  const next = addDays(day, CHECKIN_DAYS);
  const p = placements;
  let owed = 0;
  for (;;) {
    // The planner would walk every active placement by end date: the due-date index is named.
    const due = await ctx.db.all<{ id: number; reachable: number }>(sql`SELECT ${p.id} AS id,
        EXISTS (SELECT 1 FROM ${workers} WHERE ${workers.id} = ${p.workerId} AND (${workers.telegramChatId} IS NOT NULL OR ${workers.wechatOpenid} IS NOT NULL OR (${workers.phone} IS NOT NULL AND ${workers.smsOptOutAt} IS NULL)) AND ${workers.erasedAt} IS NULL AND ${workers.unreachable} = 0) AS reachable
      FROM ${p} INDEXED BY placements_checkin_due_idx
      WHERE ${p.endDate} IS NULL AND ${p.checkinDue} <= ${day} LIMIT ${SLICE_ROWS}`);
    if (due.length === 0) break;
    const asked = due.filter((d) => d.reachable);
    const ids = (list: typeof due) => JSON.stringify(list.map((d) => d.id));
    const writes = [
      ctx.db.run(sql`UPDATE ${p} SET checkin_due = ${next} WHERE ${p.id} IN (SELECT value FROM json_each(${ids(due)}))`),
    ];
    if (asked.length) {
      writes.push(
        ctx.db.run(sql`INSERT OR IGNORE INTO ${outbox} (kind, worker_id, dedupe_key, payload, status, attempts, not_before, created_at)
          SELECT 'checkin', ${p.workerId}, 'checkin:' || ${p.id} || ':' || ${day}, json_object('placementId', ${p.id}), 'pending', 0, ${now}, ${now}
          FROM ${p} WHERE ${p.id} IN (SELECT value FROM json_each(${ids(asked)}))`),
        ctx.db.run(sql`UPDATE ${p} SET checked_in_at = ${now} WHERE ${p.id} IN (SELECT value FROM json_each(${ids(asked)}))`),
      );
    }
    const results = await batch(ctx.db, writes);
    if (asked.length) owed += rowsAffected(results[1]);
    if (due.length < SLICE_ROWS) break;
    await yieldToEventLoop();
  }
  return owed;
}

/**
 * The worker's answer to a check-in: still in work (noted), or ended (the
 * placement ends today, so the counts follow). Only the worker's own, open
 * placement; false otherwise (already answered, not theirs).
 */
export async function answerCheckin(
  ctx: Ctx,
  workerId: number,
  placementId: number,
  stillWorking: boolean,
): Promise<boolean> {
  const [p] = await ctx.db.select().from(placements).where(eq(placements.id, placementId));
  if (!p || p.workerId !== workerId || p.endDate !== null) return false;
  if (stillWorking) {
    await ctx.db
      .update(placements)
      .set({ checkedInAt: nowIso(ctx.clock), checkinDue: addDays(today(ctx), CHECKIN_DAYS) })
      .where(eq(placements.id, placementId));
    return true;
  }
  const day = today(ctx);
  try {
    await endPlacement(system(ctx), placementId, { endDate: day < p.startDate ? p.startDate : day, reason: 'other' });
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
  return true;
}
