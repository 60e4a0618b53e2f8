// Received updates: each is stored by update_id before it is handled, so a
// copy Telegram re-sends (also one arriving at the same moment) is handled
// once. One chat's updates are handled in update_id order by whichever
// request holds the chat's lock; a request that cannot get it leaves its
// update to the holder, which keeps going until none is waiting.
// With `later` (Node's servers, TELEGRAM_WEBHOOK_ACK=stored) a stored update
// is answered at once and its chat handled right after, beside the next
// requests: Telegram needs only the 200, the replies go out by sendMessage
// either way, and a process that dies first leaves the update stored for
// drainForgottenChats.
import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Update } from 'grammy/types';
import { batch } from '../db/client.js';
import { botSessions, telegramUpdates } from '../db/schema.js';
import type { Deps } from '../src/context.js';
import { botFor, chatOf } from './bot.js';
import { newSession } from './flow.js';

const LOCK_MS = 15_000;
const WAIT_STEP_MS = 50;
/** How long a request waits for another to finish the chat before answering Telegram anyway. */
const WAIT_BUDGET_MS = 1_500;

export type Receipt = 'duplicate' | 'handled' | 'queued' | 'stored';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function receiveUpdate(deps: Deps, update: Update, later?: (handling: Promise<unknown>) => void): Promise<Receipt> {
  const chatId = chatOf(update);
  const now = deps.clock.now().toISOString();
  const stored = await deps.db
    .insert(telegramUpdates)
    .values({ updateId: update.update_id, chatId, payload: JSON.stringify(update), receivedAt: now })
    .onConflictDoNothing()
    .returning({ id: telegramUpdates.updateId });
  if (stored.length === 0) return 'duplicate';
  if (chatId === null) {
    await handleStored(deps, update.update_id, update);
    return 'handled';
  }
  if (later) {
    // After a turn of the event loop, so the answer goes out before the handling starts.
    const handling = new Promise((resolve) => setTimeout(resolve, 0)).then(() => drainChat(deps, chatId, update.update_id));
    later(handling.catch((err) => console.error('bot: chat', chatId, 'not handled now; drainForgottenChats will', err)));
    return 'stored';
  }
  return (await drainChat(deps, chatId, update.update_id)) ? 'handled' : 'queued';
}

/**
 * Handles one stored update and marks it, in one transaction with `also`
 * (drainChat lets the chat's lock go with it): their results follow the mark's.
 */
async function handleStored(deps: Deps, updateId: number, update: Update, also: BatchItem<'sqlite'>[] = []): Promise<unknown[]> {
  let status: 'handled' | 'failed' = 'handled';
  try {
    await botFor(deps).handleUpdate(update);
  } catch (err) {
    console.error('bot: update', updateId, 'failed', err);
    status = 'failed';
  }
  const mark = deps.db.update(telegramUpdates).set({ status, handledAt: deps.clock.now().toISOString() }).where(eq(telegramUpdates.updateId, updateId));
  return (await batch(deps.db, [mark, ...also])).slice(1);
}

/** Takes the chat's lock, making the chat's session row if it has none, in one statement: true when this request holds it now. */
async function acquire(deps: Deps, chatId: string): Promise<boolean> {
  const now = new Date();
  const until = new Date(now.getTime() + LOCK_MS).toISOString();
  const got = await deps.db
    .insert(botSessions)
    .values({ chatId, state: newSession() as unknown as Record<string, unknown>, lockedUntil: until, updatedAt: deps.clock.now().toISOString() })
    .onConflictDoUpdate({
      target: botSessions.chatId,
      set: { lockedUntil: until },
      setWhere: or(isNull(botSessions.lockedUntil), lt(botSessions.lockedUntil, now.toISOString())),
    })
    .returning({ chatId: botSessions.chatId });
  return got.length > 0;
}

async function release(deps: Deps, chatId: string) {
  await deps.db.update(botSessions).set({ lockedUntil: null }).where(eq(botSessions.chatId, chatId));
}

/**
 * Lets the chat's lock go unless another of its updates waits: in the
 * transaction that marks the one handled, so an update stored before it is
 * seen here (and the holder goes on), and one stored after finds the lock free.
 */
const releaseUnlessWaiting = (deps: Deps, chatId: string) =>
  deps.db
    .update(botSessions)
    .set({ lockedUntil: null })
    .where(
      and(
        eq(botSessions.chatId, chatId),
        sql`NOT EXISTS (SELECT 1 FROM ${telegramUpdates} WHERE ${telegramUpdates.chatId} = ${chatId} AND ${telegramUpdates.status} = 'received')`,
      ),
    )
    .returning({ chatId: botSessions.chatId });

async function nextWaiting(deps: Deps, chatId: string) {
  const [row] = await deps.db
    .select()
    .from(telegramUpdates)
    .where(and(eq(telegramUpdates.chatId, chatId), eq(telegramUpdates.status, 'received')))
    .orderBy(asc(telegramUpdates.updateId))
    .limit(1);
  return row;
}

/**
 * Handles the chat's waiting updates in order. True when `mine` (if given)
 * was handled by the time this returns.
 */
export async function drainChat(deps: Deps, chatId: string, mine?: number): Promise<boolean> {
  const started = Date.now();
  for (;;) {
    if (await acquire(deps, chatId)) {
      let held = true;
      try {
        for (let row = await nextWaiting(deps, chatId); row; row = await nextWaiting(deps, chatId)) {
          const [released] = await handleStored(deps, row.updateId, JSON.parse(row.payload) as Update, [releaseUnlessWaiting(deps, chatId)]);
          if ((released as unknown[]).length > 0) {
            held = false;
            return true;
          }
        }
      } finally {
        if (held) await release(deps, chatId);
      }
      // Nothing was waiting once the lock was taken (another request handled
      // it): an update stored while the lock was being let go would wait for
      // the next one, so look once more. (A database error marking an update
      // lets the lock go in `finally` and leaves it to drainForgottenChats.)
      if (!(await nextWaiting(deps, chatId))) return true;
      continue;
    }
    if (mine !== undefined) {
      const [row] = await deps.db.select({ status: telegramUpdates.status }).from(telegramUpdates).where(eq(telegramUpdates.updateId, mine));
      if (!row || row.status !== 'received') return true;
    }
    if (Date.now() - started > WAIT_BUDGET_MS) return false;
    await sleep(WAIT_STEP_MS);
  }
}

/** Scheduled: chats whose updates wait with no request handling them (a request died). */
export async function drainForgottenChats(deps: Deps): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - 60_000).toISOString();
  const chats = await deps.db
    .selectDistinct({ chatId: telegramUpdates.chatId })
    .from(telegramUpdates)
    .where(and(eq(telegramUpdates.status, 'received'), lt(telegramUpdates.receivedAt, cutoff)))
    .limit(100);
  for (const c of chats) if (c.chatId) await drainChat(deps, c.chatId);
  return chats.length;
}

/** Scheduled: handled updates keep their id (to refuse a late copy) but not their content after a week. */
export async function forgetOldUpdates(deps: Deps): Promise<void> {
  const cutoff = new Date(deps.clock.now().getTime() - 7 * 86_400_000).toISOString();
  await deps.db
    .update(telegramUpdates)
    .set({ payload: '{}' })
    .where(and(sql`${telegramUpdates.status} <> 'received'`, lt(telegramUpdates.receivedAt, cutoff), sql`${telegramUpdates.payload} <> '{}'`));
}
