// Sessions of the staff console. A person signs in once with their staff or
// admin token; the browser then holds only a random session id in an
// HttpOnly cookie, and the database holds its SHA-256. The acting token is
// read again on every request, so revoking it ends its sessions at once.
// Cross-site form posts are refused with a per-session token derived from the
// session id (nothing more to store) on top of SameSite=Strict.
import { and, eq, gt, isNull, not, or, sql } from 'drizzle-orm';
import { batch, type Db } from '../../db/client.js';
import { apiTokens, auditLog, consoleSessions } from '../../db/schema.js';
import { type Actor, type Clock, nowIso } from '../context.js';
import { AppError } from '../errors.js';
import { auditInsert } from './audit.js';
import { actorForToken, randomToken, sha256Hex } from './tokens.js';

/** A session lasts a working day; signing in again is cheap. */
export const SESSION_HOURS = 12;

export type ConsoleActor = Extract<Actor, { role: 'staff' } | { role: 'admin' }>;

export interface ConsoleSession {
  actor: ConsoleActor;
  /** The token every form of this session carries. */
  csrf: string;
}

/** The form token of a session: derived, so it needs no column and dies with the session. */
export const csrfTokenFor = (sessionId: string) => sha256Hex(`console-csrf:${sessionId}`);

/**
 * Exchanges an API token for a new session id. Only staff and admin tokens
 * open the console: a wrong token is 401, an employer's 403.
 */
export async function startConsoleSession(db: Db, clock: Clock, token: string): Promise<{ sessionId: string; actor: ConsoleActor }> {
  const actor = await actorForToken(db, token.trim(), clock.now());
  if (actor.role !== 'staff' && actor.role !== 'admin') {
    throw new AppError('forbidden', 'The console is for labour bureau staff and admins');
  }
  const sessionId = randomToken('cs_');
  const now = clock.now();
  await batch(db, [
    db.insert(consoleSessions).values({
      idHash: await sha256Hex(sessionId),
      tokenId: actor.tokenId,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + SESSION_HOURS * 3_600_000).toISOString(),
    }),
    auditInsert(db, clock, actor, { action: 'console.sign_in', objectType: 'api_token', objectId: actor.tokenId }),
  ]);
  return { sessionId, actor };
}

/** A session still in use: not signed out, not expired. */
const live = (now: string) => and(isNull(consoleSessions.endedAt), gt(consoleSessions.expiresAt, now));

/** The session behind a cookie value, or null when it is unknown, ended, expired or its token revoked. */
export async function consoleSession(db: Db, clock: Clock, sessionId: string): Promise<ConsoleSession | null> {
  if (!/^cs_[A-Za-z0-9_-]{20,100}$/.test(sessionId)) return null;
  const [row] = await db
    .select({ s: consoleSessions, t: apiTokens })
    .from(consoleSessions)
    .innerJoin(apiTokens, eq(apiTokens.id, consoleSessions.tokenId))
    .where(and(eq(consoleSessions.idHash, await sha256Hex(sessionId)), live(nowIso(clock)), isNull(apiTokens.revokedAt), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, nowIso(clock)))));
  if (!row) return null;
  let actor: ConsoleActor;
  if (row.t.role === 'staff' && row.t.areaPrefix) actor = { role: 'staff', tokenId: row.t.id, areaPrefix: row.t.areaPrefix };
  else if (row.t.role === 'admin') actor = { role: 'admin', tokenId: row.t.id };
  else return null;
  return { actor, csrf: await csrfTokenFor(sessionId) };
}

/** Ends the session (sign-out); a second call changes nothing. */
export async function endConsoleSession(db: Db, clock: Clock, sessionId: string, actor: ConsoleActor): Promise<void> {
  await batch(db, [
    db
      .update(consoleSessions)
      .set({ endedAt: nowIso(clock) })
      .where(and(eq(consoleSessions.idHash, await sha256Hex(sessionId)), isNull(consoleSessions.endedAt))),
    auditInsert(db, clock, actor, { action: 'console.sign_out', objectType: 'api_token', objectId: actor.tokenId }),
  ]);
}

/** Scheduled: sessions that expired or were signed out are of no more use; their rows go. Returns how many. */
export async function forgetFinishedConsoleSessions(db: Db, clock: Clock): Promise<number> {
  const gone = await db
    .delete(consoleSessions)
    .where(not(live(nowIso(clock))!))
    .returning({ idHash: consoleSessions.idHash });
  return gone.length;
}

/**
 * Failed sign-ins are audited (with a hash of the address and of the token's
 * first characters, never the token) and throttled: within
 * SIGN_IN_WINDOW_MINUTES, SIGN_IN_FAILURES_PER_ADDRESS failures from one
 * address, or SIGN_IN_FAILURES_PER_PREFIX against tokens starting alike (a
 * guesser walking one token from many addresses), and further tries answer
 * 429 unread until the window has passed.
 */
export const SIGN_IN_WINDOW_MINUTES = 15;
export const SIGN_IN_FAILURES_PER_ADDRESS = 10;
export const SIGN_IN_FAILURES_PER_PREFIX = 5;
const PREFIX_CHARS = 8;

export interface SignInSource {
  /** The caller's address as the server sees it (behind a trusted proxy, X-Forwarded-For's). */
  address: string;
  token: string;
}

async function sourceKeys(source: SignInSource) {
  return {
    address: (await sha256Hex(`addr:${source.address}`)).slice(0, 16),
    prefix: (await sha256Hex(`prefix:${source.token.trim().slice(0, PREFIX_CHARS)}`)).slice(0, 16),
  };
}

const anonymous: Actor = { role: 'anonymous' };

/** Whether this source may try now; false: answer 429 (and the refusal is audited). */
export async function signInAllowed(db: Db, clock: Clock, source: SignInSource): Promise<boolean> {
  const keys = await sourceKeys(source);
  const since = new Date(clock.now().getTime() - SIGN_IN_WINDOW_MINUTES * 60_000).toISOString();
  const [row] = await db
    .select({
      byAddress: sql<number>`coalesce(sum(json_extract(${auditLog.detail}, '$.address') = ${keys.address}), 0)`,
      byPrefix: sql<number>`coalesce(sum(json_extract(${auditLog.detail}, '$.prefix') = ${keys.prefix}), 0)`,
    })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'console.sign_in'), eq(auditLog.outcome, 'refused:401'), gt(auditLog.at, since)));
  const ok = Number(row?.byAddress ?? 0) < SIGN_IN_FAILURES_PER_ADDRESS && Number(row?.byPrefix ?? 0) < SIGN_IN_FAILURES_PER_PREFIX;
  if (!ok) {
    await auditInsert(db, clock, anonymous, { action: 'console.sign_in', outcome: 'refused:429', detail: keys });
  }
  return ok;
}

/** Records a failed sign-in (a wrong, expired or revoked token). */
export async function recordSignInFailure(db: Db, clock: Clock, source: SignInSource, status: number): Promise<void> {
  await auditInsert(db, clock, anonymous, { action: 'console.sign_in', outcome: `refused:${status}`, detail: await sourceKeys(source) });
}
