// The grammY bot: translates Telegram updates into the conversation's inputs
// (bot/flow.ts), keeps the conversation's state in the database, and sends
// the replies. What the person has not been sent is kept with the state and
// sent first with their next message, so the state never runs ahead of what
// they saw. One error boundary: any failure answers "出了点问题，请再试一次"
// with the menu. Other bots are ignored; group chats are left.
import { and, eq, sql } from 'drizzle-orm';
import { Bot, type Api, type Context, GrammyError } from 'grammy';
import type { Update } from 'grammy/types';
import { botSessions, workers } from '../db/schema.js';
import type { Deps } from '../src/context.js';
import { botInfoFromToken } from '../src/telegram.js';
import { retryOnFlood } from './api-retry.js';
import { handle, type Input, newSession, type Reply, type Session, type Unsupported } from './flow.js';
import { inlineMarkup, replyMarkup } from './markup.js';
import { portsFor } from './ports.js';
import { t } from './texts/index.js';

const bots = new WeakMap<Deps, Bot>();

/** The bot of these dependencies (built once: no getMe, the identity comes from the token). */
export function botFor(deps: Deps): Bot {
  let bot = bots.get(deps);
  if (!bot) {
    bot = createBot(deps);
    bots.set(deps, bot);
  }
  return bot;
}

interface Stored {
  session: Session;
  /** Replies the person was owed when sending failed: sent before the next answer. */
  unsent: Reply[];
}

async function loadStored(deps: Deps, chatId: string): Promise<Stored> {
  const [row] = await deps.db.select().from(botSessions).where(eq(botSessions.chatId, chatId));
  const { unsent, ...state } = (row?.state ?? {}) as Partial<Session> & { unsent?: Reply[] };
  const session = typeof state.step === 'string' ? { ...newSession(), ...state } : newSession();
  return { session, unsent: Array.isArray(unsent) ? unsent : [] };
}

export async function loadSession(deps: Deps, chatId: string): Promise<Session> {
  return (await loadStored(deps, chatId)).session;
}

async function saveStored(deps: Deps, chatId: string, s: Session, unsent: Reply[]) {
  const now = deps.clock.now().toISOString();
  const state = { ...s, ...(unsent.length ? { unsent } : {}) } as unknown as Record<string, unknown>;
  await deps.db
    .insert(botSessions)
    .values({ chatId, state, language: s.lang, updatedAt: now })
    .onConflictDoUpdate({ target: botSessions.chatId, set: { state: sql`excluded.state`, language: sql`excluded.language`, updatedAt: now } });
}

/**
 * Sends replies in order; an edit goes onto the message whose button was
 * pressed (a new message when that one cannot be edited). Returns the
 * replies not sent when a send failed, and the failure.
 */
async function deliver(api: Api, chatId: string, replies: Reply[], editMessageId: number | undefined): Promise<{ left: Reply[]; error?: unknown }> {
  for (let i = 0; i < replies.length; i++) {
    const r = replies[i]!;
    try {
      if (r.edit && editMessageId !== undefined) {
        try {
          await api.editMessageReplyMarkup(chatId, editMessageId, { reply_markup: inlineMarkup(r.buttons) ?? { inline_keyboard: [] } });
          continue;
        } catch (err) {
          // Already showing these buttons: nothing to do. Gone or too old: send it anew.
          if (err instanceof GrammyError && /not modified/i.test(err.description)) continue;
          if (!(err instanceof GrammyError && err.error_code === 400)) throw err;
        }
      }
      const markup = replyMarkup(r);
      await api.sendMessage(chatId, r.text, markup ? { reply_markup: markup } : {});
    } catch (error) {
      // Telegram refused this one for good (a 400) or the person blocked the bot (403):
      // keeping it would block every later reply behind it.
      if (error instanceof GrammyError && error.error_code === 400) {
        console.error('bot: reply refused, dropped', error.description);
        continue;
      }
      if (error instanceof GrammyError && error.error_code === 403) return { left: [], error };
      // What is kept for later is sent as new messages: the message to edit may be gone.
      return { left: replies.slice(i).map((x) => ({ ...x, edit: false })), error };
    }
  }
  return { left: [] };
}

function createBot(deps: Deps): Bot {
  const token = deps.config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const bot = new Bot(token, {
    botInfo: botInfoFromToken(token, deps.config.TELEGRAM_BOT_USERNAME),
    client: { apiRoot: deps.config.TELEGRAM_API_ROOT, timeoutSeconds: 10 },
  });
  bot.api.config.use(retryOnFlood());

  /** "出了点问题，请再试一次" with the buttons of the menu, from the state as it was before the update. */
  const sayError = async (ctx: Context, chatId: string, session: Session) => {
    const lang = session.lang ?? 'zh';
    let menu: { session: Session; replies: Reply[] } | null = null;
    try {
      menu = await handle(session, { type: 'command', name: 'menu' }, portsFor(deps, chatId));
    } catch {
      // The menu could not be built either (the database?): the words alone.
    }
    const last = menu?.replies.at(-1);
    const markup = last ? replyMarkup({ ...last, text: '' }) : undefined;
    await ctx.api.sendMessage(chatId, t(lang, 'error'), markup ? { reply_markup: markup } : {}).catch(() => undefined);
    if (menu) await saveStored(deps, chatId, menu.session, []).catch(() => undefined);
  };

  const converse = async (ctx: Context, input: Input, editMessageId?: number) => {
    const chatId = String(ctx.chat!.id);
    // Someone who writes again is reachable again. Asked first: most are, and
    // a write, even one changing nothing, waits for the database's lock.
    const gone = and(eq(workers.telegramChatId, chatId), eq(workers.unreachable, true));
    const [marked] = await deps.db.select({ id: workers.id }).from(workers).where(gone).limit(1);
    if (marked) await deps.db.update(workers).set({ unreachable: false }).where(gone);
    const { session, unsent } = await loadStored(deps, chatId);
    let result: { session: Session; replies: Reply[] };
    try {
      result = await handle(session, input, portsFor(deps, chatId));
    } catch (err) {
      console.error('bot: update failed', err);
      return sayError(ctx, chatId, session);
    }
    // The state moves with the replies; whatever is not sent is kept with it.
    const owed = [...unsent, ...result.replies];
    await saveStored(deps, chatId, result.session, owed);
    const { left, error } = await deliver(ctx.api, chatId, owed, unsent.length ? undefined : editMessageId);
    if (left.length !== owed.length) await saveStored(deps, chatId, result.session, left);
    if (error) console.error('bot: reply not sent, kept for the next message', error);
  };

  // Other bots are not served; group chats and channels are left: the bot serves people one to one.
  bot.use(async (ctx, next) => {
    if (ctx.from?.is_bot) return;
    if (ctx.chat && ctx.chat.type !== 'private') {
      const status = ctx.myChatMember?.new_chat_member.status;
      const joined = status === 'member' || status === 'administrator';
      if (joined) await ctx.api.sendMessage(ctx.chat.id, t('zh', 'group')).catch(() => undefined);
      if (joined || !ctx.myChatMember) await ctx.api.leaveChat(ctx.chat.id).catch(() => undefined);
      return;
    }
    await next();
  });
  // The one error boundary: whatever failed outside the conversation, the person hears of it.
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      console.error('bot: update failed', err);
      if (ctx.chat?.type === 'private') {
        const chatId = String(ctx.chat.id);
        await sayError(ctx, chatId, await loadSession(deps, chatId).catch(() => newSession()));
      }
    }
  });
  // An edited message changes nothing already answered.
  bot.on('edited_message', () => undefined);
  bot.on('my_chat_member', async (ctx) => {
    const status = ctx.myChatMember.new_chat_member.status;
    const blocked = status === 'kicked' || status === 'left';
    await deps.db.update(workers).set({ unreachable: blocked }).where(eq(workers.telegramChatId, String(ctx.chat.id)));
  });
  bot.on('callback_query:data', async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => undefined);
    if (!ctx.chat) return;
    await converse(ctx, { type: 'button', data: ctx.callbackQuery.data }, ctx.callbackQuery.message?.message_id);
  });
  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery().catch(() => undefined));
  bot.on('message:contact', (ctx) =>
    converse(ctx, { type: 'contact', phone: ctx.message.contact.phone_number, own: ctx.message.contact.user_id === ctx.from.id }),
  );
  bot.on('message:location', (ctx) => converse(ctx, { type: 'location', lat: ctx.message.location.latitude, lon: ctx.message.location.longitude }));
  bot.on('message:text', (ctx) => {
    const text = ctx.message.text;
    const command = /^\/([a-z_]+)(?:@\w+)?(?:\s|$)/i.exec(text);
    return converse(ctx, command ? { type: 'command', name: command[1]!.toLowerCase() } : { type: 'text', text });
  });
  bot.on('message', (ctx) => converse(ctx, { type: 'unsupported', kind: unsupportedKind(ctx.message) }));
  return bot;
}

function unsupportedKind(m: NonNullable<Context['message']>): Unsupported {
  if (m.voice || m.audio || m.video_note) return 'voice';
  if (m.sticker) return 'sticker';
  if (m.photo || m.video || m.animation) return 'photo';
  return 'other';
}

/** The chat an update belongs to, if any: its updates are handled in order. */
export function chatOf(update: Update): string | null {
  const chat =
    update.message?.chat ??
    update.edited_message?.chat ??
    update.callback_query?.message?.chat ??
    update.my_chat_member?.chat ??
    update.channel_post?.chat ??
    update.edited_channel_post?.chat;
  if (chat) return String(chat.id);
  const from = update.callback_query?.from;
  return from ? String(from.id) : null;
}
