// The API docs page in headless Chromium: Swagger UI served by the app itself
// (no CDN), rendering the app's own /openapi.json, with no request leaving
// the local server.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers.js';
import { launchChromium, type Running, serveApp } from './server.js';

let env: TestEnv;
let server: Running;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  env = await makeTestEnv();
  server = await serveApp(env);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  env?.close();
});

describe('/docs', () => {
  it('renders every route of the document from the app alone', async () => {
    const context = await browser.newContext();
    const requested: string[] = [];
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requested.push(url);
      if (url.startsWith(`${server.base}/`)) return route.continue();
      outside.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const res = await page.goto(`${server.base}/docs`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
    await expect.poll(() => page.$$eval('.opblock', (els) => els.length), { timeout: 20_000 }).toBeGreaterThan(35);
    const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
    expect(paths).toEqual(expect.arrayContaining(['/v1/stats', '/v1/imports', '/v1/workers/{id}', '/openapi.json']));
    expect(await page.textContent('.info .title')).toContain('Jiujin');
    expect(outside).toEqual([]);
    expect(requested).toEqual(expect.arrayContaining([`${server.base}/docs/assets/swagger-ui-bundle.js`, `${server.base}/docs/assets/swagger-ui.css`, `${server.base}/openapi.json`]));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('serves only the files the page needs', async () => {
    for (const file of ['..%2Fpackage.json', 'index.html', 'swagger-ui.js.map']) {
      const res = await env.request('GET', `/docs/assets/${file}`);
      expect(res.status, file).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const css = await env.app.request('/docs/assets/swagger-ui.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await css.text()).length).toBeGreaterThan(10_000);
  });
});
