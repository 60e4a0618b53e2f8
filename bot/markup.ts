// Replies of the conversation as Telegram markup.
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { ReplyMarkup } from '../src/telegram.js';
import type { Button, Reply } from './flow.js';

export function inlineMarkup(buttons: Button[][] | undefined): InlineKeyboardMarkup | undefined {
  if (!buttons || buttons.length === 0) return undefined;
  return { inline_keyboard: buttons.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))) };
}

/**
 * A reply that asks for the phone number or the location carries a keyboard
 * with the share button, and its other buttons as plain keyboard buttons
 * (Telegram allows one kind of keyboard per message); typing their label
 * counts as pressing them (see keyboardLabels).
 */
export function replyMarkup(reply: Reply): ReplyMarkup | undefined {
  if (reply.request) {
    const share =
      reply.request === 'contact'
        ? { text: reply.requestLabel ?? '📱', request_contact: true }
        : { text: reply.requestLabel ?? '📍', request_location: true };
    return {
      keyboard: [[share], ...(reply.buttons ?? []).map((row) => row.map((b) => ({ text: b.text })))],
      resize_keyboard: true,
      one_time_keyboard: true,
    };
  }
  if (reply.buttons?.length) return inlineMarkup(reply.buttons);
  if (reply.removeKeyboard) return { remove_keyboard: true };
  return undefined;
}
