// The bot in a terminal: each line typed becomes the update Telegram would
// send (a text, a command, a pressed button, a shared contact or location),
// posted to the app's real webhook route; the bot's answers come back from a
// local fake Bot API and are shown with their buttons as numbered choices.
// One TerminalChat is one person; several share one fake Bot API, each
// seeing only the messages sent to their own chat (see scripts/chat.ts).
import type { RecordedCall, FakeBotApi } from './fake-bot-api.js';

export interface WebhookPoster {
  (update: unknown): Promise<void>;
}

interface Choice {
  label: string;
  /** What choosing it sends. */
  kind: 'callback' | 'text' | 'contact' | 'location';
  data?: string;
  /** The message the button is on. */
  messageId?: number;
}

let nextUpdateId = Math.floor(Date.now() / 1000) * 10;

export class TerminalChat {
  private messageId = 0;
  /** How far into the fake's calls this chat has looked. */
  private seenCalls = 0;
  private choices: Choice[] = [];
  /** A share button was chosen: the next line is the phone number or "lat,lon". */
  private awaiting: 'contact' | 'location' | null = null;

  constructor(
    private readonly fake: FakeBotApi,
    private readonly post: WebhookPoster,
    readonly chatId: number,
    private readonly name = 'You',
    opts: { fromStart?: boolean } = {},
  ) {
    // Only what the bot says from now on, unless this person joins late and should read what came for them.
    this.seenCalls = opts.fromStart ? 0 : fake.calls.length;
  }

  private mine(c: RecordedCall) {
    return (c.method === 'sendMessage' || c.method === 'editMessageReplyMarkup') && !c.failed && String(c.body.chat_id) === String(this.chatId);
  }

  /** Messages (and keyboard changes) for this chat not shown yet. */
  unseen(): number {
    return this.fake.calls.slice(this.seenCalls).filter((c) => this.mine(c)).length;
  }

  private base() {
    return {
      message_id: ++this.messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: this.chatId, type: 'private', first_name: this.name },
      from: { id: this.chatId, is_bot: false, first_name: this.name },
    };
  }

  /** Turns one typed line into an update, posts it, and returns what to print. */
  async input(line: string): Promise<string[]> {
    const text = line.trim();
    if (!text) return [];
    const update_id = ++nextUpdateId;
    if (this.awaiting === 'contact') {
      this.awaiting = null;
      await this.post({ update_id, message: { ...this.base(), contact: { phone_number: text, first_name: this.name, user_id: this.chatId } } });
    } else if (this.awaiting === 'location') {
      this.awaiting = null;
      const [lat, lon] = text.split(/[,\s]+/).map(Number);
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) return ['(type the location as "lat,lon", e.g. 23.40,103.38)'];
      await this.post({ update_id, message: { ...this.base(), location: { latitude: lat, longitude: lon } } });
    } else if (/^\d+$/.test(text) && this.choices[Number(text) - 1]) {
      const c = this.choices[Number(text) - 1]!;
      if (c.kind === 'contact' || c.kind === 'location') {
        this.awaiting = c.kind;
        return [c.kind === 'contact' ? '(type your phone number)' : '(type your location as "lat,lon", e.g. 23.40,103.38)'];
      }
      if (c.kind === 'callback') {
        const message = { ...this.base(), message_id: c.messageId ?? this.messageId, text: '' };
        await this.post({ update_id, callback_query: { id: `cq${update_id}`, from: this.base().from, chat_instance: 'terminal', data: c.data, message } });
      } else {
        await this.post({ update_id, message: { ...this.base(), text: c.label } });
      }
    } else if (text === '/voice' || text === '/sticker' || text === '/photo') {
      // What a phone would send that a terminal cannot type.
      const extra =
        text === '/voice'
          ? { voice: { file_id: 'v', file_unique_id: 'v', duration: 3 } }
          : text === '/sticker'
            ? { sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false } }
            : { photo: [{ file_id: 'p', file_unique_id: 'p', width: 90, height: 90 }] };
      await this.post({ update_id, message: { ...this.base(), ...extra } });
    } else {
      const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] : undefined;
      await this.post({ update_id, message: { ...this.base(), text, ...(entities ? { entities } : {}) } });
    }
    return this.render();
  }

  /** The bot's messages to this chat since last time, and keyboards it changed, in order. */
  render(): string[] {
    const calls = this.fake.calls.slice(this.seenCalls);
    this.seenCalls += calls.length;
    const out: string[] = [];
    for (const call of calls.filter((c) => this.mine(c))) out.push(...this.show(call));
    return out;
  }

  private show(call: RecordedCall): string[] {
    const edited = call.method === 'editMessageReplyMarkup';
    const lines = edited
      ? ['bot> (buttons changed)']
      : String(call.body.text).split('\n').map((l, i) => (i === 0 ? 'bot> ' : '     ') + l);
    const markup = (typeof call.body.reply_markup === 'string' ? JSON.parse(call.body.reply_markup) : call.body.reply_markup) ?? {};
    const messageId = edited ? Number(call.body.message_id) : call.messageId;
    const choices: Choice[] = [];
    for (const b of (markup.inline_keyboard ?? []).flat()) choices.push({ label: b.text, kind: 'callback', data: b.callback_data, messageId });
    for (const b of (markup.keyboard ?? []).flat()) {
      choices.push({ label: b.text, kind: b.request_contact ? 'contact' : b.request_location ? 'location' : 'text' });
    }
    if (choices.length > 0) {
      this.choices = choices;
      choices.forEach((c, i) => lines.push(`   [${i + 1}] ${c.label}`));
    }
    return lines;
  }
}
