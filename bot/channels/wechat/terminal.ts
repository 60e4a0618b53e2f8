// `npm run chat -- --channel wechat`: the WeChat conversation in a terminal.
// Each line becomes the XML WeChat would post (signed, in safe mode when an
// EncodingAESKey is set), sent to the app's real /wechat route; the passive
// reply and any customer-service or template message the fake WeChat API got
// for this openid are shown, links as their "1 label" text.
import type { Hono } from 'hono';
import type { AppEnv } from '../../../src/context.js';
import { signatureOf, WechatCrypto } from './crypto.js';
import type { FakeWechatApi } from './fake-api.js';
import { buildXml, parseXml } from './xml.js';

/** A reply as a person reads it: the bizmsgmenu links as their text. */
export const readable = (text: string) => text.replace(/<a href="weixin:\/\/bizmsgmenu[^"]*">([^<]*)<\/a>/g, '$1');

export class WechatTerminal {
  private seen = 0;
  private msgId = Date.now();

  constructor(
    private readonly app: Hono<AppEnv>,
    private readonly fake: FakeWechatApi,
    private readonly cfg: { token: string; appId: string; aesKey?: string },
    public openid: string,
  ) {}

  private async post(fields: Record<string, string | number>): Promise<string[]> {
    const inner = buildXml({ ToUserName: 'gh_local', FromUserName: this.openid, CreateTime: Math.floor(Date.now() / 1000), ...fields });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(Math.floor(Math.random() * 1e9));
    const q = new URLSearchParams({ timestamp, nonce, signature: await signatureOf(this.cfg.token, timestamp, nonce) });
    let body = inner;
    const aes = this.cfg.aesKey ? new WechatCrypto(this.cfg.aesKey, this.cfg.appId) : null;
    if (aes) {
      const encrypted = await aes.encrypt(inner);
      body = buildXml({ ToUserName: 'gh_local', Encrypt: encrypted });
      q.set('encrypt_type', 'aes');
      q.set('msg_signature', await signatureOf(this.cfg.token, timestamp, nonce, encrypted));
    }
    const res = await this.app.request(`/wechat?${q}`, { method: 'POST', body });
    const raw = await res.text();
    if (res.status !== 200) return [`(/wechat answered ${res.status}: ${raw})`];
    const out: string[] = [];
    if (raw !== 'success') {
      let xml = parseXml(raw);
      if (aes && xml?.Encrypt) xml = parseXml((await aes.decrypt(xml.Encrypt)) ?? '');
      if (xml?.Content) out.push(readable(xml.Content));
    }
    return out;
  }

  /** Customer-service and template messages the fake got for this openid since last looked. */
  pushed(): string[] {
    const mine = this.fake.sent(this.openid).filter((c) => c.token);
    const fresh = mine.slice(this.seen);
    this.seen = mine.length;
    return fresh.map((c) =>
      c.body.msgtype === 'text'
        ? `[客服消息] ${readable(String(c.body.text?.content ?? ''))}`
        : `[模板消息 ${String(c.body.template_id)}] ${Object.values(c.body.data ?? {}).map((v) => (v as { value: string }).value).join(' / ')}`,
    );
  }

  /** One typed line: text, or /subscribe, /click work|applications|found|help, /location lat,lon, /voice words, /photo. */
  input(line: string): Promise<string[]> {
    const l = line.trim();
    const click = /^\/click\s+(\w+)$/.exec(l);
    if (click) return this.post({ MsgType: 'event', Event: 'CLICK', EventKey: click[1]! });
    if (l === '/subscribe') return this.post({ MsgType: 'event', Event: 'subscribe' });
    const loc = /^\/location\s+(-?[\d.]+)\s*,\s*(-?[\d.]+)$/.exec(l);
    if (loc) return this.post({ MsgType: 'location', Location_X: loc[1]!, Location_Y: loc[2]!, Scale: 15, Label: '', MsgId: ++this.msgId });
    const voice = /^\/voice\s*(.*)$/.exec(l);
    if (voice) return this.post({ MsgType: 'voice', MediaId: 'local', Format: 'amr', Recognition: voice[1] ?? '', MsgId: ++this.msgId });
    if (l === '/photo') return this.post({ MsgType: 'image', PicUrl: 'http://127.0.0.1/none.jpg', MediaId: 'local', MsgId: ++this.msgId });
    return this.post({ MsgType: 'text', Content: line, MsgId: ++this.msgId });
  }
}
