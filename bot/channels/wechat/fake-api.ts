// A local stand-in for the WeChat API on 127.0.0.1, for tests and the
// terminal chat: /cgi-bin/token, message/custom/send, message/template/send
// and menu/create, each call recorded. A test can revoke the token (the next
// call answers 40001), or queue errcodes a send answers next (45009, 45047,
// 45015 …). A customer-service message to someone outside the 48-hour window
// is refused 45015 when the test says who is outside it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WechatCall {
  path: string;
  token: string | null;
  body: Record<string, any>;
}

export interface FakeWechatApi {
  url: string;
  appId: string;
  appSecret: string;
  calls: WechatCall[];
  /** Tokens handed out so far. */
  tokensIssued: () => number;
  /** The current token stops working: the next call with it answers 40001. */
  revokeToken: () => void;
  /** While false, every token handed out is refused (40001) at once. */
  tokensWork: boolean;
  /** The next sends (custom or template) answer these errcodes, in order. */
  failNext: (...codes: number[]) => void;
  /** Customer-service messages to these openids answer 45015 (outside the 48-hour window). */
  outsideWindow: Set<string>;
  sent: (openid?: string) => WechatCall[];
  close: () => Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });

export async function startFakeWechatApi(opts: { appId?: string; appSecret?: string } = {}): Promise<FakeWechatApi> {
  const appId = opts.appId ?? 'wx0123456789abcdef';
  const appSecret = opts.appSecret ?? 'wx-test-app-secret-abcdef';
  const calls: WechatCall[] = [];
  const failures: number[] = [];
  let valid = new Set<string>();
  let issued = 0;
  const outsideWindow = new Set<string>();
  const fakeApi = { tokensWork: true } as FakeWechatApi;

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const answer = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const text = await readBody(req);
    let body: Record<string, any> = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return answer({ errcode: 47001, errmsg: 'data format error' });
    }
    const token = url.searchParams.get('access_token');
    calls.push({ path: url.pathname, token, body });
    if (url.pathname === '/cgi-bin/token') {
      if (url.searchParams.get('appid') !== appId || url.searchParams.get('secret') !== appSecret) {
        return answer({ errcode: 40125, errmsg: 'invalid appsecret' });
      }
      const t = `fake-token-${++issued}`;
      valid = fakeApi.tokensWork ? new Set([t]) : new Set();
      return answer({ access_token: t, expires_in: 7200 });
    }
    if (!token || !valid.has(token)) return answer({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
    switch (url.pathname) {
      case '/cgi-bin/message/custom/send':
      case '/cgi-bin/message/template/send': {
        const code = failures.shift();
        if (code !== undefined) return answer({ errcode: code, errmsg: `fake errcode ${code}` });
        if (url.pathname.endsWith('custom/send') && outsideWindow.has(String(body.touser))) {
          return answer({ errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' });
        }
        if (url.pathname.endsWith('template/send') && !body.template_id) return answer({ errcode: 40037, errmsg: 'invalid template_id' });
        return answer({ errcode: 0, errmsg: 'ok', ...(url.pathname.endsWith('template/send') ? { msgid: calls.length } : {}) });
      }
      case '/cgi-bin/menu/create':
        return answer(Array.isArray(body.button) && body.button.length <= 3 ? { errcode: 0, errmsg: 'ok' } : { errcode: 40016, errmsg: 'invalid button size' });
      default:
        return answer({ errcode: 40066, errmsg: 'invalid url' });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const sends = (c: WechatCall) => c.path === '/cgi-bin/message/custom/send' || c.path === '/cgi-bin/message/template/send';
  Object.assign(fakeApi, {
    url: `http://127.0.0.1:${port}`,
    appId,
    appSecret,
    calls,
    tokensIssued: () => issued,
    revokeToken: () => {
      valid = new Set();
    },
    failNext: (...codes: number[]) => {
      failures.push(...codes);
    },
    outsideWindow,
    sent: (openid?: string) => calls.filter((c) => sends(c) && (openid === undefined || c.body.touser === openid)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
  return fakeApi;
}
