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
    await Promise.all([page.waitForURL(/propose/), page.click('#propose-top')]);
    await shot(page, '08-allocation-household-rule');
    await page.uncheck(`#pick-${seeded.ids.twoMembers[1]}`);
    await Promise.all([page.waitForURL(/notices\/pn_/), page.click('#propose-top')]);
    await shot(page, '09-notice-staff');
    const noticeUrl = page.url();
    const publicHref = await page.locator('#public-link').getAttribute('href');
    const anonymous = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const pub = await anonymous.newPage();
    await pub.goto(`${server.base}${publicHref}`);
    await shot(pub, '10-notice-public');
    const worker = seeded.ids.twoMembers[0];
    await page.goto(`${server.base}/console/workers?q=`);
    await shot(page, '11-workers');
    await page.goto(`${server.base}/console/workers/new`);
    await page.fill('#f-name', '孙美玲');
    await page.fill('#f-phone', '12ab');
    await page.fill('#f-areaCode_q', '天马');
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button[name=_pick][value=find]')]);
    await shot(page, '12-register-find-village');
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button.primary')]);
    await shot(page, '13-register-worker-errors');
    await page.goto(`${server.base}/console/workers/${worker}`);
    await shot(page, '14-worker-page');
    await page.goto(`${server.base}/console/households?q=`);
    await shot(page, '15-households');
    await page.goto(`${server.base}/console/households/${seeded.ids.twoMemberHousehold}`);
    await shot(page, '16-household-page');
    await page.goto(`${server.base}/console/employers`);
    await shot(page, '17-employers');
    await page.goto(`${server.base}/console/openings/new`);
    await shot(page, '18-new-post');
    await page.goto(`${server.base}/console/worklists/zero-employment?area_township=532503001&overdue=1`);
    await shot(page, '19-worklist-township-overdue');
    await page.goto(`${server.base}/console/workers/${worker}/erase`);
    await shot(page, '20-erase-confirm');
    await page.goto(`${server.base}/console/lang?to=en&back=/console/overview`);
    await shot(page, '21-overview-english');
    await page.goto(`${server.base}/console/openings/${seeded.ids.pw1}`);
    await shot(page, '22-allocation-english');
    await page.goto(`${server.base}/console/lang?to=zh&back=/console/overview`);
    const noticePath = new URL(noticeUrl).pathname;
    const firstOnNotice = await page.goto(`${server.base}${noticePath}`).then(() => page.locator('#notice-entries tbody tr').first().getAttribute('data-worker'));
    await page.goto(`${server.base}${noticePath}/withdraw?worker=${firstOnNotice}`);
    await shot(page, '23-withdraw-reason');

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    await phone.addCookies((await desktop.cookies()).filter((c) => c.name === 'jj_console'));
    const mobile = await phone.newPage();
    const phoneShots: Array<[string, string]> = [
      ['/console/overview', '31-phone-overview'],
      ['/console/worklists/zero-employment', '32-phone-worklist'],
      [`/console/openings/${seeded.ids.pw1}`, '33-phone-allocation'],
      [`/console/workers/${worker}`, '34-phone-worker-page'],
      [`/console/households/${seeded.ids.twoMemberHousehold}`, '35-phone-household-page'],
      ['/console/workers/new', '36-phone-register'],
      ['/console/workers', '37-phone-workers'],
      [noticePath, '38-phone-notice-staff'],
      [publicHref!, '39-phone-notice-public'],
    ];
    for (const [path, name] of phoneShots) {
      await mobile.goto(`${server.base}${path}`);
      await shot(mobile, name);
    }
    await mobile.goto(`${server.base}/console/overview`);
    await mobile.click('details.menu summary');
    await mobile.screenshot({ path: join(out, '40-phone-menu-open.png') });
    shots.push(join(out, '40-phone-menu-open.png'));
    await pub.emulateMedia({ media: 'print' });
    await pub.pdf?.({ path: join(out, '41-notice-public-a4.pdf'), format: 'A4' }).catch(() => undefined);
    await shot(pub, '41-notice-public-print');
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
