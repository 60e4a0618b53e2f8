// The WeChat Official Account channel end to end: WeChat's XML posted to the
// real /wechat route of the real app over libSQL, signed and (safe mode)
// encrypted as WeChat does; the same conversation as the Telegram bot.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAesKey, signatureOf, WechatCrypto } from '../../bot/channels/wechat/crypto.js';
import { type FakeWechatApi, startFakeWechatApi } from '../../bot/channels/wechat/fake-api.js';
import { deliverWechatLogged } from '../../bot/channels/wechat/sender.js';
import { parseConfig } from '../../src/config.js';
import { choiceTyped, renderReplies } from '../../bot/channels/wechat/render.js';
import { parseXml } from '../../bot/channels/wechat/xml.js';
import { applications, botSessions, outbox, placements, wechatMessages, workers } from '../../db/schema.js';
import { makeEmployer, makeOpening, makeTestEnv, type TestEnv } from '../helpers.js';
import { WX, wechatConfig, wechatHarness } from '../wechat-person.js';

let env: TestEnv;
let fake: FakeWechatApi;
beforeAll(async () => {
  // The offer owed in the walk-through goes to this stand-in, never outside.
  fake = await startFakeWechatApi();
  env = await makeTestEnv(':memory:', { config: { ...wechatConfig(), WECHAT_API_ROOT: fake.url } });
});
afterAll(async () => {
  await env.settle();
  env.close();
  await fake.close();
});

const workerOf = async (openid: string) => (await env.db.select().from(workers).where(eq(workers.wechatOpenid, openid)))[0];

describe('safe mode crypto', () => {
  const key = Buffer.from(`${WX.aesKey}=`, 'base64');
  it('encrypts as an independent AES-256-CBC with 32-byte padding does, and decrypts it back', async () => {
    const aes = new WechatCrypto(WX.aesKey, WX.appId);
    const random = new Uint8Array(16).fill(7);
    const ours = await aes.encrypt('<xml>你好</xml>', random);
    // The same by node:crypto, padding by hand.
    const body = Buffer.from('<xml>你好</xml>');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const plain = Buffer.concat([Buffer.from(random), len, body, Buffer.from(WX.appId)]);
    const pad = 32 - (plain.length % 32);
    const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
    const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const theirs = Buffer.concat([c.update(padded), c.final()]).toString('base64');
    expect(ours).toBe(theirs);
    expect(await aes.decrypt(theirs)).toBe('<xml>你好</xml>');
    const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const back = Buffer.concat([d.update(Buffer.from(ours, 'base64')), d.final()]);
    expect(back.subarray(20, 20 + body.length).toString()).toBe('<xml>你好</xml>');
  });

  it('refuses a ciphertext of another AppID, a cut one and garbage', async () => {
    const other = new WechatCrypto(WX.aesKey, 'wxanotherapp0000');
    const aes = new WechatCrypto(WX.aesKey, WX.appId);
    const foreign = await other.encrypt('<xml/>');
    expect(await aes.decrypt(foreign)).toBeNull();
    expect(await aes.decrypt(foreign.slice(0, 20))).toBeNull();
    expect(await aes.decrypt('!!!not base64')).toBeNull();
    expect(isAesKey('short')).toBe(false);
    expect(isAesKey(WX.aesKey)).toBe(true);
  });

  it('signs as WeChat documents: SHA-1 of the sorted parts', async () => {
    // sha1("1409304348" + "pamtest" + "xxxxxx") sorted: 1409304348, pamtest, xxxxxx
    const expected = (await import('node:crypto')).createHash('sha1').update('1409304348pamtestxxxxxx').digest('hex');
    expect(await signatureOf('pamtest', '1409304348', 'xxxxxx')).toBe(expected);
  });
});

describe('rendering', () => {
  it('numbers every button of a turn, as links with a plain fallback, and a number presses it', () => {
    const r = renderReplies(
      [
        { text: '活一', buttons: [[{ text: '报名第 1 个', data: 'm:apply:7' }]] },
        { text: '您想做什么？', buttons: [[{ text: '🔎 找附近的活', data: 'm:work' }, { text: '❓ 怎么用', data: 'm:help' }]] },
      ],
      'zh',
    );
    expect(r.choices).toEqual(['m:apply:7', 'm:work', 'm:help']);
    expect(r.text).toContain('weixin://bizmsgmenu?msgmenucontent=');
    expect(r.text).toContain('msgmenuid=3">3 ❓ 怎么用</a>');
    expect(r.text).toContain('回复数字');
    expect(choiceTyped('2', r.choices)).toBe('m:work');
    expect(choiceTyped('３ ❓ 怎么用', r.choices)).toBe('m:help');
    expect(choiceTyped('4', r.choices)).toBeNull();
    expect(choiceTyped('138', r.choices)).toBeNull();
    expect(renderReplies([{ text: 'x' }], 'zh', { links: false }).text).toBe('x');
  });
});

describe('server check and signatures', () => {
  it('echoes echostr when the signature is right, 401 when not', async () => {
    const q = new URLSearchParams({ timestamp: '1700000000', nonce: '42', echostr: 'echo-123', signature: await signatureOf(WX.token, '1700000000', '42') });
    const ok = await env.app.request(`/wechat?${q}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('echo-123');
    q.set('signature', 'f'.repeat(40));
    expect((await env.app.request(`/wechat?${q}`)).status).toBe(401);
    expect((await env.app.request('/wechat?echostr=x')).status).toBe(401);
  });

  for (const mode of ['plain', 'safe'] as const) {
    it(`${mode} mode: a message with a bad signature gets 401 and has no effect`, async () => {
      const p = wechatHarness(env, mode).person();
      const r = await p.raw({ MsgType: 'text', Content: '菜单', MsgId: 999_000_111 }, { badSignature: true });
      expect(r.status).toBe(401);
      expect(await env.db.select().from(wechatMessages).where(eq(wechatMessages.openid, p.openid))).toEqual([]);
      expect(await env.db.select().from(botSessions).where(eq(botSessions.chatId, `wx:${p.openid}`))).toEqual([]);
    });
  }

  it('a body that is not WeChat XML, or ciphertext that does not decrypt, is a clear 400, never a 5xx', async () => {
    const h = wechatHarness(env, 'plain');
    for (const body of ['', 'not xml', '<xml><MsgType>text</MsgType></xml>', '<xml><FromUserName>o</FromUserName>']) {
      const r = await h.post(body);
      expect(r.status, body.slice(0, 40)).toBe(400);
    }
    expect((await h.post(`<xml>${'<a>x</a>'.repeat(20_000)}</xml>`)).status).toBe(413);
    const timestamp = '1700000001';
    const nonce = '7';
    const encrypted = 'AAAAAAAAAAAAAAAAAAAAAA==';
    const q = new URLSearchParams({ timestamp, nonce, encrypt_type: 'aes', msg_signature: await signatureOf(WX.token, timestamp, nonce, encrypted) });
    const res = await env.app.request(`/wechat?${q}`, { method: 'POST', body: `<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` });
    expect(res.status).toBe(400);
  });
});

for (const mode of ['plain', 'safe'] as const) {
  describe(`the conversation over WeChat (${mode} mode)`, () => {
    it('sign-up, work near me, apply, an offer accepted and "I found work": the placement and the counts as over Telegram', async () => {
      const h = wechatHarness(env, mode);
      const employer = await makeEmployer(env, { name: `天马刺绣车间 ${mode}` });
      const spot = mode === 'plain' ? { lat: 23.31, lon: 103.31 } : { lat: 23.32, lon: 103.52 };
      const opening = await makeOpening(env, employer.id, { title: `绣娘 ${mode}`, point: { lat: spot.lat + 0.01, lon: spot.lon }, skills: ['sewing'], hours: 'part_day' });
      const stats = async () => (await env.request('GET', '/v1/stats?area=5325', { token: env.adminToken })).body;
      const before = await stats();

      const p = h.person();
      expect(await p.event('subscribe')).toContain('同意');
      await p.press('同意');
      await p.say('周九妹');
      await p.say('138 0000 2222');
      await p.press('蒙自市');
      await p.press('文澜街道');
      await p.press('天马社区');
      await p.press('要照顾老人');
      await p.press('缝纫');
      await p.press('好了');
      await p.press('半天');
      expect(await p.press('5 公里')).toContain('登记好了');
      expect(await p.location(spot.lat, spot.lon)).toContain('收到位置了');
      const w = await workerOf(p.openid);
      expect(w).toMatchObject({ name: '周九妹', phone: '13800002222', cannotLeaveHome: true, skills: ['sewing'], availability: 'part_day', telegramChatId: null });

      // The custom menu's 找工作.
      const list = await p.click('work');
      expect(list).toContain(`绣娘 ${mode}`);
      expect(list).toMatch(/离家 1\.1\d? 公里/);
      expect(await p.press('报名第 1 个')).toContain(`报上名了：“绣娘 ${mode}”`);
      const [app] = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
      expect(app).toMatchObject({ openingId: opening.id, state: 'applied' });

      // The employer offers (here through the API); the worker answers from 我的报名 (the menu's key).
      expect((await env.request('POST', `/v1/applications/${app!.id}/transitions`, { token: env.adminToken, body: { to: 'offered' } })).status).toBe(200);
      await env.settle();
      expect(fake.sent(p.openid).at(-1)?.body.text.content).toContain('好消息！');
      expect(await p.click('applications')).toContain('单位要您，去不去？');
      expect(await p.press('去 1')).toContain('已记下您上班了');
      const [placed] = await env.db.select().from(placements).where(eq(placements.applicationId, app!.id));
      expect(placed).toMatchObject({ workerId: w!.id, type: 'workshop', scope: 'county' });

      // A second person reports work found through the menu's 我找到工作了, by voice and numbers.
      const q = h.person();
      await q.event('subscribe');
      await q.press('同意');
      await q.voice('郑二。');
      await q.say('跳过');
      await q.press('蒙自市');
      await q.press('文澜街道');
      await q.press('天马社区');
      await q.press('能出门');
      await q.press('好了');
      await q.press('一整天');
      await q.press('5 公里');
      await q.click('found');
      await q.press('出去打工');
      await q.press('外省');
      await q.press('广东');
      expect(await q.press('上个月')).toContain('记下了');
      const w2 = await workerOf(q.openid);
      expect(w2!.name).toBe('郑二');
      const [pl] = await env.db.select().from(placements).where(eq(placements.workerId, w2!.id));
      expect(pl).toMatchObject({ type: 'migrant', areaCode: '44', scope: 'out_of_province', startDate: '2026-10-01' });

      const after = await stats();
      expect(after.workersRegistered).toBe(before.workersRegistered + 2);
      console.log(`WeChat (${mode}) sign-up: ${p.inputs()} inputs for 周九妹 in all`);
    });

    it('a message WeChat re-sends 3 times has one effect and gets the first answer again', async () => {
      const h = wechatHarness(env, mode);
      const p = h.person();
      await p.event('subscribe');
      await p.press('同意');
      const msg = { MsgType: 'text', Content: '重复的人', MsgId: 777_000_000 + (mode === 'plain' ? 1 : 2), CreateTime: 1_764_999_999 };
      const first = await p.send(msg);
      expect(first).toContain('手机号');
      for (let i = 0; i < 3; i++) expect(await p.send(msg)).toBe(first);
      const [s] = await env.db.select().from(botSessions).where(eq(botSessions.chatId, `wx:${p.openid}`));
      expect((s!.state as { step: string; draft: { name?: string } }).draft.name).toBe('重复的人');
      expect((s!.state as { step: string }).step).toBe('phone');
      // An event is known by its sender and time: the same subscribe again has no effect either.
      const ev = { MsgType: 'event', Event: 'CLICK', EventKey: 'help', CreateTime: 1_764_999_998 };
      const a = await p.send(ev);
      expect(await p.send(ev)).toBe(a);
      expect(await env.db.select().from(wechatMessages).where(eq(wechatMessages.openid, p.openid))).toHaveLength(4);
    });
  });
}

describe('inputs WeChat has', () => {
  it('a voice message without a transcript, a picture and a link get one short answer with the current choices; unsubscribe gets nothing', async () => {
    const p = wechatHarness(env, 'plain').person();
    await p.event('subscribe');
    const voice = await p.send({ MsgType: 'voice', MediaId: 'm', Format: 'amr', MsgId: 880_000_001 });
    expect(voice).toContain('语音');
    expect(p.choices(voice).length).toBeGreaterThan(0);
    const image = await p.send({ MsgType: 'image', PicUrl: 'http://127.0.0.1/x.jpg', MediaId: 'm', MsgId: 880_000_002 });
    expect(p.choices(image).length).toBeGreaterThan(0);
    const link = await p.send({ MsgType: 'link', Title: 't', Url: 'http://127.0.0.1/', MsgId: 880_000_003 });
    expect(p.choices(link).length).toBeGreaterThan(0);
    expect(await p.event('unsubscribe')).toBe('');
    // A location report when the home is not asked is taken silently.
    expect(await p.event('LOCATION', { Latitude: 23.4, Longitude: 103.4, Precision: 30 })).toBe('');
  });

  it('a worker staff registered links the WeChat openid by the staff code, after 同意, and keeps a Telegram chat', async () => {
    const hh = await env.request('POST', '/v1/households', { token: env.adminToken, body: { areaCode: '532503001001', povertyAlleviated: true, monitored: false } });
    const wk = await env.request('POST', '/v1/workers', { token: env.adminToken, body: { householdId: hh.body.id, name: '李四', phone: '13900001111' } });
    expect(wk.status).toBe(201);
    await env.db.update(workers).set({ telegramChatId: '5550001' }).where(eq(workers.id, wk.body.id));
    const code = await env.request('POST', `/v1/workers/${wk.body.id}/link-code`, { token: env.adminToken });
    const p = wechatHarness(env, 'safe').person();
    await p.event('subscribe');
    await p.press('号码');
    // Whose record it is shows only once the person agrees (a guessed code shows no name).
    expect(await p.say(code.body.code)).not.toContain('李四');
    expect(await p.press('同意')).toContain('李四');
    const [w] = await env.db.select().from(workers).where(eq(workers.id, wk.body.id));
    expect(w).toMatchObject({ wechatOpenid: p.openid, telegramChatId: '5550001' });
    expect(await p.click('work')).not.toContain('出了点问题');
  });
});

it('the XML reader takes CDATA and escaped text and refuses what is not one document', () => {
  expect(parseXml('<xml><A><![CDATA[a<b]]></A><B>1 &amp; 2</B></xml>')).toEqual({ A: 'a<b', B: '1 & 2' });
  expect(parseXml('<html></html>')).toBeNull();
});

it('with WeChat alerts off (no AppID or secret) what a WeChat-only person is owed is cancelled, saying why', async () => {
  const p = wechatHarness(env, 'plain').person();
  await p.event('subscribe');
  await p.press('同意');
  await p.say('赵六');
  await p.say('跳过');
  await p.press('蒙自市');
  await p.press('文澜街道');
  await p.press('天马社区');
  await p.press('能出门');
  await p.press('好了');
  await p.press('一整天');
  await p.press('5 公里');
  const w = await workerOf(p.openid);
  const employer = await makeEmployer(env);
  const opening = await makeOpening(env, employer.id, { skills: [] });
  await env.settle();
  const off = { ...env.deps, config: parseConfig({ WECHAT_TOKEN: WX.token }) };
  const a = await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId: w!.id, openingId: opening.id } });
  expect(a.status).toBe(201);
  await env.request('POST', `/v1/applications/${a.body.id}/transitions`, { token: env.adminToken, body: { to: 'offered' } });
  // The app's own run has sent it already; a row owed while alerts are off is cancelled with the reason.
  await env.settle();
  await env.db.update(outbox).set({ status: 'pending', notBefore: '2000-01-01T00:00:00.000Z' }).where(eq(outbox.workerId, w!.id));
  await deliverWechatLogged(off, 'test', 1000);
  const rows = await env.db.select().from(outbox).where(eq(outbox.workerId, w!.id));
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) expect(r).toMatchObject({ status: 'cancelled', lastError: expect.stringContaining('WeChat alerts are off') });
});

it('a turn slower than the passive reply may take is answered "success" and its reply goes as a customer-service message', async () => {
  const { receiveWechat } = await import('../../bot/channels/wechat/adapter.js');
  const { buildXml } = await import('../../bot/channels/wechat/xml.js');
  const openid = `o-slow-${Date.now()}`;
  const timestamp = '1765100000';
  const nonce = '99';
  const q = { timestamp, nonce, signature: await signatureOf(WX.token, timestamp, nonce) };
  const body = buildXml({ ToUserName: WX.account, FromUserName: openid, CreateTime: 1765100000, MsgType: 'event', Event: 'subscribe' });
  const before = fake.sent(openid).length;
  const a = await receiveWechat(env.deps, q, body, { budgetMs: 0 });
  expect(a).toMatchObject({ status: 200, body: 'success' });
  await env.settle();
  const sent = fake.sent(openid).slice(before);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.body.text.content).toContain('同意');
  // WeChat's copy at 5 s finds it answered: the same words, no second effect.
  const again = await receiveWechat(env.deps, q, body);
  expect(again).toMatchObject({ status: 200 });
  expect(await env.db.select().from(wechatMessages).where(eq(wechatMessages.openid, openid))).toHaveLength(1);
});
