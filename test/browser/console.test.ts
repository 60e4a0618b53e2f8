// The staff console in a real browser: headless Chromium from Debian driven by
// playwright-core against the real Node server on 127.0.0.1, over an
// in-memory libSQL database seeded through the API. Needs /usr/bin/chromium
// (.ci/run installs it); without it these tests fail and say so.
import { readFileSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, employers, households, placements, publicNotices } from '../../db/schema.js';
import { readXlsx } from '../../src/lib/xlsx.js';
import { statsFor } from '../../src/services/stats.js';
import { makeTestEnv, type TestEnv } from '../helpers.js';
import { seedPrefecture, type Seeded } from './seed.js';
import { launchChromium, type Running, serveApp, serveForgery } from './server.js';

let env: TestEnv;
let seeded: Seeded;
let server: Running;
let browser: Browser;
let staff: BrowserContext;
let page: Page;

const TODAY = '2026-11-20T02:00:00Z';

async function signIn(context: BrowserContext, token: string): Promise<Page> {
  const p = await context.newPage();
  await p.goto(`${server.base}/console/overview`);
  expect(new URL(p.url()).pathname).toBe('/console');
  await p.fill('#f-token', token);
  await Promise.all([p.waitForURL(/\/console\/overview/), p.click('#signin button[type=submit]')]);
  return p;
}

/** The figures on the page, by their key in /v1/stats ("inWork.total", …). */
async function figures(p: Page): Promise<Record<string, number>> {
  return p.$$eval('[data-figure]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-figure')!, Number(e.textContent)])));
}

const pick = (obj: unknown, path: string) => path.split('.').reduce<any>((o, k) => o?.[k], obj);

async function apiStats(query: string, token: string) {
  const res = await env.request('GET', `/v1/stats?${query}`, { token });
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  browser = await launchChromium();
  env = await makeTestEnv();
  seeded = await seedPrefecture(env);
  server = await serveApp(env);
  staff = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN' });
  page = await signIn(staff, seeded.staffPrefecture);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  env?.close();
});

describe('console in a browser', () => {
  it('signing in sets an HttpOnly, SameSite=Strict session cookie and the overview shows the same figures as GET /v1/stats', async () => {
    const cookies = await staff.cookies();
    const session = cookies.find((c) => c.name === 'jj_console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(session!.value).not.toContain(seeded.staffPrefecture);

    await page.goto(`${server.base}/console/overview`);
    const shown = await figures(page);
    const api = await apiStats('', seeded.staffPrefecture);
    expect(api.area).toBe('5325');
    expect(Object.keys(shown).length).toBeGreaterThanOrEqual(12);
    for (const [key, value] of Object.entries(shown)) expect(value, key).toBe(pick(api, key));
    expect(shown['inWork.total']).toBeGreaterThan(0);
    expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator('script').count()).toBe(0);

    // The trend is statsFor as of each month's end: June's row against the API as of 30 June.
    const june = await apiStats('asOf=2026-06-30', seeded.staffPrefecture);
    const row = page.locator('tr[data-month="2026-06"] td');
    expect(Number(await row.nth(1).textContent())).toBe(june.placementsThisMonth.started);
    expect(Number(await row.nth(2).textContent())).toBe(june.placementsThisMonth.ended);
    expect(june.placementsThisMonth.ended).toBe(1);
  });

  it('a county row links to its own overview, whose figures match the API for that county', async () => {
    await page.goto(`${server.base}/console/overview`);
    const rows = await page.locator('#subareas tbody tr').count();
    expect(rows).toBe(13);
    const mengziRow = page.locator('tr[data-area="532503"]');
    const inWorkCell = Number(await mengziRow.locator('td').nth(1).textContent());
    await Promise.all([page.waitForURL(/area=532503/), mengziRow.locator('a').click()]);
    expect(await page.locator('h1').textContent()).toContain('蒙自市');
    const shown = await figures(page);
    const api = await apiStats('area=532503', seeded.staffPrefecture);
    for (const [key, value] of Object.entries(shown)) expect(value, key).toBe(pick(api, key));
    expect(shown['inWork.total']).toBe(inWorkCell);
    // One level further down: the county's townships.
    expect(await page.locator('tr[data-area="532503001"]').count()).toBe(1);
  });

  it('exports the overview as a real .xlsx with Chinese headers whose figures are statsFor\'s, and audits it', async () => {
    await page.goto(`${server.base}/console/overview`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[href*="overview.xlsx"]').click()]);
    expect(download.suggestedFilename()).toMatch(/^jiujin-overview-5325-2026-11-20\.xlsx$/);
    const sheets = readXlsx(new Uint8Array(readFileSync((await download.path())!)));
    const main = sheets.find((s) => s.name === '概况')!;
    expect(main.rows[0]).toEqual(['地区代码', '地区', '统计日期', '指标', '数值', '指标代码']);
    const stats = await statsFor({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'test' } }, { area: '5325', asOf: '2026-11-20' });
    const body = main.rows.slice(1);
    expect(body.length).toBeGreaterThanOrEqual(20);
    for (const r of body) expect(r[4], String(r[5])).toBe(pick(stats, String(r[5])));
    expect(body.find((r) => r[5] === 'inWork.total')![3]).toBe('在岗人数');
    expect(sheets.map((s) => s.name)).toEqual(['概况', '下级地区', '近12个月', '说明']);
    // The sub-area sheet ends with a 合计 row equal to the area's own figures.
    const sub = sheets.find((s) => s.name === '下级地区')!;
    const totalRow = sub.rows[sub.rows.length - 1]!;
    expect(String(totalRow[1])).toContain('合计');
    expect(totalRow[3]).toBe(stats.inWork.total);
    expect(totalRow[2]).toBe(stats.workersRegistered);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('a[href*="placements.csv"]').click()]);
    const text = readFileSync((await csv.path())!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toContain('本月新增');
    expect(lines.slice(1).filter((l) => l.endsWith(',是,否') || l.endsWith(',是,是')).length).toBe(stats.placementsThisMonth.started);

    const audits = await env.db.select().from(auditLog).where(eq(auditLog.action, 'console.export'));
    expect(audits.map((a) => a.objectId)).toEqual(expect.arrayContaining(['overview', 'placements']));
    expect(audits.every((a) => a.actorRole === 'staff')).toBe(true);
  });

  it('allocates a public-welfare post: the household rule holds, a masked public notice runs 7 days, then the hire is final', async () => {
    const { pw1, twoMembers } = seeded.ids;
    await page.goto(`${server.base}/console/openings/${pw1}`);
    const free = Number(await page.locator('[data-figure="free"]').textContent());
    expect(free).toBe(2);
    // The village's post holder is shown as such, not as a candidate.
    expect(await page.locator('#holders li').textContent()).toContain('张秀英');
    expect(await page.locator('#candidates').textContent()).not.toContain('张秀英');
    // Each candidate shows the household's status and care facts.
    expect(await page.locator(`#candidates tr[data-worker="${twoMembers[0]}"]`).textContent()).toMatch(/脱贫户.*无法离乡.*需照顾：老人/);
    // Two people of one household: refused, with the picks kept.
    await page.check(`#pick-${twoMembers[0]}`);
    await page.check(`#pick-${twoMembers[1]}`);
    await Promise.all([page.waitForURL(/\/propose$/), page.click('#propose-top')]);
    expect(await page.locator('#allocation-error').count()).toBe(1);
    expect(await page.locator('#allocation-error').textContent()).toContain('同户');
    expect(await page.isChecked(`#pick-${twoMembers[0]}`)).toBe(true);
    expect(await env.db.select().from(publicNotices)).toHaveLength(0);

    await page.uncheck(`#pick-${twoMembers[1]}`);
    await Promise.all([page.waitForURL(/\/console\/notices\/pn_/), page.click('#propose-top')]);
    expect(await page.locator('#finalise-not-yet').count()).toBe(1);
    const publicHref = await page.locator('#public-link').getAttribute('href');

    // The public page: anyone, no sign-in, masked name and village only.
    const anonymous = await browser.newContext();
    const pub = await anonymous.newPage();
    const res = await pub.goto(`${server.base}${publicHref}`);
    expect(res!.status()).toBe(200);
    const text = (await pub.locator('main').textContent())!;
    expect(text).toContain('周*山');
    expect(text).toContain('天马社区');
    expect(text).not.toContain('周大山');
    // What makes it a notice one can object to: the office, its phone, the dates and how.
    expect(text).toContain('蒙自市人力资源和社会保障局');
    expect(await pub.locator('#notice-period').textContent()).toMatch(/2026-11-20 至 2026-11-26/);
    expect(await pub.locator('#how-to-object').textContent()).toContain('异议');
    expect(text).not.toMatch(/1387300/);
    expect(text).not.toMatch(/脱贫|监测|零就业|无法离乡|留守老人关爱员.*照顾/);
    await anonymous.close();

    // Seven days on (a new working day, so a new sign-in), the hire is finalised and becomes a placement.
    const noticeUrl = page.url();
    env.clock.advanceDays(7);
    const later = await browser.newContext();
    try {
      const p = await signIn(later, seeded.staffCounty);
      await p.goto(noticeUrl);
      // The notice's state follows the clock: its days have run, it waits to be finalised.
      expect(await p.locator('[data-notice-state]').getAttribute('data-notice-state')).toBe('due');
      expect(await p.locator('[data-notice-state]').textContent()).toContain('公示期满');
      await p.goto(`${server.base}/console/overview`);
      expect(await p.locator('#open-notices li[data-due="true"]').count()).toBe(1);
      await p.goto(noticeUrl);
      await Promise.all([p.waitForLoadState(), p.click('#finalise button[type=submit]')]);
      await expect.poll(() => p.locator(`#finalise-results [data-worker="${twoMembers[0]}"]`).getAttribute('data-outcome')).toBe('hired');
      expect(await p.locator('[data-notice-status]').getAttribute('data-notice-status')).toBe('finalised');
      // Results name the people, not their ids.
      expect(await p.locator('#finalise-results').textContent()).toContain('周大山');
      const held = await env.db
        .select()
        .from(placements)
        .where(and(eq(placements.workerId, twoMembers[0]), eq(placements.type, 'public_welfare')));
      expect(held).toHaveLength(1);
      expect(held[0]!.openingId).toBe(pw1);
    } finally {
      await later.close();
      env.clock.set(TODAY);
    }
  });

  it('a forged post from another origin is refused even when the browser sends the cookie; from another site the cookie is not sent', async () => {
    const target = `${server.base}/console/employers/${seeded.ids.uncertifiedWorkshop}/certify`;
    const certified = async () =>
      (await env.db.select({ c: employers.certified }).from(employers).where(eq(employers.id, seeded.ids.uncertifiedWorkshop)))[0]!.c;

    // Same site (127.0.0.1), other origin: SameSite=Strict lets the cookie through, the origin check does not.
    const forgery = await serveForgery(target, { q: '' });
    try {
      const p = await staff.newPage();
      const [response] = await Promise.all([p.waitForResponse((r) => r.url() === target), p.goto(`http://127.0.0.1:${forgery.port}/`)]);
      expect(response.status()).toBe(403);
      expect(await p.locator('.msg.error').textContent()).toContain('请求来源无法验证');
      expect(await certified()).toBe(false);
      const refused = await env.db.select().from(auditLog).where(eq(auditLog.outcome, 'refused:403'));
      expect(refused.some((a) => a.action === `POST /console/employers/${seeded.ids.uncertifiedWorkshop}/certify`)).toBe(true);

      // Another site (localhost): the cookie stays home, so the post reaches no session.
      const p2 = await staff.newPage();
      await Promise.all([p2.waitForURL(/\/console(\?|$)/), p2.goto(`http://localhost:${forgery.port}/`)]);
      expect(await p2.locator('#signin').count()).toBe(1);
      expect(await certified()).toBe(false);
      await p.close();
      await p2.close();
    } finally {
      await forgery.close();
    }

    // The same action from the console's own page works.
    await page.goto(`${server.base}/console/employers`);
    await Promise.all([page.waitForURL(/saved=/), page.locator(`tr[data-employer="${seeded.ids.uncertifiedWorkshop}"] button`).click()]);
    expect(await certified()).toBe(true);
  });

  it('a form with bad input shows the message next to the field, keeps what was typed and saves nothing; the village is picked, not typed', async () => {
    const before = (await env.db.select().from(households)).length;
    await page.goto(`${server.base}/console/workers/new`);
    await page.fill('#f-name', '孙美玲');
    await page.fill('#f-phone', '12ab');
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button.primary')]);
    await expect.poll(() => page.locator('#err-areaCode').count()).toBe(1);
    expect(await page.locator('#err-phone').count()).toBe(1);
    expect(await page.getAttribute('#f-phone', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#f-phone', 'aria-describedby')).toBe('err-phone');
    expect(await page.inputValue('#f-name')).toBe('孙美玲');
    expect(await page.inputValue('#f-phone')).toBe('12ab');

    // A county is not where a household lives: the service says so next to the picker, nothing is saved.
    await page.fill('#f-phone', '13873009999');
    await page.selectOption('#f-areaCode_county', '532503');
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button.primary')]);
    await expect.poll(() => page.locator('#err-areaCode').textContent()).toContain('村');
    expect(await page.inputValue('#f-name')).toBe('孙美玲');
    expect((await env.db.select().from(households)).length).toBe(before);

    // County → township → village, each list after the one above (no script).
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button[name=_pick][value=choose]')]);
    await page.selectOption('#f-areaCode_township', '532503001');
    await Promise.all([page.waitForLoadState(), page.click('#register-worker button[name=_pick][value=choose]')]);
    await page.selectOption('#f-areaCode_village', '532503001001');
    await page.check('input[name=povertyAlleviated]');
    await Promise.all([page.waitForURL(/\/console\/workers\/\d+\?saved=registered/), page.click('#register-worker button.primary')]);
    expect(await page.locator('main').textContent()).toContain('13873009999');
    expect(await page.locator('main').textContent()).toContain('天马社区');
    expect((await env.db.select().from(households)).length).toBe(before + 1);
  });

  it('switches to English and back, and signing out ends the session for good', async () => {
    await page.goto(`${server.base}/console/overview`);
    await Promise.all([page.waitForURL(/\/console\/overview/), page.click('a[href^="/console/lang?to=en"]')]);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toContain('employment as of');
    await page.click('a[href^="/console/lang?to=zh"]');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');

    const old = (await staff.cookies()).find((c) => c.name === 'jj_console')!;
    await Promise.all([page.waitForURL(/\/console$/), page.click('header form button')]);
    await page.goto(`${server.base}/console/overview`);
    expect(new URL(page.url()).pathname).toBe('/console');
    // The old cookie value is dead on the server, not just deleted in the browser.
    await staff.addCookies([old]);
    await page.goto(`${server.base}/console/overview`);
    expect(new URL(page.url()).pathname).toBe('/console');
  });
});
