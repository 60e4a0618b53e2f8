// `npm run chat`: try the bot with no Telegram account. Runs the app on the
// local database (DATABASE_URL, default file:./data/jiujin.db) with a local
// fake Bot API, and lets you chat in the terminal: type text or a command,
// or the number of a button. `--chat <id>` picks who you are (default 1001).
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { startFakeBotApi } from '../bot/dev/fake-bot-api.js';
import { TerminalChat } from '../bot/dev/terminal-chat.js';
import { createApp } from '../src/app.js';
import { loadNodeConfig, parseConfig } from '../src/config.js';
import { systemClock, type Deps } from '../src/context.js';
import { openLocalDatabase } from '../src/node-db.js';
import { telegramApi } from '../src/telegram.js';

async function main() {
  const { values } = parseArgs({ options: { chat: { type: 'string', default: '1001' } } });
  const chatId = Number(values.chat);
  const base = loadNodeConfig();
  const fake = await startFakeBotApi();
  const secret = crypto.randomUUID();
  const token = '1000:local-terminal-chat';
  const config = parseConfig({
    DATABASE_URL: base.DATABASE_URL,
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_WEBHOOK_SECRET: secret,
    TELEGRAM_API_ROOT: fake.url,
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
  const chat = new TerminalChat(
    fake,
    async (update) => {
      const res = await app.request('/telegram/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
        body: JSON.stringify(update),
      });
      if (res.status !== 200) console.log(`(webhook answered ${res.status}: ${await res.text()})`);
      // Let messages owed to anyone go out before showing the answers.
      await Promise.allSettled(pending.splice(0));
    },
    chatId,
  );

  console.log(`Jiujin chat — you are chat ${chatId}, database ${config.DATABASE_URL}.`);
  console.log('Type /start to begin; type a number to press a button; Ctrl+D to leave.\n');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  rl.setPrompt('you> ');
  rl.prompt();
  for await (const line of rl) {
    try {
      for (const out of await chat.input(line)) console.log(out);
    } catch (err) {
      console.log(`(error: ${err instanceof Error ? err.message : String(err)})`);
    }
    rl.prompt();
  }
  await fake.close();
  client.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
