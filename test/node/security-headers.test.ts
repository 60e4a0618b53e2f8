// Every answer tells the browser what it may do with it: the API allows
// nothing to load, the console no script, /docs only its own script.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers.js';

let env: TestEnv;
beforeAll(async () => {
  env = await makeTestEnv();
});
afterAll(() => env.close());

const directives = (csp: string | null) =>
  Object.fromEntries((csp ?? '').split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0], d.split(/\s+/).slice(1).join(' ')]));

describe('security headers', () => {
  it('the API, an error included, allows nothing to load or frame it', async () => {
    for (const path of ['/health', '/v1/areas?parent=5325', '/v1/workers', '/no-such-route']) {
      const res = await env.app.request(path);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp['default-src'], path).toBe("'none'");
      expect(csp['frame-ancestors'], path).toBe("'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('the console runs no script: script-src none, forms to itself only', async () => {
    for (const path of ['/console', '/console/overview']) {
      const res = await env.app.request(path);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp['default-src'], path).toBe("'none'");
      expect(csp['script-src'], path).toBe("'none'");
      expect(csp['form-action'], path).toBe("'self'");
      expect(csp['frame-ancestors'], path).toBe("'none'");
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('/docs may run only the script the server itself serves', async () => {
    const res = await env.app.request('/docs');
    expect(res.status).toBe(200);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp['script-src']).toBe("'self'");
    expect(csp['connect-src']).toBe("'self'");
    expect(csp['default-src']).toBe("'none'");
    const html = await res.text();
    // No inline script: every <script> has a src on this server.
    expect(html.match(/<script(?![^>]*\ssrc=")[^>]*>/g)).toBeNull();
  });
});
