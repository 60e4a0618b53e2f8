// Node entry: one libSQL client (an embedded file by default), migrations at
// start, the API on PORT, and one loop for the clocks and the outbox sender.
// Stops cleanly on SIGTERM: sends in flight finish, held messages go back.
import { serve } from '@hono/node-server';
import { stopDelivery } from '../bot/sender.js';
import { createApp } from './app.js';
import { parseSmsTemplates } from '../bot/channels/sms/sender.js';
import { loadNodeConfig } from './config.js';
import { systemClock, type Deps } from './context.js';
import { openLocalDatabase } from './node-db.js';
import { nodeDocsAssets } from './openapi/node-assets.js';
import { openingCatalogue } from './services/opening-catalogue.js';
import { runNodeLoop } from './scheduler.js';
import { telegramApi } from './telegram.js';

async function main() {
  const config = loadNodeConfig();
  const clock = systemClock;
  const { client, db, prepared } = await openLocalDatabase(config, { generateAdminToken: true, clock });
  if (prepared.migrationsApplied.length) console.log(`migrations applied: ${prepared.migrationsApplied.join(', ')}`);
  if (prepared.areasLoaded) console.log(`reference areas loaded: ${prepared.areasLoaded}`);
  if (prepared.generatedAdminToken) {
    console.log('\nNo admin token existed, so one was made. It is shown this once; keep it safe:');
    console.log(`  ${prepared.generatedAdminToken}\n`);
  }
  // The open openings the matcher ranks, read once now rather than by the first request.
  const catalogue = await openingCatalogue(db);
  console.log(`open openings in the matcher's catalogue: ${catalogue.size}`);
  const background = new Set<Promise<unknown>>();
  const deps: Deps = {
    db,
    clock,
    config,
    telegram: config.TELEGRAM_BOT_TOKEN ? telegramApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT) : undefined,
    background: (task) => {
      background.add(task);
      void task.finally(() => background.delete(task));
    },
    docsAssets: nodeDocsAssets(),
  };
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
    console.log(`Jiujin API listening on http://localhost:${info.port} (database ${config.DATABASE_URL})`);
    console.log(config.TELEGRAM_BOT_TOKEN ? 'chat bot: on' : 'chat bot: off (TELEGRAM_BOT_TOKEN is not set)');
    console.log(wechatStatus(config));
    console.log(
      config.SMS_ACCESS_KEY_ID && config.SMS_ACCESS_KEY_SECRET && config.SMS_SIGN_NAME
        ? `SMS: on (templates for ${Object.keys(parseSmsTemplates(config.SMS_TEMPLATES)).join(', ') || 'none: every SMS would be dead'}${config.SMS_CALLBACK_TOKEN ? '' : '; no SMS_CALLBACK_TOKEN: receipts and replies refused'})`
        : 'SMS: off (SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET or SMS_SIGN_NAME not set)',
    );
  });

  // One loop for the clocks and the sender (src/scheduler.ts).
  const loopAbort = new AbortController();
  const loop = runNodeLoop(deps, { signal: loopAbort.signal }).catch((err) => console.error('scheduler loop failed', err));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    // Every run of the sender (the loop's and any a request started) finishes
    // the sends in flight and hands back what it holds: nothing is lost.
    stopDelivery(db);
    loopAbort.abort();
    await loop;
    await Promise.allSettled([...background]);
    server.close(() => {
      client.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** What of the WeChat channel runs: the conversation needs the token, alerts the AppID and AppSecret too. */
function wechatStatus(config: ReturnType<typeof loadNodeConfig>): string {
  if (!config.WECHAT_TOKEN) return 'WeChat: off (WECHAT_TOKEN is not set)';
  const mode = config.WECHAT_AES_KEY && config.WECHAT_APP_ID ? 'plain and safe mode' : 'plain mode only (WECHAT_AES_KEY or WECHAT_APP_ID not set)';
  const alerts = config.WECHAT_APP_ID && config.WECHAT_APP_SECRET ? 'alerts on' : 'alerts off (WECHAT_APP_ID or WECHAT_APP_SECRET not set)';
  return `WeChat: on at /wechat, ${mode}, ${alerts}`;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
