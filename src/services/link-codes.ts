// One-time codes staff read out so a person's chat links to the record staff
// already made (a worker) or to an employer, or that a staff member asks for
// to link their own chat (where their digests go): eight digits read as two
// groups ("1234 5678"), valid a day, used once, stored only as a hash.
// Issuing one replaces earlier unused codes.
//
// Guessing: the first four digits (the handle) are unique among live codes,
// so every try names the code it is against. A wrong rest counts against that
// code from whatever chat it comes, and LINK_CODE_MAX_WRONG of them kill it
// (staff issue a new one); the bot also locks a chat after 5 wrong tries of
// any kind. A guess must hit a live handle (live codes / 10,000) and then
// its four secret digits within 3 tries (3 / 10,000): a county with 500 codes
// out gives a guesser about 1 in 6,700 per 3 tries of one handle, and no
// code more than 3 tries.
import { and, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import { batch } from '../../db/client.js';
import { apiTokens, employers, linkCodes, workers } from '../../db/schema.js';
import { nowIso, type ServiceCtx } from '../context.js';
import { requireRole } from '../domain/scope.js';
import { AppError } from '../errors.js';
import { auditInsert } from './audit.js';
import { getEmployer } from './employers.js';
import { sha256Hex } from './tokens.js';
import { getScopedWorker } from './workers.js';

export const LINK_CODE_HOURS = 24;
/** Wrong tries against one code (from any chat) after which it is dead. */
export const LINK_CODE_MAX_WRONG = 3;
export const LINK_CODE_DIGITS = 8;

function digits(n: number): string {
  // Rejection sampling keeps every code equally likely.
  const buf = new Uint32Array(1);
  const mod = 10 ** n;
  const limit = Math.floor(4_294_967_296 / mod) * mod;
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0]! < limit) return String(buf[0]! % mod).padStart(n, '0');
  }
}

/** A code as people type it: spaces, dashes and full-width digits allowed. */
export function normaliseLinkCode(text: string): string | null {
  const code = text.replace(/[\s-]/g, '').replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  return new RegExp(`^\\d{${LINK_CODE_DIGITS}}$`).test(code) ? code : null;
}

/** A handle no live code holds (expired unused codes with it are cleared). */
async function freeHandle(ctx: ServiceCtx, now: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const handle = digits(4);
    const taken = await ctx.db
      .select({ h: linkCodes.codeHash, expiresAt: linkCodes.expiresAt })
      .from(linkCodes)
      .where(and(eq(linkCodes.handle, handle), isNull(linkCodes.usedAt)));
    if (taken.every((t) => t.expiresAt <= now)) {
      if (taken.length) await ctx.db.delete(linkCodes).where(and(eq(linkCodes.handle, handle), isNull(linkCodes.usedAt), lte(linkCodes.expiresAt, now)));
      return handle;
    }
  }
  throw new AppError('busy', 'Too many link codes are out; try again shortly');
}

export async function issueLinkCode(
  ctx: ServiceCtx,
  target: { workerId: number } | { employerId: number } | { staffTokenId: number },
): Promise<{ code: string; expiresAt: string }> {
  requireRole(ctx.actor, 'staff', 'admin');
  if ('workerId' in target) {
    const w = await getScopedWorker(ctx, target.workerId);
    if (w.erasedAt) throw new AppError('conflict', "This person's data was erased; register them again");
  } else if ('employerId' in target) {
    await getEmployer(ctx, target.employerId);
  } else if (ctx.actor.role !== 'staff' || ctx.actor.tokenId !== target.staffTokenId) {
    // A staff member links their own chat only.
    throw new AppError('forbidden', 'A staff token links its own chat only');
  }
  const now = nowIso(ctx.clock);
  const handle = await freeHandle(ctx, now);
  const code = handle + digits(4);
  const expiresAt = new Date(ctx.clock.now().getTime() + LINK_CODE_HOURS * 3_600_000).toISOString();
  const owner =
    'workerId' in target
      ? eq(linkCodes.workerId, target.workerId)
      : 'employerId' in target
        ? eq(linkCodes.employerId, target.employerId)
        : eq(linkCodes.staffTokenId, target.staffTokenId);
  const [objectType, objectId] =
    'workerId' in target
      ? ['worker', target.workerId]
      : 'employerId' in target
        ? ['employer', target.employerId]
        : ['api_token', target.staffTokenId];
  await batch(ctx.db, [
    ctx.db.delete(linkCodes).where(and(owner, isNull(linkCodes.usedAt))),
    ctx.db.insert(linkCodes).values({
      codeHash: await sha256Hex(`link:${code}`),
      workerId: 'workerId' in target ? target.workerId : null,
      employerId: 'employerId' in target ? target.employerId : null,
      staffTokenId: 'staffTokenId' in target ? target.staffTokenId : null,
      expiresAt,
      createdAt: now,
      handle,
    }),
    auditInsert(ctx.db, ctx.clock, ctx.actor, { action: 'link_code.issue', objectType, objectId }),
  ]);
  return { code, expiresAt };
}

/**
 * Links the chat to the code's worker or employer. Null when the code is
 * unknown, used or expired. A chat already linked to another worker is moved.
 */
export async function redeemLinkCode(
  ctx: ServiceCtx,
  code: string,
  chatId: string,
  /** The messenger the chat is on: a person may have a Telegram chat, a WeChat openid or both. */
  channel: 'telegram' | 'wechat' = 'telegram',
): Promise<{ kind: 'worker' | 'employer' | 'staff'; id: number; name: string } | null> {
  const now = nowIso(ctx.clock);
  if (!(await checkLinkCode(ctx, code))) return null;
  const hash = await sha256Hex(`link:${code}`);
  // Claim the code first, so two chats racing with it cannot both win.
  const [claimed] = await ctx.db
    .update(linkCodes)
    .set({ usedAt: now })
    .where(and(eq(linkCodes.codeHash, hash), isNull(linkCodes.usedAt), gt(linkCodes.expiresAt, now)))
    .returning();
  if (!claimed) return null;
  if (claimed.workerId !== null) {
    const [w] = await ctx.db.select().from(workers).where(eq(workers.id, claimed.workerId));
    if (!w || w.erasedAt) return null;
    const column = channel === 'wechat' ? workers.wechatOpenid : workers.telegramChatId;
    const set = channel === 'wechat' ? { wechatOpenid: chatId, wechatLastSeenAt: now } : { telegramChatId: chatId, unreachable: false };
    await batch(ctx.db, [
      ctx.db.update(workers).set(channel === 'wechat' ? { wechatOpenid: null } : { telegramChatId: null }).where(eq(column, chatId)),
      ctx.db
        .update(workers)
        .set({ ...set, consentAt: w.consentAt ?? now, updatedAt: now })
        .where(eq(workers.id, w.id)),
    ]);
    return { kind: 'worker', id: w.id, name: w.name ?? '' };
  }
  if (claimed.staffTokenId !== null) {
    const [token] = await ctx.db.select().from(apiTokens).where(eq(apiTokens.id, claimed.staffTokenId));
    // Staff hear of their area in a Telegram chat; WeChat carries workers and employers.
    if (!token || token.revokedAt || token.role !== 'staff' || channel !== 'telegram') return null;
    await batch(ctx.db, [
      ctx.db.update(apiTokens).set({ telegramChatId: null }).where(eq(apiTokens.telegramChatId, chatId)),
      ctx.db.update(apiTokens).set({ telegramChatId: chatId }).where(eq(apiTokens.id, token.id)),
    ]);
    return { kind: 'staff', id: token.id, name: token.label ?? token.areaPrefix ?? '' };
  }
  const [e] = await ctx.db.select().from(employers).where(eq(employers.id, claimed.employerId!));
  if (!e) return null;
  const column = channel === 'wechat' ? employers.wechatOpenid : employers.telegramChatId;
  const set = channel === 'wechat' ? { wechatOpenid: chatId } : { telegramChatId: chatId };
  await batch(ctx.db, [
    ctx.db.update(employers).set(channel === 'wechat' ? { wechatOpenid: null } : { telegramChatId: null }).where(eq(column, chatId)),
    ctx.db.update(employers).set({ ...set, updatedAt: now }).where(eq(employers.id, e.id)),
  ]);
  return { kind: 'employer', id: e.id, name: e.name };
}

export type LiveLinkCode = typeof linkCodes.$inferSelect;

/**
 * The live code these digits are, or null. A wrong try against a live
 * handle counts against that code, whichever chat made it; the
 * LINK_CODE_MAX_WRONG-th kills it.
 */
export async function checkLinkCode(ctx: ServiceCtx, text: string): Promise<LiveLinkCode | null> {
  const code = normaliseLinkCode(text);
  if (!code) return null;
  const now = nowIso(ctx.clock);
  const handle = code.slice(0, 4);
  const [live] = await ctx.db
    .select()
    .from(linkCodes)
    .where(and(eq(linkCodes.handle, handle), isNull(linkCodes.usedAt), gt(linkCodes.expiresAt, now)));
  if (!live) return null;
  if (live.codeHash === (await sha256Hex(`link:${code}`))) return live;
  await ctx.db
    .update(linkCodes)
    .set({
      wrongTries: sql`${linkCodes.wrongTries} + 1`,
      // Dead: marked used, so neither the right digits nor the handle work any more.
      usedAt: sql`CASE WHEN ${linkCodes.wrongTries} + 1 >= ${LINK_CODE_MAX_WRONG} THEN ${now} ELSE ${linkCodes.usedAt} END`,
    })
    .where(eq(linkCodes.codeHash, live.codeHash));
  return null;
}
