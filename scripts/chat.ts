// `npm run chat`: try the bot with no Telegram account, as several people in
// one terminal. Runs the app on the local database (DATABASE_URL, default
// file:./data/jiujin.db) with one local fake Bot API, and lets you chat:
// type text or a command, or the number of a button. `/as 1002` switches to
// another person (each sees only what the bot sent to them, with its
// buttons); `/who` lists the people and what waits for them. `--chat <id>`
// picks who you are first (default 1001).
//
// `--channel wechat` plays the WeChat Official Account instead: the same
// conversation through the real /wechat route (signed, in safe mode), a
// local fake WeChat API receiving the alerts. /as <openid> switches person.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { startFakeBotApi } from '../bot/dev/fake-bot-api.js';
import { TerminalChat } from '../bot/dev/terminal-chat.js';
import { startFakeWechatApi } from '../bot/channels/wechat/fake-api.js';
import { WechatTerminal } from '../bot/channels/wechat/terminal.js';
import { createApp } from '../src/app.js';
import { loadNodeConfig, parseConfig } from '../src/config.js';
import { systemClock, type Deps } from '../src/context.js';
import { openLocalDatabase } from '../src/node-db.js';
import { telegramApi } from '../src/telegram.js';

async function main() {
  const { values } = parseArgs({ options: { chat: { type: 'string', default: '1001' }, channel: { type: 'string', default: 'telegram' } } });
  const base = loadNodeConfig();
  if (values.channel === 'wechat') return wechatChat(base.DATABASE_URL, base.JIUJIN_ADMIN_TOKEN, base.BOT_HOME_AREA, values.chat === '1001' ? 'o-local-1001' : values.chat);
  if (values.channel !== 'telegram') throw new Error('--channel is telegram or wechat');
  const fake = await startFakeBotApi();
  const secret = crypto.randomUUID();
  const token = '1000:local-terminal-chat';
  const config = parseConfig({
    DATABASE_URL: base.DATABASE_URL,
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_WEBHOOK_SECRET: secret,
    TELEGRAM_API_ROOT: fake.url,
    // A try-out shows notices at once, at any hour.
    QUIET_HOURS: process.env.QUIET_HOURS ?? 'off',
    ...(base.BOT_HOME_AREA ? { BOT_HOME_AREA: base.BOT_HOME_AREA } : {}),
  });
  const { client, db } = await openLocalDatabase({ ...config, JIUJIN_ADMIN_TOKEN: base.JIUJIN_ADMIN_TOKEN });
  const pending: Promise<unknown>[] = [];
  const deps: Deps = {
    db,
    clock: systemClock,
    config,
    telegram: telegramApi(token, fake.url),
    background: (task) => void pending.push(task),
  };
  const app = createApp(deps);
  const post = async (update: unknown) => {
    const res = await app.request('/telegram/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update),
    });
    if (res.status !== 200) console.log(`(webhook answered ${res.status}: ${await res.text()})`);
    // Let messages owed to anyone go out before showing the answers.
    await Promise.allSettled(pending.splice(0));
  };

  const people = new Map<number, TerminalChat>();
  // Everyone sees what the bot sent them since the terminal started, also before they first spoke.
  const personOf = (id: number) => {
    let p = people.get(id);
    if (!p) {
      p = new TerminalChat(fake, post, id, `Person ${id}`, { fromStart: true });
      people.set(id, p);
    }
    return p;
  };
  let current = personOf(Number(values.chat));
  /** Tells who else has messages waiting (the employer's notice, the worker's offer). */
  const others = () => {
    for (const p of people.values()) {
      const n = p === current ? 0 : p.unseen();
      if (n > 0) console.log(`(chat ${p.chatId} has ${n} new — type /as ${p.chatId})`);
    }
  };

  console.log(`Jiujin chat — you are chat ${current.chatId}, database ${config.DATABASE_URL}.`);
  console.log('Type /start to begin; a number presses a button; /as 1002 becomes someone else; /who lists everyone;');
  console.log('/voice, /sticker, /photo send one; Ctrl+D to leave.\n');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const prompt = () => {
    rl.setPrompt(`${current.chatId}> `);
    rl.prompt();
  };
  prompt();
  for await (const line of rl) {
    try {
      const as = /^\/as\s+(\d{1,15})\s*$/.exec(line.trim());
      if (as) {
        current = personOf(Number(as[1]));
        console.log(`(you are chat ${current.chatId} now)`);
        for (const out of current.render()) console.log(out);
      } else if (line.trim() === '/who') {
        for (const p of people.values()) console.log(`chat ${p.chatId}${p === current ? ' (you)' : ''}: ${p.unseen()} new`);
      } else {
        for (const out of await current.input(line)) console.log(out);
        // A notice to someone not yet in the terminal makes them known.
        for (const c of fake.calls) if (c.method === 'sendMessage' && Number(c.body.chat_id) > 0) personOf(Number(c.body.chat_id));
        others();
      }
    } catch (err) {
      console.log(`(error: ${err instanceof Error ? err.message : String(err)})`);
    }
    prompt();
  }
  await fake.close();
  client.close();
}

async function wechatChat(databaseUrl: string, adminToken: string | undefined, homeArea: string | undefined, first: string) {
  const fake = await startFakeWechatApi();
  const wx = { token: `local-${crypto.randomUUID()}`, appId: fake.appId, aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
  const config = parseConfig({
    DATABASE_URL: databaseUrl,
    WECHAT_TOKEN: wx.token,
    WECHAT_APP_ID: fake.appId,
    WECHAT_APP_SECRET: fake.appSecret,
    WECHAT_AES_KEY: wx.aesKey,
    WECHAT_API_ROOT: fake.url,
    WECHAT_TEMPLATES: 'other=TPL_LOCAL',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    QUIET_HOURS: process.env.QUIET_HOURS ?? 'off',
    ...(homeArea ? { BOT_HOME_AREA: homeArea } : {}),
  });
  const { client, db } = await openLocalDatabase({ ...config, JIUJIN_ADMIN_TOKEN: adminToken });
  const pending: Promise<unknown>[] = [];
  const deps: Deps = { db, clock: systemClock, config, background: (task) => void pending.push(task) };
  const app = createApp(deps);
  const people = new Map<string, WechatTerminal>();
  const personOf = (openid: string) => {
    let p = people.get(openid);
    if (!p) people.set(openid, (p = new WechatTerminal(app, fake, wx, openid)));
    return p;
  };
  let current = personOf(first);
  console.log(`Jiujin on WeChat (safe mode, fake WeChat API) — you are ${current.openid}, database ${config.DATABASE_URL}.`);
  console.log('/subscribe to follow; a number presses a choice; /click work|applications|found|help is the menu;');
  console.log('/location 23.4,103.4, /voice words, /photo send one; /as <openid> becomes someone else; Ctrl+D to leave.\n');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const prompt = () => {
    rl.setPrompt(`${current.openid}> `);
    rl.prompt();
  };
  prompt();
  for await (const line of rl) {
    try {
      const as = /^\/as\s+(\S+)\s*$/.exec(line.trim());
      if (as) {
        current = personOf(as[1]!);
        console.log(`(you are ${current.openid} now)`);
      } else {
        for (const out of await current.input(line)) console.log(out);
      }
      await Promise.allSettled(pending.splice(0));
      for (const out of current.pushed()) console.log(out);
      for (const c of fake.sent()) if (c.token && typeof c.body.touser === 'string') personOf(c.body.touser);
    } catch (err) {
      console.log(`(error: ${err instanceof Error ? err.message : String(err)})`);
    }
    prompt();
  }
  await fake.close();
  client.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
