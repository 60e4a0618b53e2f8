// A bureau's working day in the console, in headless Chromium at a desk's
// size and a phone's: a village helper registers a person into a new
// household by picking the village, edits them, records a placement and ends
// it; a county officer filters the worklist to one township's overdue
// households and proposes one for a post. Each size gets its own database.
import { and, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applications, auditLog, households, placements, publicNoticeEntries, workers } from '../../db/schema.js';
import { zeroEmploymentWorklist } from '../../src/services/worklists.js';
import { makeTestEnv, type TestEnv } from '../helpers.js';
import { seedPrefecture, type Seeded } from './seed.js';
import { launchChromium, type Running, serveApp } from './server.js';

const sizes = [
  { name: 'desktop 1366×768', viewport: { width: 1366, height: 768 }, isMobile: false },
  { name: 'phone 390×844', viewport: { width: 390, height: 844 }, isMobile: true },
];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Clicks and waits for the page the click leads to. */
async function go(p: Page, selector: string, url?: RegExp) {
  await Promise.all([url ? p.waitForURL(url) : p.waitForLoadState(), p.click(selector)]);
}

describe.each(sizes)('a working day at $name', (size) => {
  let env: TestEnv;
  let seeded: Seeded;
  let server: Running;
  let context: BrowserContext;

  beforeAll(async () => {
    env = await makeTestEnv();
    seeded = await seedPrefecture(env);
    server = await serveApp(env);
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
    env?.close();
  });

  async function signIn(token: string): Promise<Page> {
    context = await browser.newContext({ viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.isMobile, locale: 'zh-CN' });
    const p = await context.newPage();
    await p.goto(`${server.base}/console`);
    await p.fill('#f-token', token);
    await go(p, '#signin button[type=submit]', /\/console\/overview/);
    return p;
  }

  it('a village helper registers a person into a new household by picking the village, edits them, records a placement and ends it', async () => {
    const p = await signIn(seeded.staffTownship);
    await p.goto(`${server.base}/console/workers/new`);
    // The helper's township is fixed; the village is found by part of its name.
    await p.fill('#f-areaCode_q', '银河');
    await go(p, '#register-worker button[name=_pick][value=find]');
    await go(p, '#register-worker button[name=areaCode_set][value="532503001002"]');
    expect(await p.locator('[data-area-chosen]').getAttribute('data-area-chosen')).toBe('532503001002');
    expect(await p.inputValue('#f-areaCode_village')).toBe('532503001002');
    await p.fill('#f-name', '马春花');
    await p.fill('#f-phone', '13873005555');
    await p.check('input[name=povertyAlleviated]');
    await p.check('input[name=cannotLeaveHome]');
    await p.check('input[name=careFor][value=elders]');
    // Enter in a text field saves (the picker's own buttons are not the form's default).
    await Promise.all([p.waitForURL(/\/console\/workers\/\d+\?saved=registered/), p.press('#f-name', 'Enter')]);
    const workerId = Number(/\/workers\/(\d+)/.exec(p.url())![1]);
    const [w] = await env.db.select().from(workers).where(eq(workers.id, workerId));
    expect(w).toMatchObject({ name: '马春花', areaCode: '532503001002', cannotLeaveHome: true, careFor: ['elders'] });
    const [h] = await env.db.select().from(households).where(eq(households.id, w!.householdId));
    expect(h).toMatchObject({ areaCode: '532503001002', povertyAlleviated: true });
    expect(await p.locator('main').textContent()).toContain('银河社区');

    // Edit: a new phone and a skill.
    await p.fill('#edit-worker #f-phone', '13873006666');
    await p.check('#edit-worker input[name=skills][value=cleaning]');
    await go(p, '#edit-worker button.primary', /saved=edited/);
    const [edited] = await env.db.select().from(workers).where(eq(workers.id, workerId));
    expect(edited).toMatchObject({ phone: '13873006666', skills: ['cleaning'] });
    expect(await p.locator('a[href="tel:13873006666"]').count()).toBeGreaterThan(0);

    // A placement in a workshop of the township, picked village by village.
    await p.selectOption('#record-placement #f-type', 'workshop');
    await p.selectOption('#f-placeArea_township', '532503001');
    await go(p, '#record-placement button[name=_pick][value=choose]');
    await p.selectOption('#f-placeArea_village', '532503001001');
    await p.fill('#record-placement #f-startDate', '2026-11-18');
    await go(p, '#record-placement button.primary', /saved=placed/);
    const [placed] = await env.db.select().from(placements).where(eq(placements.workerId, workerId));
    expect(placed).toMatchObject({ type: 'workshop', areaCode: '532503001001', startDate: '2026-11-18', endDate: null, scope: 'township' });
    const row = p.locator(`tr[data-placement="${placed!.id}"]`);
    expect(await row.getAttribute('data-ended')).toBe('false');

    // A bad end date is refused next to its field; a good one ends it.
    await row.locator('input[type=date]').fill('2026-11-01');
    await go(p, `#end-${placed!.id} button[type=submit]`);
    expect(await p.locator(`#err-end${placed!.id}Date`).count()).toBe(1);
    expect(await p.getAttribute(`#f-end${placed!.id}Date`, 'aria-invalid')).toBe('true');
    await p.fill(`#f-end${placed!.id}Date`, '2026-11-19');
    await p.selectOption(`#f-end${placed!.id}Reason`, 'care_duties');
    await go(p, `#end-${placed!.id} button[type=submit]`, /saved=ended/);
    const [ended] = await env.db.select().from(placements).where(eq(placements.id, placed!.id));
    expect(ended).toMatchObject({ endDate: '2026-11-19', endReason: 'care_duties' });
    expect(await p.locator(`tr[data-placement="${placed!.id}"]`).getAttribute('data-ended')).toBe('true');

    // Every step is in the audit log as the helper's.
    const audits = await env.db.select().from(auditLog).where(eq(auditLog.actorRole, 'staff'));
    const actions = audits.map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['household.create', 'worker.create', 'worker.update', 'placement.create', 'placement.end']));

    // A link code is shown once, on the page, not in the address.
    await go(p, '#issue-link-code button');
    expect(await p.locator('#link-code [data-code]').getAttribute('data-code')).toMatch(/^\d{8}$/);
    expect(p.url()).not.toMatch(/\d{8}$/);
    await context.close();
  });

  it("a county officer filters the worklist to one township's overdue households and proposes one for a post", async () => {
    const p = await signIn(seeded.staffCounty);
    await p.goto(`${server.base}/console/worklists/zero-employment`);
    await p.selectOption('#f-area_township', '532503001');
    await p.check('#worklist-filter input[name=overdue]');
    await go(p, '#worklist-filter button.primary', /overdue=1/);

    const system = { db: env.db, clock: env.clock, actor: { role: 'system', name: 'test' } as const };
    const expected = await zeroEmploymentWorklist(system, { area: '532503001', overdueOnly: true, withCounts: true, limit: 100 });
    const all = await zeroEmploymentWorklist(system, { area: '532503001', withCounts: true, limit: 100 });
    expect(expected.counts!.total).toBeGreaterThan(0);
    expect(expected.counts!.total).toBeLessThan(all.counts!.total + 1);
    expect(Number(await p.locator('#worklist-counts').getAttribute('data-total'))).toBe(expected.counts!.total);
    const rows = p.locator('#worklist tbody tr');
    expect(await rows.count()).toBe(expected.items.length);
    expect(await p.$$eval('#worklist tbody tr', (trs) => trs.every((tr) => tr.getAttribute('data-overdue') === 'true'))).toBe(true);
    expect(await rows.first().locator('a[href^="tel:"]').count()).toBeGreaterThan(0);

    // Propose from the row: the allocation page opens with that person ticked, one Tab stop from the submit.
    const link = p.locator('#worklist a.propose').first();
    const [openingId, workerId] = (await link.getAttribute('data-propose'))!.split(':').map(Number);
    await go(p, '#worklist a.propose >> nth=0', new RegExp(`/console/openings/${openingId}\\?pick=${workerId}`));
    expect(await p.isChecked(`#pick-${workerId}`)).toBe(true);
    await go(p, '#propose-top', /\/console\/notices\/pn_/);
    const entries = await env.db.select().from(publicNoticeEntries).where(eq(publicNoticeEntries.workerId, workerId!));
    expect(entries).toHaveLength(1);
    const [offer] = await env.db.select().from(applications).where(and(eq(applications.workerId, workerId!), eq(applications.openingId, openingId!)));
    expect(offer!.state).toBe('offered');

    // A second post in the same village, made in the console (the place picked, not typed): the person
    // proposed above is listed as on a notice and cannot be picked there.
    await p.goto(`${server.base}/console/openings/new`);
    await p.fill('#f-title', '天马社区保洁员');
    await p.selectOption('#f-employerId', { label: '蒙自市人力资源和社会保障局 (公共机构)' });
    await p.selectOption('#f-areaCode_township', '532503001');
    await go(p, '#new-post button[name=_pick][value=choose]');
    await p.selectOption('#f-areaCode_village', '532503001001');
    await p.fill('#f-slots', '0');
    await go(p, '#new-post button.primary');
    expect(await p.locator('#err-slots').textContent()).toBe('至少为 1');
    expect(await p.inputValue('#f-title')).toBe('天马社区保洁员');
    await p.fill('#f-slots', '2');
    await p.fill('#f-wageAmount', '800');
    await go(p, '#new-post button.primary', /\/console\/openings\/\d+$/);
    expect(await p.locator(`#taken li[data-worker="${workerId}"]`).count()).toBe(1);
    expect(await p.locator(`#pick-${workerId}`).count()).toBe(0);
    expect(await p.locator('#candidates tbody tr').count()).toBeGreaterThan(0);
    // Back on the worklist the household reads as on notice, with no second proposal.
    const householdId = (await env.db.select().from(workers).where(eq(workers.id, workerId!)))[0]!.householdId;
    await p.goto(`${server.base}/console/worklists/zero-employment?area_township=532503001&overdue=1`);
    const row = p.locator(`#worklist tr[data-household="${householdId}"]`);
    expect(await row.locator('a[href^="/console/notices/"]').count()).toBe(1);
    expect(await row.locator('a.propose').count()).toBe(0);
    // The overview lists the running notice.
    await p.goto(`${server.base}/console/overview`);
    expect(await p.locator('#open-notices li').count()).toBe(1);
  });
});
