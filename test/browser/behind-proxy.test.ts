// The console behind an HTTPS reverse proxy, for real: Debian's nginx with a
// self-signed certificate on 127.0.0.1 in front of the server as `npm start`
// runs it (TRUST_PROXY=on), and headless Chromium signing in and allocating a
// public-welfare post through it. The session cookie must be Secure.
// nginx is required (.ci/run installs it): without it this test fails, saying so.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, type ServerProcess } from '../server-process.js';
import { launchChromium } from './server.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'jiujin-proxy-'));
const ADMIN = `proxy-admin-token-${process.pid}-0123456789`;
let server: ServerProcess;
let nginx: ChildProcess | undefined;
let browser: Browser;
let httpsPort: number;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as any;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitForHttps(url: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      // The certificate is our own self-signed one: this probe only waits for nginx to listen.
      execFileSync('openssl', ['s_client', '-connect', new URL(url).host, '-brief'], { input: '', stdio: 'pipe', timeout: 5000 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`nginx did not listen on ${url}: ${err}\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

beforeAll(async () => {
  if (!NGINX) {
    throw new Error('nginx is not installed: install it as root with `apt-get install -y nginx` (.ci/run does when it is missing)');
  }
  server = await startServer({ DATABASE_URL: `file:${join(dir, 'jiujin.db')}`, JIUJIN_ADMIN_TOKEN: ADMIN, TRUST_PROXY: 'on', LOG_LEVEL: 'warn' });
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'pipe' });
  httpsPort = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${httpsPort} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass http://127.0.0.1:${server.port};
      proxy_set_header Host 127.0.0.1:${server.port};
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`);
  nginx = spawn(NGINX, ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
  await waitForHttps(`https://127.0.0.1:${httpsPort}`);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx!.once('exit', r));
    nginx.kill('SIGTERM');
    await exited;
  }
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the console behind nginx over HTTPS', () => {
  it('signs in with a Secure cookie and allocates a public-welfare post', async () => {
    const body = await api('POST', '/v1/employers', { name: '鸣鹫镇人民政府', kind: 'public_body', areaCode: '532503', point: { lat: 23.4, lon: 103.38 } });
    const post = await api('POST', '/v1/openings', {
      title: '护林员', kind: 'public_welfare', serves: 'elders', skills: ['elder_care'], employerId: body.id, status: 'open',
      areaCode: '532503', point: { lat: 23.4, lon: 103.38 }, slots: 1, wage: { amount: 800, period: 'month' }, hours: 'part_day',
    });
    const h = await api('POST', '/v1/households', { areaCode: '532503001001', povertyAlleviated: true, monitored: false });
    const w = await api('POST', '/v1/workers', { householdId: h.id, name: '李秀芬', home: { lat: 23.401, lon: 103.38 }, availability: 'part_day' });

    const base = `https://127.0.0.1:${httpsPort}`;
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${base}/console/openings/${post.id}`);
    expect(new URL(page.url()).pathname).toBe('/console');
    await page.fill('#f-token', ADMIN);
    await Promise.all([page.waitForURL(/\/console\/openings\/\d+/), page.click('#signin button[type=submit]')]);
    expect(page.url()).toBe(`${base}/console/openings/${post.id}`);
    const cookie = (await context.cookies()).find((c) => c.httpOnly && c.path === '/console');
    expect(cookie?.secure).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');

    await page.check(`#pick-${w.id}`);
    await Promise.all([page.waitForURL(/\/console\/notices\/pn_/), page.click('#propose-top')]);
    expect(page.url().startsWith(`${base}/console/notices/pn_`)).toBe(true);
    const apps = await api('GET', `/v1/applications?openingId=${post.id}`);
    expect(apps.items.map((a: any) => [a.workerId, a.state])).toEqual([[w.id, 'offered']]);
    await context.close();
  }, 90_000);
});
