// The bot in a terminal: each line typed becomes the update Telegram would
// send (a text, a command, a pressed button, a shared contact or location),
// posted to the app's real webhook route; the bot's answers come back from a
// local fake Bot API and are shown with their buttons as numbered choices.
import type { RecordedCall, FakeBotApi } from './fake-bot-api.js';

export interface WebhookPoster {
  (update: unknown): Promise<void>;
}

interface Choice {
  label: string;
  /** What choosing it sends. */
  kind: 'callback' | 'text' | 'contact' | 'location';
  data?: string;
}

export class TerminalChat {
  private updateId = Math.floor(Date.now() / 1000) * 10;
  private messageId = 0;
  private seen = 0;
  private choices: Choice[] = [];
  /** A share button was chosen: the next line is the phone number or "lat,lon". */
  private awaiting: 'contact' | 'location' | null = null;

  constructor(
    private readonly fake: FakeBotApi,
    private readonly post: WebhookPoster,
    readonly chatId: number,
    private readonly name = 'You',
  ) {
    // Only what the bot says from now on.
    this.seen = fake.calls.filter((c) => c.method === 'sendMessage').length;
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
    const update_id = ++this.updateId;
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
        await this.post({
          update_id,
          callback_query: { id: `cq${update_id}`, from: this.base().from, chat_instance: 'terminal', data: c.data, message: { ...this.base(), text: '' } },
        });
      } else {
        await this.post({ update_id, message: { ...this.base(), text: c.label } });
      }
    } else {
      const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] : undefined;
      await this.post({ update_id, message: { ...this.base(), text, ...(entities ? { entities } : {}) } });
    }
    return this.render();
  }

  /** Prints the bot's messages since last time: this chat's, and others' marked with their chat. */
  render(): string[] {
    const calls = this.fake.calls.filter((c) => c.method === 'sendMessage').slice(this.seen);
    this.seen += calls.length;
    const out: string[] = [];
    for (const call of calls) {
      const mine = String(call.body.chat_id) === String(this.chatId);
      out.push(...this.show(call, mine));
    }
    return out;
  }

  private show(call: RecordedCall, mine: boolean): string[] {
    const prefix = mine ? 'bot> ' : `bot → chat ${call.body.chat_id}> `;
    const lines = String(call.body.text).split('\n').map((l, i) => (i === 0 ? prefix : ' '.repeat(prefix.length)) + l);
    if (!mine) return lines;
    const markup = call.body.reply_markup ?? {};
    const choices: Choice[] = [];
    for (const b of (markup.inline_keyboard ?? []).flat()) choices.push({ label: b.text, kind: 'callback', data: b.callback_data });
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
