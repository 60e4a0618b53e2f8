// Drains the outbox to Telegram. A message is claimed with a lease before it
// is sent, so a sender that dies mid-batch loses nothing: the lease runs out
// and the next run sends it again (at most once more per crash).
//
// Limits: at most MAX_PER_SECOND messages in total and one a second to one
// chat; a 429 pauses the whole run for retry_after; 5xx and network errors
// retry with backoff; after MAX_ATTEMPTS a message is dead with its last
// error. A chat that blocked the bot (403) is marked unreachable. Nothing
// reaches a worker between 21:00 and 08:00 China time: it waits.
import { and, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { employers, outbox, workers } from '../db/schema.js';
import type { Clock } from '../src/context.js';
import { classifyFailure, type TelegramApi } from '../src/telegram.js';
import { inlineMarkup } from './markup.js';
import { languageOf, renderNotice } from './notices.js';

export const MAX_PER_SECOND = 25;
export const PER_CHAT_INTERVAL_MS = 1000;
export const MAX_ATTEMPTS = 8;
const LEASE_MS = 60_000;
const CLAIM = 50;

type Row = typeof outbox.$inferSelect;

export interface DeliveryReport {
  sent: number;
  retried: number;
  dead: number;
  dropped: number;
  deferred: number;
}

export interface DeliveryOptions {
  /** Stop claiming new messages after this many ms (a cron run has limited time). */
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Null: no quiet hours. */
  quietHours?: QuietHours | null;
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

async function recipient(db: Db, row: Row): Promise<{ chatId: string; worker: boolean } | null> {
  if (row.workerId !== null) {
    const [w] = await db
      .select({ chat: workers.telegramChatId, erasedAt: workers.erasedAt, unreachable: workers.unreachable })
      .from(workers)
      .where(eq(workers.id, row.workerId));
    return w?.chat && !w.erasedAt && !w.unreachable ? { chatId: w.chat, worker: true } : null;
  }
  if (row.employerId !== null) {
    const [e] = await db.select({ chat: employers.telegramChatId }).from(employers).where(eq(employers.id, row.employerId));
    return e?.chat ? { chatId: e.chat, worker: false } : null;
  }
  return row.chatId ? { chatId: row.chatId, worker: false } : null;
}

export async function deliverOwed(
  db: Db,
  clock: Clock,
  telegram: TelegramApi,
  opts: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = Date.now();
  const report: DeliveryReport = { sent: 0, retried: 0, dead: 0, dropped: 0, deferred: 0 };
  const lastToChat = new Map<string, number>();
  let lastSend = 0;
  for (;;) {
    if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) break;
    const now = clock.now();
    const nowIso = now.toISOString();
    const leaseUntil = new Date(now.getTime() + LEASE_MS).toISOString();
    // Claim due messages, and messages whose sender's lease ran out.
    const due = db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(inArray(outbox.status, ['pending', 'sending']), lte(outbox.notBefore, nowIso)))
      .orderBy(outbox.notBefore, outbox.id)
      .limit(CLAIM);
    const claimed = await db
      .update(outbox)
      .set({ status: 'sending', notBefore: leaseUntil, attempts: sql`${outbox.attempts} + 1` })
      .where(and(inArray(outbox.id, due), or(eq(outbox.status, 'pending'), eq(outbox.status, 'sending')), lte(outbox.notBefore, nowIso)))
      .returning();
    if (claimed.length === 0) break;
    claimed.sort((a, b) => a.id - b.id);
    let paused = false;
    for (const row of claimed) {
      if (paused) {
        await db.update(outbox).set({ status: 'pending', notBefore: nowIso, attempts: row.attempts - 1 }).where(eq(outbox.id, row.id));
        continue;
      }
      const to = await recipient(db, row);
      const rendered = to ? await renderNotice(db, row, await languageOf(db, to.chatId)) : null;
      if (!to || !rendered) {
        await db.update(outbox).set({ status: 'cancelled', lastError: to ? 'nothing to say any more' : 'no reachable chat' }).where(eq(outbox.id, row.id));
        report.dropped++;
        continue;
      }
      if (to.worker) {
        const allowed = afterQuietHours(clock.now(), opts.quietHours === undefined ? DEFAULT_QUIET_HOURS : opts.quietHours);
        if (allowed.getTime() > clock.now().getTime()) {
          await db.update(outbox).set({ status: 'pending', notBefore: allowed.toISOString(), attempts: row.attempts - 1 }).where(eq(outbox.id, row.id));
          report.deferred++;
          continue;
        }
      }
      // Throttle: one a second per chat, MAX_PER_SECOND in all.
      const wait = Math.max((lastToChat.get(to.chatId) ?? 0) + PER_CHAT_INTERVAL_MS, lastSend + 1000 / MAX_PER_SECOND) - Date.now();
      if (wait > 0) await sleep(wait);
      lastSend = Date.now();
      lastToChat.set(to.chatId, lastSend);
      try {
        await telegram.sendMessage(to.chatId, rendered.text, inlineMarkup(rendered.buttons));
        await db.update(outbox).set({ status: 'sent', sentAt: clock.now().toISOString(), lastError: null }).where(eq(outbox.id, row.id));
        report.sent++;
      } catch (err) {
        const f = classifyFailure(err);
        if (f.kind === 'rate_limited') {
          await db
            .update(outbox)
            .set({ status: 'pending', notBefore: new Date(clock.now().getTime() + f.retryAfterSeconds * 1000).toISOString(), attempts: row.attempts - 1, lastError: '429' })
            .where(eq(outbox.id, row.id));
          report.retried++;
          // Telegram asks the whole bot to wait.
          await sleep(f.retryAfterSeconds * 1000);
          paused = true;
        } else if (f.kind === 'blocked') {
          await db.update(outbox).set({ status: 'cancelled', lastError: 'blocked by the user' }).where(eq(outbox.id, row.id));
          if (row.workerId !== null) await db.update(workers).set({ unreachable: true }).where(eq(workers.id, row.workerId));
          report.dropped++;
        } else if (f.kind === 'bad_request' || row.attempts >= MAX_ATTEMPTS) {
          await db.update(outbox).set({ status: 'dead', lastError: f.description }).where(eq(outbox.id, row.id));
          report.dead++;
        } else {
          const backoffMs = Math.min(3_600_000, 1000 * 2 ** row.attempts);
          await db
            .update(outbox)
            .set({ status: 'pending', notBefore: new Date(clock.now().getTime() + backoffMs).toISOString(), lastError: f.description })
            .where(eq(outbox.id, row.id));
          report.retried++;
        }
      }
    }
  }
  return report;
}
