// The grammY bot: translates Telegram updates into the conversation's inputs
// (bot/flow.ts), keeps the conversation's state in the database, and sends
// the replies. One error boundary; anything unexpected gets a short answer.
import { and, eq, sql } from 'drizzle-orm';
import { Bot, type Context } from 'grammy';
import type { Update } from 'grammy/types';
import { botSessions, workers } from '../db/schema.js';
import type { Deps } from '../src/context.js';
import { botInfoFromToken } from '../src/telegram.js';
import { handle, type Input, newSession, type Session } from './flow.js';
import { replyMarkup } from './markup.js';
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

export async function loadSession(deps: Deps, chatId: string): Promise<Session> {
  const [row] = await deps.db.select().from(botSessions).where(eq(botSessions.chatId, chatId));
  const state = row?.state as Partial<Session> | undefined;
  return state && typeof state.step === 'string' ? { ...newSession(), ...state } : newSession();
}

async function saveSession(deps: Deps, chatId: string, s: Session) {
  const now = deps.clock.now().toISOString();
  await deps.db
    .insert(botSessions)
    .values({ chatId, state: s as unknown as Record<string, unknown>, language: s.lang, updatedAt: now })
    .onConflictDoUpdate({ target: botSessions.chatId, set: { state: sql`excluded.state`, language: sql`excluded.language`, updatedAt: now } });
}

function createBot(deps: Deps): Bot {
  const token = deps.config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const bot = new Bot(token, {
    botInfo: botInfoFromToken(token, deps.config.TELEGRAM_BOT_USERNAME),
    client: { apiRoot: deps.config.TELEGRAM_API_ROOT, timeoutSeconds: 10 },
  });

  const converse = async (ctx: Context, input: Input) => {
    const chatId = String(ctx.chat!.id);
    // Someone who writes again is reachable again.
    await deps.db
      .update(workers)
      .set({ unreachable: false })
      .where(and(eq(workers.telegramChatId, chatId), eq(workers.unreachable, true)));
    const session = await loadSession(deps, chatId);
    const { session: next, replies } = await handle(session, input, portsFor(deps, chatId));
    await saveSession(deps, chatId, next);
    for (const r of replies) {
      const markup = replyMarkup(r);
      await ctx.api.sendMessage(chatId, r.text, markup ? { reply_markup: markup } : {});
    }
  };

  // Groups and channels: the bot serves people one to one.
  bot.use(async (ctx, next) => {
    if (ctx.chat && ctx.chat.type !== 'private') {
      if (ctx.message?.text?.startsWith('/')) await ctx.reply(t('zh', 'group'));
      return;
    }
    await next();
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
    await converse(ctx, { type: 'button', data: ctx.callbackQuery.data });
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
  bot.on('message', (ctx) => converse(ctx, { type: 'unsupported' }));

  bot.catch(async (err) => {
    console.error('bot: update failed', err.error);
    const chatId = err.ctx.chat?.id;
    if (chatId === undefined) return;
    const lang = (await loadSession(deps, String(chatId)).catch(() => newSession())).lang ?? 'zh';
    await err.ctx.api.sendMessage(chatId, t(lang, 'error')).catch(() => undefined);
  });
  return bot;
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
