// Monthly assessment (月度考核) of public-welfare post holders and the subsidy
// it gives (DESIGN.md "assessment"). A holder of month M is a public-welfare
// placement that was in work on some day of M (start ≤ M's last day, end —
// exclusive — after M's first day), by the holder's home area. Staff of that
// area (village, township or county by their scope) and admins record the
// month; the subsidy follows from POST_RULES by src/domain/subsidy.ts and is
// stored as computed. Before a month is marked paid the holder must have
// been told this revision's amount: a `subsidy_notice` the outbox has sent,
// or staff saying they told the person in person. Every write is audited in
// the batch of its change; nothing here holds a bank account.
import { and, asc, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import { batch } from '../../../db/client.js';
import { assessments, openings, placements, workers } from '../../../db/schema.js';
import { nowIso, postRulesOf, type ServiceCtx } from '../../context.js';
import { addDays, monthBounds, todayInChina } from '../../domain/dates.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../../domain/scope.js';
import { type MonthInput, monthProblems, subsidyFor } from '../../domain/subsidy.js';
import { AppError, type Issue, notFound, ruleBroken } from '../../errors.js';
import { findArea } from '../areas.js';
import { auditInsert } from '../audit.js';
import { owe } from '../outbox.js';
import { areaPrefix } from '../sql.js';
import { getScopedWorker } from '../workers.js';

export type Assessment = typeof assessments.$inferSelect;

export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface AssessmentInput extends MonthInput {
  placementId?: number;
  workerId?: number;
  month: string;
}

/** The month's first and last day; a month that has not begun yet may not be assessed. */
export function checkAssessableMonth(ctx: Pick<ServiceCtx, 'clock'>, month: string, path = 'month') {
  if (!MONTH_RE.test(month)) throw ruleBroken(path, 'must be a month as YYYY-MM');
  const bounds = monthBounds(`${month}-01`);
  if (bounds.first > todayInChina(ctx.clock)) throw ruleBroken(path, `${month} has not begun`);
  return bounds;
}

/** In work on some day of the month: started by its last day, ended (exclusive) after its first. */
const heldInMonth = (first: string, last: string) =>
  and(eq(placements.type, 'public_welfare'), lte(placements.startDate, last), or(isNull(placements.endDate), gt(placements.endDate, first)));

/** Whether the message telling this revision was sent, or the person was told in person. */
export function toldSql() {
  // Named with their table: drizzle leaves columns unqualified in a one-table select, where "id" would be the outbox's.
  return sql<number>`(assessments.told_revision = assessments.revision AND (assessments.told_how = 'in_person'
    OR EXISTS (SELECT 1 FROM outbox WHERE outbox.dedupe_key = 'subsidy_notice:' || assessments.id || ':' || assessments.revision AND outbox.status = 'sent')))`;
}

export interface AssessmentView {
  id: number;
  placementId: number;
  workerId: number;
  /** The holder's home area when the month was recorded: the sheet that lists it. */
  areaCode: string;
  month: string;
  daysWorked: number;
  attendance: number | null;
  township: number | null;
  appraisal: number | null;
  total: number;
  band: string;
  amountYuan: number;
  deductionYuan: number;
  deductionReason: string | null;
  revision: number;
  recordedAt: string;
  /** `message` queued or sent, `in_person`; null until staff tell this revision. */
  toldHow: 'message' | 'in_person' | null;
  /** The holder was told this revision (the message sent, or in person): the month may be paid. */
  told: boolean;
  paidAt: string | null;
}

export function toAssessmentView(a: Assessment, told: boolean): AssessmentView {
  const current = a.toldRevision === a.revision;
  return {
    id: a.id,
    placementId: a.placementId,
    workerId: a.workerId,
    areaCode: a.homeAreaCode,
    month: a.month,
    daysWorked: a.daysWorked,
    attendance: a.attendanceScore,
    township: a.townshipScore,
    appraisal: a.appraisalScore,
    total: a.totalScore,
    band: a.bandLabel,
    amountYuan: a.amountFen / 100,
    deductionYuan: a.deductionFen / 100,
    deductionReason: a.deductionReason,
    revision: a.revision,
    recordedAt: a.recordedAt,
    toldHow: current ? a.toldHow : null,
    told: current && told,
    paidAt: a.paidAt,
  };
}

/** The holder's placement for the month: by id, or the worker's public-welfare placement in work that month. */
async function holderPlacement(ctx: ServiceCtx, input: { placementId?: number; workerId?: number }, first: string, last: string) {
  if ((input.placementId === undefined) === (input.workerId === undefined)) {
    throw new AppError('validation_failed', 'Give placementId or workerId', [{ path: 'placementId', message: 'give placementId or workerId, one of them' }]);
  }
  const where =
    input.placementId !== undefined
      ? eq(placements.id, input.placementId)
      : and(eq(placements.workerId, input.workerId!), heldInMonth(first, last));
  const [p] = await ctx.db.select().from(placements).where(where).orderBy(sql`${placements.startDate} DESC`).limit(1);
  const path = input.placementId !== undefined ? 'placementId' : 'workerId';
  if (!p || !areaInScope(ctx.actor, p.homeAreaCode)) {
    if (input.placementId !== undefined) throw notFound(`Placement ${input.placementId}`);
    throw ruleBroken('workerId', `Worker ${input.workerId} held no public-welfare post in your area in that month`);
  }
  if (p.type !== 'public_welfare') throw ruleBroken(path, 'The placement is not a public-welfare post');
  if (p.startDate > last || (p.endDate !== null && p.endDate <= first)) throw ruleBroken(path, 'The post was not held in that month');
  return p;
}

/** Days of the month the placement was held: from its start (or the 1st) to the day before its end (or the last). */
function daysHeld(p: { startDate: string; endDate: string | null }, first: string, last: string): number {
  const from = p.startDate > first ? p.startDate : first;
  const lastHeld = p.endDate !== null && p.endDate <= last ? new Date(Date.parse(`${p.endDate}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10) : last;
  return Math.round((Date.parse(`${lastHeld}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/**
 * What recording one holder's month would write, or the problems that refuse
 * it (each with its field): the console's sheet and the import check every
 * row before any is written.
 */
export async function prepareAssessment(ctx: ServiceCtx, input: AssessmentInput) {
  const rules = postRulesOf(ctx);
  requireRole(ctx.actor, 'staff', 'admin');
  const { first, last } = checkAssessableMonth(ctx, input.month);
  const p = await holderPlacement(ctx, input, first, last);
  const held = daysHeld(p, first, last);
  const problems: Issue[] = monthProblems(rules, input, Number(last.slice(8)));
  if (problems.length === 0 && input.daysWorked > held) {
    problems.push({ path: 'daysWorked', message: `the post was held ${held} days of ${input.month}` });
  }
  if (problems.length) throw new AppError('rule_broken', problems.map((i) => `${i.path}: ${i.message}`).join('; '), problems);
  const [before] = await ctx.db.select().from(assessments).where(and(eq(assessments.placementId, p.id), eq(assessments.month, input.month)));
  if (before?.paidAt) throw new AppError('conflict', `${input.month} was marked paid on ${before.paidAt.slice(0, 10)}; it cannot be recorded again`);
  const s = subsidyFor(rules, input);
  const values = {
    daysWorked: input.daysWorked,
    attendanceScore: input.total == null ? (input.attendance ?? null) : null,
    townshipScore: input.total == null ? (input.township ?? null) : null,
    appraisalScore: input.total == null ? (input.appraisal ?? null) : null,
    totalScore: s.total,
    bandLabel: s.band.label,
    amountFen: s.amountFen,
    deductionFen: s.deductionFen,
    deductionReason: s.deductionReason,
    deductions: s.deductions,
    recordedByTokenId: 'tokenId' in ctx.actor ? ctx.actor.tokenId : null,
    recordedAt: nowIso(ctx.clock),
  };
  const same =
    before &&
    before.daysWorked === values.daysWorked &&
    before.attendanceScore === values.attendanceScore &&
    before.townshipScore === values.townshipScore &&
    before.appraisalScore === values.appraisalScore &&
    before.totalScore === values.totalScore &&
    before.amountFen === values.amountFen;
  return { placement: p, month: input.month, before, values, same: Boolean(same), subsidy: s };
}

type Prepared = Awaited<ReturnType<typeof prepareAssessment>>;

/** The writes of one prepared month (upsert and its audit row), for a batch. */
function assessmentWrites(ctx: ServiceCtx, prep: Prepared) {
  const { placement: p, before, values, month } = prep;
  const write = before
    ? ctx.db
        .update(assessments)
        .set({ ...values, revision: sql`${assessments.revision} + 1` })
        .where(and(eq(assessments.id, before.id), isNull(assessments.paidAt)))
    : ctx.db.insert(assessments).values({
        ...values,
        placementId: p.id,
        workerId: p.workerId,
        householdId: p.householdId,
        openingId: p.openingId,
        homeAreaCode: p.homeAreaCode,
        month,
      });
  return [
    write,
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: before ? 'assessment.rerecord' : 'assessment.record',
      objectType: 'placement',
      objectId: p.id,
      detail: { month, band: values.bandLabel, amountFen: values.amountFen, deductions: prep.subsidy.deductions },
    }),
  ];
}

async function readAssessment(ctx: ServiceCtx, placementId: number, month: string): Promise<AssessmentView> {
  const [row] = await ctx.db
    .select({ a: assessments, told: toldSql() })
    .from(assessments)
    .where(and(eq(assessments.placementId, placementId), eq(assessments.month, month)));
  return toAssessmentView(row!.a, Boolean(row!.told));
}

/** Records (or records again, until paid) one holder's month; the same values again change nothing. */
export async function recordAssessment(ctx: ServiceCtx, input: AssessmentInput): Promise<{ assessment: AssessmentView; created: boolean }> {
  const prep = await prepareAssessment(ctx, input);
  if (!prep.same) await batch(ctx.db, assessmentWrites(ctx, prep) as never);
  return { assessment: await readAssessment(ctx, prep.placement.id, input.month), created: !prep.before };
}

/**
 * Records many months at once (the console's sheet, the import): every row
 * is checked first; with any refused, nothing is written and each row's
 * problems are answered — or, `partial` (the import), the rows that pass are
 * written and the others answered. What is written is one batch.
 */
export async function recordAssessments(
  ctx: ServiceCtx,
  rows: AssessmentInput[],
  opts: { partial?: boolean } = {},
): Promise<{ written: number; rejected: Array<{ index: number; issues: Issue[] }> }> {
  const preps: Prepared[] = [];
  const rejected: Array<{ index: number; issues: Issue[] }> = [];
  for (const [index, row] of rows.entries()) {
    try {
      preps.push(await prepareAssessment(ctx, row));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      rejected.push({ index, issues: err.issues.length ? err.issues : [{ path: '', message: err.message }] });
    }
  }
  if (rejected.length && !opts.partial) return { written: 0, rejected };
  const writes = preps.filter((p) => !p.same).flatMap((p) => assessmentWrites(ctx, p));
  if (writes.length) await batch(ctx.db, writes as never);
  return { written: preps.filter((p) => !p.same).length, rejected };
}

export interface HolderMonth {
  placementId: number;
  workerId: number;
  name: string | null;
  sourceId: string | null;
  homeAreaCode: string;
  openingId: number | null;
  post: string | null;
  startDate: string;
  endDate: string | null;
  /** Days of the month the post was held (the most daysWorked may say). */
  daysHeld: number;
  assessment: AssessmentView | null;
}

/**
 * An area's holders of a month with their assessment, recorded or not, by
 * placement id (a cursor: the last placement id of the previous page).
 * Staff of the area (or within it), admins.
 */
export async function monthHolders(
  ctx: ServiceCtx,
  q: { area?: string; month: string; afterPlacementId?: number; limit: number },
): Promise<{ items: HolderMonth[]; lastId: number | null }> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const { first, last } = checkAssessableMonth(ctx, q.month);
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  if (q.area !== undefined && !(await findArea(ctx.db, q.area))) throw ruleBroken('area', `Unknown area code ${q.area}`);
  const rows = await ctx.db
    .select({ p: placements, name: workers.name, erasedAt: workers.erasedAt, sourceId: workers.sourceId, post: openings.title, a: assessments, told: toldSql() })
    .from(placements)
    .innerJoin(workers, eq(workers.id, placements.workerId))
    .leftJoin(openings, eq(openings.id, placements.openingId))
    .leftJoin(assessments, and(eq(assessments.placementId, placements.id), eq(assessments.month, q.month)))
    .where(and(heldInMonth(first, last), areaPrefix(placements.homeAreaCode, prefix), q.afterPlacementId ? gt(placements.id, q.afterPlacementId) : undefined))
    .orderBy(asc(placements.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map(
    (r): HolderMonth => ({
      placementId: r.p.id,
      workerId: r.p.workerId,
      name: r.erasedAt ? null : r.name,
      sourceId: r.erasedAt ? null : r.sourceId,
      homeAreaCode: r.p.homeAreaCode,
      openingId: r.p.openingId,
      post: r.post,
      startDate: r.p.startDate,
      endDate: r.p.endDate,
      daysHeld: daysHeld(r.p, first, last),
      assessment: r.a ? toAssessmentView(r.a, Boolean(r.told)) : null,
    }),
  );
  return { items, lastId: rows.length > q.limit ? items[items.length - 1]!.placementId : null };
}

/** Every holder of an area's month (the console's sheet, the payment list), page by page. */
export async function allMonthHolders(ctx: ServiceCtx, q: { area?: string; month: string }, max = 10_000): Promise<HolderMonth[]> {
  const out: HolderMonth[] = [];
  let after: number | undefined;
  do {
    const page = await monthHolders(ctx, { ...q, afterPlacementId: after, limit: 100 });
    out.push(...page.items);
    after = page.lastId ?? undefined;
  } while (after !== undefined && out.length < max);
  return out;
}

async function getScopedAssessment(ctx: ServiceCtx, id: number): Promise<Assessment> {
  requireRole(ctx.actor, 'staff', 'admin');
  const [a] = await ctx.db.select().from(assessments).where(eq(assessments.id, id));
  if (!a || !areaInScope(ctx.actor, a.homeAreaCode)) throw notFound(`Assessment ${id}`);
  return a;
}

/** A worker can be sent a message: a chat, a WeChat openid or a phone not opted out; not erased, not unreachable. */
async function reachable(ctx: ServiceCtx, workerId: number): Promise<boolean> {
  const [w] = await ctx.db.select().from(workers).where(eq(workers.id, workerId));
  return Boolean(w && !w.erasedAt && !w.unreachable && (w.telegramChatId || w.wechatOpenid || (w.phone && !w.smsOptOutAt)));
}

/**
 * Tells the holder this revision's amount and deduction: `message` owes a
 * `subsidy_notice` (the bot, WeChat or SMS, as the person is reached; 422 when
 * they cannot be reached), `in_person` records that staff told them.
 */
export async function tellAssessment(ctx: ServiceCtx, id: number, how: 'message' | 'in_person'): Promise<AssessmentView> {
  const a = await getScopedAssessment(ctx, id);
  if (a.paidAt) throw new AppError('conflict', 'The month is already marked paid');
  if (how === 'message' && !(await reachable(ctx, a.workerId))) {
    throw ruleBroken('how', 'The person cannot be reached by a message (no chat, WeChat or phone); tell them in person');
  }
  await batch(ctx.db, [
    ctx.db
      .update(assessments)
      .set({ toldHow: how, toldAt: nowIso(ctx.clock), toldRevision: a.revision })
      .where(and(eq(assessments.id, id), eq(assessments.revision, a.revision))),
    ...(how === 'message'
      ? [owe(ctx.db, ctx.clock, { kind: 'subsidy_notice', to: { workerId: a.workerId }, payload: { assessmentId: id }, dedupeKey: `subsidy_notice:${id}:${a.revision}` })]
      : []),
    auditInsert(ctx.db, ctx.clock, ctx.actor, { action: 'assessment.tell', objectType: 'assessment', objectId: id, detail: { how, revision: a.revision } }),
  ] as never);
  return viewOf(ctx, id);
}

async function viewOf(ctx: ServiceCtx, id: number): Promise<AssessmentView> {
  const [row] = await ctx.db.select({ a: assessments, told: toldSql() }).from(assessments).where(eq(assessments.id, id));
  return toAssessmentView(row!.a, Boolean(row!.told));
}

/** A person's assessments, every post and month, newest month first: their page's history (staff of their area, admins). */
export async function workerAssessments(ctx: ServiceCtx, workerId: number): Promise<AssessmentView[]> {
  requireRole(ctx.actor, 'staff', 'admin');
  const w = await getScopedWorker(ctx, workerId);
  const rows = await ctx.db
    .select({ a: assessments, told: toldSql() })
    .from(assessments)
    // By the person's placements (placements_worker_idx, then assessments_placement_month_uq): assessments have no index by worker.
    .where(sql`${assessments.placementId} IN (SELECT ${placements.id} FROM ${placements} WHERE ${placements.workerId} = ${w.id})`)
    .orderBy(sql`${assessments.month} DESC`, sql`${assessments.id} DESC`);
  return rows.map((r) => toAssessmentView(r.a, Boolean(r.told)));
}

export async function getAssessment(ctx: ServiceCtx, id: number): Promise<AssessmentView> {
  await getScopedAssessment(ctx, id);
  return viewOf(ctx, id);
}

/**
 * Marks the month paid: only once the month has ended and the holder was
 * told this revision (409 otherwise: not told, the message not yet sent, or
 * already paid). Audited.
 */
export async function markAssessmentPaid(ctx: ServiceCtx, id: number): Promise<AssessmentView> {
  const a = await getScopedAssessment(ctx, id);
  if (a.paidAt) throw new AppError('conflict', `Already marked paid on ${a.paidAt.slice(0, 10)}`);
  const { last } = monthBounds(`${a.month}-01`);
  if (todayInChina(ctx.clock) <= last) throw ruleBroken('month', `${a.month} is paid after it ends (from ${addDays(last, 1)} on)`);
  const view = await viewOf(ctx, id);
  if (!view.told) {
    throw new AppError(
      'conflict',
      view.toldHow === 'message' ? 'The message telling the holder has not been sent yet' : 'The holder has not been told the amount yet (send the notice or record that you told them)',
      [{ path: 'told', message: 'the holder must be told this amount before payment' }],
    );
  }
  const [rows] = (await batch(ctx.db, [
    ctx.db
      .update(assessments)
      .set({ paidAt: nowIso(ctx.clock), paidByTokenId: 'tokenId' in ctx.actor ? ctx.actor.tokenId : null })
      .where(and(eq(assessments.id, id), isNull(assessments.paidAt), eq(assessments.revision, a.revision)))
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, { action: 'assessment.paid', objectType: 'assessment', objectId: id, detail: { month: a.month, amountFen: a.amountFen } }),
  ] as never)) as [Assessment[]];
  if (!rows[0]) throw new AppError('conflict', 'The month changed meanwhile; reload it');
  return viewOf(ctx, id);
}

