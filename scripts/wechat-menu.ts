// `npm run wechat:menu`: creates the Official Account's custom menu (自定义菜单)
// — 找工作 / 我的报名 / 更多 (我找到工作了, 帮助) — with WECHAT_APP_ID and
// WECHAT_APP_SECRET (and WECHAT_API_ROOT, for the fake).
import { CUSTOM_MENU, WechatApi, WechatError } from '../bot/channels/wechat/api.js';
import { loadNodeConfig } from '../src/config.js';
import { systemClock } from '../src/context.js';

async function main() {
  const config = loadNodeConfig();
  if (!config.WECHAT_APP_ID || !config.WECHAT_APP_SECRET) throw new Error('Set WECHAT_APP_ID and WECHAT_APP_SECRET first');
  const api = new WechatApi({ appId: config.WECHAT_APP_ID, appSecret: config.WECHAT_APP_SECRET, root: config.WECHAT_API_ROOT, clock: systemClock });
  await api.createMenu(CUSTOM_MENU);
  console.log('custom menu created: 找工作 / 我的报名 / 更多 (我找到工作了, 帮助)');
}

main().catch((err) => {
  console.error(err instanceof WechatError ? `WeChat refused the menu: ${err.message}` : err instanceof Error ? err.message : err);
  process.exit(1);
});
