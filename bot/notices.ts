// Messages the service sends on its own (the outbox), rendered when they are
// sent: in the recipient's language, from the records as they are then. A
// message whose subject is gone (an erased person, a closed opening, an
// answered offer, an ended placement) renders to null and is dropped.
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  apiTokens,
  applications,
  assessments,
  areas,
  botSessions,
  employers,
  households,
  openings,
  type outbox,
  placements,
  postCheckins,
  workers,
  zeroEmploymentPeriods,
} from '../db/schema.js';
import { addDays, daysBetween } from '../src/domain/dates.js';
import { distanceKm, roundKm } from '../src/domain/geo.js';
import { yuanOfFen } from '../src/domain/subsidy.js';
import { OVERDUE_DAYS } from '../src/domain/household-status.js';
import { IDLE_OPENING_DAYS } from '../src/services/alerts.js';
import { areaPrefix } from '../src/services/sql.js';
import type { Button } from './flow.js';
import { type Lang, t } from './texts/index.js';

type OutboxRow = typeof outbox.$inferSelect;

export interface Rendered {
  text: string;
  buttons?: Button[][];
}

export async function languageOf(db: Db, chatId: string): Promise<Lang> {
  const [s] = await db.select({ language: botSessions.language }).from(botSessions).where(eq(botSessions.chatId, chatId));
  return s?.language ?? 'zh';
}

async function applicationFacts(db: Db, payload: Record<string, unknown>) {
  const id = Number(payload.applicationId);
  const pair = [Number(payload.workerId), Number(payload.openingId)];
  const which = Number.isInteger(id)
    ? eq(applications.id, id)
    : pair.every(Number.isInteger)
      ? and(eq(applications.workerId, pair[0]!), eq(applications.openingId, pair[1]!))
      : null;
  if (!which) return undefined;
  const [row] = await db
    .select({
      id: applications.id,
      state: applications.state,
      title: openings.title,
      openingStatus: openings.status,
      employerName: employers.name,
      name: workers.name,
      phone: workers.phone,
      erasedAt: workers.erasedAt,
    })
    .from(applications)
    .innerJoin(openings, eq(openings.id, applications.openingId))
    .innerJoin(employers, eq(employers.id, openings.employerId))
    .innerJoin(workers, eq(workers.id, applications.workerId))
    .where(which);
  return row;
}

async function renderApplicationNotice(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const a = await applicationFacts(db, row.payload);
  if (!a || a.erasedAt) return null;
  const id = a.id;
  const g = (key: Parameters<typeof t>[1], action: string): Button => ({ text: t(lang, key), data: `g:${action}:${id}` });
  switch (row.kind) {
    case 'new_applicant':
      // Only while the applicant still waits for an answer.
      if (a.state !== 'applied') return null;
      return {
        text: t(lang, 'employer.applicant', { title: a.title, name: a.name ?? '', phone: a.phone ?? '—' }),
        buttons: [[g('employer.offer', 'offer'), g('employer.decline', 'decline')]],
      };
    case 'offer':
      if (a.state !== 'offered') return null;
      return {
        text: t(lang, 'offer.text', { title: a.title, employer: a.employerName }),
        buttons: [[g('offer.accept', 'accept'), g('offer.decline', 'refuse')]],
      };
    case 'declined':
      return { text: t(lang, 'declined.text', { title: a.title }) };
    case 'expired':
      return { text: t(lang, 'expired.text', { title: a.title }) };
    case 'expired_employer':
      return { text: t(lang, 'employer.expired', { title: a.title, name: a.name ?? '' }) };
    case 'hired':
      return { text: t(lang, 'employer.hired', { name: a.name ?? '', title: a.title }) };
    default:
      return null;
  }
}

/** A new opening near a worker: only while it is open, the worker still wants alerts and has not applied. */
async function renderOpeningAlert(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const openingId = Number(row.payload.openingId);
  const workerId = row.workerId;
  if (!Number.isInteger(openingId) || workerId === null) return null;
  const [f] = await db
    .select({
      status: openings.status,
      title: openings.title,
      lat: openings.lat,
      lon: openings.lon,
      wageAmount: openings.wageAmount,
      wagePeriod: openings.wagePeriod,
      hours: openings.hours,
      employerName: employers.name,
      homeLat: workers.homeLat,
      homeLon: workers.homeLon,
      alertsEnabled: workers.alertsEnabled,
      erasedAt: workers.erasedAt,
      applied: sql<number>`EXISTS (SELECT 1 FROM ${applications} WHERE ${applications.openingId} = ${openings.id} AND ${applications.workerId} = ${workers.id} AND ${applications.state} <> 'suggested')`,
    })
    .from(openings)
    .innerJoin(employers, eq(employers.id, openings.employerId))
    .innerJoin(workers, eq(workers.id, workerId))
    .where(eq(openings.id, openingId));
  if (!f || f.status !== 'open' || !f.alertsEnabled || f.erasedAt || f.applied) return null;
  const where =
    f.lat != null && f.lon != null && f.homeLat != null && f.homeLon != null
      ? t(lang, 'where.km', { km: roundKm(distanceKm({ lat: f.homeLat, lon: f.homeLon }, { lat: f.lat, lon: f.lon })) })
      : t(lang, 'where.county');
  return {
    text: t(lang, 'alert.opening', {
      title: f.title,
      employer: f.employerName,
      where,
      wage: t(lang, `wage.${f.wagePeriod}`, { amount: f.wageAmount }),
      hours: t(lang, `hours.${f.hours}`),
    }),
    // Applying is one tap from the alert (a worker's menu button: valid at any step).
    buttons: [[
      { text: t(lang, 'alert.apply'), data: `m:apply:${openingId}` },
      { text: t(lang, 'alert.more'), data: 'm:work' },
    ]],
  };
}

/** An opening nobody touched for IDLE_OPENING_DAYS: only if it is still open and still untouched. */
async function renderOpeningIdle(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const [o] = await db.select().from(openings).where(eq(openings.id, Number(row.payload.openingId)));
  if (!o || o.status !== 'open' || o.updatedAt > row.createdAt) return null;
  return { text: t(lang, 'employer.idle', { title: o.title, days: IDLE_OPENING_DAYS }) };
}

/** The day's digest for one staff member: overdue zero-employment households of their area, longest waiting first. */
async function renderZeroDigest(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const day = String(row.payload.date ?? '');
  if (row.staffTokenId === null || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const [token] = await db.select({ prefix: apiTokens.areaPrefix }).from(apiTokens).where(eq(apiTokens.id, row.staffTokenId));
  if (!token?.prefix) return null;
  const overdue = and(
    areaPrefix(zeroEmploymentPeriods.areaCode, token.prefix),
    sql`${zeroEmploymentPeriods.startDate} < ${addDays(day, -OVERDUE_DAYS)}`,
    sql`(${zeroEmploymentPeriods.endDate} IS NULL OR ${zeroEmploymentPeriods.endDate} > ${day})`,
  );
  const [count] = await db.select({ n: sql<number>`count(*)` }).from(zeroEmploymentPeriods).where(overdue);
  if (!count || Number(count.n) === 0) return null;
  const oldest = await db
    .select({ householdId: zeroEmploymentPeriods.householdId, since: zeroEmploymentPeriods.startDate, areaName: areas.name })
    .from(zeroEmploymentPeriods)
    .leftJoin(areas, eq(areas.code, zeroEmploymentPeriods.areaCode))
    .where(overdue)
    .orderBy(asc(zeroEmploymentPeriods.startDate), asc(zeroEmploymentPeriods.householdId))
    .limit(5);
  const lines = oldest.map((o) => t(lang, 'staff.digestLine', { household: o.householdId, area: o.areaName ?? '', days: daysBetween(o.since, day) }));
  return { text: [t(lang, 'staff.digest', { count: Number(count.n), days: OVERDUE_DAYS }), ...lines].join('\n') };
}

/** A household on the zero-employment list has someone in work now. */
async function renderZeroPlaced(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const householdId = Number(row.payload.householdId);
  const workerId = Number(row.payload.workerId);
  if (!Number.isInteger(householdId) || !Number.isInteger(workerId)) return null;
  const [f] = await db
    .select({ name: workers.name, erasedAt: workers.erasedAt, areaName: areas.name })
    .from(workers)
    .innerJoin(households, eq(households.id, workers.householdId))
    .leftJoin(areas, eq(areas.code, households.areaCode))
    .where(and(eq(workers.id, workerId), eq(households.id, householdId)));
  if (!f) return null;
  return { text: t(lang, 'staff.zeroPlaced', { household: householdId, area: f.areaName ?? '', name: f.erasedAt ? '—' : (f.name ?? '—') }) };
}

/** The monthly question: still in this work? Only while the placement has not ended. */
async function renderCheckin(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const id = Number(row.payload.placementId);
  if (!Number.isInteger(id)) return null;
  const [p] = await db
    .select({ endDate: placements.endDate, type: placements.type, workerId: placements.workerId, title: openings.title })
    .from(placements)
    .leftJoin(openings, eq(openings.id, placements.openingId))
    .where(eq(placements.id, id));
  if (!p || p.endDate !== null || p.workerId !== row.workerId) return null;
  const work = p.title ? `“${p.title}”` : t(lang, `found.${p.type}`);
  return {
    text: t(lang, 'checkin.ask', { work }),
    buttons: [[
      { text: t(lang, 'checkin.yes'), data: `g:stillworking:${id}` },
      { text: t(lang, 'checkin.no'), data: `g:ended:${id}` },
    ]],
  };
}

/** The sampled post check-in: only while the check-in is unanswered and the post still held. */
async function renderPostCheckin(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const id = Number(row.payload.checkinId);
  if (!Number.isInteger(id)) return null;
  const [c] = await db
    .select({ answer: postCheckins.answer, workerId: postCheckins.workerId, endDate: placements.endDate, title: openings.title })
    .from(postCheckins)
    .innerJoin(placements, eq(placements.id, postCheckins.placementId))
    .leftJoin(openings, eq(openings.id, placements.openingId))
    .where(eq(postCheckins.id, id));
  if (!c || c.answer !== null || c.endDate !== null || c.workerId !== row.workerId) return null;
  return {
    text: t(lang, 'postcheck.ask', { post: c.title ? `“${c.title}”` : t(lang, 'found.public_welfare') }),
    buttons: [[
      { text: t(lang, 'postcheck.yes'), data: `g:postyes:${id}` },
      { text: t(lang, 'postcheck.no'), data: `g:postno:${id}` },
    ]],
  };
}

/** The month's subsidy and any deduction, as recorded when the message is sent (a newer revision is told again). */
async function renderSubsidyNotice(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const id = Number(row.payload.assessmentId);
  if (!Number.isInteger(id)) return null;
  const [a] = await db.select().from(assessments).where(eq(assessments.id, id));
  if (!a || a.workerId !== row.workerId || row.dedupeKey !== `subsidy_notice:${id}:${a.revision}`) return null;
  const month = lang === 'zh' ? `${Number(a.month.slice(5))}月` : a.month;
  const amount = yuanOfFen(a.amountFen);
  if (a.deductionFen === 0) return { text: t(lang, 'subsidy.full', { month, amount }) };
  const why: string[] = [];
  // The two reasons subsidyFor states (domain/subsidy.ts), in the catalogue's plain words.
  if (a.deductions.includes('score_band')) why.push(t(lang, 'subsidy.whyBand', { band: a.bandLabel }));
  if (a.deductions.includes('days_short')) why.push(t(lang, 'subsidy.whyDays', { days: a.daysWorked }));
  return { text: t(lang, 'subsidy.deducted', { month, amount, deduction: yuanOfFen(a.deductionFen), why: why.join(lang === 'zh' ? '，' : ', ') }) };
}

export async function renderNotice(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  switch (row.kind) {
    case 'opening_alert':
      return renderOpeningAlert(db, row, lang);
    case 'opening_idle':
      return renderOpeningIdle(db, row, lang);
    case 'zero_digest':
      return renderZeroDigest(db, row, lang);
    case 'zero_placed':
      return renderZeroPlaced(db, row, lang);
    case 'checkin':
      return renderCheckin(db, row, lang);
    case 'post_checkin':
      return renderPostCheckin(db, row, lang);
    case 'subsidy_notice':
      return renderSubsidyNotice(db, row, lang);
    default:
      return renderApplicationNotice(db, row, lang);
  }
}

