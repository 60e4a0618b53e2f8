// A person writing to the WeChat Official Account through the real /wechat
// route: messages and events as WeChat's XML, signed (and in safe mode
// encrypted) as WeChat does, the passive reply read back, "buttons" pressed by
// replying their number. Shared by the WeChat tests.
import { expect } from 'vitest';
import { signatureOf, WechatCrypto } from '../bot/channels/wechat/crypto.js';
import { buildXml, parseXml } from '../bot/channels/wechat/xml.js';
import type { TestEnv } from './helpers.js';

export const WX = {
  token: 'wx-test-token-0123',
  appId: 'wx0123456789abcdef',
  appSecret: 'wx-test-app-secret-abcdef',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  account: 'gh_jiujin_test',
};

export const wechatConfig = (): Record<string, string> => ({
  WECHAT_TOKEN: WX.token,
  WECHAT_APP_ID: WX.appId,
  WECHAT_APP_SECRET: WX.appSecret,
  WECHAT_AES_KEY: WX.aesKey,
});

let nextMsgId = 24_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;
let nextOpenid = Math.floor(Math.random() * 1_000_000);
let clock = 1_764_000_000;

export interface WxReply {
  status: number;
  raw: string;
  /** The reply's Content, '' for "success". */
  text: string;
}

export function wechatHarness(env: TestEnv, mode: 'plain' | 'safe') {
  const aes = new WechatCrypto(WX.aesKey, WX.appId);

  async function post(inner: string, opts: { badSignature?: boolean } = {}): Promise<WxReply> {
    const timestamp = String(++clock);
    const nonce = String(Math.floor(Math.random() * 1e9));
    let body = inner;
    const q = new URLSearchParams({ timestamp, nonce, signature: await signatureOf(WX.token, timestamp, nonce) });
    if (mode === 'safe') {
      const encrypted = await aes.encrypt(inner);
      body = buildXml({ ToUserName: WX.account, Encrypt: encrypted });
      q.set('encrypt_type', 'aes');
      q.set('msg_signature', await signatureOf(WX.token, timestamp, nonce, encrypted));
    }
    if (opts.badSignature) {
      q.set('signature', '0'.repeat(40));
      if (mode === 'safe') q.set('msg_signature', '0'.repeat(40));
    }
    const res = await env.app.request(`/wechat?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    const raw = await res.text();
    if (res.status !== 200 || raw === 'success') return { status: res.status, raw, text: '' };
    let xml = parseXml(raw);
    if (mode === 'safe') {
      expect(xml?.MsgSignature).toBe(await signatureOf(WX.token, xml!.TimeStamp!, xml!.Nonce!, xml!.Encrypt!));
      const plain = await aes.decrypt(xml!.Encrypt!);
      expect(plain).not.toBeNull();
      xml = parseXml(plain!);
    }
    return { status: res.status, raw, text: xml?.Content ?? '' };
  }

  function person(openid = `o-test-${++nextOpenid}`) {
    const seen: string[] = [];
    let inputs = 0;
    const base = () => ({ ToUserName: WX.account, FromUserName: openid, CreateTime: ++clock });
    const p = {
      openid,
      inputs: () => inputs,
      /** Answers this person has been given (passive replies). */
      messages: () => seen.length,
      async raw(fields: Record<string, string | number>, opts: { badSignature?: boolean } = {}): Promise<WxReply> {
        inputs += 1;
        const r = await post(buildXml({ ...base(), ...fields }), opts);
        if (r.text) seen.push(r.text);
        return r;
      },
      async send(fields: Record<string, string | number>): Promise<string> {
        const r = await p.raw(fields);
        expect(r.status, r.raw).toBe(200);
        return r.text;
      },
      say: (text: string) => p.send({ MsgType: 'text', Content: text, MsgId: ++nextMsgId }),
      voice: (recognition: string) => p.send({ MsgType: 'voice', MediaId: 'media-1', Format: 'amr', Recognition: recognition, MsgId: ++nextMsgId }),
      location: (lat: number, lon: number) =>
        p.send({ MsgType: 'location', Location_X: lat, Location_Y: lon, Scale: 15, Label: '', MsgId: ++nextMsgId }),
      event: (event: string, extra: Record<string, string | number> = {}) => p.send({ MsgType: 'event', Event: event, ...extra }),
      click: (key: string) => p.send({ MsgType: 'event', Event: 'CLICK', EventKey: key }),
      last: () => seen.at(-1) ?? '',
      /** The numbered choices of the last answer: "1 好了" → ["好了"]. */
      choices: (text = seen.at(-1) ?? '') => [...text.matchAll(/msgmenuid=(\d+)">\d+ ([^<]*)<\/a>/g)].map((m) => ({ n: Number(m[1]), label: m[2]! })),
      /** Replies the number of the newest choice whose label contains `label`. */
      async press(label: string): Promise<string> {
        const c = p.choices().find((x) => x.label.includes(label));
        if (!c) throw new Error(`no choice "${label}" in: ${p.last()}`);
        return p.say(String(c.n));
      },
    };
    return p;
  }
  return { post, person };
}
