// Workers (jobseekers): registered by staff on a person's behalf or by the
// person through the bot. Employers never read this; erasure keeps counts.
import { chinaDayOf } from '../domain/dates.js';
import { and, asc, count, desc, eq, gt, inArray, isNull, lt, not, or, type SQL, sql } from 'drizzle-orm';
import { batch, prepared } from '../../db/client.js';
import {
  applications,
  botSessions,
  type CareFor,
  households,
  idempotencyKeys,
  linkCodes,
  outbox,
  postChecks,
  telegramUpdates,
  smsMessages,
  smsReplies,
  wechatMessages,
  workers,
  type Availability,
  zeroEmploymentPeriods,
} from '../../db/schema.js';
import { nowIso, type ServiceCtx } from '../context.js';
import { type Point, pointOf } from '../domain/geo.js';
import { zeroEmploymentPeriods as derivePeriods } from '../domain/household-status.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../domain/scope.js';
import { AppError, notFound, ruleBroken } from '../errors.js';
import { auditInsert } from './audit.js';
import { getScopedHousehold, type HouseholdInput, householdInsert, today, zeroEmploymentStatus } from './households.js';
import { type Household, loadHouseholdFacts, onZeroListOn, periodWrites } from './household-status.js';
import { areaPrefix, containsText } from './sql.js';

export type Worker = typeof workers.$inferSelect;

export interface WorkerInput {
  householdId: number;
  name: string;
  phone?: string;
  home?: Point;
  maxDistanceKm?: number;
  cannotLeaveHome?: boolean;
  careFor?: CareFor[];
  skills?: string[];
  availability?: Availability;
  ableToWork?: boolean;
  languages?: string[];
  sourceId?: string;
  /** The date the person was registered (default today in China). */
  registeredOn?: string;
  /** Date of birth (staff-set): public-welfare posts check the age on the day from it. */
  birthDate?: string;
  /** Set when the person signs up through the bot: their chat and consent. */
  chat?: { chatId: string; sensitiveConsent: boolean; channel?: 'telegram' | 'wechat' };
}

export type WorkerPatch = Partial<Omit<WorkerInput, 'householdId' | 'home' | 'phone' | 'chat' | 'birthDate'>> & {
  birthDate?: string | null;
  home?: Point | null;
  phone?: string | null;
  alertsEnabled?: boolean;
};

/** The API's rule, shared with the bulk import: a birth date lies on or before today, and not before 1900. */
export function birthDateProblem(birthDate: string, today: string): string | null {
  if (birthDate > today) return 'must be today or earlier';
  if (birthDate < '1900-01-01') return 'must be 1900-01-01 or later';
  return null;
}

function checkBirthDate(birthDate: string | null | undefined, today: string) {
  const problem = birthDate == null ? null : birthDateProblem(birthDate, today);
  if (problem) throw ruleBroken('birthDate', problem);
}

/** The API's rule, shared with the bulk import: a person who cannot leave home says whom they care for. */
export function checkCare(cannotLeaveHome: boolean, careFor: CareFor[]) {
  if (cannotLeaveHome && careFor.length === 0) {
    throw ruleBroken('careFor', 'Say whom the person cares for when they cannot leave home');
  }
}

/**
 * The checks a new worker passes (the care rule, a source number not yet
 * registered) and the row to insert, for a household given by id or by a
 * subquery of the same batch.
 */
async function workerValues(
  ctx: ServiceCtx,
  input: Omit<WorkerInput, 'householdId'>,
  household: { id: number | SQL; areaCode: string },
  now: string,
): Promise<typeof workers.$inferInsert> {
  const cannotLeaveHome = input.cannotLeaveHome ?? false;
  const careFor = input.careFor ?? [];
  checkCare(cannotLeaveHome, careFor);
  if (input.registeredOn !== undefined && input.registeredOn > chinaDayOf(now)) throw ruleBroken('registeredOn', 'must be today or earlier');
  checkBirthDate(input.birthDate, chinaDayOf(now));
  if (input.sourceId) {
    const [dup] = await ctx.db.select({ id: workers.id, areaCode: workers.areaCode }).from(workers).where(eq(workers.sourceId, input.sourceId));
    // Another county's person is neither named nor numbered: only that the number is taken.
    const where = dup && areaInScope(ctx.actor, dup.areaCode) ? `as worker ${dup.id}` : 'elsewhere';
    if (dup) throw new AppError('conflict', `Person ${input.sourceId} is already registered`, [{ path: 'sourceId', message: `already registered ${where}` }]);
  }
  return {
    householdId: household.id as number,
    areaCode: household.areaCode,
    name: input.name,
    phone: input.phone ?? null,
    homeLat: input.home?.lat ?? null,
    homeLon: input.home?.lon ?? null,
    maxDistanceKm: input.maxDistanceKm ?? 5,
    cannotLeaveHome,
    careFor,
    skills: input.skills ?? [],
    availability: input.availability ?? 'full_day',
    ableToWork: input.ableToWork ?? true,
    languages: input.languages ?? [],
    sourceId: input.sourceId ?? null,
    registeredOn: input.registeredOn ?? chinaDayOf(now),
    birthDate: input.birthDate ?? null,
    telegramChatId: input.chat && input.chat.channel !== 'wechat' ? input.chat.chatId : null,
    wechatOpenid: input.chat?.channel === 'wechat' ? input.chat.chatId : null,
    wechatLastSeenAt: input.chat?.channel === 'wechat' ? now : null,
    consentAt: input.chat ? now : null,
    sensitiveConsentAt: input.chat?.sensitiveConsent ? now : null,
    createdAt: now,
    updatedAt: now,
  };
}

export async function createWorker(ctx: ServiceCtx, input: WorkerInput): Promise<Worker> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const household = await getScopedHousehold(ctx, input.householdId).catch((err) => {
    if (err instanceof AppError && err.code === 'not_found') throw ruleBroken('householdId', `Unknown household ${input.householdId}`);
    throw err;
  });
  const now = nowIso(ctx.clock);
  const values = await workerValues(ctx, input, household, now);
  const facts = await loadHouseholdFacts(ctx.db, household);
  facts.members.push({ ableToWork: values.ableToWork!, since: values.registeredOn ?? chinaDayOf(now) });
  const [rows] = (await batch(ctx.db, [
    ctx.db.insert(workers).values(values).returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'worker.create',
      objectType: 'worker',
      objectId: 'inserted',
      detail: { householdId: household.id },
    }),
    ...periodWrites(ctx.db, household, facts),
  ])) as [Worker[]];
  return rows[0]!;
}

/** A worker the caller may see: staff of the worker's area and admins. */
export async function getScopedWorker(ctx: ServiceCtx, id: number): Promise<Worker> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const byId = prepared(ctx.db, 'worker by id', (db) => db.select().from(workers).where(eq(workers.id, sql.placeholder('id'))).prepare());
  const [w] = await byId.all({ id });
  return scopedWorkerOr404(ctx, id, w);
}

/** A worker row read by id (undefined when none) as the caller may see it: 404 outside their area, as for no such worker. */
export function scopedWorkerOr404<W extends Pick<Worker, 'areaCode'>>(ctx: Pick<ServiceCtx, 'actor'>, id: number, w: W | undefined): W {
  if (!w || !areaInScope(ctx.actor, w.areaCode)) throw notFound(`Worker ${id}`);
  return w;
}

export async function workerView(ctx: ServiceCtx, w: Worker) {
  const [h] = await ctx.db.select().from(households).where(eq(households.id, w.householdId));
  return {
    id: w.id,
    householdId: w.householdId,
    areaCode: w.areaCode,
    name: w.name,
    phone: w.phone,
    home: pointOf(w.homeLat, w.homeLon),
    maxDistanceKm: w.maxDistanceKm,
    cannotLeaveHome: w.cannotLeaveHome,
    careFor: w.careFor,
    skills: w.skills,
    availability: w.availability,
    ableToWork: w.ableToWork,
    languages: w.languages,
    sourceId: w.sourceId,
    alertsEnabled: w.alertsEnabled,
    linkedToChat: w.telegramChatId !== null || w.wechatOpenid !== null,
    household: h
      ? {
          povertyAlleviated: h.povertyAlleviated,
          monitored: h.monitored,
          zeroEmployment: (await zeroEmploymentStatus(ctx, h.id)).onList,
        }
      : null,
    erased: w.erasedAt !== null,
    registeredOn: w.registeredOn,
    birthDate: w.birthDate,
    deceasedOn: w.deceasedOn,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
  };
}

export async function updateWorker(ctx: ServiceCtx, id: number, patch: WorkerPatch): Promise<Worker> {
  const w = await getScopedWorker(ctx, id);
  if (w.erasedAt) throw new AppError('conflict', 'This person\'s data was erased; register them again');
  checkCare(patch.cannotLeaveHome ?? w.cannotLeaveHome, patch.careFor ?? w.careFor);
  const set: Partial<typeof workers.$inferInsert> = { updatedAt: nowIso(ctx.clock) };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.phone !== undefined) set.phone = patch.phone;
  if (patch.home !== undefined) {
    set.homeLat = patch.home?.lat ?? null;
    set.homeLon = patch.home?.lon ?? null;
  }
  if (patch.maxDistanceKm !== undefined) set.maxDistanceKm = patch.maxDistanceKm;
  if (patch.cannotLeaveHome !== undefined) set.cannotLeaveHome = patch.cannotLeaveHome;
  if (patch.careFor !== undefined) set.careFor = patch.careFor;
  if (patch.skills !== undefined) set.skills = patch.skills;
  if (patch.availability !== undefined) set.availability = patch.availability;
  if (patch.ableToWork !== undefined) set.ableToWork = patch.ableToWork;
  if (patch.languages !== undefined) set.languages = patch.languages;
  if (patch.sourceId !== undefined) set.sourceId = patch.sourceId;
  if (patch.alertsEnabled !== undefined) set.alertsEnabled = patch.alertsEnabled;
  if (patch.birthDate !== undefined) {
    checkBirthDate(patch.birthDate, today(ctx));
    set.birthDate = patch.birthDate;
  }
  const statusWrites = [];
  if (patch.ableToWork !== undefined && patch.ableToWork !== w.ableToWork) {
    const [h] = await ctx.db.select().from(households).where(eq(households.id, w.householdId));
    const facts = await loadHouseholdFacts(ctx.db, h!);
    const able = patch.ableToWork;
    facts.members = facts.members.map((m) => (m.id === id ? { ...m, ableToWork: able } : m));
    statusWrites.push(...periodWrites(ctx.db, h!, facts));
  }
  const [rows] = (await batch(ctx.db, [
    ctx.db.update(workers).set(set).where(eq(workers.id, id)).returning(),
    ...statusWrites,
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'worker.update',
      objectType: 'worker',
      objectId: id,
      detail: { fields: Object.keys(patch) },
    }),
  ])) as [Worker[]];
  return rows[0]!;
}

export interface WorkerListQuery {
  area?: string;
  zeroEmployment?: boolean;
  cannotLeaveHome?: boolean;
  afterId?: number;
  limit: number;
}

export async function listWorkers(ctx: ServiceCtx, q: WorkerListQuery): Promise<{ items: Worker[]; lastId: number | null }> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const conds: (SQL | undefined)[] = [isNull(workers.erasedAt), areaPrefix(workers.areaCode, prefix)];
  if (q.cannotLeaveHome !== undefined) conds.push(eq(workers.cannotLeaveHome, q.cannotLeaveHome));
  if (q.zeroEmployment !== undefined) {
    const on = onZeroListOn(workers.householdId, today(ctx));
    conds.push(q.zeroEmployment ? on : not(on));
  }
  if (q.afterId) conds.push(gt(workers.id, q.afterId));
  const rows = await ctx.db
    .select()
    .from(workers)
    .where(and(...conds))
    .orderBy(asc(workers.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit);
  return { items, lastId: rows.length > q.limit ? items[items.length - 1]!.id : null };
}

/**
 * Erases the person's data everywhere: name, phone, home point, chat ids,
 * care situation, their chat history and unsent messages. The row stays,
 * anonymous, so counts of registrations and placements stay true.
 */
export async function eraseWorker(ctx: ServiceCtx, id: number): Promise<void> {
  const w = await getScopedWorker(ctx, id);
  const now = nowIso(ctx.clock);
  const chat = w.telegramChatId;
  const wechat = w.wechatOpenid;
  await batch(ctx.db, [
    ctx.db
      .update(workers)
      .set({
        name: null,
        phone: null,
        homeLat: null,
        homeLon: null,
        birthDate: null,
        telegramChatId: null,
        wechatOpenid: null,
        wechatLastSeenAt: null,
        careFor: [],
        cannotLeaveHome: false,
        languages: [],
        skills: [],
        sourceId: null,
        consentAt: null,
        sensitiveConsentAt: null,
        alertsEnabled: false,
        erasedAt: now,
        updatedAt: now,
      })
      .where(eq(workers.id, id)),
    ctx.db.delete(linkCodes).where(eq(linkCodes.workerId, id)),
    // The SMS kept for receipts and replies hold the number and the words the person sent.
    ctx.db.delete(smsReplies).where(eq(smsReplies.workerId, id)),
    ctx.db.update(smsMessages).set({ phone: '' }).where(eq(smsMessages.workerId, id)),
    ctx.db.update(outbox).set({ status: 'cancelled', payload: {}, chatId: null }).where(eq(outbox.workerId, id)),
    // Staff notes on the post's flags may describe the person; the flags stay (counted, resolved), their words go.
    ctx.db.update(postChecks).set({ note: sql`CASE WHEN ${postChecks.note} IS NULL THEN NULL ELSE '—' END` }).where(eq(postChecks.workerId, id)),
    ...(chat
      ? [
          ctx.db.delete(botSessions).where(eq(botSessions.chatId, chat)),
          ctx.db.delete(telegramUpdates).where(eq(telegramUpdates.chatId, chat)),
          ctx.db.update(outbox).set({ status: 'cancelled', payload: {}, chatId: null }).where(eq(outbox.chatId, chat)),
        ]
      : []),
    ...(wechat
      ? [
          ctx.db.delete(botSessions).where(eq(botSessions.chatId, `wx:${wechat}`)),
          ctx.db.delete(wechatMessages).where(eq(wechatMessages.openid, wechat)),
        ]
      : []),
    // Applications still open are withdrawn: nobody can be contacted any more.
    ctx.db
      .update(applications)
      .set({ state: 'withdrawn', reason: 'not_reachable', updatedAt: now })
      .where(and(eq(applications.workerId, id), inArray(applications.state, ['suggested', 'applied', 'offered']))),
    // A registration sent with an Idempotency-Key keeps its answer, the
    // person's record in full, for replays: keep only what names no one.
    ctx.db
      .update(idempotencyKeys)
      .set({ response: sql`json_object('id', ${id}, 'householdId', ${w.householdId}, 'areaCode', ${w.areaCode}, 'erased', json('true'))` })
      .where(
        and(
          eq(idempotencyKeys.method, 'POST'),
          eq(idempotencyKeys.path, '/v1/workers'),
          sql`json_valid(${idempotencyKeys.response}) AND json_extract(${idempotencyKeys.response}, '$.id') = ${id}`,
        ),
      ),
    auditInsert(ctx.db, ctx.clock, ctx.actor, { action: 'worker.erase', objectType: 'worker', objectId: id }),
  ]);
}

/** Search terms on a worker's name or phone (digits only match phones). */
function workerMatch(text: string): SQL | undefined {
  const digits = text.replace(/[\s-]/g, '');
  return text ? or(containsText(workers.name, text), /^\+?\d{3,}$/.test(digits) ? containsText(workers.phone, digits) : undefined) : undefined;
}

/**
 * Workers of the caller's area whose name or phone contains `q` (staff and
 * admins; erased people are not found). Newest registrations first.
 */
export async function searchWorkers(
  ctx: ServiceCtx,
  q: { area?: string; q: string; limit: number },
): Promise<Worker[]> {
  return (await searchWorkersPage(ctx, q)).items;
}

/**
 * One page of searchWorkers after the cursor (a worker id: the page holds
 * older registrations than it), with how many match in all.
 */
export async function searchWorkersPage(
  ctx: ServiceCtx,
  q: { area?: string; q: string; beforeId?: number; limit: number },
): Promise<{ items: Worker[]; total: number; nextBeforeId: number | null }> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const where = and(isNull(workers.erasedAt), areaPrefix(workers.areaCode, prefix), workerMatch(q.q.trim()));
  const [rows, [total]] = await Promise.all([
    ctx.db
      .select()
      .from(workers)
      .where(and(where, q.beforeId !== undefined ? lt(workers.id, q.beforeId) : undefined))
      .orderBy(desc(workers.id))
      .limit(q.limit + 1),
    ctx.db.select({ n: count() }).from(workers).where(where),
  ]);
  const items = rows.slice(0, q.limit);
  return { items, total: total?.n ?? 0, nextBeforeId: rows.length > q.limit ? items[items.length - 1]!.id : null };
}

/**
 * Registers a person and their new household together, as staff do on a
 * person's behalf: both rows, the household's zero-employment period and
 * both audit rows in one batch, so a refusal leaves nothing behind.
 */
export async function registerWorkerWithHousehold(
  ctx: ServiceCtx,
  household: HouseholdInput,
  input: Omit<WorkerInput, 'householdId'>,
): Promise<{ household: Household; worker: Worker }> {
  // The system registers people signing up through the bot.
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const registerHousehold = await householdInsert(ctx, household, 'household.sourceId');
  const now = nowIso(ctx.clock);
  const day = chinaDayOf(now);
  // Inside the batch's transaction the newest household is the one just inserted.
  const newHouseholdId = sql`(SELECT max(${households.id}) FROM ${households})`;
  const values = await workerValues(ctx, input, { id: newHouseholdId, areaCode: household.areaCode }, now);
  const periods = derivePeriods({ registeredOn: day, incomeAtMinimumSince: null, members: [{ ableToWork: values.ableToWork!, since: day }], placements: [] });
  const [hRows, , wRows] = (await batch(ctx.db, [
    ...registerHousehold,
    ctx.db.insert(workers).values(values).returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'worker.create',
      objectType: 'worker',
      objectId: 'inserted',
      detail: { newHousehold: true },
    }),
    ...periods.map((p) =>
      ctx.db.insert(zeroEmploymentPeriods).values({ householdId: newHouseholdId, areaCode: household.areaCode, ...p }),
    ),
  ])) as [Household[], unknown, Worker[]];
  return { household: hRows[0]!, worker: wRows[0]! };
}
