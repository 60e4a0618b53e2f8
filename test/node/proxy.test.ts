// TRUST_PROXY: off by default; on, the request the app sees is the browser's
// (scheme and host from the proxy) and the caller's address the proxy's.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { FORWARDED_ADDRESS_HEADER, forwardedRequest } from '../../src/proxy.js';

describe('behind a proxy', () => {
  it('is off unless TRUST_PROXY says on', () => {
    expect(parseConfig({}).TRUST_PROXY).toBe(false);
    expect(parseConfig({ TRUST_PROXY: 'on' }).TRUST_PROXY).toBe(true);
    expect(() => parseConfig({ TRUST_PROXY: 'maybe' })).toThrow(/TRUST_PROXY must be on or off/);
  });

  it('takes scheme and host from the proxy and the address it appended, not one the client forged', async () => {
    const req = forwardedRequest(
      new Request('http://127.0.0.1:8787/console/login?x=1', {
        method: 'POST',
        body: 'token=a',
        headers: {
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'jiujin.example.cn',
          'x-forwarded-for': '6.6.6.6, 10.0.0.7',
          [FORWARDED_ADDRESS_HEADER]: '1.2.3.4',
        },
      }),
    );
    expect(req.url).toBe('https://jiujin.example.cn/console/login?x=1');
    expect(req.headers.get(FORWARDED_ADDRESS_HEADER)).toBe('10.0.0.7');
    expect(await req.text()).toBe('token=a');
  });

  it('ignores a host that is not a host and a scheme that is not http(s)', () => {
    const req = forwardedRequest(
      new Request('http://127.0.0.1:8787/v1/areas', { headers: { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil.example/path?' } }),
    );
    expect(req.url).toBe('http://127.0.0.1:8787/v1/areas');
    expect(req.headers.get(FORWARDED_ADDRESS_HEADER)).toBeNull();
  });
});
