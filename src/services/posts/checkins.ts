// The sampled check-in (抽查回访) of public-welfare post holders: each month
// the monthly checks (services/posts/checks.ts) ask POST_RULES
// .checkinSampleShare of the holders (chosen by domain/checkin-sample.ts)
// "这个月您在做 <岗位> 吗？" through the outbox — the bot, WeChat or SMS, as
// the person is reached; one who cannot be reached is still in the sample
// and shows as not answering, for staff to visit. A "no" raises a
// `checkin_no` flag at once; no answer by `answerDue` (asked day +
// checkinAnswerDays) raises `checkin_no_answer`, read by the clock from
// post_checkins_due_idx, never by a scan.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { batch, rowsAffected } from '../../../db/client.js';
import { postCheckins } from '../../../db/schema.js';
import { nowIso, type ServiceCtx } from '../../context.js';
import { inCheckinSample } from '../../domain/checkin-sample.js';
import { addDays, todayInChina } from '../../domain/dates.js';
import type { PostRules } from '../../domain/post-rules.js';
import { SLICE_ROWS, yieldToEventLoop } from '../../lib/yield.js';

/**
 * The month's questions to the sampled holders among a slice (placement ids):
 * always two statements (the check-ins, then their messages), so the slice's
 * batch reads its counts by position.
 */
export function checkinWrites(ctx: ServiceCtx, rules: PostRules, ids: number[], today: string, month: string) {
  const now = nowIso(ctx.clock);
  const sampled = JSON.stringify(ids.filter((id) => inCheckinSample(id, month, rules.checkinSampleShare)));
  const due = addDays(today, rules.checkinAnswerDays);
  return [
    ctx.db.run(sql`INSERT OR IGNORE INTO post_checkins (placement_id, worker_id, home_area_code, month, asked_at, answer_due)
      SELECT p.id, p.worker_id, p.home_area_code, ${month}, ${now}, ${due} FROM placements AS p
      WHERE p.id IN (SELECT value FROM json_each(${sampled}))`),
    ctx.db.run(sql`INSERT OR IGNORE INTO outbox (kind, worker_id, dedupe_key, payload, status, attempts, not_before, created_at)
      SELECT 'post_checkin', c.worker_id, 'post_checkin:' || c.id, json_object('checkinId', c.id), 'pending', 0, ${now}, ${now}
      FROM post_checkins AS c JOIN workers AS w ON w.id = c.worker_id
      WHERE c.month = ${month} AND c.placement_id IN (SELECT value FROM json_each(${sampled}))
        AND w.erased_at IS NULL AND w.unreachable = 0
        AND (w.telegram_chat_id IS NOT NULL OR w.wechat_openid IS NOT NULL OR (w.phone IS NOT NULL AND w.sms_opt_out_at IS NULL))`),
  ];
}

/** The clock: check-ins not answered by their due day raise `checkin_no_answer`, a slice at a time. */
export async function flagUnansweredCheckins(ctx: ServiceCtx): Promise<number> {
  const today = todayInChina(ctx.clock);
  const now = nowIso(ctx.clock);
  let flagged = 0;
  for (;;) {
    const due = await ctx.db.all<{ id: number }>(sql`SELECT id FROM post_checkins INDEXED BY post_checkins_due_idx
      WHERE answer IS NULL AND flagged_at IS NULL AND answer_due <= ${today} LIMIT ${SLICE_ROWS}`);
    if (due.length === 0) break;
    const ids = JSON.stringify(due.map((d) => d.id));
    const [raised] = await batch(ctx.db, [
      ctx.db.run(sql`INSERT OR IGNORE INTO post_checks (kind, placement_id, worker_id, home_area_code, month, detail, raised_at)
        SELECT 'checkin_no_answer', c.placement_id, c.worker_id, c.home_area_code, c.month, json_object('checkinId', c.id, 'askedAt', c.asked_at), ${now}
        FROM post_checkins AS c WHERE c.id IN (SELECT value FROM json_each(${ids}))`),
      ctx.db.run(sql`UPDATE post_checkins SET flagged_at = ${now} WHERE id IN (SELECT value FROM json_each(${ids}))`),
    ] as never);
    flagged += rowsAffected(raised);
    if (due.length < SLICE_ROWS) break;
    await yieldToEventLoop();
  }
  return flagged;
}

/**
 * The holder's answer (the bot's 在做 / 没有做): only their own check-in,
 * once; false otherwise. A "no" raises `checkin_no` in the same batch.
 */
export async function answerPostCheckin(ctx: ServiceCtx, workerId: number, checkinId: number, doingIt: boolean): Promise<boolean> {
  const [c] = await ctx.db.select().from(postCheckins).where(eq(postCheckins.id, checkinId));
  if (!c || c.workerId !== workerId || c.answer !== null) return false;
  const now = nowIso(ctx.clock);
  const [updated] = await batch(ctx.db, [
    ctx.db
      .update(postCheckins)
      .set({ answer: doingIt ? 'yes' : 'no', answeredAt: now })
      .where(and(eq(postCheckins.id, checkinId), isNull(postCheckins.answer))),
    ...(doingIt
      ? []
      : [
          ctx.db.run(sql`INSERT OR IGNORE INTO post_checks (kind, placement_id, worker_id, home_area_code, month, detail, raised_at)
            SELECT 'checkin_no', c.placement_id, c.worker_id, c.home_area_code, c.month, json_object('checkinId', c.id), ${now}
            FROM post_checkins AS c WHERE c.id = ${checkinId} AND changes() = 1`),
        ]),
  ] as never);
  return rowsAffected(updated) === 1;
}
