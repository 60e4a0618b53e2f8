// Serving the real app over HTTP on 127.0.0.1 and launching Debian's Chromium
// for the browser tests and the screenshots script.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Browser, chromium } from 'playwright-core';
import type { TestEnv } from '../helpers.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install it as root with the line in .ci/run: ` +
        'apt-get update && apt-get install -y --no-install-recommends chromium',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface Running {
  base: string;
  port: number;
  close: () => Promise<void>;
}

/** The app of a test environment on an ephemeral port, as src/node.ts serves it. */
export function serveApp(env: TestEnv): Promise<Running> {
  return new Promise((resolve) => {
    const server = serve({ fetch: env.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        base: `http://127.0.0.1:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/**
 * Another site's page that posts a form to `target` as soon as it loads:
 * what a forged cross-site post looks like to the browser.
 */
export function serveForgery(target: string, fields: Record<string, string>): Promise<{ port: number; close: () => Promise<void> }> {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
    .join('');
  const html = `<!DOCTYPE html><html><body><form id="f" method="post" action="${target}">${inputs}</form><script>document.getElementById('f').submit()</script></body></html>`;
  return new Promise((resolve) => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    server.listen(0, '127.0.0.1', () => {
      resolve({ port: (server.address() as AddressInfo).port, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}
