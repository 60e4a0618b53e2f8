// What the SMS provider tells us back: delivery receipts (Aliyun SmsReport:
// biz_id, success, err_code) and the replies people send (SmsUp:
// phone_number, content, sequence_id). A reply of TD (or 退订) stops every
// further SMS to that worker; a reply of 1 to a new-opening SMS applies, to an
// offer it is kept as interest; a 1 or a 2 to a check-in (the month's, or a
// post's sampled 回访) is the person's answer, as the chat's buttons are —
// all listed for staff (GET /v1/sms/replies); anything else is kept as it
// came. A reply the provider sends again (the same sequence_id) counts once.
import { and, desc, eq, inArray, isNull, like, sql } from 'drizzle-orm';
import { outbox, smsMessages, smsReplies, workers } from '../../../db/schema.js';
import type { Deps, ServiceCtx } from '../../../src/context.js';
import { requireRole, scopedAreaPrefix } from '../../../src/domain/scope.js';
import { AppError } from '../../../src/errors.js';
import { answerCheckin } from '../../../src/services/alerts.js';
import { createApplication } from '../../../src/services/applications.js';
import { answerPostCheckin } from '../../../src/services/posts/checkins.js';

export interface SmsReceipt {
  biz_id: string;
  success: boolean;
  err_code?: string;
  err_msg?: string;
  report_time?: string;
  out_id?: string;
}

export interface SmsUp {
  phone_number: string;
  content: string;
  sequence_id: string | number;
  send_time?: string;
}

export async function recordReceipts(deps: Deps, items: SmsReceipt[]): Promise<number> {
  let n = 0;
  for (const r of items) {
    const done = await deps.db
      .update(smsMessages)
      .set({ status: r.success ? 'delivered' : 'failed', error: r.success ? null : `${r.err_code ?? ''} ${r.err_msg ?? ''}`.trim(), reportedAt: deps.clock.now().toISOString() })
      .where(eq(smsMessages.bizId, r.biz_id))
      .returning({ id: smsMessages.id });
    n += done.length;
  }
  return n;
}

const OPT_OUT = /^\s*(td|t|退订|退)\s*$/i;
const INTERESTED = /^\s*[1１]\s*$/;
const STOPPED = /^\s*[2２]\s*$/;
/** The SMS whose question a 1 ("still at it") or a 2 ("not any more") answers. */
const CHECKIN_KINDS = ['checkin', 'post_checkin'];

export async function recordReplies(deps: Deps, items: SmsUp[]): Promise<number> {
  const ctx: ServiceCtx = { db: deps.db, clock: deps.clock, actor: { role: 'system', name: 'sms' } };
  const now = deps.clock.now().toISOString();
  let n = 0;
  for (const r of items) {
    const digits = r.phone_number.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
    const [w] = await deps.db
      .select()
      .from(workers)
      .where(and(inArray(workers.phone, [digits, `+86${digits}`]), isNull(workers.erasedAt)));
    const yes = INTERESTED.test(r.content);
    const no = STOPPED.test(r.content);
    // What a 1 or a 2 answers: the newest SMS to the number that asked for a
    // reply. A 2 ends a job only when that is a check-in: never a "no thanks"
    // to an opening read as "I stopped working".
    const [about] =
      yes || no
        ? await deps.db
            .select()
            .from(smsMessages)
            .where(and(inArray(smsMessages.phone, [digits, `+86${digits}`]), inArray(smsMessages.kind, ['opening_alert', 'offer', ...CHECKIN_KINDS])))
            .orderBy(desc(smsMessages.sentAt), desc(smsMessages.id))
            .limit(1)
        : [];
    const checkin = about !== undefined && CHECKIN_KINDS.includes(about.kind);
    const meaning = OPT_OUT.test(r.content) ? 'opt_out' : checkin ? (yes ? 'still_working' : 'stopped') : yes ? 'interested' : 'other';
    const stored = await deps.db
      .insert(smsReplies)
      .values({
        workerId: w?.id ?? null,
        phone: digits,
        content: r.content.slice(0, 500),
        meaning,
        applicationId: about?.applicationId ?? null,
        openingId: about?.openingId ?? null,
        sequenceId: String(r.sequence_id),
        receivedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: smsReplies.id });
    if (stored.length === 0 || !w) continue;
    n++;
    if (meaning === 'opt_out') await deps.db.update(workers).set({ smsOptOutAt: now, updatedAt: now }).where(eq(workers.id, w.id));
    if (checkin && about.outboxId !== null) {
      // The person's answer, as the chat's buttons give it (one already given stays).
      const [asked] = await deps.db.select({ payload: outbox.payload }).from(outbox).where(eq(outbox.id, about.outboxId));
      const p = asked?.payload ?? {};
      if (about.kind === 'checkin') await answerCheckin(ctx, w.id, Number(p.placementId), yes);
      else await answerPostCheckin(ctx, w.id, Number(p.checkinId), yes);
    }
    if (meaning === 'interested' && about?.kind === 'opening_alert' && about.openingId !== null) {
      try {
        const a = await createApplication(ctx, { workerId: w.id, openingId: about.openingId });
        await deps.db.update(smsReplies).set({ applicationId: a.id }).where(eq(smsReplies.id, stored[0]!.id));
      } catch (err) {
        // Closed, filled or already applied: the reply stays listed for staff.
        if (!(err instanceof AppError)) throw err;
      }
    }
  }
  return n;
}

export interface SmsReplyView {
  id: number;
  workerId: number | null;
  workerName: string | null;
  content: string;
  meaning: (typeof smsReplies.$inferSelect)['meaning'];
  applicationId: number | null;
  openingId: number | null;
  receivedAt: string;
}

/** Replies of workers in the caller's area (staff) or all (admin), newest first. */
export async function listSmsReplies(ctx: ServiceCtx, q: { meaning?: SmsReplyView['meaning']; area?: string; limit: number }): Promise<SmsReplyView[]> {
  requireRole(ctx.actor, 'admin', 'staff');
  const prefix = ctx.actor.role === 'staff' || q.area ? scopedAreaPrefix(ctx.actor, q.area) : '';
  const rows = await ctx.db
    .select({ r: smsReplies, name: workers.name, area: workers.areaCode })
    .from(smsReplies)
    .innerJoin(workers, eq(workers.id, smsReplies.workerId))
    .where(and(q.meaning ? eq(smsReplies.meaning, q.meaning) : sql`1 = 1`, prefix ? like(workers.areaCode, `${prefix}%`) : sql`1 = 1`))
    .orderBy(desc(smsReplies.id))
    .limit(q.limit);
  return rows.map(({ r, name }) => ({
    id: r.id,
    workerId: r.workerId,
    workerName: name,
    content: r.content,
    meaning: r.meaning,
    applicationId: r.applicationId,
    openingId: r.openingId,
    receivedAt: r.receivedAt,
  }));
}
