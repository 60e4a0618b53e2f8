// The WeChat API calls the channel makes: the access_token (fetched with the
// AppID and AppSecret, kept for its expires_in — 7,200 s — in this process or
// isolate, and fetched again once when WeChat says it is invalid or expired:
// 40001, 40014, 42001), the customer-service message (客服消息, inside the
// 48-hour window after the person's last message), the template message
// (模板消息, outside it) and the custom menu.
import type { Clock } from '../../../src/context.js';

/** What a call's failure means to the sender. */
export type WechatFailure =
  /** 45009 (daily quota) / 45047 (too many customer-service messages): back off like a 429. */
  | { kind: 'quota'; code: number }
  /** 45015 (outside the 48-hour window), 45047 aside: send a template instead. */
  | { kind: 'window'; code: number }
  /** 43004 (not following), 40003 (not this account's openid): nobody to write to. */
  | { kind: 'unreachable'; code: number }
  /** Another errcode: a mistake that will not pass by retrying (a template id, a field). */
  | { kind: 'refused'; code: number; message: string }
  /** 5xx, -1 (system busy), the network: retry with backoff. */
  | { kind: 'transient'; message: string };

export class WechatError extends Error {
  constructor(readonly failure: WechatFailure) {
    super('code' in failure ? `wechat errcode ${failure.code}` : failure.message);
  }
}

const TOKEN_ERRORS = new Set([40001, 40014, 42001]);

export function failureOf(code: number, message: string): WechatFailure {
  if (code === 45009 || code === 45047) return { kind: 'quota', code };
  if (code === 45015) return { kind: 'window', code };
  if (code === 43004 || code === 40003) return { kind: 'unreachable', code };
  if (code === -1) return { kind: 'transient', message: `errcode -1 ${message}` };
  return { kind: 'refused', code, message };
}

interface CachedToken {
  token: string;
  expiresAt: number;
}
/** One token per account and API root in this process or isolate. */
const tokens = new Map<string, CachedToken>();

export interface WechatApiConfig {
  appId: string;
  appSecret: string;
  root: string;
  clock: Clock;
  timeoutMs?: number;
}

export interface TemplateMessage {
  touser: string;
  template_id: string;
  data: Record<string, { value: string }>;
}

export class WechatApi {
  constructor(private readonly cfg: WechatApiConfig) {}

  private get cacheKey() {
    return `${this.cfg.root}|${this.cfg.appId}`;
  }

  private async fetchJson(path: string, init?: RequestInit): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`${this.cfg.root}${path}`, { ...init, signal: AbortSignal.timeout(this.cfg.timeoutMs ?? 10_000) });
    } catch (err) {
      throw new WechatError({ kind: 'transient', message: err instanceof Error ? err.message : String(err) });
    }
    if (!res.ok) throw new WechatError({ kind: 'transient', message: `HTTP ${res.status}` });
    try {
      return (await res.json()) as Record<string, unknown>;
    } catch {
      throw new WechatError({ kind: 'transient', message: 'not JSON' });
    }
  }

  /** The access_token, from the cache while it is good. */
  async accessToken(): Promise<string> {
    const now = this.cfg.clock.now().getTime();
    const cached = tokens.get(this.cacheKey);
    if (cached && cached.expiresAt > now) return cached.token;
    const q = new URLSearchParams({ grant_type: 'client_credential', appid: this.cfg.appId, secret: this.cfg.appSecret });
    const body = await this.fetchJson(`/cgi-bin/token?${q}`);
    if (typeof body.access_token !== 'string') {
      const code = Number(body.errcode ?? -1);
      throw new WechatError(failureOf(code, String(body.errmsg ?? '')));
    }
    const expiresIn = Number(body.expires_in ?? 7200);
    // A minute's margin: a token about to run out is fetched anew rather than refused mid-send.
    tokens.set(this.cacheKey, { token: body.access_token, expiresAt: now + Math.max(60, expiresIn - 60) * 1000 });
    return body.access_token;
  }

  /** Forgets the token (WeChat refused it). */
  dropToken(token: string) {
    if (tokens.get(this.cacheKey)?.token === token) tokens.delete(this.cacheKey);
  }

  /** A POST with the token; a refused token is fetched again once. */
  private async post(path: string, payload: unknown): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const body = await this.fetchJson(`${path}?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // WeChat wants the characters as they are, not \u escapes (it counts bytes).
        body: JSON.stringify(payload),
      });
      const code = Number(body.errcode ?? 0);
      if (code === 0) return body;
      if (TOKEN_ERRORS.has(code) && attempt === 0) {
        this.dropToken(token);
        continue;
      }
      throw new WechatError(failureOf(code, String(body.errmsg ?? '')));
    }
  }

  sendText(openid: string, content: string) {
    return this.post('/cgi-bin/message/custom/send', { touser: openid, msgtype: 'text', text: { content } });
  }

  sendTemplate(m: TemplateMessage) {
    return this.post('/cgi-bin/message/template/send', m);
  }

  createMenu(menu: unknown) {
    return this.post('/cgi-bin/menu/create', menu);
  }
}

/** The custom menu (自定义菜单): 找工作 / 我的报名 / 我找到工作了 / 帮助, clicks keyed as adapter.ts reads them. */
export const CUSTOM_MENU = {
  button: [
    { type: 'click', name: '找工作', key: 'work' },
    { type: 'click', name: '我的报名', key: 'applications' },
    {
      name: '更多',
      sub_button: [
        { type: 'click', name: '我找到工作了', key: 'found' },
        { type: 'click', name: '帮助', key: 'help' },
      ],
    },
  ],
};
