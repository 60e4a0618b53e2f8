// The conversation's ports bound to one chat: each is a call of the same
// service verbs the API uses, acting as the system on behalf of the person
// whose chat this is (and checked against that person's own records).
import { and, asc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import { apiTokens, applications, areas, employers, households, openings, workers } from '../db/schema.js';
import type { Deps, ServiceCtx } from '../src/context.js';
import { todayInChina } from '../src/domain/dates.js';
import { pointOf } from '../src/domain/geo.js';
import { type Ineligibility, ineligibilityText } from '../src/domain/eligibility.js';
import { AppError } from '../src/errors.js';
import { answerCheckin } from '../src/services/alerts.js';
import { answerPostCheckin } from '../src/services/posts/checkins.js';
import { listAreas } from '../src/services/areas.js';
import { createApplication, transitionApplication } from '../src/services/applications.js';
import { checkLinkCode, redeemLinkCode } from '../src/services/link-codes.js';
import { matchOpeningsForWorker } from '../src/services/matching.js';
import { closeOpening } from '../src/services/openings.js';
import { createPlacement } from '../src/services/placements.js';
import { updateHousehold } from '../src/services/households.js';
import { eraseWorker, registerWorkerWithHousehold, updateWorker, type WorkerPatch } from '../src/services/workers.js';
import type { ApplicantView, ApplicationView, Draft, Ports, WorkerSummary } from './flow.js';

/** Counties offered in the sign-up menus: the prefecture the service runs in. */
export const DEFAULT_HOME_PREFECTURE = '5325';

/** The messenger a chat is on; its id is a Telegram chat id or a WeChat openid. */
export type Channel = 'telegram' | 'wechat';

export function portsFor(deps: Deps, chatId: string, channel: Channel = 'telegram'): Ports {
  const ctx: ServiceCtx = {
    db: deps.db,
    clock: deps.clock,
    actor: { role: 'system', name: channel === 'wechat' ? 'wechat' : 'bot' },
    postRules: deps.config.POST_RULES,
  };
  const db = deps.db;
  const workerChat = channel === 'wechat' ? workers.wechatOpenid : workers.telegramChatId;
  const employerChat = channel === 'wechat' ? employers.wechatOpenid : employers.telegramChatId;

  const me = async () => {
    const [w] = await db.select().from(workers).where(eq(workerChat, chatId));
    return w && !w.erasedAt ? w : null;
  };
  const requireMe = async () => {
    const w = await me();
    if (!w) throw new AppError('not_found', 'This chat is not linked to a person');
    return w;
  };
  const myEmployer = async () => {
    const [e] = await db.select().from(employers).where(eq(employerChat, chatId));
    return e ?? null;
  };
  /** The county, township and village of an area code, as the sign-up's menus name them. */
  const areaChain = async (code: string): Promise<Pick<Draft, 'county' | 'township' | 'village'>> => {
    const codes = [code.slice(0, 6), code.slice(0, 9), code.length >= 12 ? code.slice(0, 12) : null].filter((c): c is string => c !== null);
    const found = await db.select({ code: areas.code, name: areas.name }).from(areas).where(inArray(areas.code, codes));
    const named = (c: string | undefined) => found.find((a) => a.code === c);
    return { county: named(codes[0]), township: named(codes[1]), village: named(codes[2]) };
  };
  return {
    homePrefecture: deps.config.BOT_HOME_AREA ?? DEFAULT_HOME_PREFECTURE,
    today: () => todayInChina(deps.clock),

    async identity() {
      const [w, e] = await Promise.all([me(), myEmployer()]);
      let worker: WorkerSummary | null = null;
      if (w) {
        const place = await areaChain(w.areaCode);
        const draft: Draft = {
          ...place,
          sensitive: w.sensitiveConsentAt !== null,
          name: w.name ?? undefined,
          phone: w.phone,
          location: pointOf(w.homeLat, w.homeLon),
          cannotLeaveHome: w.cannotLeaveHome,
          careFor: w.careFor,
          skills: w.skills,
          hours: w.availability,
          distance: w.maxDistanceKm,
        };
        worker = { id: w.id, name: w.name, areaCode: w.areaCode, alertsEnabled: w.alertsEnabled, sensitive: w.sensitiveConsentAt !== null, draft };
      }
      return { worker, employer: e ? { id: e.id, name: e.name } : null };
    },

    async areas(parent) {
      const page = await listAreas(db, { parent, limit: 100 });
      return page.items.map((a) => ({ code: a.code, name: a.name }));
    },

    async register(d) {
      const area = d.village?.code ?? d.township?.code;
      if (!area || !d.name) throw new AppError('validation_failed', 'Sign-up is missing the name or the village');
      // A household registered by its own member: staff confirm its poverty status later.
      await registerWorkerWithHousehold(
        ctx,
        { areaCode: area, povertyAlleviated: false, monitored: false },
        {
          name: d.name,
          ...(d.phone ? { phone: d.phone } : {}),
          ...(d.location ? { home: d.location } : {}),
          maxDistanceKm: d.distance ?? 5,
          cannotLeaveHome: d.sensitive ? (d.cannotLeaveHome ?? false) : false,
          careFor: d.sensitive && d.cannotLeaveHome ? (d.careFor ?? []) : [],
          skills: d.skills ?? [],
          availability: d.hours ?? 'full_day',
          chat: { chatId, sensitiveConsent: d.sensitive === true, channel },
        },
      );
    },

    async peekLink(code) {
      // A wrong try against a live code counts against it (services/link-codes.ts).
      const c = await checkLinkCode(ctx, code);
      if (!c) return null;
      if (c.workerId !== null) {
        const [w] = await db.select({ name: workers.name, erasedAt: workers.erasedAt }).from(workers).where(eq(workers.id, c.workerId));
        return w && !w.erasedAt ? { kind: 'worker', name: w.name ?? '' } : null;
      }
      if (c.staffTokenId !== null) {
        const [tk] = await db.select().from(apiTokens).where(eq(apiTokens.id, c.staffTokenId));
        return tk && !tk.revokedAt && tk.role === 'staff' && channel === 'telegram' ? { kind: 'staff', name: tk.label ?? tk.areaPrefix ?? '' } : null;
      }
      const [e] = await db.select({ name: employers.name }).from(employers).where(eq(employers.id, c.employerId!));
      return e ? { kind: 'employer', name: e.name } : null;
    },

    async link(code) {
      const linked = await redeemLinkCode(ctx, code, chatId, channel);
      return linked ? { kind: linked.kind, name: linked.name } : null;
    },

    async matches(limit) {
      const w = await requireMe();
      const items = await matchOpeningsForWorker(ctx, w.id, { limit: Math.min(limit, 100) });
      return items.map((m) => {
        const area = m.reasons.find((r) => r.code === 'same_village' || r.code === 'same_township' || r.code === 'same_county');
        return {
          openingId: m.opening.id,
          title: m.opening.title,
          employerName: m.opening.employerName ?? '',
          distanceKm: m.distanceKm,
          nearness: area ? (area.code.slice(5) as 'village' | 'township' | 'county') : null,
          wage: m.opening.wage,
          hours: m.opening.hours,
          reasons: m.reasons,
        };
      });
    },

    async apply(openingId) {
      const w = await requireMe();
      try {
        const a = await createApplication(ctx, { workerId: w.id, openingId });
        const [o] = await db.select({ title: openings.title }).from(openings).where(eq(openings.id, a.openingId));
        return { ok: true, title: o?.title ?? '' };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.code === 'not_eligible') {
          // Each issue reads `<code>: <text>` (notEligibleError): the bot says the code in its own words.
          const reasons = err.issues.map((i) => i.message.split(':')[0]!).filter((c): c is Ineligibility => c in ineligibilityText);
          return { ok: false, why: 'not_eligible', reasons };
        }
        if (err.code === 'conflict' && /already has an application/.test(err.message)) return { ok: false, why: 'already' };
        return { ok: false, why: 'not_open' };
      }
    },

    async applications() {
      const w = await me();
      if (!w) return [];
      const rows = await db
        .select({ id: applications.id, openingId: applications.openingId, state: applications.state, title: openings.title, status: openings.status })
        .from(applications)
        .innerJoin(openings, eq(openings.id, applications.openingId))
        .where(and(eq(applications.workerId, w.id), ne(applications.state, 'suggested')))
        .orderBy(asc(applications.id));
      return rows.slice(-10).map(({ status, ...a }): ApplicationView => ({ ...a, openingOpen: status === 'open' }));
    },

    async moveOwn(applicationId, to, reason) {
      const w = await me();
      if (!w) return { ok: false };
      const [a] = await db.select().from(applications).where(eq(applications.id, applicationId));
      if (!a || a.workerId !== w.id) return { ok: false };
      // The worker's side: withdraw an open application, or answer an offer.
      if ((to === 'hired' || to === 'declined') && a.state !== 'offered') return { ok: false };
      try {
        await transitionApplication(ctx, applicationId, { to, ...(reason ? { reason } : {}) }, { byWorker: true });
      } catch (err) {
        if (err instanceof AppError) return { ok: false };
        throw err;
      }
      const [o] = await db.select({ title: openings.title }).from(openings).where(eq(openings.id, a.openingId));
      return { ok: true, title: o?.title };
    },

    async recordWork(input) {
      const w = await requireMe();
      await createPlacement(ctx, { workerId: w.id, type: input.type, areaCode: input.areaCode, startDate: input.startDate });
    },

    async setAlerts(on) {
      const w = await requireMe();
      await updateWorker(ctx, w.id, { alertsEnabled: on });
    },

    async updateProfile(d, group) {
      const w = await requireMe();
      const patch: WorkerPatch = {};
      if (group === 'name' && d.name) patch.name = d.name;
      if (group === 'phone') patch.phone = d.phone ?? null;
      if (group === 'home') patch.home = d.location ?? null;
      if (group === 'care') {
        patch.cannotLeaveHome = d.sensitive ? (d.cannotLeaveHome ?? false) : false;
        patch.careFor = d.sensitive && d.cannotLeaveHome ? (d.careFor ?? []) : [];
        // Answering the question is the consent to keep it; "rather not say" takes it back.
        const consent = d.sensitive ? (w.sensitiveConsentAt ?? ctx.clock.now().toISOString()) : null;
        if (consent !== w.sensitiveConsentAt) await db.update(workers).set({ sensitiveConsentAt: consent }).where(eq(workers.id, w.id));
      }
      if (group === 'village') {
        const area = d.village?.code ?? d.township?.code;
        if (!area || area === w.areaCode) return true;
        // A household lives in one village: the person's move is the household's,
        // theirs to make only for a household of their own that staff have not
        // confirmed facts of (its status decides posts tied to the village).
        const [h] = await db.select({ pa: households.povertyAlleviated, monitored: households.monitored }).from(households).where(eq(households.id, w.householdId));
        const [m] = await db.select({ n: sql<number>`count(*)` }).from(workers).where(and(eq(workers.householdId, w.householdId), isNull(workers.erasedAt)));
        if (!h || h.pa || h.monitored || Number(m?.n) > 1) return false;
        await updateHousehold(ctx, w.householdId, { areaCode: area });
        return true;
      }
      if (group === 'skills') patch.skills = d.skills ?? [];
      if (group === 'hours' && d.hours) patch.availability = d.hours;
      if (group === 'distance' && d.distance) patch.maxDistanceKm = d.distance;
      await updateWorker(ctx, w.id, patch);
      return true;
    },

    async erase() {
      const w = await me();
      if (!w) return false;
      await eraseWorker(ctx, w.id);
      return true;
    },

    async employerOpenings() {
      const e = await myEmployer();
      if (!e) return [];
      return db
        .select({ id: openings.id, title: openings.title, slots: openings.slots, slotsFilled: openings.slotsFilled })
        .from(openings)
        .where(and(eq(openings.employerId, e.id), inArray(openings.status, ['open', 'filled'])))
        .orderBy(asc(openings.id))
        .limit(12);
    },

    async employerApplicants() {
      const e = await myEmployer();
      if (!e) return [];
      const rows = await db
        .select({ applicationId: applications.id, title: openings.title, name: workers.name, phone: workers.phone, state: applications.state })
        .from(applications)
        .innerJoin(openings, eq(openings.id, applications.openingId))
        .innerJoin(workers, eq(workers.id, applications.workerId))
        .where(and(eq(openings.employerId, e.id), eq(openings.status, 'open'), inArray(applications.state, ['applied', 'offered']), isNull(workers.erasedAt)))
        .orderBy(asc(applications.id))
        .limit(10);
      return rows.map((r): ApplicantView => ({ ...r, name: r.name ?? '', state: r.state as ApplicantView['state'] }));
    },

    async closeOpening(id) {
      const e = await myEmployer();
      const [o] = await db.select().from(openings).where(eq(openings.id, id));
      if (!e || !o || o.employerId !== e.id) return null;
      try {
        await closeOpening(ctx, id, 'closed by the employer in the chat');
      } catch (err) {
        if (err instanceof AppError) return null;
        throw err;
      }
      return o.title;
    },

    async answerCheckin(placementId, stillWorking) {
      const w = await me();
      return w ? answerCheckin(ctx, w.id, placementId, stillWorking) : false;
    },

    async answerPostCheckin(checkinId, doingIt) {
      const w = await me();
      return w ? answerPostCheckin(ctx, w.id, checkinId, doingIt) : false;
    },

    async employerMove(applicationId, to, reason) {
      const e = await myEmployer();
      const [row] = await db
        .select({ a: applications, employerId: openings.employerId, name: workers.name })
        .from(applications)
        .innerJoin(openings, eq(openings.id, applications.openingId))
        .innerJoin(workers, eq(workers.id, applications.workerId))
        .where(eq(applications.id, applicationId));
      // The employer's moves: offer or decline an applicant of its own opening.
      if (!e || !row || row.employerId !== e.id || row.a.state !== 'applied') return { ok: false };
      try {
        await transitionApplication(ctx, applicationId, { to, ...(reason ? { reason } : {}) });
      } catch (err) {
        if (err instanceof AppError) return { ok: false };
        throw err;
      }
      return { ok: true, name: row.name ?? '' };
    },
  };
}
