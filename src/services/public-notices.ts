// Allocation of public-welfare posts with a public notice (公示): staff pick
// people from the post's ranked candidates; their applications wait in
// `offered` while the notice runs NOTICE_DAYS days; then staff finalise and
// each becomes a hire (a placement) through transitionApplication, which
// checks eligibility and the one-post-per-household rule again.
//
// The household rule holds at each step: only the post's current candidates
// may be picked (candidatesForOpening already keeps households that hold a
// post, and a second post for a household while another zero-employment one
// waits, off the list), no two people of one household are picked, and a
// household already proposed on another open notice is refused.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { batch, type Db } from '../../db/client.js';
import {
  applications,
  areas,
  type endingReasons,
  employers,
  openings,
  publicNoticeEntries,
  publicNotices,
  workers,
} from '../../db/schema.js';
import { nowIso, type ServiceCtx } from '../context.js';
import { addDays } from '../domain/dates.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../domain/scope.js';
import { AppError, notFound, ruleBroken } from '../errors.js';
import { transitionApplication } from './applications.js';
import { auditInsert } from './audit.js';
import { today } from './households.js';
import { candidatesForOpening, whyNotEligible } from './matching.js';
import { ineligibilityText } from '../domain/eligibility.js';
import { areaPrefix } from './sql.js';
import { randomToken } from './tokens.js';

export const NOTICE_DAYS = 7;
/** How far down the ranked list staff may pick. */
export const PICKABLE_CANDIDATES = 50;

export type PublicNotice = typeof publicNotices.$inferSelect;
type EndingReason = (typeof endingReasons)[number];

async function scopedPost(ctx: ServiceCtx, openingId: number) {
  requireRole(ctx.actor, 'staff', 'admin');
  const [o] = await ctx.db.select().from(openings).where(eq(openings.id, openingId));
  if (!o || !areaInScope(ctx.actor, o.areaCode)) throw notFound(`Opening ${openingId}`);
  return o;
}

/** People on the opening's open notices (their offers are pending). */
async function pendingOnOpening(db: Db, openingId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(publicNoticeEntries)
    .innerJoin(publicNotices, eq(publicNotices.id, publicNoticeEntries.noticeId))
    .innerJoin(
      applications,
      and(eq(applications.workerId, publicNoticeEntries.workerId), eq(applications.openingId, publicNotices.openingId)),
    )
    .where(and(eq(publicNotices.openingId, openingId), eq(publicNotices.status, 'open'), eq(applications.state, 'offered')));
  return Number(row?.n ?? 0);
}

/** Slots a new notice may still propose people for. */
export async function freeSlots(ctx: ServiceCtx, openingId: number): Promise<number> {
  const o = await scopedPost(ctx, openingId);
  return Math.max(0, o.slots - o.slotsFilled - (await pendingOnOpening(ctx.db, o.id)));
}

/**
 * Proposes hires for a public-welfare post: one notice, its people, and an
 * `offered` application for each, in one batch. Refused whole when any pick
 * breaks a rule (issues name the worker ids).
 */
export async function proposeHires(ctx: ServiceCtx, openingId: number, workerIds: number[]): Promise<PublicNotice> {
  const o = await scopedPost(ctx, openingId);
  if (o.kind !== 'public_welfare') throw ruleBroken('openingId', 'Only public-welfare posts are allocated here');
  if (o.status !== 'open') throw new AppError('conflict', `The post is ${o.status}`, [{ path: 'openingId', message: `is ${o.status}` }]);
  const ids = [...new Set(workerIds)];
  if (ids.length === 0) throw ruleBroken('workerIds', 'Pick at least one person');
  const free = Math.max(0, o.slots - o.slotsFilled - (await pendingOnOpening(ctx.db, o.id)));
  if (ids.length > free) throw ruleBroken('workerIds', `Only ${free} place(s) left on this post`);

  const candidates = await candidatesForOpening(ctx, o.id, { limit: PICKABLE_CANDIDATES });
  const byId = new Map(candidates.map((c) => [c.worker.id, c]));
  const notCandidates = ids.filter((id) => !byId.has(id));
  if (notCandidates.length) {
    // Each named with the rule's coded reasons where it refuses them (else: ranked below the pickable list, or held back for a zero-employment household).
    const issues = [];
    for (const id of notCandidates) {
      const [w] = await ctx.db.select().from(workers).where(eq(workers.id, id));
      const problems = w && areaInScope(ctx.actor, w.areaCode) ? await whyNotEligible(ctx, w, o) : [];
      issues.push({
        path: `workerIds.${id}`,
        message: problems.length ? problems.map((p) => `${p}: ${ineligibilityText[p]}`).join('; ') : 'not an eligible candidate for this post',
      });
    }
    throw new AppError('not_eligible', 'Only the post\'s eligible candidates can be picked', issues);
  }
  const households = new Map<number, number>();
  for (const id of ids) {
    const h = byId.get(id)!.worker.householdId;
    if (households.has(h)) {
      throw new AppError('not_eligible', 'One public-welfare post per household: two people of one household were picked', [
        { path: `workerIds.${id}`, message: 'same household as another pick' },
      ]);
    }
    households.set(h, id);
  }
  const elsewhere = await ctx.db
    .select({ householdId: publicNoticeEntries.householdId, workerId: publicNoticeEntries.workerId })
    .from(publicNoticeEntries)
    .innerJoin(publicNotices, eq(publicNotices.id, publicNoticeEntries.noticeId))
    .innerJoin(
      applications,
      and(eq(applications.workerId, publicNoticeEntries.workerId), eq(applications.openingId, publicNotices.openingId)),
    )
    .where(
      and(
        inArray(publicNoticeEntries.householdId, [...households.keys()]),
        eq(publicNotices.status, 'open'),
        eq(applications.state, 'offered'),
      ),
    );
  if (elsewhere.length) {
    throw new AppError(
      'not_eligible',
      'One public-welfare post per household: a household picked is already proposed for a post',
      elsewhere.map((e) => ({ path: `workerIds.${households.get(e.householdId)}`, message: 'household already proposed on an open notice' })),
    );
  }
  // A candidate may carry a `suggested` application: it becomes the offer.
  const suggested = await ctx.db
    .select({ workerId: applications.workerId })
    .from(applications)
    .where(and(eq(applications.openingId, o.id), inArray(applications.workerId, ids), eq(applications.state, 'suggested')));
  const hasSuggested = new Set(suggested.map((s) => s.workerId));

  const id = randomToken('pn_');
  const now = nowIso(ctx.clock);
  const start = today(ctx);
  const notice = {
    id,
    openingId: o.id,
    areaCode: o.areaCode,
    startDate: start,
    endDate: addDays(start, NOTICE_DAYS),
    status: 'open' as const,
    createdByTokenId: 'tokenId' in ctx.actor ? ctx.actor.tokenId : null,
    createdAt: now,
    finalisedAt: null,
  };
  const offers = ids.map((wid) =>
    hasSuggested.has(wid)
      ? ctx.db
          .update(applications)
          .set({ state: 'offered', updatedAt: now })
          .where(and(eq(applications.workerId, wid), eq(applications.openingId, o.id), eq(applications.state, 'suggested')))
      : ctx.db.insert(applications).values({ workerId: wid, openingId: o.id, state: 'offered', createdAt: now, updatedAt: now }),
  );
  try {
    await batch(ctx.db, [
      ctx.db.insert(publicNotices).values(notice),
      ctx.db.insert(publicNoticeEntries).values(ids.map((wid) => ({ noticeId: id, workerId: wid, householdId: byId.get(wid)!.worker.householdId }))),
      ...offers,
      auditInsert(ctx.db, ctx.clock, ctx.actor, {
        action: 'public_notice.create',
        objectType: 'public_notice',
        objectId: id,
        detail: { openingId: o.id, workerIds: ids },
      }),
    ]);
  } catch (err) {
    if (/UNIQUE constraint failed: applications/.test(`${(err as Error)?.message} ${((err as Error)?.cause as Error)?.message}`)) {
      throw new AppError('conflict', 'Someone picked was given an application for this post meanwhile; reload the list');
    }
    throw err;
  }
  return notice;
}

export interface NoticeEntryView {
  workerId: number;
  /** The person's name for staff; on the public page only masked. */
  name: string | null;
  householdId: number;
  areaCode: string;
  applicationId: number | null;
  state: string | null;
}

export interface NoticeView {
  notice: PublicNotice;
  opening: {
    id: number;
    title: string;
    areaCode: string;
    employerName: string;
    employerPhone: string | null;
    slots: number;
    wageAmount: number;
    wagePeriod: string;
    startDate: string | null;
  };
  entries: NoticeEntryView[];
  /** Names of the areas the entries and the post name, by code. */
  areaNames: Record<string, string>;
}

async function loadNotice(db: Db, id: string): Promise<NoticeView | null> {
  const [row] = await db
    .select({
      n: publicNotices,
      title: openings.title,
      areaCode: openings.areaCode,
      slots: openings.slots,
      wageAmount: openings.wageAmount,
      wagePeriod: openings.wagePeriod,
      startDate: openings.startDate,
      employerName: employers.name,
      contact: employers.contact,
    })
    .from(publicNotices)
    .innerJoin(openings, eq(openings.id, publicNotices.openingId))
    .innerJoin(employers, eq(employers.id, openings.employerId))
    .where(eq(publicNotices.id, id));
  if (!row) return null;
  const entries = await db
    .select({
      workerId: publicNoticeEntries.workerId,
      householdId: publicNoticeEntries.householdId,
      name: workers.name,
      areaCode: workers.areaCode,
      applicationId: applications.id,
      state: applications.state,
    })
    .from(publicNoticeEntries)
    .innerJoin(workers, eq(workers.id, publicNoticeEntries.workerId))
    .leftJoin(applications, and(eq(applications.workerId, publicNoticeEntries.workerId), eq(applications.openingId, row.n.openingId)))
    .where(eq(publicNoticeEntries.noticeId, id))
    .orderBy(publicNoticeEntries.workerId);
  const codes = [...new Set([row.areaCode, ...entries.flatMap((e) => [e.areaCode, e.areaCode.slice(0, 9)])])];
  const names = await db.select({ code: areas.code, name: areas.name }).from(areas).where(inArray(areas.code, codes));
  return {
    notice: row.n,
    opening: {
      id: row.n.openingId,
      title: row.title,
      areaCode: row.areaCode,
      employerName: row.employerName,
      employerPhone: row.contact?.phone ?? null,
      slots: row.slots,
      wageAmount: row.wageAmount,
      wagePeriod: row.wagePeriod,
      startDate: row.startDate,
    },
    entries,
    areaNames: Object.fromEntries(names.map((a) => [a.code, a.name])),
  };
}

/** A notice as staff of its area see it (names in full, application states). */
export async function getNotice(ctx: ServiceCtx, id: string): Promise<NoticeView> {
  requireRole(ctx.actor, 'staff', 'admin');
  const v = await loadNotice(ctx.db, id);
  if (!v || !areaInScope(ctx.actor, v.notice.areaCode)) throw notFound(`Notice ${id}`);
  return v;
}

/** Open notices of the post, newest first. */
export async function noticesForOpening(ctx: ServiceCtx, openingId: number): Promise<PublicNotice[]> {
  await scopedPost(ctx, openingId);
  return ctx.db.select().from(publicNotices).where(eq(publicNotices.openingId, openingId)).orderBy(sql`${publicNotices.createdAt} DESC`);
}

/**
 * A name as a public notice shows it, by the custom: the given name's middle
 * hidden, so villagers can tell 周大山 (周*山) from 周小芳 (周*芳) and
 * still nobody reads a full name. Two characters keep the surname only (郑*).
 */
export function maskName(name: string | null): string {
  if (!name) return '*';
  const chars = [...name.trim()];
  if (chars.length <= 2) return `${chars[0] ?? ''}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

export interface PublicNoticePage {
  id: string;
  status: PublicNotice['status'];
  startDate: string;
  /** Last day shown (inclusive). */
  lastDay: string;
  post: {
    title: string;
    /** The issuing office (the post's employer, a bureau or township). */
    employerName: string;
    /** Where objections go: the office's phone. */
    contactPhone: string | null;
    place: string;
    wageAmount: number;
    wagePeriod: string;
    startDate: string | null;
  };
  /** Masked name, village and township only: no poverty status, disability, care facts or phone. */
  people: Array<{ name: string; village: string }>;
}

/**
 * What the public page shows, to anyone with its address: only while the
 * notice is open or after it was finalised; a withdrawn notice is gone.
 */
export async function publicNoticePage(db: Db, id: string): Promise<PublicNoticePage | null> {
  const v = await loadNotice(db, id);
  if (!v || v.notice.status === 'withdrawn') return null;
  const name = (code: string) => v.areaNames[code] ?? code;
  return {
    id: v.notice.id,
    status: v.notice.status,
    startDate: v.notice.startDate,
    lastDay: addDays(v.notice.endDate, -1),
    post: {
      title: v.opening.title,
      employerName: v.opening.employerName,
      contactPhone: v.opening.employerPhone,
      place: v.opening.areaCode.length > 9 ? `${name(v.opening.areaCode.slice(0, 9))} ${name(v.opening.areaCode)}` : name(v.opening.areaCode),
      wageAmount: v.opening.wageAmount,
      wagePeriod: v.opening.wagePeriod,
      startDate: v.opening.startDate,
    },
    people: v.entries
      .filter((e) => e.state === 'offered' || e.state === 'hired')
      .map((e) => ({
        name: maskName(e.name),
        village: e.areaCode.length > 9 ? `${name(e.areaCode.slice(0, 9))} ${name(e.areaCode)}` : name(e.areaCode),
      })),
  };
}

export interface FinaliseResult {
  workerId: number;
  outcome: 'hired' | 'skipped' | 'refused';
  message?: string;
}

/**
 * After the notice has run its days, each offer still standing becomes a hire
 * (each its own batch: one person's refusal does not undo another's hire).
 * The notice is then closed as finalised.
 */
export async function finaliseNotice(ctx: ServiceCtx, id: string): Promise<FinaliseResult[]> {
  const v = await getNotice(ctx, id);
  if (v.notice.status !== 'open') throw new AppError('invalid_transition', `The notice is already ${v.notice.status}`);
  if (today(ctx) < v.notice.endDate) {
    throw new AppError('rule_broken', `The notice runs until ${addDays(v.notice.endDate, -1)}; hires are final from ${v.notice.endDate}`, [
      { path: 'notice', message: `final from ${v.notice.endDate}` },
    ]);
  }
  const results: FinaliseResult[] = [];
  for (const e of v.entries) {
    if (e.applicationId === null || e.state !== 'offered') {
      results.push({ workerId: e.workerId, outcome: 'skipped', message: e.state ?? 'no application' });
      continue;
    }
    try {
      await transitionApplication(ctx, e.applicationId, { to: 'hired' });
      results.push({ workerId: e.workerId, outcome: 'hired' });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ workerId: e.workerId, outcome: 'refused', message: err.message });
    }
  }
  await batch(ctx.db, [
    ctx.db.update(publicNotices).set({ status: 'finalised', finalisedAt: nowIso(ctx.clock) }).where(and(eq(publicNotices.id, id), eq(publicNotices.status, 'open'))),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'public_notice.finalise',
      objectType: 'public_notice',
      objectId: id,
      detail: { hired: results.filter((r) => r.outcome === 'hired').length, refused: results.filter((r) => r.outcome === 'refused').length },
    }),
  ]);
  return results;
}

/** An objection upheld: the person comes off the notice (their offer is declined, with the reason staff give). */
export async function withdrawFromNotice(ctx: ServiceCtx, id: string, workerId: number, reason: EndingReason = 'other'): Promise<void> {
  const v = await getNotice(ctx, id);
  if (v.notice.status !== 'open') throw new AppError('invalid_transition', `The notice is already ${v.notice.status}`);
  const e = v.entries.find((x) => x.workerId === workerId);
  if (!e || e.applicationId === null) throw ruleBroken('workerId', 'Not on this notice');
  if (e.state !== 'offered') throw new AppError('invalid_transition', `The offer is already ${e.state}`);
  await transitionApplication(ctx, e.applicationId, { to: 'declined', reason });
}

/**
 * Of these households, those with someone proposed on an open notice (any
 * post), and which notice: allocation shows them as taken before anyone
 * picks them (proposeHires refuses them in any case).
 */
export async function householdsOnOpenNotices(ctx: ServiceCtx, householdIds: number[]): Promise<Map<number, { noticeId: string; openingId: number; workerId: number }>> {
  requireRole(ctx.actor, 'staff', 'admin');
  if (householdIds.length === 0) return new Map();
  const rows = await ctx.db
    .select({ householdId: publicNoticeEntries.householdId, workerId: publicNoticeEntries.workerId, noticeId: publicNotices.id, openingId: publicNotices.openingId })
    .from(publicNoticeEntries)
    .innerJoin(publicNotices, eq(publicNotices.id, publicNoticeEntries.noticeId))
    .innerJoin(applications, and(eq(applications.workerId, publicNoticeEntries.workerId), eq(applications.openingId, publicNotices.openingId)))
    .where(
      and(
        sql`${publicNoticeEntries.householdId} IN (SELECT value FROM json_each(${JSON.stringify(householdIds)}))`,
        eq(publicNotices.status, 'open'),
        eq(applications.state, 'offered'),
      ),
    );
  return new Map(rows.map((r) => [r.householdId, { noticeId: r.noticeId, openingId: r.openingId, workerId: r.workerId }]));
}

export interface OpenNotice {
  id: string;
  openingId: number;
  title: string;
  startDate: string;
  /** First day the hires may be finalised (the notice's exclusive end). */
  finalFrom: string;
  /** The notice has run its days: waiting for staff to finalise. */
  due: boolean;
  people: number;
}

/** Open notices of the caller's area, those waiting to be finalised first, then by end date. */
export async function openNotices(ctx: ServiceCtx, q: { area?: string; limit: number }): Promise<OpenNotice[]> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const day = today(ctx);
  const rows = await ctx.db
    .select({
      id: publicNotices.id,
      openingId: publicNotices.openingId,
      title: openings.title,
      startDate: publicNotices.startDate,
      endDate: publicNotices.endDate,
      people: sql<number>`(SELECT count(*) FROM ${publicNoticeEntries} WHERE ${publicNoticeEntries.noticeId} = ${publicNotices.id})`,
    })
    .from(publicNotices)
    .innerJoin(openings, eq(openings.id, publicNotices.openingId))
    .where(and(eq(publicNotices.status, 'open'), areaPrefix(publicNotices.areaCode, prefix)))
    .orderBy(publicNotices.endDate, publicNotices.id)
    .limit(q.limit);
  return rows.map((r) => ({
    id: r.id,
    openingId: r.openingId,
    title: r.title,
    startDate: r.startDate,
    finalFrom: r.endDate,
    due: day >= r.endDate,
    people: Number(r.people),
  }));
}
