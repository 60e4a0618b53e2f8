// Every console page checked by axe-core with the WCAG 2.2 AA rule tags in
// headless Chromium, at a desk's size and a phone's; and what a phone needs
// besides: nothing wider than the screen, chart labels of 11 px or more, the
// menu folded. The allocation form is a few Tabs from the top of its page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCareCounts } from '../../src/services/care/import.js';
import { makeTestEnv, type TestEnv } from '../helpers.js';
import { seedPrefecture, type Seeded } from './seed.js';
import { launchChromium, type Running, serveApp } from './server.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const sizes = [
  { name: 'desktop', viewport: { width: 1366, height: 768 }, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true },
];

let env: TestEnv;
let seeded: Seeded;
let server: Running;
let browser: Browser;
/** Pages to check, as paths; filled once the data they show exists. */
let pages: string[] = [];
let publicPages: string[] = [];

async function signIn(context: BrowserContext, token: string): Promise<Page> {
  const p = await context.newPage();
  await p.goto(`${server.base}/console`);
  await p.fill('#f-token', token);
  await Promise.all([p.waitForURL(/\/console\/overview/), p.click('#signin button[type=submit]')]);
  return p;
}

interface Found {
  page: string;
  id: string;
  impact: string | null;
  targets: string[];
}

async function axe(p: Page, label: string): Promise<Found[]> {
  await p.evaluate(axeSource);
  const result = await p.evaluate(async (tags) => {
    // @ts-expect-error axe is defined by the script evaluated above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v: { id: string; impact: string | null; nodes: Array<{ target: string[] }> }) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  }, TAGS);
  return result.map((r: Omit<Found, 'page'>) => ({ page: label, ...r }));
}

beforeAll(async () => {
  browser = await launchChromium();
  env = await makeTestEnv();
  seeded = await seedPrefecture(env);
  // Civil-affairs counts, so the care-coverage page has rows (and their buttons) to check.
  await importCareCounts(
    { db: env.db, clock: env.clock, actor: { role: 'system', name: 'test' } },
    { fileName: 'minzheng.csv', data: new TextEncoder().encode('村代码,统计日期,留守老人,留守儿童,困难残疾人\n532503001001,2026-11-01,30,12,2\n532503001002,2026-11-01,5,40,0\n') },
  );
  // A month recorded for the post holder, so their page lists it.
  const month = await env.request('PUT', '/v1/assessments', { token: env.adminToken, body: { workerId: seeded.ids.postHolder, month: '2026-11', daysWorked: 8, total: 85 } });
  if (month.status !== 201) throw new Error(`assessment: ${month.status} ${JSON.stringify(month.body)}`);
  server = await serveApp(env);
  // A notice to show: propose the first candidate of the village post.
  const context = await browser.newContext();
  const p = await signIn(context, seeded.staffCounty);
  await p.goto(`${server.base}/console/openings/${seeded.ids.pw1}`);
  await p.locator('#candidates input[name=workerIds]').first().check();
  await Promise.all([p.waitForURL(/\/console\/notices\/pn_/), p.click('#propose-top')]);
  const notice = new URL(p.url()).pathname;
  const noticeId = notice.split('/').pop()!;
  const firstEntry = await p.locator('#notice-entries tbody tr').first().getAttribute('data-worker');
  await context.close();
  const [worker] = seeded.ids.twoMembers;
  pages = [
    '/console/overview',
    '/console/overview?area=532503',
    '/console/worklists/zero-employment',
    '/console/worklists/zero-employment?area_township=532503001&overdue=1&area_q=%E5%A4%A9%E9%A9%AC&_pick=find',
    '/console/worklists/stalled',
    '/console/closings?month=2026-10',
    '/console/closings?area=532503&month=2026-10',
    '/console/care-coverage?area=532503',
    '/console/openings',
    `/console/openings/${seeded.ids.pw1}`,
    '/console/openings/new',
    notice,
    `${notice}/withdraw?worker=${firstEntry}`,
    '/console/workers',
    `/console/workers/${worker}`,
    `/console/workers/${seeded.ids.postHolder}`,
    `/console/workers/${worker}/erase`,
    '/console/workers/new',
    '/console/households',
    `/console/households/${seeded.ids.twoMemberHousehold}`,
    '/console/employers',
    '/console/employers/new',
    '/console/assessments?area=532503&month=2026-11',
    '/console/post-checks?area=532503',
  ];
  publicPages = ['/console', `/console/public/notices/${noticeId}`];
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  env?.close();
});

describe.each(sizes)('the console at $name size', (size) => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    // axe is evaluated into the page; the pages' own policy forbids scripts.
    context = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.isMobile, locale: 'zh-CN', bypassCSP: true });
    page = await signIn(context, seeded.staffCounty);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('axe (WCAG 2.2 AA tags) finds no violation on any page, in Chinese and in English, with and without form errors', async () => {
    const found: Found[] = [];
    for (const path of pages) {
      await page.goto(`${server.base}${path}`);
      found.push(...(await axe(page, path)));
    }
    // The post holder's page checked above carried their month.
    await page.goto(`${server.base}/console/workers/${seeded.ids.postHolder}`);
    expect(await page.locator('#assessment-history tbody tr[data-month="2026-11"]').count()).toBe(1);
    // Forms sent with errors: the messages are tied to their fields.
    await page.goto(`${server.base}/console/workers/new`);
    await page.fill('#f-phone', '12ab');
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button.primary')]);
    expect(await page.locator('.err').count()).toBeGreaterThan(1);
    found.push(...(await axe(page, 'register with errors')));
    await page.goto(`${server.base}/console/openings/${seeded.ids.pw1}`);
    await Promise.all([page.waitForLoadState(), page.click('#propose-top')]);
    found.push(...(await axe(page, 'allocation with an error')));
    // English.
    await page.goto(`${server.base}/console/lang?to=en&back=/console/overview`);
    for (const path of ['/console/overview', '/console/worklists/zero-employment', `/console/openings/${seeded.ids.pw1}`, `/console/workers/${seeded.ids.twoMembers[0]}`]) {
      await page.goto(`${server.base}${path}`);
      found.push(...(await axe(page, `en ${path}`)));
    }
    await page.goto(`${server.base}/console/lang?to=zh&back=/console/overview`);
    // Pages anyone may open.
    const anonymous = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, bypassCSP: true, locale: 'zh-CN' });
    const pub = await anonymous.newPage();
    for (const path of publicPages) {
      await pub.goto(`${server.base}${path}`);
      found.push(...(await axe(pub, path)));
    }
    // The check can fail: the sign-in field without its label is caught.
    await pub.goto(`${server.base}/console`);
    await pub.evaluate(() => document.querySelector('label[for="f-token"]')?.remove());
    expect((await axe(pub, 'control')).map((f) => f.id)).toContain('label');
    await anonymous.close();
    expect(found, JSON.stringify(found, null, 1)).toEqual([]);
  });

  it('nothing is wider than the window on any page', async () => {
    const wide: string[] = [];
    for (const path of pages) {
      await page.goto(`${server.base}${path}`);
      const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      if (scroll > client + 1) wide.push(`${path}: ${scroll} > ${client}`);
    }
    expect(wide).toEqual([]);
  });

  it('chart labels are drawn at 11 px or more and count axes have whole-number ticks', async () => {
    await page.goto(`${server.base}/console/overview`);
    const sizesPx = await page.$$eval('svg.chart', (svgs) =>
      svgs
        .filter((s) => s.getBoundingClientRect().width > 0)
        .flatMap((s) => {
          const scale = s.getBoundingClientRect().width / (s as SVGSVGElement).viewBox.baseVal.width;
          return Array.from(s.querySelectorAll('text')).map((t) => Number(t.getAttribute('font-size')) * scale);
        }),
    );
    expect(sizesPx.length).toBeGreaterThan(10);
    expect(Math.min(...sizesPx)).toBeGreaterThanOrEqual(11);
    const ticks = await page.$$eval('svg.chart text[data-tick]', (els) => els.map((e) => Number(e.getAttribute('data-tick'))));
    expect(ticks.length).toBeGreaterThan(1);
    expect(ticks.every((v) => Number.isInteger(v))).toBe(true);
  });

  it('rows become cards and the menu folds on a phone; the desk keeps tables and a menu bar', async () => {
    await page.goto(`${server.base}/console/workers`);
    const display = await page.$eval('#workers tbody tr', (tr) => getComputedStyle(tr).display);
    const wideNav = await page.$eval('header nav.wide', (n) => getComputedStyle(n).display);
    const folded = await page.$eval('details.menu', (d) => getComputedStyle(d).display);
    if (size.isMobile) {
      expect(display).toBe('block');
      expect(wideNav).toBe('none');
      expect(folded).toBe('block');
      await page.click('details.menu summary');
      await Promise.all([page.waitForURL(/\/console\/households/), page.click('details.menu a[href="/console/households"]')]);
    } else {
      expect(display).toBe('table-row');
      expect(wideNav).not.toBe('none');
      expect(folded).toBe('none');
    }
  });

  it('controls are at least 24 px on each side, and a field with an error keeps its focus ring', async () => {
    const small: string[] = [];
    for (const path of [`/console/openings/${seeded.ids.pw1}`, '/console/workers/new', `/console/workers/${seeded.ids.twoMembers[0]}`, '/console/worklists/zero-employment']) {
      await page.goto(`${server.base}${path}`);
      small.push(
        ...(await page.$$eval('main input:not([type=hidden]), main select, main button, header button, header a, summary', (els) =>
          els
            .map((e) => ({ e, r: e.getBoundingClientRect() }))
            .filter(({ e, r }) => r.width > 0 && r.height > 0 && e.getAttribute('aria-hidden') !== 'true')
            .filter(({ r }) => r.width < 24 || r.height < 24)
            .map(({ e, r }) => `${e.tagName} ${e.getAttribute('name') ?? e.textContent?.trim()} ${Math.round(r.width)}×${Math.round(r.height)}`),
        )).map((x) => `${path}: ${x}`),
      );
    }
    expect(small).toEqual([]);
    await page.goto(`${server.base}/console/workers/new`);
    await page.fill('#f-phone', '12ab');
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button.primary')]);
    const outline = () => page.$eval('#f-phone', (e) => `${getComputedStyle(e).outlineStyle} ${getComputedStyle(e).outlineWidth}`);
    const unfocused = await outline();
    await page.focus('#f-name');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-phone');
    const focused = await outline();
    // The error marks the field without an outline, so focus still shows as a ring of its own.
    expect(focused).not.toBe(unfocused);
    expect(focused).toMatch(/^solid [2-9]/);
  });

  it('the allocation submit is a few Tabs from the top of its page', async () => {
    await page.goto(`${server.base}/console/openings/${seeded.ids.pw1}`);
    let tabs = 0;
    for (; tabs < 60; ) {
      await page.keyboard.press('Tab');
      tabs++;
      if ((await page.evaluate(() => document.activeElement?.id)) === 'propose-top') break;
    }
    expect(tabs).toBeLessThanOrEqual(12);
    console.log(`Tabs to the allocation submit at ${size.name}: ${tabs}`);
  });
});
