// Checks that find ghost posts (虚设岗位) and abuse of public-welfare posts
// (DESIGN.md "Public-welfare post holders"). Each month, from the day after
// assessments are due (POST_RULES.assessmentDueDay + 1), the clock walks the
// holders — public-welfare placements in work today — by worker id, a slice
// of POST_CHECK_SLICE at a time through placements_one_pw_per_worker_uq, with the
// cursor kept in post_check_runs (a run cut short goes on where it stopped;
// no run reads every holder at once). For each slice one batch raises, at
// most once per kind, placement and month:
//   - concurrent_placement: another placement of the person in work today
//     (`outOfCounty` when it is in another county or province: the 外出务工
//     case; flexible part-time work beside the post is allowed, staff clear it);
//   - deceased: the person's recorded death (workers.deceased_on) is today or before;
//   - erased: the person's data was erased, yet the post is held;
//   - two_in_household: another member of the person's household (as it is
//     today: a re-import can move a person) holds a post too;
//   - cadre_household: the household is a village cadre's (村干部户) today;
//   - no_assessment: held through each of the last missingAssessmentMonths
//     months, and none of them assessed;
// and asks the sampled check-in (services/posts/checkins.ts). The holder's
// "no" and a missing answer raise `checkin_no` / `checkin_no_answer`.
// Staff of the holder's area see the open flags and resolve each with a note
// (confirmed or cleared), audited.
import { and, desc, eq, isNull, isNotNull, lt, sql } from 'drizzle-orm';
import { batch, rowsAffected } from '../../../db/client.js';
import { openings, postCheckKinds, postCheckRuns, postChecks, placements, workers } from '../../../db/schema.js';
import { nowIso, postRulesOf, type ServiceCtx } from '../../context.js';
import { todayInChina } from '../../domain/dates.js';
import type { PostRules } from '../../domain/post-rules.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../../domain/scope.js';
import { AppError, notFound, ruleBroken } from '../../errors.js';
import { yieldToEventLoop } from '../../lib/yield.js';
import { auditInsert } from '../audit.js';
import { areaPrefix } from '../sql.js';
import { checkinWrites } from './checkins.js';

export type PostCheck = typeof postChecks.$inferSelect;

/**
 * Holders a slice checks: its batch runs eight statements over them (six
 * flags, the check-ins and their messages), about 10 ms for 50 on a busy
 * 2-core machine — half of SLICE_ROWS keeps each block under 20 ms.
 */
export const POST_CHECK_SLICE = 50;
export type PostCheckKind = (typeof postCheckKinds)[number];

/** The month before `month` (YYYY-MM), `n` months back. */
export function monthsBack(month: string, n: number): string {
  const i = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 - n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** The month whose checks run today, or null before the day after assessments are due. */
export function checksMonth(today: string, rules: PostRules): string | null {
  return Number(today.slice(8, 10)) > rules.assessmentDueDay ? today.slice(0, 7) : null;
}

/**
 * The flag inserts for one slice of holders (placement ids), as of `today`,
 * for the month `month`: each statement reads the slice's few rows by their
 * indexes and skips a flag already raised (the unique kind/placement/month).
 */
function flagWrites(ctx: ServiceCtx, rules: PostRules, ids: number[], today: string, month: string) {
  const now = nowIso(ctx.clock);
  const slice = sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
  const insert = (kind: PostCheckKind, detail: ReturnType<typeof sql>, where: ReturnType<typeof sql>) =>
    ctx.db.run(sql`INSERT OR IGNORE INTO post_checks (kind, placement_id, worker_id, home_area_code, month, detail, raised_at)
      SELECT ${kind}, p.id, p.worker_id, p.home_area_code, ${month}, ${detail}, ${now}
      FROM placements AS p JOIN workers AS w ON w.id = p.worker_id
      WHERE p.id IN ${slice} AND ${where}`);
  const otherInWork = sql`q.worker_id = p.worker_id AND q.id <> p.id AND q.start_date <= ${today} AND (q.end_date IS NULL OR q.end_date > ${today})`;
  const outOfCounty = sql`(q.scope IN ('province', 'out_of_province'))`;
  const first = monthsBack(month, rules.missingAssessmentMonths);
  // The household's other members first (CROSS JOIN keeps that order), then their placements by worker:
  // left to itself the planner walks every public-welfare placement for each holder.
  return [
    insert(
      'concurrent_placement',
      sql`(SELECT json_object('otherPlacementId', q.id, 'type', q.type, 'scope', q.scope, 'outOfCounty', json(CASE WHEN ${outOfCounty} THEN 'true' ELSE 'false' END))
        FROM placements AS q WHERE ${otherInWork} ORDER BY ${outOfCounty} DESC, q.id LIMIT 1)`,
      sql`EXISTS (SELECT 1 FROM placements AS q WHERE ${otherInWork})`,
    ),
    insert('deceased', sql`json_object('deceasedOn', w.deceased_on)`, sql`w.deceased_on IS NOT NULL AND w.deceased_on <= ${today}`),
    insert('erased', sql`'{}'`, sql`w.erased_at IS NOT NULL`),
    insert(
      'two_in_household',
      sql`(SELECT json_object('householdId', w.household_id, 'otherPlacementId', q.id) FROM workers AS w2 CROSS JOIN placements AS q INDEXED BY placements_worker_idx ON q.worker_id = w2.id
        WHERE w2.household_id = w.household_id AND w2.id <> w.id AND q.type = 'public_welfare' AND q.start_date <= ${today} AND (q.end_date IS NULL OR q.end_date > ${today}) ORDER BY q.id LIMIT 1)`,
      sql`EXISTS (SELECT 1 FROM workers AS w2 CROSS JOIN placements AS q INDEXED BY placements_worker_idx ON q.worker_id = w2.id
        WHERE w2.household_id = w.household_id AND w2.id <> w.id AND q.type = 'public_welfare' AND q.start_date <= ${today} AND (q.end_date IS NULL OR q.end_date > ${today}))`,
    ),
    insert(
      'cadre_household',
      sql`json_object('householdId', w.household_id)`,
      sql`EXISTS (SELECT 1 FROM households AS h WHERE h.id = w.household_id AND h.cadre_household = 1 AND (h.cadre_since IS NULL OR h.cadre_since <= ${today}))`,
    ),
    insert(
      'no_assessment',
      sql`json_object('fromMonth', ${first}, 'toMonth', ${monthsBack(month, 1)})`,
      sql`p.start_date <= ${`${first}-01`} AND NOT EXISTS (SELECT 1 FROM assessments AS a WHERE a.placement_id = p.id AND a.month >= ${first} AND a.month < ${month})`,
    ),
  ];
}

/**
 * The clock: the month's checks over the holders not yet checked this month,
 * slice by slice, each slice one batch with its cursor (and the sampled
 * check-in's questions). Returns the flags raised and the holders asked.
 */
export async function runPostChecks(ctx: ServiceCtx): Promise<{ flagged: number; asked: number }> {
  const rules = postRulesOf(ctx);
  const today = todayInChina(ctx.clock);
  const month = checksMonth(today, rules);
  let flagged = 0;
  let asked = 0;
  if (!month) return { flagged, asked };
  await ctx.db.insert(postCheckRuns).values({ month }).onConflictDoNothing();
  for (;;) {
    const [run] = await ctx.db.select().from(postCheckRuns).where(eq(postCheckRuns.month, month));
    if (!run || run.doneAt) break;
    // Holders after the cursor, by the one-post-per-person index (its rows are exactly the posts held).
    const slice = await ctx.db.all<{ id: number; workerId: number }>(sql`SELECT id, worker_id AS workerId
      FROM placements INDEXED BY placements_one_pw_per_worker_uq
      WHERE type = 'public_welfare' AND end_date IS NULL AND worker_id > ${run.afterWorkerId}
      ORDER BY worker_id LIMIT ${POST_CHECK_SLICE}`);
    const held = await ctx.db.all<{ id: number }>(sql`SELECT id FROM placements WHERE id IN (SELECT value FROM json_each(${JSON.stringify(slice.map((s) => s.id))})) AND start_date <= ${today}`);
    const ids = held.map((h) => h.id);
    const last = slice.at(-1);
    const writes = [
      ...(ids.length ? flagWrites(ctx, rules, ids, today, month) : []),
      ...(ids.length ? checkinWrites(ctx, rules, ids, today, month) : []),
      ctx.db
        .update(postCheckRuns)
        .set(slice.length < POST_CHECK_SLICE ? { afterWorkerId: last?.workerId ?? run.afterWorkerId, doneAt: nowIso(ctx.clock) } : { afterWorkerId: last!.workerId })
        .where(and(eq(postCheckRuns.month, month), eq(postCheckRuns.afterWorkerId, run.afterWorkerId))),
    ];
    const results = await batch(ctx.db, writes as never);
    const counts = results.map(rowsAffected);
    if (ids.length) {
      flagged += counts.slice(0, 6).reduce((a, b) => a + b, 0);
      asked += counts[6] ?? 0;
    }
    if (slice.length < POST_CHECK_SLICE) break;
    await yieldToEventLoop();
  }
  return { flagged, asked };
}

export interface PostCheckItem {
  id: number;
  kind: PostCheckKind;
  placementId: number;
  workerId: number;
  name: string | null;
  homeAreaCode: string;
  post: string | null;
  month: string;
  detail: Record<string, unknown>;
  raisedAt: string;
  resolvedAt: string | null;
  resolution: 'confirmed' | 'cleared' | null;
  note: string | null;
}

/**
 * The worklist: an area's flags (open ones unless `resolved`), newest first,
 * by id (a cursor: the last id of the previous page). Staff of the area, admins.
 */
export async function listPostChecks(
  ctx: ServiceCtx,
  q: { area?: string; resolved?: boolean; kind?: PostCheckKind; beforeId?: number; limit: number },
): Promise<{ items: PostCheckItem[]; lastId: number | null }> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const rows = await ctx.db
    .select({ c: postChecks, name: workers.name, erasedAt: workers.erasedAt, post: openings.title })
    .from(postChecks)
    .innerJoin(placements, eq(placements.id, postChecks.placementId))
    .innerJoin(workers, eq(workers.id, postChecks.workerId))
    .leftJoin(openings, eq(openings.id, placements.openingId))
    .where(
      and(
        areaPrefix(postChecks.homeAreaCode, prefix),
        q.resolved ? isNotNull(postChecks.resolvedAt) : isNull(postChecks.resolvedAt),
        q.kind ? eq(postChecks.kind, q.kind) : undefined,
        q.beforeId ? lt(postChecks.id, q.beforeId) : undefined,
      ),
    )
    .orderBy(desc(postChecks.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map(checkItem);
  return { items, lastId: rows.length > q.limit ? items[items.length - 1]!.id : null };
}

function checkItem(r: { c: PostCheck; name: string | null; erasedAt: string | null; post: string | null }): PostCheckItem {
  return {
      id: r.c.id,
      kind: r.c.kind,
      placementId: r.c.placementId,
      workerId: r.c.workerId,
      name: r.erasedAt ? null : r.name,
      homeAreaCode: r.c.homeAreaCode,
      post: r.post,
      month: r.c.month,
      detail: r.c.detail,
      raisedAt: r.c.raisedAt,
      resolvedAt: r.c.resolvedAt,
      resolution: r.c.resolution,
      note: r.c.note,
  };
}

/** One flag as the worklist shows it. */
export async function toPostCheckItem(ctx: ServiceCtx, c: PostCheck): Promise<PostCheckItem> {
  const [r] = await ctx.db
    .select({ name: workers.name, erasedAt: workers.erasedAt, post: openings.title })
    .from(placements)
    .innerJoin(workers, eq(workers.id, placements.workerId))
    .leftJoin(openings, eq(openings.id, placements.openingId))
    .where(eq(placements.id, c.placementId));
  return checkItem({ c, name: r?.name ?? null, erasedAt: r?.erasedAt ?? null, post: r?.post ?? null });
}

/** Resolves a flag with a note: `confirmed` (it was what it looked like; exit the post through its agreement) or `cleared`. */
export async function resolvePostCheck(ctx: ServiceCtx, id: number, input: { resolution: 'confirmed' | 'cleared'; note: string }): Promise<PostCheck> {
  requireRole(ctx.actor, 'staff', 'admin');
  const [c] = await ctx.db.select().from(postChecks).where(eq(postChecks.id, id));
  if (!c || !areaInScope(ctx.actor, c.homeAreaCode)) throw notFound(`Post check ${id}`);
  if (c.resolvedAt) throw new AppError('conflict', `The flag was resolved on ${c.resolvedAt.slice(0, 10)}`);
  const note = input.note.trim();
  if (!note) throw ruleBroken('note', 'A note saying what was found is required');
  const [rows] = (await batch(ctx.db, [
    ctx.db
      .update(postChecks)
      .set({ resolvedAt: nowIso(ctx.clock), resolvedByTokenId: 'tokenId' in ctx.actor ? ctx.actor.tokenId : null, resolution: input.resolution, note })
      .where(and(eq(postChecks.id, id), isNull(postChecks.resolvedAt)))
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, { action: 'post_check.resolve', objectType: 'post_check', objectId: id, detail: { kind: c.kind, resolution: input.resolution } }),
  ] as never)) as [PostCheck[]];
  if (!rows[0]) throw new AppError('conflict', 'The flag was resolved meanwhile');
  return rows[0];
}

