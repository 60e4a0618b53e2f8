// Applications: a worker for an opening, moved along the state machine in
// domain/application-flow.ts. A hire takes a slot and records the placement in
// one batch; two hires racing for the last slot cannot both win.
import { and, asc, eq, gt, inArray, lt, ne, type SQL, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { batch } from '../../db/client.js';
import { applications, openings, outbox, workers } from '../../db/schema.js';
import { type Actor, nowIso, type ServiceCtx } from '../context.js';
import {
  APPLICATION_IDLE_DAYS,
  type ApplicationState,
  allowedFrom,
  canMove,
  type EndingReason,
  moverMay,
  needsReason,
  openStates,
} from '../domain/application-flow.js';
import { areaInScope, requireRole } from '../domain/scope.js';
import { pointOf } from '../domain/geo.js';
import { SLICE_ROWS, yieldToEventLoop } from '../lib/yield.js';
import { AppError, notFound, ruleBroken } from '../errors.js';
import { auditInsert } from './audit.js';
import { type Owed, owe } from './outbox.js';
import { areaPrefix } from './sql.js';
import { today } from './households.js';
import { notEligibleError, whyNotEligible } from './matching.js';
import { placementWrites, publicWelfareClash, type Placement } from './placements.js';
import type { Worker } from './workers.js';

export type Application = typeof applications.$inferSelect;
type Opening = typeof openings.$inferSelect;


/**
 * The applicant's name and phone as the caller may see them: an employer only
 * while the application is open or ended in a hire (enough to contact them,
 * nothing else); after a decline, a withdrawal or an expiry, not at all.
 */
export function applicantFor(actor: Actor, a: Pick<Application, 'state'>, w: Pick<Worker, 'name' | 'phone'>): Pick<Worker, 'name' | 'phone'> {
  if (actor.role === 'employer' && !employerSeesContact.includes(a.state)) return { name: null, phone: null };
  return { name: w.name, phone: w.phone };
}
const employerSeesContact: ApplicationState[] = ['applied', 'offered', 'hired'];

/** What an employer may see of an applicant: enough to contact them, nothing else. */
export function toApplicationJson(a: Application, worker?: Pick<Worker, 'name' | 'phone'>) {
  return {
    id: a.id,
    workerId: a.workerId,
    openingId: a.openingId,
    state: a.state,
    reason: a.reason,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    ...(worker ? { applicant: { name: worker.name, phone: worker.phone } } : {}),
  };
}

async function loadPair(ctx: ServiceCtx, workerId: number, openingId: number) {
  const [w] = await ctx.db.select().from(workers).where(eq(workers.id, workerId));
  const [o] = await ctx.db.select().from(openings).where(eq(openings.id, openingId));
  return { w, o };
}

export async function createApplication(
  ctx: ServiceCtx,
  input: { workerId: number; openingId: number; state?: 'suggested' | 'applied' },
): Promise<Application> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const { w, o } = await loadPair(ctx, input.workerId, input.openingId);
  if (!w || !areaInScope(ctx.actor, w.areaCode)) throw ruleBroken('workerId', `Unknown worker ${input.workerId}`);
  if (!o) throw ruleBroken('openingId', `Unknown opening ${input.openingId}`);
  if (o.status !== 'open') throw new AppError('conflict', `The opening is ${o.status}`, [{ path: 'openingId', message: `is ${o.status}` }]);
  const problems = await whyNotEligible(ctx, w, o);
  if (problems.length) throw notEligibleError(problems);
  const [existing] = await ctx.db
    .select()
    .from(applications)
    .where(and(eq(applications.workerId, w.id), eq(applications.openingId, o.id)));
  const now = nowIso(ctx.clock);
  const wanted = input.state ?? 'applied';
  if (existing && (reapplicable.includes(existing.state) || (existing.state === 'suggested' && wanted === 'applied'))) {
    return reapply(ctx, existing, o, wanted, now);
  }
  if (existing) {
    throw new AppError('conflict', `This person already has an application for this opening (${existing.state})`, [
      { path: 'openingId', message: `application ${existing.id} exists` },
    ]);
  }
  const [rows] = (await batch(ctx.db, [
    ctx.db
      .insert(applications)
      .values({ workerId: w.id, openingId: o.id, state: input.state ?? 'applied', createdAt: now, updatedAt: now })
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'application.create',
      objectType: 'application',
      objectId: 'inserted',
      detail: { workerId: w.id, openingId: o.id },
    }),
    // The employer hears of each applicant (not of mere suggestions); the
    // pair names the application the same batch inserts.
    ...((input.state ?? 'applied') === 'applied'
      ? [
          owe(ctx.db, ctx.clock, {
            kind: 'new_applicant',
            to: { employerId: o.employerId },
            payload: { workerId: w.id, openingId: o.id },
            dedupeKey: `new_applicant:${w.id}:${o.id}`,
          }),
        ]
      : []),
  ])) as [Application[]];
  return rows[0]!;
}

/** Endings the worker's side may undo by applying again while the opening is open: one mis-tap is not final (a suggestion, too, becomes an application). */
const reapplicable: ApplicationState[] = ['withdrawn', 'expired'];

/**
 * The same application row comes back to `applied` (or to a suggestion, when
 * staff suggest it again; one row per worker and opening), only if it is
 * still in the ending just read; the employer hears
 * of the applicant again under a key of this round (the ending's time), so
 * two racing re-applies still tell it once.
 */
async function reapply(ctx: ServiceCtx, a: Application, o: Opening, state: 'suggested' | 'applied', now: string): Promise<Application> {
  const [rows] = (await batch(ctx.db, [
    ctx.db
      .update(applications)
      .set({ state, reason: null, updatedAt: now })
      .where(and(eq(applications.id, a.id), eq(applications.state, a.state), eq(applications.updatedAt, a.updatedAt)))
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'application.reapply',
      objectType: 'application',
      objectId: a.id,
      detail: { from: a.state, to: state },
    }),
    ...(state === 'applied'
      ? [
          owe(ctx.db, ctx.clock, {
            kind: 'new_applicant',
            to: { employerId: o.employerId },
            payload: { applicationId: a.id },
            dedupeKey: `new_applicant:${a.workerId}:${o.id}:${a.updatedAt}`,
          }),
        ]
      : []),
  ])) as [Application[]];
  if (!rows[0]) throw new AppError('conflict', 'The application changed meanwhile; reload it');
  return rows[0];
}

/**
 * The one access rule for applications, for list, read and act alike:
 * - staff: the worker's home lies in their area (the person's county keeps
 *   their data: the same rule as GET /v1/workers/:id and the candidates of a
 *   post, so an opening's staff in another county see nobody of ours);
 * - an employer: the application is on its own opening and is not a mere
 *   suggestion (with the applicant's contact only while it may use it);
 * - admin (and the system): every one.
 * Anything else answers 404, as for a worker outside one's area.
 */
export async function getScopedApplication(ctx: ServiceCtx, id: number) {
  requireRole(ctx.actor, 'staff', 'admin', 'employer', 'system');
  const [row] = await ctx.db
    .select({ a: applications, o: openings, w: workers })
    .from(applications)
    .innerJoin(openings, eq(openings.id, applications.openingId))
    .innerJoin(workers, eq(workers.id, applications.workerId))
    .where(eq(applications.id, id));
  if (!row) throw notFound(`Application ${id}`);
  const actor = ctx.actor;
  const visible =
    actor.role === 'employer'
      ? actor.employerId === row.o.employerId && row.a.state !== 'suggested'
      : areaInScope(actor, row.w.areaCode);
  if (!visible) throw notFound(`Application ${id}`);
  return row;
}

/**
 * Who is told: the worker of an offer, and of a decline or an expiry they did
 * not make themselves; the employer of a hire the worker accepted.
 * `byWorker`: the move is the worker's own (the bot acting for them).
 */
function noticeFor(a: Application, o: Opening, to: ApplicationState, byWorker: boolean): Owed | null {
  const payload = { applicationId: a.id };
  // An application applied for again is a new round: its notices are new too.
  const round = a.createdAt === a.updatedAt ? '' : `:${a.updatedAt}`;
  if (to === 'offered') return { kind: 'offer', to: { workerId: a.workerId }, payload, dedupeKey: `offer:${a.id}${round}` };
  if ((to === 'declined' || to === 'expired') && !byWorker) {
    return { kind: to, to: { workerId: a.workerId }, payload, dedupeKey: `${to}:${a.id}${round}` };
  }
  if (to === 'hired' && byWorker) return { kind: 'hired', to: { employerId: o.employerId }, payload, dedupeKey: `hired:${a.id}${round}` };
  return null;
}

export async function transitionApplication(
  ctx: ServiceCtx,
  id: number,
  input: { to: ApplicationState; reason?: EndingReason },
  opts: { byWorker?: boolean } = {},
): Promise<{ application: Application; placement: Placement | null }> {
  const { a, o, w } = await getScopedApplication(ctx, id);
  if (!canMove(a.state, input.to)) {
    throw new AppError('invalid_transition', `An application that is ${a.state} cannot become ${input.to}`, [
      { path: 'to', message: allowedFrom(a.state).length ? `allowed: ${allowedFrom(a.state).join(', ')}` : `${a.state} is final` },
    ]);
  }
  if (ctx.actor.role === 'employer' && !moverMay('employer', a.state, input.to)) {
    throw new AppError('forbidden', `An employer cannot move an application from ${a.state} to ${input.to}`);
  }
  if (needsReason(input.to) && !input.reason) {
    throw new AppError('validation_failed', 'Every ending carries a coded reason', [{ path: 'reason', message: `required when the application becomes ${input.to}` }]);
  }
  if (!needsReason(input.to) && input.reason) {
    throw new AppError('validation_failed', 'Only an ending takes a reason', [{ path: 'reason', message: 'only for declined, withdrawn or expired' }]);
  }
  const now = nowIso(ctx.clock);
  const moved = ctx.db
    .update(applications)
    .set({ state: input.to, reason: input.reason ?? null, updatedAt: now })
    .where(and(eq(applications.id, id), eq(applications.state, a.state)))
    .returning();
  const audit = auditInsert(ctx.db, ctx.clock, ctx.actor, {
    action: `application.${input.to}`,
    objectType: 'application',
    objectId: id,
    detail: { from: a.state, reason: input.reason ?? null },
  });
  const notice = noticeFor(a, o, input.to, opts.byWorker ?? false);
  // The message goes in the same batch: it exists exactly when the move does.
  const tell = notice ? [owe(ctx.db, ctx.clock, notice)] : [];
  if (input.to !== 'hired') {
    const [rows] = (await batch(ctx.db, [moved, audit, ...tell])) as [Application[]];
    if (!rows[0]) throw new AppError('conflict', 'The application changed meanwhile; reload it');
    return { application: rows[0], placement: null };
  }
  return hire(ctx, a, o, w, moved, [audit, ...tell]);
}

async function hire(
  ctx: ServiceCtx,
  a: Application,
  o: Opening,
  w: Worker,
  moved: BatchItem<'sqlite'>,
  after: BatchItem<'sqlite'>[],
) {
  if (o.status !== 'open') {
    throw new AppError('no_slots', o.status === 'filled' ? 'Every slot of this opening is filled' : `The opening is ${o.status}`);
  }
  const startDate = o.startDate && o.startDate > today(ctx) ? o.startDate : today(ctx);
  // As of the day the post starts: the age on that day, the posts held then.
  const problems = await whyNotEligible(ctx, w, o, startDate);
  if (problems.length) throw notEligibleError(problems);
  const writes = await placementWrites(ctx, w, {
    type: o.kind,
    areaCode: o.areaCode,
    point: pointOf(o.lat, o.lon),
    startDate,
    openingId: o.id,
    applicationId: a.id,
  });
  // The CHECK slots_filled <= slots refuses the loser of a race; the unique
  // placement per application refuses a double hire of the same application.
  // A slot is taken only while the opening is still open and `moved` (first in
  // the batch) did hire the application; otherwise the slot is counted past
  // `slots` on purpose so the CHECK rolls the whole batch back (a WHERE that
  // matched no row would let the placement through).
  const takeSlot = ctx.db
    .update(openings)
    .set({
      slotsFilled: sql`CASE WHEN ${openings.status} = 'open' AND EXISTS (SELECT 1 FROM ${applications} WHERE ${applications.id} = ${a.id} AND ${applications.state} = 'hired') THEN ${openings.slotsFilled} + 1 ELSE ${openings.slots} + 1 END`,
      status: sql`CASE WHEN ${openings.slotsFilled} + 1 >= ${openings.slots} THEN 'filled' ELSE ${openings.status} END`,
      updatedAt: nowIso(ctx.clock),
    })
    .where(eq(openings.id, o.id));
  try {
    const [rows, , placementRows] = (await batch(ctx.db, [moved, takeSlot, ...writes, ...after])) as [Application[], unknown, Placement[]];
    if (!rows[0]) throw new AppError('conflict', 'The application changed meanwhile; reload it');
    return { application: rows[0], placement: placementRows[0] ?? null };
  } catch (err) {
    const text = `${(err as Error)?.message} ${((err as Error)?.cause as Error)?.message}`;
    if (/CHECK constraint failed/.test(text)) {
      const [current] = await ctx.db.select({ state: applications.state }).from(applications).where(eq(applications.id, a.id));
      if (current?.state !== a.state) throw new AppError('conflict', `The application became ${current?.state} meanwhile; reload it`);
      throw new AppError('no_slots', 'Every slot of this opening is filled');
    }
    if (/UNIQUE constraint failed: placements\.application_id/.test(text)) {
      throw new AppError('conflict', 'This application was already hired');
    }
    throw publicWelfareClash(err) ?? err;
  }
}

export async function listApplications(
  ctx: ServiceCtx,
  q: { openingId?: number; workerId?: number; state?: ApplicationState; afterId?: number; limit: number },
) {
  requireRole(ctx.actor, 'staff', 'admin', 'employer', 'system');
  const conds: (SQL | undefined)[] = [];
  if (q.openingId) conds.push(eq(applications.openingId, q.openingId));
  if (q.workerId) conds.push(eq(applications.workerId, q.workerId));
  if (q.state) conds.push(eq(applications.state, q.state));
  if (q.afterId) conds.push(gt(applications.id, q.afterId));
  const actor = ctx.actor;
  if (actor.role === 'employer') {
    conds.push(eq(openings.employerId, actor.employerId), ne(applications.state, 'suggested'));
  } else if (actor.role === 'staff') {
    conds.push(areaPrefix(workers.areaCode, actor.areaPrefix));
  }
  const rows = await ctx.db
    .select({ a: applications, name: workers.name, phone: workers.phone })
    .from(applications)
    .innerJoin(openings, eq(openings.id, applications.openingId))
    .innerJoin(workers, eq(workers.id, applications.workerId))
    .where(and(...conds))
    .orderBy(asc(applications.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map((r) => ({ a: r.a, ...applicantFor(actor, r.a, r) }));
  return { items, lastId: rows.length > q.limit ? items[items.length - 1]!.a.id : null };
}

/** Scheduled: applications idle 60 days expire with reason `expired`. Returns how many. */
export async function expireIdleApplications(ctx: ServiceCtx): Promise<number> {
  const cutoff = new Date(ctx.clock.now().getTime() - APPLICATION_IDLE_DAYS * 86_400_000).toISOString();
  const now = nowIso(ctx.clock);
  const idle = and(inArray(applications.state, openStates), lt(applications.updatedAt, cutoff));
  let expired = 0;
  // In slices, the event loop served between them (after a pause, tens of thousands may be due).
  for (;;) {
    const slice = await ctx.db.select({ id: applications.id }).from(applications).where(idle).limit(SLICE_ROWS);
    if (slice.length === 0) return expired;
    const these = and(idle, sql`${applications.id} IN (SELECT value FROM json_each(${JSON.stringify(slice.map((a) => a.id))}))`);
    // Both sides are told, in the same batch as the expiry (see noticeFor): the
    // worker, and the employer of an application it had seen (not a suggestion).
    const [, , rows] = (await batch(ctx.db, [
      ctx.db.run(sql`INSERT OR IGNORE INTO ${outbox} (kind, worker_id, dedupe_key, payload, status, attempts, not_before, created_at)
        SELECT 'expired', ${applications.workerId}, 'expired:' || ${applications.id} || ':' || ${applications.updatedAt}, json_object('applicationId', ${applications.id}), 'pending', 0, ${now}, ${now}
        FROM ${applications} WHERE ${these}`),
      ctx.db.run(sql`INSERT OR IGNORE INTO ${outbox} (kind, employer_id, dedupe_key, payload, status, attempts, not_before, created_at)
        SELECT 'expired_employer', ${openings.employerId}, 'expired_employer:' || ${applications.id} || ':' || ${applications.updatedAt}, json_object('applicationId', ${applications.id}), 'pending', 0, ${now}, ${now}
        FROM ${applications} INNER JOIN ${openings} ON ${openings.id} = ${applications.openingId}
        WHERE ${these} AND ${applications.state} <> 'suggested'`),
      ctx.db
        .update(applications)
        .set({ state: 'expired', reason: 'expired', updatedAt: now })
        .where(these)
        .returning({ id: applications.id }),
    ])) as [unknown, unknown, Array<{ id: number }>];
    expired += rows.length;
    if (slice.length < SLICE_ROWS) return expired;
    await yieldToEventLoop();
  }
}
