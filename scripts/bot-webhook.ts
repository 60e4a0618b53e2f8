// `npm run bot:webhook -- https://example.org/telegram/webhook`: tells
// Telegram where to send updates, with TELEGRAM_WEBHOOK_SECRET as the secret.
import { loadNodeConfig } from '../src/config.js';
import { telegramApi } from '../src/telegram.js';

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
  await telegramApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT).setWebhook(url, config.TELEGRAM_WEBHOOK_SECRET);
  console.log(`Webhook set to ${url}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
