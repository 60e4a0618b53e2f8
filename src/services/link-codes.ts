// One-time codes staff read out so a person's chat links to the record staff
// already made (a worker) or to an employer, or that a staff member asks for
// to link their own chat (where their digests go): six digits, valid a day,
// used once, stored only as a hash. Issuing one replaces earlier unused codes.
import { and, eq, gt, isNull } from 'drizzle-orm';
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

function sixDigits(): string {
  // Rejection sampling keeps every code equally likely.
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0]! < 4_294_000_000) return String(buf[0]! % 1_000_000).padStart(6, '0');
  }
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
  const code = sixDigits();
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
      createdAt: nowIso(ctx.clock),
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
