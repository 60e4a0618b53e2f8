// The records that moved a closed month's figures (issue 17): for a county's
// filing made at T, as of the month's last day L, the records changed after T
// whose date falls on or before L — the only changes that can move a figure
// as of L (a change dated after L leaves the month as filed, facts keep
// their history):
//
// - placement: recorded after T starting by L (`placement.recorded`), or
//   ended after T with an end date by L (`placement.ended`; ends are
//   exclusive, so an end on L + 1 — last day worked L — moves nothing).
//   Counted by the worker's home area, and by the post's or workshop's area
//   for the posts and workshops figures, so both kinds are listed.
// - household: its poverty-alleviated / monitored status changed after T,
//   taking effect by L (`household.status`).
// - workshop: its certification changed after T, taking effect by L
//   (`workshop.certification`).
// - worker: registered after T with a registration date by L
//   (`worker.registered`).
//
// "After T" includes T itself: a change stored in the filing's own
// millisecond cannot be told from one just before it, and listing a record
// that did not move the figure is better than leaving out one that did.
//
// Who changed it is the audit log's row for the record after T (its action,
// role and token id), or, for records an import wrote, that import run's
// audit row. Records carry ids, kinds, dates and the household flags county
// staff see anyway; never a name, phone, place or care situation.
//
// A revision lists the records of the kinds that can move its figure
// (figuresMovedBy); a figure may move with no record listed when what moved
// it is not one of these (an opening's closing date edited back, say).
import { and, asc, eq, gte, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import { auditLog, employers, households, openings, placements, workers } from '../../db/schema.js';
import type { ServiceCtx } from '../context.js';
import { addDays } from '../domain/dates.js';
import { areaPrefix } from '../services/sql.js';
import type { Revision } from './revisions.js';

export const movedRecordKinds = ['placement', 'household', 'workshop', 'worker'] as const;
export type MovedRecordKind = (typeof movedRecordKinds)[number];

export interface MovedRecord {
  kind: MovedRecordKind;
  id: number;
  /** `placement.recorded`, `placement.ended`, `household.status`, `workshop.certification` or `worker.registered`. */
  change: string;
  /** The date the change takes effect in the figures (a start, an end, a status's or a registration's date). */
  date: string;
  /** When it was recorded (after the filing). */
  changedAt: string;
  /** Who recorded it, as the audit log says; null when the log has no row for it. */
  changedBy: { role: string; tokenId: number | null; action: string } | null;
  /** What the record says now: field names and codes, nothing personal. */
  detail: Record<string, string | number | boolean | null>;
}

export type RevisionWithRecords = Revision & { records: MovedRecord[] };

/** The figures (dotted prefixes of Stats) a record of this kind can move. */
export function figuresMovedBy(r: Pick<MovedRecord, 'kind' | 'detail'>): string[] {
  switch (r.kind) {
    case 'placement': {
      const out = ['inWork.', 'placementsThisMonth.', 'zeroEmployment.'];
      if (r.detail.type === 'public_welfare') out.push('publicWelfarePosts.');
      if (r.detail.type === 'workshop') out.push('workshops.povertyAlleviatedEmployed');
      return out;
    }
    case 'household':
      return ['zeroEmployment.', 'workshops.povertyAlleviatedEmployed'];
    case 'workshop':
      return ['workshops.'];
    case 'worker':
      return ['workersRegistered', 'zeroEmployment.'];
  }
}

const moves = (figure: string, prefixes: string[]) => prefixes.some((f) => (f.endsWith('.') ? figure.startsWith(f) : figure === f));

/** Each revision with the records that can account for it. Pure. */
export function attachRecords(revisions: Revision[], records: MovedRecord[]): RevisionWithRecords[] {
  return revisions.map((rev) => ({ ...rev, records: records.filter((rec) => moves(rev.figure, figuresMovedBy(rec))) }));
}

/** The kinds of record that can move these revisions: only those are looked up. */
function kindsFor(revisions: Revision[]): Set<MovedRecordKind> {
  const probes: Array<Pick<MovedRecord, 'kind' | 'detail'>> = [
    { kind: 'placement', detail: { type: 'public_welfare' } },
    { kind: 'placement', detail: { type: 'workshop' } },
    { kind: 'household', detail: {} },
    { kind: 'workshop', detail: {} },
    { kind: 'worker', detail: {} },
  ];
  return new Set(probes.filter((p) => revisions.some((rev) => moves(rev.figure, figuresMovedBy(p)))).map((p) => p.kind));
}

/** The audited fields whose change is the record's change (an update of other fields is not it). */
const CHANGE_FIELDS: Partial<Record<MovedRecordKind, string[]>> = {
  household: ['povertyAlleviated', 'monitored', 'statusSince'],
  workshop: ['certified', 'certifiedSince'],
};

const AUDIT_TYPE: Record<MovedRecordKind, string> = { placement: 'placement', household: 'household', workshop: 'employer', worker: 'worker' };
const IMPORT_ACTION: Partial<Record<MovedRecordKind, string>> = { household: 'import.households', worker: 'import.workers' };

/**
 * The records of a county (`area`) changed after `filedAt` that move its
 * figures as of `asOf`, for the kinds these revisions need; each revision
 * with its records. No revisions: no queries.
 */
export async function revisionsWithRecords(
  ctx: Pick<ServiceCtx, 'db'>,
  q: { area: string; asOf: string; filedAt: string; revisions: Revision[] },
): Promise<RevisionWithRecords[]> {
  if (q.revisions.length === 0) return [];
  const records = await movedRecords(ctx, { ...q, kinds: kindsFor(q.revisions) });
  return attachRecords(q.revisions, records);
}

export async function movedRecords(
  ctx: Pick<ServiceCtx, 'db'>,
  q: { area: string; asOf: string; filedAt: string; kinds?: Set<MovedRecordKind> },
): Promise<MovedRecord[]> {
  const db = ctx.db;
  const { area, asOf, filedAt } = q;
  const want = (k: MovedRecordKind) => !q.kinds || q.kinds.has(k);
  const out: Omit<MovedRecord, 'changedBy'>[] = [];

  if (want('placement')) {
    // By home area, or by the post's / workshop's area (openings_kind_area_idx narrows those).
    const rows = await db
      .select({
        id: placements.id,
        type: placements.type,
        scope: placements.scope,
        openingId: placements.openingId,
        homeAreaCode: placements.homeAreaCode,
        startDate: placements.startDate,
        endDate: placements.endDate,
        endReason: placements.endReason,
        createdAt: placements.createdAt,
        updatedAt: placements.updatedAt,
      })
      .from(placements)
      .leftJoin(openings, eq(openings.id, placements.openingId))
      .where(
        and(
          or(areaPrefix(placements.homeAreaCode, area), areaPrefix(openings.areaCode, area)),
          or(
            and(gte(placements.createdAt, filedAt), lte(placements.startDate, asOf)),
            and(gte(placements.updatedAt, filedAt), isNotNull(placements.endDate), lte(placements.endDate, asOf)),
          ),
        ),
      )
      .orderBy(asc(placements.id));
    for (const p of rows) {
      const detail = {
        type: p.type,
        scope: p.scope,
        openingId: p.openingId,
        homeAreaCode: p.homeAreaCode,
        startDate: p.startDate,
        endDate: p.endDate,
        lastDayWorked: p.endDate ? addDays(p.endDate, -1) : null,
        endReason: p.endReason,
      };
      // Recorded after the filing: it was not in the filed figures at all.
      if (p.createdAt >= filedAt) out.push({ kind: 'placement', id: p.id, change: 'placement.recorded', date: p.startDate, changedAt: p.createdAt, detail });
      else out.push({ kind: 'placement', id: p.id, change: 'placement.ended', date: p.endDate!, changedAt: p.updatedAt, detail });
    }
  }

  if (want('household')) {
    const rows = await db
      .select()
      .from(households)
      .where(and(areaPrefix(households.areaCode, area), gte(households.updatedAt, filedAt), isNotNull(households.statusSince), lte(households.statusSince, asOf)))
      .orderBy(asc(households.id));
    for (const h of rows) {
      out.push({
        kind: 'household',
        id: h.id,
        change: 'household.status',
        date: h.statusSince!,
        changedAt: h.updatedAt,
        detail: { areaCode: h.areaCode, sourceId: h.sourceId, povertyAlleviated: h.povertyAlleviated, monitored: h.monitored, statusSince: h.statusSince },
      });
    }
  }

  if (want('workshop')) {
    const rows = await db
      .select()
      .from(employers)
      .where(
        and(
          eq(employers.kind, 'workshop'),
          areaPrefix(employers.areaCode, area),
          gte(employers.updatedAt, filedAt),
          isNotNull(employers.certifiedSince),
          lte(employers.certifiedSince, asOf),
        ),
      )
      .orderBy(asc(employers.id));
    for (const e of rows) {
      out.push({
        kind: 'workshop',
        id: e.id,
        change: 'workshop.certification',
        date: e.certifiedSince!,
        changedAt: e.updatedAt,
        detail: { areaCode: e.areaCode, certified: e.certified, certifiedSince: e.certifiedSince },
      });
    }
  }

  if (want('worker')) {
    const rows = await db
      .select({ id: workers.id, householdId: workers.householdId, areaCode: workers.areaCode, registeredOn: workers.registeredOn, createdAt: workers.createdAt, sourceId: workers.sourceId })
      .from(workers)
      .where(and(areaPrefix(workers.areaCode, area), gte(workers.createdAt, filedAt), lte(workers.registeredOn, asOf)))
      .orderBy(asc(workers.id));
    for (const w of rows) {
      out.push({
        kind: 'worker',
        id: w.id,
        change: 'worker.registered',
        date: w.registeredOn!,
        changedAt: w.createdAt,
        detail: { householdId: w.householdId, areaCode: w.areaCode, sourceId: w.sourceId, registeredOn: w.registeredOn },
      });
    }
  }

  return withAuthors(ctx, filedAt, out);
}

/** Who recorded each change: its audit row after the filing, or the import run that wrote it. */
async function withAuthors(ctx: Pick<ServiceCtx, 'db'>, filedAt: string, list: Omit<MovedRecord, 'changedBy'>[]): Promise<MovedRecord[]> {
  if (list.length === 0) return [];
  const db = ctx.db;
  const byType = new Map<string, string[]>();
  for (const r of list) {
    const t = AUDIT_TYPE[r.kind];
    byType.set(t, [...(byType.get(t) ?? []), String(r.id)]);
  }
  const audits: Array<typeof auditLog.$inferSelect> = [];
  for (const [type, ids] of byType) {
    // audit_object_idx (object_type, object_id); a few hundred ids a statement keeps D1 within its bound parameters.
    for (let i = 0; i < ids.length; i += 90) {
      audits.push(
        ...(await db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.objectType, type), inArray(auditLog.objectId, ids.slice(i, i + 90)), gte(auditLog.at, filedAt)))
          .orderBy(asc(auditLog.id))),
      );
    }
  }
  const imports = list.some((r) => IMPORT_ACTION[r.kind])
    ? await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.objectType, 'import'), gte(auditLog.at, filedAt), sql`${auditLog.outcome} = 'ok'`))
        .orderBy(asc(auditLog.at), asc(auditLog.id))
    : [];
  const author = (a: typeof auditLog.$inferSelect) => ({ role: a.actorRole, tokenId: a.actorTokenId, action: a.action });
  const out: MovedRecord[] = [];
  for (const r of list) {
    const own = audits.filter((a) => a.objectType === AUDIT_TYPE[r.kind] && a.objectId === String(r.id));
    const fields = CHANGE_FIELDS[r.kind];
    let relevant = own;
    if (fields) {
      relevant = own.filter((a) => {
        const touched = (a.detail as { fields?: unknown } | null)?.fields;
        return Array.isArray(touched) && touched.some((f) => fields.includes(String(f)));
      });
      // Updated after the filing through the API, but not its status: this record did not move a figure.
      if (own.length > 0 && relevant.length === 0) continue;
    }
    // The newest row that can be this change: the change's own verb where the log has one.
    const verb = { 'placement.recorded': 'placement.create', 'placement.ended': 'placement.end', 'worker.registered': 'worker.create' }[r.change];
    const match = (verb ? relevant.filter((a) => a.action === verb) : relevant).at(-1) ?? relevant.at(-1);
    if (match) {
      out.push({ ...r, changedBy: author(match) });
      continue;
    }
    // An import audits its run once, after its chunks: the first run's row at or after the change.
    const run = imports.find((a) => a.action === IMPORT_ACTION[r.kind] && a.at >= r.changedAt);
    out.push({ ...r, changedBy: run ? author(run) : null });
  }
  return out;
}
