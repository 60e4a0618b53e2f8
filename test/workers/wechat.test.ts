// The WeChat channel on Workers: the built worker in Miniflare with D1, safe
// mode's signature and AES (WebCrypto in workerd) both ways, a re-sent
// message answered once, a bad signature refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureOf, WechatCrypto } from '../../bot/channels/wechat/crypto.js';
import { buildXml, parseXml } from '../../bot/channels/wechat/xml.js';
import { WX } from '../wechat-person.js';
import { buildWorker, startWorker, type WorkerRuntime } from './worker-runtime.js';

let rt: WorkerRuntime;
beforeAll(async () => {
  rt = await startWorker(await buildWorker(), { WECHAT_TOKEN: WX.token, WECHAT_APP_ID: WX.appId, WECHAT_AES_KEY: WX.aesKey, QUIET_HOURS: 'off' });
});
afterAll(async () => {
  await rt?.dispose();
});

const aes = new WechatCrypto(WX.aesKey, WX.appId);
let clock = 1_765_000_000;

async function post(inner: string, bad = false): Promise<{ status: number; text: string }> {
  const timestamp = String(++clock);
  const nonce = '12345';
  const encrypted = await aes.encrypt(inner);
  const q = new URLSearchParams({ timestamp, nonce, encrypt_type: 'aes', msg_signature: bad ? '0'.repeat(40) : await signatureOf(WX.token, timestamp, nonce, encrypted) });
  const res = await rt.request('POST', `/wechat?${q}`, { body: buildXml({ ToUserName: WX.account, Encrypt: encrypted }), headers: { 'content-type': 'text/xml' } });
  if (res.status !== 200) return { status: res.status, text: '' };
  const outer = parseXml(String(res.body))!;
  expect(outer.MsgSignature).toBe(await signatureOf(WX.token, outer.TimeStamp!, outer.Nonce!, outer.Encrypt!));
  return { status: 200, text: parseXml((await aes.decrypt(outer.Encrypt!))!)!.Content ?? '' };
}

describe('WeChat on Workers', () => {
  it('answers in safe mode, once per message, and refuses a bad signature', async () => {
    const follow = buildXml({ ToUserName: WX.account, FromUserName: 'o-worker-1', CreateTime: 1_765_000_000, MsgType: 'event', Event: 'subscribe' });
    const first = await post(follow);
    expect(first.status).toBe(200);
    expect(first.text).toContain('同意');
    expect((await post(follow)).text).toBe(first.text);
    const agree = buildXml({ ToUserName: WX.account, FromUserName: 'o-worker-1', CreateTime: 1_765_000_001, MsgType: 'text', Content: '1', MsgId: 42 });
    expect((await post(agree)).text).toContain('名字');
    expect((await post(agree)).text).toContain('名字');
    expect((await post(buildXml({ ToUserName: WX.account, FromUserName: 'o-worker-1', CreateTime: 1, MsgType: 'text', Content: '菜单', MsgId: 43 }), true)).status).toBe(401);
    const check = new URLSearchParams({ timestamp: '1', nonce: '2', echostr: 'hello', signature: await signatureOf(WX.token, '1', '2') });
    const echoed = await rt.request('GET', `/wechat?${check}`);
    expect(echoed.body).toBe('hello');
  });
});
