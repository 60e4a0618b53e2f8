// Drains the outbox to Telegram. A message is claimed with a lease before it
// is sent, so a sender that dies mid-batch loses nothing: the lease runs out
// and the next run sends it again (at most once more per crash). A run that
// stops on purpose (its budget spent, SIGTERM) hands back what it held.
//
// Limits: at most MAX_PER_SECOND messages in total and one a second to one
// chat, as the receiver sees them however slow this machine is: a send's
// arrival lies between its start and its answer, so a chat's next send
// starts a second after the previous one's answer came back, and a send
// starts only a second after the answers of all but the last
// MAX_PER_SECOND - 1 sends before it. The run keeps a few sends in flight and always picks the oldest held
// message whose chat is free, so a chat waiting out its second never holds up
// the others. The pacing state is shared by every run on the same database in
// this process (a request's run and the loop's run together keep the limits).
// A 429 pauses every send for retry_after; 5xx and network errors retry with
// backoff; after MAX_ATTEMPTS a message is dead with its last error. A chat
// that blocked the bot (403) is marked unreachable. Nothing reaches a worker
// between 21:00 and 08:00 China time: it waits.
import { eq, sql } from 'drizzle-orm';
import { batch, type Db } from '../db/client.js';
import { apiTokens, employers, outbox, workers } from '../db/schema.js';
import type { Clock } from '../src/context.js';
import { classifyFailure, type TelegramApi } from '../src/telegram.js';
import { claimOwed, setOutboxRow } from '../src/services/outbox.js';
import { inlineMarkup } from './markup.js';
import { languageOf, renderNotice } from './notices.js';

export const MAX_PER_SECOND = 25;
export const PER_CHAT_INTERVAL_MS = 1000;
export const MAX_ATTEMPTS = 8;
/** Any MAX_PER_SECOND + 1 sends must span at least this long at the receiver. */
const WINDOW_MS = 1000;
/** How often a send waiting for an earlier send's answer (see windowOpensAt) looks again. */
const WINDOW_POLL_MS = 5;
const CATCH_UP_MS = 100;
/** Sent messages are marked in groups (fewer commits); a crash before the mark repeats them once. */
const MARK_EVERY_MS = 250;
const MARK_BATCH = 25;
export const LEASE_MS = 60_000;
const CLAIM = 200;
/** Held (claimed, not yet started) at most; leases are renewed while held. */
const MAX_HELD = 1500;
const IN_FLIGHT = 8;
/** How often a run with nothing due looks again while it still holds messages. */
const RECLAIM_MS = 1000;
const SLEEP_SLICE_MS = 250;

type Row = typeof outbox.$inferSelect;

export interface DeliveryReport {
  sent: number;
  retried: number;
  dead: number;
  dropped: number;
  deferred: number;
  /** Claimed but handed back unsent when the run stopped. */
  released: number;
}

export interface DeliveryOptions {
  /** Stop starting sends after this many ms (a cron run has limited time); what is held goes back. */
  budgetMs?: number;
  /** Stop as soon as possible (SIGTERM); what is held goes back. */
  signal?: AbortSignal;
  /** Null: no quiet hours. */
  quietHours?: QuietHours | null;
  /** Messages a second in total (default MAX_PER_SECOND). */
  perSecond?: number;
}

export interface QuietHours {
  /** First quiet hour, China time (21 = from 21:00). */
  from: number;
  /** First hour sending may start again (8 = from 08:00). */
  to: number;
}
export const DEFAULT_QUIET_HOURS: QuietHours = { from: 21, to: 8 };

/** The first instant at or after `at` outside the quiet hours (China time, UTC+8). */
export function afterQuietHours(at: Date, quiet: QuietHours | null = DEFAULT_QUIET_HOURS): Date {
  if (!quiet) return at;
  const china = new Date(at.getTime() + 8 * 3_600_000);
  const hour = china.getUTCHours();
  const inQuiet = quiet.from < quiet.to ? hour >= quiet.from && hour < quiet.to : hour >= quiet.from || hour < quiet.to;
  if (!inQuiet) return at;
  const resume = new Date(china);
  if (hour >= quiet.to) resume.setUTCDate(resume.getUTCDate() + 1);
  resume.setUTCHours(quiet.to, 0, 0, 0);
  return new Date(resume.getTime() - 8 * 3_600_000);
}

/** Pacing shared by the runs on one database in this process. Times are Date.now() (real time). */
interface Pacer {
  nextSlot: number;
  /** The latest sends in the order they started (at least the last perSecond), each with when its answer came. */
  recent: SendRecord[];
  /** The latest answer of the sends dropped from `recent` (all of them answered). */
  answeredBefore: number;
  /** When each chat may get its next message. */
  chatNext: Map<string, number>;
  /** Chats with a send in flight. */
  busy: Set<string>;
  pausedUntil: number;
  stopping: boolean;
}
interface SendRecord {
  /** Date.now() when its answer (or failure) came back; null while in flight. */
  answeredAt: number | null;
}
const pacers = new WeakMap<object, Pacer>();

function pacerFor(db: Db): Pacer {
  let p = pacers.get(db);
  if (!p) {
    p = { nextSlot: 0, recent: [], answeredBefore: 0, chatNext: new Map(), busy: new Set(), pausedUntil: 0, stopping: false };
    pacers.set(db, p);
  }
  return p;
}

/** Every run on this database winds down and hands back what it holds (process shutdown). */
export function stopDelivery(db: Db): void {
  pacerFor(db).stopping = true;
}

/**
 * The next send time: spaced by 1/perSecond, not while paused. A sender that
 * fell behind (a slow query, a late timer) may catch up on at most
 * CATCH_UP_MS of missed slots; the window still caps any second at perSecond.
 */
function reserveSlot(p: Pacer, perSecond: number): number {
  const slot = Math.max(Date.now() - CATCH_UP_MS, p.nextSlot, p.pausedUntil);
  p.nextSlot = slot + 1000 / perSecond;
  return slot;
}

/**
 * When the next send may start so that no WINDOW_MS holds more than
 * perSecond arrivals: a second after the latest answer among all sends but
 * the last perSecond - 1 (each of those arrived before its answer, the new
 * one arrives after it starts). While one of them is still in flight, soon.
 */
function windowOpensAt(p: Pacer, perSecond: number): number {
  let latest = p.answeredBefore;
  for (let i = 0; i <= p.recent.length - perSecond; i++) {
    const at = p.recent[i]!.answeredAt;
    if (at === null) return Date.now() + WINDOW_POLL_MS;
    if (at > latest) latest = at;
  }
  return latest === 0 ? 0 : latest + WINDOW_MS;
}

function recordSend(p: Pacer, perSecond: number): SendRecord {
  const record: SendRecord = { answeredAt: null };
  p.recent.push(record);
  // Keep the last perSecond, and any older one still in flight behind them.
  while (p.recent.length > perSecond * 2 && p.recent[0]!.answeredAt !== null) {
    p.answeredBefore = Math.max(p.answeredBefore, p.recent.shift()!.answeredAt!);
  }
  return record;
}

const chatFree = (p: Pacer, chat: string, now: number) => !p.busy.has(chat) && (p.chatNext.get(chat) ?? 0) <= now;

const ids = (list: number[]) => sql`(SELECT value FROM json_each(${JSON.stringify(list)}))`;

interface Held {
  row: Row;
  chatId: string;
  worker: boolean;
}

/** Each claimed row's chat, in three queries whatever their number: null when nobody can be reached. */
async function resolveRecipients(db: Db, rows: Row[]): Promise<Map<number, { chatId: string; worker: boolean } | null>> {
  const of = (pick: (r: Row) => number | null) => [...new Set(rows.map(pick).filter((x): x is number => x !== null))];
  const [ws, es, ts] = await Promise.all([
    of((r) => r.workerId).length
      ? db
          .select({ id: workers.id, chat: workers.telegramChatId, erasedAt: workers.erasedAt, unreachable: workers.unreachable })
          .from(workers)
          .where(sql`${workers.id} IN ${ids(of((r) => r.workerId))}`)
      : [],
    of((r) => r.employerId).length
      ? db.select({ id: employers.id, chat: employers.telegramChatId }).from(employers).where(sql`${employers.id} IN ${ids(of((r) => r.employerId))}`)
      : [],
    of((r) => r.staffTokenId).length
      ? db
          .select({ id: apiTokens.id, chat: apiTokens.telegramChatId, revokedAt: apiTokens.revokedAt })
          .from(apiTokens)
          .where(sql`${apiTokens.id} IN ${ids(of((r) => r.staffTokenId))}`)
      : [],
  ]);
  const workerChat = new Map(ws.map((w) => [w.id, w.chat && !w.erasedAt && !w.unreachable ? w.chat : null]));
  const employerChat = new Map(es.map((e) => [e.id, e.chat]));
  const staffChat = new Map(ts.map((t) => [t.id, t.chat && !t.revokedAt ? t.chat : null]));
  const out = new Map<number, { chatId: string; worker: boolean } | null>();
  for (const r of rows) {
    const chat =
      r.workerId !== null
        ? workerChat.get(r.workerId)
        : r.employerId !== null
          ? employerChat.get(r.employerId)
          : r.staffTokenId !== null
            ? staffChat.get(r.staffTokenId)
            : r.chatId;
    out.set(r.id, chat ? { chatId: chat, worker: r.workerId !== null } : null);
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export async function deliverOwed(
  db: Db,
  clock: Clock,
  telegram: TelegramApi,
  opts: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const pacer = pacerFor(db);
  const perSecond = opts.perSecond ?? MAX_PER_SECOND;
  const quiet = opts.quietHours === undefined ? DEFAULT_QUIET_HOURS : opts.quietHours;
  const started = Date.now();
  const report: DeliveryReport = { sent: 0, retried: 0, dead: 0, dropped: 0, deferred: 0, released: 0 };
  const held: Held[] = [];
  const inFlight = new Set<Promise<void>>();
  /** Chats that answered 403 in this run: their other held messages are not tried. */
  const blocked = new Set<string>();
  let lastClaimEmptyAt: number | null = null;
  /** Sent, not yet marked so. */
  let sentIds: number[] = [];
  let sentSince: number | null = null;
  const markSent = async () => {
    if (sentIds.length === 0) return;
    const list = sentIds;
    sentIds = [];
    sentSince = null;
    await db
      .update(outbox)
      .set({ status: 'sent', sentAt: clock.now().toISOString(), lastError: null })
      .where(sql`${outbox.id} IN ${ids(list)}`);
  };
  let lastRenew = Date.now();

  const stopped = () =>
    pacer.stopping || opts.signal?.aborted === true || (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs);
  const setRow = (id: number, set: Parameters<typeof setOutboxRow>[2]) => setOutboxRow(db, id, set);

  /** Claims due messages (and those whose sender's lease ran out); keeps the sendable ones. */
  const claim = async (): Promise<number> => {
    const now = clock.now();
    const claimed = await claimOwed(db, now, 'telegram', CLAIM, LEASE_MS);
    if (claimed.length === 0) return 0;
    const to = await resolveRecipients(db, claimed);
    const unreachable: number[] = [];
    const quietUntil = afterQuietHours(now, quiet);
    const deferred: number[] = [];
    for (const row of claimed) {
      const r = to.get(row.id);
      if (!r) unreachable.push(row.id);
      else if (r.worker && quietUntil.getTime() > now.getTime()) deferred.push(row.id);
      else held.push({ row, chatId: r.chatId, worker: r.worker });
    }
    const writes = [];
    if (unreachable.length) {
      writes.push(db.update(outbox).set({ status: 'cancelled', lastError: 'no reachable chat' }).where(sql`${outbox.id} IN ${ids(unreachable)}`));
    }
    if (deferred.length) {
      // Quiet hours: not an attempt; the message waits for the morning.
      writes.push(
        db
          .update(outbox)
          .set({ status: 'pending', notBefore: quietUntil.toISOString(), attempts: sql`${outbox.attempts} - 1` })
          .where(sql`${outbox.id} IN ${ids(deferred)}`),
      );
    }
    if (writes.length) await batch(db, writes as never);
    report.dropped += unreachable.length;
    report.deferred += deferred.length;
    return claimed.length;
  };

  /** Keeps the leases of held messages; drops any this run no longer owns. */
  const renew = async () => {
    const now = clock.now();
    const mine = await db
      .update(outbox)
      .set({ notBefore: new Date(now.getTime() + LEASE_MS).toISOString() })
      .where(sql`${outbox.id} IN ${ids(held.map((h) => h.row.id))} AND ${outbox.status} = 'sending' AND ${outbox.notBefore} > ${now.toISOString()}`)
      .returning({ id: outbox.id });
    const kept = new Set(mine.map((m) => m.id));
    for (let i = held.length - 1; i >= 0; i--) if (!kept.has(held[i]!.row.id)) held.splice(i, 1);
  };

  /** Hands messages back unsent: due again at once, the claim not counted as an attempt. */
  const release = async (list: Held[]) => {
    if (list.length === 0) return;
    await db
      .update(outbox)
      .set({ status: 'pending', notBefore: clock.now().toISOString(), attempts: sql`max(${outbox.attempts} - 1, 0)` })
      .where(sql`${outbox.id} IN ${ids(list.map((h) => h.row.id))} AND ${outbox.status} = 'sending'`);
    report.released += list.length;
  };

  const send = async (h: Held): Promise<void> => {
    const { row, chatId } = h;
    if (blocked.has(chatId)) {
      await setRow(row.id, { status: 'cancelled', lastError: 'blocked by the user' });
      report.dropped++;
      return;
    }
    const rendered = await renderNotice(db, row, await languageOf(db, chatId));
    if (!rendered) {
      await setRow(row.id, { status: 'cancelled', lastError: 'nothing to say any more' });
      report.dropped++;
      return;
    }
    // Wait for a slot; a 429 meanwhile moves it, a stop hands the message back.
    for (;;) {
      if (stopped()) {
        await release([h]);
        return;
      }
      const slot = reserveSlot(pacer, perSecond);
      while (Date.now() < slot && !stopped()) await sleep(Math.min(SLEEP_SLICE_MS, slot - Date.now()));
      // Timers fire late now and then; the window keeps a late send from crowding the next ones.
      while (Date.now() < windowOpensAt(pacer, perSecond) && !stopped()) await sleep(windowOpensAt(pacer, perSecond) - Date.now());
      if (stopped()) continue;
      if (pacer.pausedUntil <= Date.now()) break;
    }
    // No await between the checks above and here: the send is counted before another task looks.
    const record = recordSend(pacer, perSecond);
    const answered = () => {
      record.answeredAt = Date.now();
      // The chat's next message starts a second after this one's answer (see the header).
      pacer.chatNext.set(chatId, Math.max(pacer.chatNext.get(chatId) ?? 0, record.answeredAt + PER_CHAT_INTERVAL_MS));
    };
    try {
      await telegram.sendMessage(chatId, rendered.text, inlineMarkup(rendered.buttons)).finally(answered);
      sentIds.push(row.id);
      sentSince ??= Date.now();
      report.sent++;
    } catch (err) {
      const f = classifyFailure(err);
      if (f.kind === 'rate_limited') {
        // Telegram asks the whole bot to wait; the message goes first once it may.
        pacer.pausedUntil = Math.max(pacer.pausedUntil, Date.now() + f.retryAfterSeconds * 1000);
        pacer.chatNext.set(chatId, pacer.pausedUntil);
        held.unshift(h);
        report.retried++;
      } else if (f.kind === 'blocked') {
        blocked.add(chatId);
        await batch(db, [
          setRow(row.id, { status: 'cancelled', lastError: 'blocked by the user' }),
          ...(row.workerId !== null ? [db.update(workers).set({ unreachable: true }).where(eq(workers.id, row.workerId))] : []),
        ]);
        report.dropped++;
      } else if (f.kind === 'bad_request' || row.attempts >= MAX_ATTEMPTS) {
        await setRow(row.id, { status: 'dead', lastError: f.description });
        report.dead++;
      } else {
        const backoffMs = Math.min(3_600_000, 1000 * 2 ** row.attempts);
        await setRow(row.id, {
          status: 'pending',
          notBefore: new Date(clock.now().getTime() + backoffMs).toISOString(),
          lastError: f.description,
        });
        report.retried++;
      }
    }
  };

  const start = (h: Held) => {
    pacer.busy.add(h.chatId);
    const task: Promise<void> = send(h)
      .catch((err) => console.error('outbox: message', h.row.id, 'failed', err))
      .finally(() => {
        pacer.busy.delete(h.chatId);
        inFlight.delete(task);
      });
    inFlight.add(task);
  };

  try {
    for (;;) {
      if (stopped()) break;
      let now = Date.now();
      if (sentIds.length >= MARK_BATCH || (sentSince !== null && now - sentSince >= MARK_EVERY_MS)) await markSent();
      if (held.length && now - lastRenew > LEASE_MS / 3) {
        await renew();
        lastRenew = Date.now();
      }
      // Distinct chats that can take a message within the next second: fewer than
      // a second's worth of sends, and the run would idle on chats in their gap.
      const soon = new Set<string>();
      for (const h of held) if (!pacer.busy.has(h.chatId) && (pacer.chatNext.get(h.chatId) ?? 0) <= now + 1000) soon.add(h.chatId);
      const mayClaim = lastClaimEmptyAt === null || now - lastClaimEmptyAt >= RECLAIM_MS;
      if (held.length < MAX_HELD && soon.size < perSecond * 2 && mayClaim) {
        const n = await claim();
        lastClaimEmptyAt = n === 0 ? Date.now() : null;
        if (n > 0) continue;
      }
      now = Date.now();
      while (inFlight.size < IN_FLIGHT) {
        const i = held.findIndex((h) => chatFree(pacer, h.chatId, now));
        if (i < 0) break;
        start(held.splice(i, 1)[0]!);
      }
      if (held.length === 0 && inFlight.size === 0 && lastClaimEmptyAt !== null) break;
      // Wait for a send to finish, a held chat to come free, or the time to look for more.
      let wait = RECLAIM_MS;
      for (const h of held) {
        if (pacer.busy.has(h.chatId)) continue;
        wait = Math.min(wait, (pacer.chatNext.get(h.chatId) ?? 0) - now);
      }
      if (sentSince !== null) wait = Math.min(wait, sentSince + MARK_EVERY_MS - now);
      if (inFlight.size >= IN_FLIGHT || wait > 0) await Promise.race([sleep(Math.max(wait, 1)), ...inFlight]);
    }
  } finally {
    await Promise.allSettled([...inFlight]);
    await markSent();
    await release(held.splice(0));
  }
  pruneChats(pacer);
  return report;
}

/** Forgets chats whose gap is long past, so the map stays small. */
function pruneChats(p: Pacer) {
  if (p.chatNext.size < 10_000) return;
  const now = Date.now();
  for (const [chat, at] of p.chatNext) if (at < now) p.chatNext.delete(chat);
}
