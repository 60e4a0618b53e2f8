// The outgoing side of Telegram behind one small interface, so tests and the
// terminal chat point it at a local fake Bot API (TELEGRAM_API_ROOT).
import { Api, GrammyError, HttpError } from 'grammy';
import type { InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove } from 'grammy/types';

export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove;

/** What a failed call tells the sender: back off, give up on the chat, or retry. */
export type SendFailure =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'blocked' }
  | { kind: 'bad_request'; description: string }
  | { kind: 'transient'; description: string };

export interface TelegramApi {
  sendMessage(chatId: string, text: string, markup?: ReplyMarkup): Promise<void>;
  answerCallbackQuery(id: string, text?: string): Promise<void>;
  setWebhook(url: string, secret: string): Promise<void>;
  /** The commands Telegram's menu button lists (the persistent menu), per language; `null` for the default. */
  setCommands(commands: Array<{ command: string; description: string }>, languageCode: 'en' | 'zh' | null): Promise<void>;
}

export function telegramApi(token: string, apiRoot: string, timeoutSeconds = 10): TelegramApi {
  const api = new Api(token, { apiRoot, timeoutSeconds });
  return {
    async sendMessage(chatId, text, markup) {
      await api.sendMessage(chatId, text, markup ? { reply_markup: markup } : {});
    },
    async answerCallbackQuery(id, text) {
      await api.answerCallbackQuery(id, text ? { text } : {});
    },
    async setWebhook(url, secret) {
      await api.setWebhook(url, {
        secret_token: secret,
        allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
      });
    },
    async setCommands(commands, languageCode) {
      await api.setMyCommands(commands, languageCode ? { language_code: languageCode } : {});
    },
  };
}

export function classifyFailure(err: unknown): SendFailure {
  if (err instanceof GrammyError) {
    if (err.error_code === 429) return { kind: 'rate_limited', retryAfterSeconds: err.parameters.retry_after ?? 1 };
    if (err.error_code === 403) return { kind: 'blocked' };
    if (err.error_code === 400) return { kind: 'bad_request', description: err.description };
    return { kind: 'transient', description: `${err.error_code} ${err.description}` };
  }
  if (err instanceof HttpError) return { kind: 'transient', description: err.message };
  return { kind: 'transient', description: err instanceof Error ? err.message : String(err) };
}

/** The bot's own identity, built from its token, so no request calls getMe. */
export function botInfoFromToken(token: string, username = 'jiujin_bot') {
  const id = Number(token.split(':')[0]);
  return {
    id: Number.isFinite(id) ? id : 0,
    is_bot: true as const,
    first_name: 'Jiujin 就近',
    username,
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
}
