// SMS for workers staff registered with a phone and no chat: the alerts that
// matter — a new opening that suits them, an offer, an expiry, the monthly
// check-in, a post holder's subsidy notice — as the provider's templates with short parameters (the texts,
// registered with the provider, are in SMS_TEXTS). Every other notice to such
// a worker is cancelled with the reason; so is everything once they replied
// TD. Quiet hours hold messages for the morning; at most one SMS a minute,
// five an hour and ten a day to one number (the provider's flow control), and
// its rate-limit refusal waits an hour. Each SMS is kept (sms_messages) with
// what a reply of "1" would be about, and its delivery receipt.
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import { batch, type Db } from '../../../db/client.js';
import { applications, assessments, employers, openings, outbox, placements, postCheckins, smsMessages, workers } from '../../../db/schema.js';
import { yuanOfFen } from '../../../src/domain/subsidy.js';
import type { Deps } from '../../../src/context.js';
import { loggedDelivery } from '../../../src/observability/runs.js';
import { cancelOwed, claimOwed, setOutboxRow } from '../../../src/services/outbox.js';
import { renderNotice } from '../../notices.js';
import { afterQuietHours, DEFAULT_QUIET_HOURS, LEASE_MS, MAX_ATTEMPTS, type QuietHours } from '../../sender.js';
import { aliyunSms, SmsError, type SmsProvider } from './aliyun.js';

export type SmsKind = 'opening' | 'offer' | 'expired' | 'checkin' | 'postcheckin' | 'subsidy';

const KIND_OF: Record<string, SmsKind> = {
  opening_alert: 'opening',
  offer: 'offer',
  expired: 'expired',
  checkin: 'checkin',
  post_checkin: 'postcheckin',
  subsidy_notice: 'subsidy',
};

/** The templates' texts as registered with the provider (the signature 【就近】 is added by it). */
export const SMS_TEXTS: Record<SmsKind, string> = {
  opening: '附近有新活：${title}（${employer}）。想去回复1。退订回复TD',
  offer: '${employer}要您去做“${title}”，愿意回复1，工作人员会联系您。退订回复TD',
  expired: '您报名的“${title}”过期了，还想去请找村里工作人员。退订回复TD',
  checkin: '您还在做“${title}”吗？还在做回复1，不做了回复2。退订回复TD',
  postcheckin: '回访：这个月您在做“${title}”吗？在做回复1，没有做回复2。退订回复TD',
  subsidy: '您${month}的补贴${amount}元，扣${deduction}元${why}。有疑问请找村里。退订回复TD',
};

export const fillTemplate = (kind: SmsKind, params: Record<string, string>) => SMS_TEXTS[kind].replace(/\$\{(\w+)\}/g, (_, k: string) => params[k] ?? '');

export const PER_PHONE = { minute: 1, hour: 5, day: 10 };
export const RATE_LIMIT_WAIT_MS = 3_600_000;
const CLAIM = 50;
const SMS_OFF = 'SMS is off (SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME)';

export function parseSmsTemplates(spec: string | undefined): Partial<Record<SmsKind, string>> {
  const out: Partial<Record<SmsKind, string>> = {};
  for (const part of (spec ?? '').split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k && v) out[k as SmsKind] = v;
  }
  return out;
}

export function smsProviderOf(deps: Deps): SmsProvider | null {
  const { SMS_ACCESS_KEY_ID: id, SMS_ACCESS_KEY_SECRET: secret, SMS_SIGN_NAME: sign, SMS_API_ROOT: root } = deps.config;
  return id && secret && sign ? aliyunSms({ accessKeyId: id, accessKeySecret: secret, signName: sign, root, clock: deps.clock }) : null;
}

/** A template's parameters (short: the provider caps each at 35 characters) and what a reply is about. */
interface Facts {
  params: Record<string, string>;
  openingId: number | null;
  applicationId: number | null;
}

async function factsOf(db: Db, row: typeof outbox.$inferSelect): Promise<Facts | null> {
  const cut = (s: string | null | undefined) => (s ?? '').slice(0, 20);
  const p = row.payload;
  if (row.kind === 'opening_alert') {
    const [o] = await db.select({ title: openings.title, employer: employers.name }).from(openings).innerJoin(employers, eq(employers.id, openings.employerId)).where(eq(openings.id, Number(p.openingId)));
    return o ? { params: { title: cut(o.title), employer: cut(o.employer) }, openingId: Number(p.openingId), applicationId: null } : null;
  }
  if (row.kind === 'subsidy_notice') {
    const [a] = await db.select().from(assessments).where(eq(assessments.id, Number(p.assessmentId)));
    if (!a) return null;
    const why = [a.deductions.includes('score_band') ? `考核${a.bandLabel}` : '', a.deductions.includes('days_short') ? `上班${a.daysWorked}天` : ''].filter(Boolean).join('，');
    return { params: { month: `${Number(a.month.slice(5))}月`, amount: yuanOfFen(a.amountFen), deduction: yuanOfFen(a.deductionFen), why: why ? `（${why}）` : '' }, openingId: null, applicationId: null };
  }
  if (row.kind === 'post_checkin') {
    const [c] = await db
      .select({ title: openings.title })
      .from(postCheckins)
      .innerJoin(placements, eq(placements.id, postCheckins.placementId))
      .leftJoin(openings, eq(openings.id, placements.openingId))
      .where(eq(postCheckins.id, Number(p.checkinId)));
    return c ? { params: { title: cut(c.title ?? '公益性岗位') }, openingId: null, applicationId: null } : null;
  }
  if (row.kind === 'checkin') {
    const [pl] = await db.select({ title: openings.title, type: placements.type }).from(placements).leftJoin(openings, eq(openings.id, placements.openingId)).where(eq(placements.id, Number(p.placementId)));
    return pl ? { params: { title: cut(pl.title ?? '现在的活') }, openingId: null, applicationId: null } : null;
  }
  const which = Number.isInteger(Number(p.applicationId))
    ? eq(applications.id, Number(p.applicationId))
    : and(eq(applications.workerId, Number(p.workerId)), eq(applications.openingId, Number(p.openingId)));
  const [a] = await db
    .select({ id: applications.id, openingId: applications.openingId, title: openings.title, employer: employers.name })
    .from(applications)
    .innerJoin(openings, eq(openings.id, applications.openingId))
    .innerJoin(employers, eq(employers.id, openings.employerId))
    .where(which);
  return a ? { params: { title: cut(a.title), employer: cut(a.employer) }, openingId: a.openingId, applicationId: a.id } : null;
}

/** When the number may get its next SMS under the per-number limits. */
async function nextAllowed(db: Db, phone: string, now: Date): Promise<Date> {
  const dayAgo = new Date(now.getTime() - 86_400_000).toISOString();
  const recent = await db
    .select({ sentAt: smsMessages.sentAt })
    .from(smsMessages)
    .where(and(eq(smsMessages.phone, phone), gte(smsMessages.sentAt, dayAgo)))
    .orderBy(desc(smsMessages.sentAt));
  const times = recent.map((r) => Date.parse(r.sentAt));
  let at = now.getTime();
  const windows: Array<[number, number]> = [
    [60_000, PER_PHONE.minute],
    [3_600_000, PER_PHONE.hour],
    [86_400_000, PER_PHONE.day],
  ];
  for (const [span, max] of windows) {
    const inside = times.filter((t) => t > now.getTime() - span);
    // The oldest of the last `max` sends must leave the window first.
    if (inside.length >= max) at = Math.max(at, inside[max - 1]! + span);
  }
  return new Date(at);
}

/** Records the SMS about to be sent if the number is within its limits; its id, or null when it must wait. */
async function reserve(
  db: Db,
  m: { outboxId: number; workerId: number; phone: string; kind: string; applicationId: number | null; openingId: number | null },
  now: Date,
): Promise<number | null> {
  const since = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const count = (ms: number) => sql`(SELECT count(*) FROM ${smsMessages} WHERE ${smsMessages.phone} = ${m.phone} AND ${smsMessages.sentAt} > ${since(ms)})`;
  const rows = await db.all<{ id: number }>(sql`INSERT INTO ${smsMessages} (outbox_id, worker_id, phone, kind, application_id, opening_id, status, sent_at)
    SELECT ${m.outboxId}, ${m.workerId}, ${m.phone}, ${m.kind}, ${m.applicationId}, ${m.openingId}, 'sent', ${now.toISOString()}
    WHERE ${count(60_000)} < ${PER_PHONE.minute} AND ${count(3_600_000)} < ${PER_PHONE.hour} AND ${count(86_400_000)} < ${PER_PHONE.day}
    RETURNING id`);
  return rows[0]?.id ?? null;
}

export interface SmsReport {
  sent: number;
  retried: number;
  dead: number;
  dropped: number;
  deferred: number;
}

export async function deliverSms(deps: Deps, provider: SmsProvider | null, opts: { quietHours?: QuietHours | null } = {}): Promise<SmsReport> {
  const { db, clock } = deps;
  const quiet = opts.quietHours === undefined ? DEFAULT_QUIET_HOURS : opts.quietHours;
  const templates = parseSmsTemplates(deps.config.SMS_TEMPLATES);
  const report: SmsReport = { sent: 0, retried: 0, dead: 0, dropped: 0, deferred: 0 };
  const setRow = (id: number, set: Parameters<typeof setOutboxRow>[2]) => setOutboxRow(db, id, set);
  const notAttempt = sql`${outbox.attempts} - 1`;
  if (!provider) {
    // SMS is off: what is owed by SMS is cancelled many rows a statement, the event loop served between slices.
    report.dropped += await cancelOwed(db, () => clock.now(), 'sms', SMS_OFF);
    return report;
  }
  for (let round = 0; round < 20; round++) {
    const now = clock.now();
    const claimed = await claimOwed(db, now, 'sms', CLAIM, LEASE_MS);
    if (claimed.length === 0) break;
    for (const row of claimed) {
      const [w] = await db.select().from(workers).where(eq(workers.id, row.workerId!));
      const kind = KIND_OF[row.kind];
      const cancel = async (why: string) => {
        await setRow(row.id, { status: 'cancelled', lastError: why });
        report.dropped++;
      };
      if (!w || w.erasedAt || !w.phone || (!w.alertsEnabled && row.kind === 'opening_alert')) {
        await cancel('no reachable chat');
        continue;
      }
      if (w.smsOptOutAt) {
        await cancel('opted out of SMS (TD)');
        continue;
      }
      if (!kind) {
        await cancel(`not sent by SMS (${row.kind})`);
        continue;
      }
      const template = templates[kind];
      if (!template) {
        await setRow(row.id, { status: 'dead', lastError: `no SMS template for ${kind} in SMS_TEMPLATES` });
        report.dead++;
        continue;
      }
      // Whether the notice still stands (an answered offer, a closed opening): the chat's rule.
      const facts = (await renderNotice(db, row, 'zh')) ? await factsOf(db, row) : null;
      if (!facts) {
        await cancel('nothing to say any more');
        continue;
      }
      const quietUntil = afterQuietHours(clock.now(), quiet);
      if (quietUntil.getTime() > clock.now().getTime()) {
        await setRow(row.id, { status: 'pending', notBefore: quietUntil.toISOString(), attempts: notAttempt });
        report.deferred++;
        continue;
      }
      // The number's place in its limits is taken before the send, in one statement, so two runs at once cannot both use it.
      const slot = await reserve(db, { outboxId: row.id, workerId: w.id, phone: w.phone, kind: row.kind, applicationId: facts.applicationId, openingId: facts.openingId }, clock.now());
      if (slot === null) {
        await setRow(row.id, { status: 'pending', notBefore: (await nextAllowed(db, w.phone, clock.now())).toISOString(), attempts: notAttempt });
        report.deferred++;
        continue;
      }
      try {
        const phone = w.phone.replace(/^\+?86/, '');
        const { bizId } = await provider.send({ phone, templateCode: template, params: facts.params, outId: String(row.id) });
        await batch(db, [
          db.update(smsMessages).set({ bizId }).where(eq(smsMessages.id, slot)),
          setRow(row.id, { status: 'sent', sentAt: clock.now().toISOString(), lastError: null }),
        ]);
        report.sent++;
      } catch (err) {
        await db.delete(smsMessages).where(eq(smsMessages.id, slot));
        const f = err instanceof SmsError ? err.failure : { kind: 'transient' as const, message: String(err) };
        if (f.kind === 'rate_limited') {
          await setRow(row.id, { status: 'pending', notBefore: new Date(clock.now().getTime() + RATE_LIMIT_WAIT_MS).toISOString(), attempts: notAttempt, lastError: f.code });
          report.retried++;
        } else if (f.kind === 'refused' || row.attempts >= MAX_ATTEMPTS) {
          await setRow(row.id, { status: 'dead', lastError: 'message' in f ? f.message : '' });
          report.dead++;
        } else {
          await setRow(row.id, { status: 'pending', notBefore: new Date(clock.now().getTime() + Math.min(3_600_000, 1000 * 2 ** row.attempts)).toISOString(), lastError: f.message });
          report.retried++;
        }
      }
    }
  }
  return report;
}

/** One SMS drain, logged with the other senders'. Runs with SMS off too: it then cancels what is owed by SMS, saying why. */
export function deliverSmsLogged(deps: Deps, trigger: string) {
  return loggedDelivery(deps, trigger, async () => ({ ...(await deliverSms(deps, smsProviderOf(deps), { quietHours: deps.config.QUIET_HOURS })), released: 0 }));
}
