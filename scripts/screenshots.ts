// `npm run screenshots`: seeds a small prefecture in memory, serves the app on
// 127.0.0.1 and saves a PNG of every console page (desktop, and a phone width
// for some) in ./screenshots, for a reviewer to look at. Needs Debian's
// Chromium (/usr/bin/chromium; see .ci/run) and, for Chinese text, a CJK font
// such as fonts-wqy-zenhei or fonts-noto-cjk.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, serveApp } from '../test/browser/server.js';
import { seedPrefecture } from '../test/browser/seed.js';
import { makeTestEnv } from '../test/helpers.js';

const out = join(process.cwd(), 'screenshots');

async function main() {
  mkdirSync(out, { recursive: true });
  const env = await makeTestEnv();
  const seeded = await seedPrefecture(env);
  const server = await serveApp(env);
  const browser = await launchChromium();
  const shots: string[] = [];
  try {
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await desktop.newPage();
    const shot = async (p: Page, name: string) => {
      const file = join(out, `${name}.png`);
      await p.screenshot({ path: file, fullPage: true });
      shots.push(file);
    };
    await page.goto(`${server.base}/console`);
    await shot(page, '01-sign-in');
    await page.fill('#f-token', seeded.staffPrefecture);
    await Promise.all([page.waitForURL(/overview/), page.click('#signin button[type=submit]')]);
    await shot(page, '02-overview-prefecture');
    await page.goto(`${server.base}/console/overview?area=532503`);
    await shot(page, '03-overview-county');
    await page.goto(`${server.base}/console/worklists/zero-employment`);
    await shot(page, '04-worklist-zero-employment');
    await page.goto(`${server.base}/console/worklists/stalled`);
    await shot(page, '05-worklist-stalled');
    await page.goto(`${server.base}/console/openings`);
    await shot(page, '06-openings');
    await page.goto(`${server.base}/console/openings/${seeded.ids.pw1}`);
    await shot(page, '07-allocation');
    await page.check(`#pick-${seeded.ids.twoMembers[0]}`);
    await page.check(`#pick-${seeded.ids.twoMembers[1]}`);
    await Promise.all([page.waitForURL(/propose/), page.click('#allocate button[type=submit]')]);
    await shot(page, '08-allocation-household-rule');
    await page.uncheck(`#pick-${seeded.ids.twoMembers[1]}`);
    await Promise.all([page.waitForURL(/notices\/pn_/), page.click('#allocate button[type=submit]')]);
    await shot(page, '09-notice-staff');
    const publicHref = await page.locator('#public-link').getAttribute('href');
    const anonymous = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const pub = await anonymous.newPage();
    await pub.goto(`${server.base}${publicHref}`);
    await shot(pub, '10-notice-public');
    await page.goto(`${server.base}/console/workers?q=`);
    await shot(page, '11-workers');
    await page.goto(`${server.base}/console/workers/new`);
    await page.fill('#f-name', '孙美玲');
    await page.fill('#f-areaCode', '53250300');
    await page.fill('#f-phone', '12ab');
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button[type=submit]')]);
    await shot(page, '12-register-worker-errors');
    await page.goto(`${server.base}/console/households?q=`);
    await shot(page, '13-households');
    await page.goto(`${server.base}/console/employers`);
    await shot(page, '14-employers');
    await page.goto(`${server.base}/console/openings/new`);
    await shot(page, '15-new-post');
    await page.goto(`${server.base}/console/lang?to=en&back=/console/overview`);
    await shot(page, '16-overview-english');
    await page.goto(`${server.base}/console/lang?to=zh&back=/console/overview`);

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, locale: 'zh-CN' });
    await phone.addCookies((await desktop.cookies()).filter((c) => c.name === 'jj_console'));
    const mobile = await phone.newPage();
    await mobile.goto(`${server.base}/console/overview`);
    await shot(mobile, '17-phone-overview');
    await mobile.goto(`${server.base}/console/worklists/zero-employment`);
    await shot(mobile, '18-phone-worklist');
    await mobile.goto(`${server.base}${publicHref}`);
    await shot(mobile, '19-phone-notice-public');
  } finally {
    await browser.close();
    await server.close();
    env.close();
  }
  console.log(`${shots.length} screenshots in ${out}:`);
  for (const s of shots) console.log(`  ${s}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
