// `npm run bot:webhook -- https://example.org/telegram/webhook`: tells
// Telegram where to send updates, with TELEGRAM_WEBHOOK_SECRET as the secret,
// and sets the menu button's list (the persistent menu: the texts never
// name a command, the menu does), in Chinese and in English.
import { loadNodeConfig } from '../src/config.js';
import { telegramApi } from '../src/telegram.js';

const MENU = {
  zh: [
    { command: 'start', description: '回到菜单' },
    { command: 'help', description: '怎么用' },
    { command: 'language', description: '换语言' },
    { command: 'delete', description: '删掉我的资料' },
  ],
  en: [
    { command: 'start', description: 'Back to the menu' },
    { command: 'help', description: 'How to use' },
    { command: 'language', description: 'Language / 语言' },
    { command: 'delete', description: 'Erase my data' },
  ],
};

async function main(argv: string[]): Promise<number> {
  const url = argv[0];
  const config = loadNodeConfig();
  if (!url || !/^https:\/\//.test(url)) {
    console.error('usage: npm run bot:webhook -- https://<your host>/telegram/webhook');
    return 2;
  }
  if (!config.TELEGRAM_BOT_TOKEN || !config.TELEGRAM_WEBHOOK_SECRET) {
    console.error('Set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first.');
    return 2;
  }
  const api = telegramApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT);
  await api.setWebhook(url, config.TELEGRAM_WEBHOOK_SECRET);
  await api.setCommands(MENU.zh, null);
  await api.setCommands(MENU.en, 'en');
  console.log(`Webhook set to ${url}; menu set`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
