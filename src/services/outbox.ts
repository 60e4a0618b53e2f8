// Messages the service owes someone. A verb that causes a message adds
// owe(...) to the batch of its change, so the message exists exactly when the
// change does. The payload names records, not people: the text is rendered
// when the message is sent (bot/notices.ts), so an erasure in between leaves
// nothing of the person in a queued message.
import { and, asc, desc, eq, gt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { outbox, outboxChannels, zeroEmploymentPeriods } from '../../db/schema.js';
import { SLICE_ROWS, yieldToEventLoop } from '../lib/yield.js';
import { type Clock, nowIso, type ServiceCtx } from '../context.js';
import { requireRole } from '../domain/scope.js';
import { periodContains } from './household-status.js';
import { getScopedWorker } from './workers.js';

export type NoticeKind =
  | 'new_applicant'
  | 'offer'
  | 'declined'
  | 'expired'
  | 'expired_employer'
  | 'hired'
  | 'opening_alert'
  | 'opening_idle'
  | 'zero_digest'
  | 'zero_placed'
  | 'checkin'
  /** A post holder's month: the subsidy and any deduction, before payment (services/posts/assessments.ts). */
  | 'subsidy_notice'
  /** The sampled check-in of a post holder (services/posts/checkins.ts). */
  | 'post_checkin';

export type Recipient = { workerId: number } | { employerId: number } | { staffTokenId: number } | { chatId: string };

export interface Owed {
  kind: NoticeKind;
  to: Recipient;
  /** Names records only: an application, a (worker, opening) pair, an opening, a placement, a household. */
  payload: { applicationId?: number; workerId?: number; openingId?: number; placementId?: number; householdId?: number; date?: string; assessmentId?: number; checkinId?: number };
  /** At most one message per key. */
  dedupeKey?: string;
  notBefore?: Date;
}

/**
 * An integer bound as a parameter, read back as an integer: libSQL binds a
 * JS number as a real, which would make ids read "1.0" inside text.
 */
export const int = (n: number): SQL => sql`CAST(${n} AS INTEGER)`;

/** The insert, unawaited, to put into the causing change's batch. */
export function owe(db: Db, clock: Clock, m: Owed) {
  return db
    .insert(outbox)
    .values({
      kind: m.kind,
      workerId: 'workerId' in m.to ? m.to.workerId : null,
      employerId: 'employerId' in m.to ? m.to.employerId : null,
      staffTokenId: 'staffTokenId' in m.to ? m.to.staffTokenId : null,
      chatId: 'chatId' in m.to ? m.to.chatId : null,
      dedupeKey: m.dedupeKey ?? null,
      payload: m.payload,
      notBefore: (m.notBefore ?? clock.now()).toISOString(),
      createdAt: nowIso(clock),
    })
    .onConflictDoNothing();
}

/**
 * One opening alert to each of these workers, in this order (the outbox id
 * order is the sending order), as one statement whatever their number: the
 * ids travel as one JSON parameter (D1 binds at most 100). Only while the
 * opening is still open; a worker already alerted for it is skipped by the
 * dedupe key `opening_alert:<opening>:<worker>`.
 */
export function oweOpeningAlerts(db: Db, clock: Clock, openingId: number, workerIds: number[]) {
  const now = nowIso(clock);
  const o = int(openingId);
  return db.run(sql`INSERT OR IGNORE INTO ${outbox} (kind, worker_id, dedupe_key, payload, status, attempts, not_before, created_at)
    SELECT 'opening_alert', j.value, 'opening_alert:' || ${o} || ':' || j.value,
      json_object('openingId', ${o}, 'workerId', j.value), 'pending', 0, ${now}, ${now}
    FROM json_each(${JSON.stringify(workerIds.map(Number))}) AS j
    WHERE EXISTS (SELECT 1 FROM openings WHERE openings.id = ${o} AND openings.status = 'open')
    ORDER BY j.key`);
}

/**
 * Staff of the household's area (a linked chat, token not revoked) hear that
 * a household on the zero-employment list today has someone in work: put it
 * in the placement's batch before the household's periods are rewritten, so
 * "on the list" is read as it was before the placement.
 */
export function oweZeroPlaced(db: Db, clock: Clock, household: { id: number; areaCode: string }, workerId: number, day: string) {
  const now = nowIso(clock);
  const h = int(household.id);
  return db.run(sql`INSERT OR IGNORE INTO ${outbox} (kind, staff_token_id, dedupe_key, payload, status, attempts, not_before, created_at)
    SELECT 'zero_placed', t.id, 'zero_placed:' || t.id || ':' || ${h} || ':' || ${day},
      json_object('householdId', ${h}, 'workerId', ${int(workerId)}), 'pending', 0, ${now}, ${now}
    FROM api_tokens AS t
    WHERE t.role = 'staff' AND t.revoked_at IS NULL AND t.telegram_chat_id IS NOT NULL
      AND substr(${household.areaCode}, 1, length(t.area_prefix)) = t.area_prefix
      AND EXISTS (SELECT 1 FROM ${zeroEmploymentPeriods} WHERE ${zeroEmploymentPeriods.householdId} = ${h} AND ${periodContains(day)})`);
}

export type OutboxStatus = (typeof outbox.status.enumValues)[number];

export interface OutboxItem {
  id: number;
  kind: string;
  recipientKind: 'worker' | 'employer' | 'staff' | 'chat';
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

/**
 * Messages by status (dead letters, mostly), oldest first: admins only. No
 * personal values: who is named by kind only, never by id or chat.
 */
export async function listOutbox(
  ctx: ServiceCtx,
  q: { status: OutboxStatus; afterId?: number; limit: number },
): Promise<{ items: OutboxItem[]; lastId: number | null }> {
  requireRole(ctx.actor, 'admin');
  const rows = await ctx.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.status, q.status), q.afterId !== undefined ? gt(outbox.id, q.afterId) : undefined))
    .orderBy(asc(outbox.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map(
    (r): OutboxItem => ({
      id: r.id,
      kind: r.kind,
      recipientKind: r.workerId !== null ? 'worker' : r.employerId !== null ? 'employer' : r.staffTokenId !== null ? 'staff' : 'chat',
      attempts: r.attempts,
      lastError: r.lastError,
      createdAt: r.createdAt,
    }),
  );
  return { items, lastId: rows.length > q.limit ? items[items.length - 1]!.id : null };
}

/**
 * What the outbox owed one worker, newest first (staff of the worker's area):
 * the kind of message, its status and dates only, never its content, which
 * may name an employer's other applicants or other people.
 */
export async function alertsForWorker(
  ctx: ServiceCtx,
  workerId: number,
  limit: number,
): Promise<Array<{ id: number; kind: string; status: OutboxStatus; createdAt: string; sentAt: string | null }>> {
  const w = await getScopedWorker(ctx, workerId);
  return ctx.db
    .select({ id: outbox.id, kind: outbox.kind, status: outbox.status, createdAt: outbox.createdAt, sentAt: outbox.sentAt })
    .from(outbox)
    .where(eq(outbox.workerId, w.id))
    .orderBy(desc(outbox.id))
    .limit(limit);
}

export type OutboxChannel = (typeof outboxChannels)[number];

/** The first `limit` of a sender's live rows due at `now`, oldest first: outbox_channel_due_idx (its WHERE spelled out for SQLite to use it). */
const dueIds = (channel: OutboxChannel, nowIso: string, limit: number) =>
  sql`SELECT ${outbox.id} FROM ${outbox} WHERE ${outbox.channel} = ${channel} AND ${outbox.status} IN ('pending', 'sending') AND ${outbox.notBefore} <= ${nowIso}
    ORDER BY ${outbox.notBefore}, ${outbox.id} LIMIT ${limit}`;

/**
 * Whether a sender has anything due: asked before its write, since a write
 * takes the database's lock even when it changes nothing, and the senders run
 * after every write request and every second of the loop, mostly finding nothing.
 */
async function anyDue(db: Db, channel: OutboxChannel, nowIso: string): Promise<boolean> {
  const [row] = await db.select({ id: outbox.id }).from(outbox).where(sql`${outbox.id} IN (${dueIds(channel, nowIso, 1)})`);
  return row !== undefined;
}

/**
 * Claims up to `limit` messages due at `now` for one sender (`channel`:
 * whom it reaches, outbox.channel, kept by triggers): due ones and those
 * whose last sender's lease ran out, each leased until now + leaseMs and
 * counted as an attempt, in one statement, so two senders never hold the
 * same row. Reads only that sender's rows, however many other senders owe.
 * Sorted by id.
 */
export async function claimOwed(db: Db, now: Date, channel: OutboxChannel, limit: number, leaseMs: number) {
  const nowIso = now.toISOString();
  if (!(await anyDue(db, channel, nowIso))) return [];
  const due = dueIds(channel, nowIso, limit);
  const claimed = await db
    .update(outbox)
    .set({ status: 'sending', notBefore: new Date(now.getTime() + leaseMs).toISOString(), attempts: sql`${outbox.attempts} + 1` })
    .where(sql`${outbox.id} IN (${due}) AND ${outbox.status} IN ('pending', 'sending') AND ${outbox.notBefore} <= ${nowIso}`)
    .returning();
  return claimed.sort((a, b) => a.id - b.id);
}

/** Sets what a sender learned about one outbox row. */
export const setOutboxRow = (db: Db, id: number, set: { [K in keyof typeof outbox.$inferInsert]?: (typeof outbox.$inferInsert)[K] | SQL }) =>
  db.update(outbox).set(set).where(eq(outbox.id, id));

/**
 * Cancels what is due for a sender whose channel is off, saying why:
 * `rows` a statement (cancelled rows leave outbox_channel_due_idx, so each
 * statement reads only the rows it cancels), the event loop served between
 * statements, at most `slices` of them a call (the rest wait for the next).
 * Claiming and cancelling row by row (a write each, the loop never served)
 * took 19 minutes for a backlog of 217,000 and starved the server. Returns
 * how many were cancelled.
 */
export async function cancelOwed(db: Db, now: () => Date, channel: OutboxChannel, why: string, opts: { rows?: number; slices?: number } = {}): Promise<number> {
  const rows = opts.rows ?? SLICE_ROWS;
  let cancelled = 0;
  // Asked once: a slice follows another only when the last was full.
  if (!(await anyDue(db, channel, now().toISOString()))) return 0;
  for (let slice = 0; slice < (opts.slices ?? 1000); slice++) {
    const due = dueIds(channel, now().toISOString(), rows);
    const done = await db.update(outbox).set({ status: 'cancelled', lastError: why }).where(sql`${outbox.id} IN (${due})`).returning({ id: outbox.id });
    cancelled += done.length;
    if (done.length < rows) break;
    await yieldToEventLoop();
  }
  return cancelled;
}
