// Alerts owed to people on WeChat, through the outbox, against the fake
// WeChat API on 127.0.0.1: a customer-service message inside the 48-hour
// window (its numbered choices answer by number), a template message outside
// it, the access_token cached and refreshed once when revoked, quota errors
// backed off and retried, and nothing dropped silently.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_MENU, WechatApi } from '../../bot/channels/wechat/api.js';
import { startFakeWechatApi, type FakeWechatApi } from '../../bot/channels/wechat/fake-api.js';
import { deliverWechat, QUOTA_PAUSE_MS, wechatApiOf } from '../../bot/channels/wechat/sender.js';
import { applications, outbox, placements, workers } from '../../db/schema.js';
import { makeEmployer, makeOpening, makeTestEnv, type TestEnv } from '../helpers.js';
import { wechatConfig, wechatHarness } from '../wechat-person.js';

let env: TestEnv;
let fake: FakeWechatApi;
beforeAll(async () => {
  fake = await startFakeWechatApi();
  env = await makeTestEnv(':memory:', {
    config: { ...wechatConfig(), WECHAT_API_ROOT: fake.url, WECHAT_TEMPLATES: 'opening=TPL_OPENING,offer=TPL_OFFER' },
  });
});
afterAll(async () => {
  await env.settle();
  env.close();
  await fake.close();
});

/** A worker signed up over WeChat who applied to a fresh opening; the application's id. */
async function appliedWorker(name: string) {
  const employer = await makeEmployer(env);
  const lat = 23 + Math.random() * 0.5;
  await makeOpening(env, employer.id, { title: `活 ${name}`, point: { lat, lon: 103.3 }, skills: [] });
  const p = wechatHarness(env, 'plain').person();
  await p.event('subscribe');
  await p.press('同意');
  await p.say(name);
  await p.say('跳过');
  await p.press('蒙自市');
  await p.press('文澜街道');
  await p.press('天马社区');
  await p.press('能出门');
  await p.press('好了');
  await p.press('一整天');
  await p.press('5 公里');
  await p.location(lat, 103.3);
  await p.click('work');
  expect(await p.press('报名第 1 个')).toContain('报上名了');
  const [w] = await env.db.select().from(workers).where(eq(workers.wechatOpenid, p.openid));
  const [app] = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
  return { p, worker: w!, appId: app!.id };
}

const offer = async (appId: number) => {
  expect((await env.request('POST', `/v1/applications/${appId}/transitions`, { token: env.adminToken, body: { to: 'offered' } })).status).toBe(200);
  await env.settle();
};
const rowOf = async (workerId: number, kind: string) => (await env.db.select().from(outbox).where(eq(outbox.workerId, workerId))).find((r) => r.kind === kind)!;

describe('alerts to WeChat', () => {
  it('inside the 48-hour window an offer goes as a customer-service message; replying its number accepts', async () => {
    const { p, worker, appId } = await appliedWorker('吴一');
    await offer(appId);
    const [sent] = fake.sent(p.openid);
    expect(sent!.path).toBe('/cgi-bin/message/custom/send');
    expect(sent!.body).toMatchObject({ touser: p.openid, msgtype: 'text' });
    expect(sent!.body.text.content).toContain('好消息！');
    expect((await rowOf(worker.id, 'offer')).status).toBe('sent');
    const choices = p.choices(sent!.body.text.content);
    const go = choices.find((c) => c.label.includes('去') && !c.label.includes('不去'))!;
    expect(await p.say(String(go.n))).toContain('已记下您上班了');
    expect(await env.db.select().from(placements).where(eq(placements.applicationId, appId))).toHaveLength(1);
  });

  it('past the window the offer goes by its template; with no template for a kind the row is dead and says why', async () => {
    const { p, worker, appId } = await appliedWorker('吴二');
    env.clock.advanceDays(3);
    try {
      await offer(appId);
      const [sent] = fake.sent(p.openid);
      expect(sent!.path).toBe('/cgi-bin/message/template/send');
      expect(sent!.body).toMatchObject({ touser: p.openid, template_id: 'TPL_OFFER' });
      expect(sent!.body.data.first.value).toContain('好消息');
      expect((await rowOf(worker.id, 'offer')).status).toBe('sent');

      // A decline has no template configured: dead, with the reason, in the admin's list.
      const q = await appliedWorker('吴三');
      env.clock.advanceDays(3);
      expect((await env.request('POST', `/v1/applications/${q.appId}/transitions`, { token: env.adminToken, body: { to: 'declined', reason: 'other' } })).status).toBe(200);
      await env.settle();
      const dead = await rowOf(q.worker.id, 'declined');
      expect(dead).toMatchObject({ status: 'dead' });
      expect(dead.lastError).toContain('no template');
      const list = await env.request('GET', '/v1/outbox?status=dead', { token: env.adminToken });
      expect(list.body.items.map((i: { id: number }) => i.id)).toContain(dead.id);
    } finally {
      env.clock.advanceDays(-6);
    }
  });

  it('a customer-service message WeChat refuses as outside the window (45015) goes by template', async () => {
    const { p, worker, appId } = await appliedWorker('吴四');
    fake.outsideWindow.add(p.openid);
    await offer(appId);
    expect(fake.sent(p.openid).map((c) => c.path)).toEqual(['/cgi-bin/message/custom/send', '/cgi-bin/message/template/send']);
    expect((await rowOf(worker.id, 'offer')).status).toBe('sent');
  });

  it('a quota error (45009, 45047) backs off like a 429 and the message goes after the pause', async () => {
    const { p, worker, appId } = await appliedWorker('吴五');
    fake.failNext(45009);
    await offer(appId);
    const held = await rowOf(worker.id, 'offer');
    expect(held).toMatchObject({ status: 'pending', lastError: 'errcode 45009', attempts: 0 });
    expect(Date.parse(held.notBefore) - env.clock.now().getTime()).toBe(QUOTA_PAUSE_MS);
    // Not before the pause is over.
    const api = wechatApiOf(env.deps)!;
    expect((await deliverWechat(env.deps, api, { quietHours: null })).sent).toBe(0);
    env.clock.current = new Date(env.clock.now().getTime() + QUOTA_PAUSE_MS);
    fake.failNext(45047);
    expect((await deliverWechat(env.deps, api, { quietHours: null })).retried).toBe(1);
    env.clock.current = new Date(env.clock.now().getTime() + QUOTA_PAUSE_MS);
    expect((await deliverWechat(env.deps, api, { quietHours: null })).sent).toBe(1);
    expect((await rowOf(worker.id, 'offer')).status).toBe('sent');
    expect(fake.sent(p.openid)).toHaveLength(3);
  });

  it('the access_token is fetched once and kept 7,200 s; a revoked one is fetched again once and the send goes', async () => {
    const api = new WechatApi({ appId: fake.appId, appSecret: fake.appSecret, root: fake.url, clock: env.clock });
    await api.sendText('o-token-test', 'a');
    const issued = fake.tokensIssued();
    await api.sendText('o-token-test', 'b');
    expect(fake.tokensIssued()).toBe(issued);
    fake.revokeToken();
    await api.sendText('o-token-test', 'c');
    expect(fake.tokensIssued()).toBe(issued + 1);
    // A token that keeps being refused is not fetched in a loop: one new token, then the error.
    fake.revokeToken();
    fake.tokensWork = false;
    await expect(api.sendText('o-token-test', 'd')).rejects.toThrow(/40001/);
    fake.tokensWork = true;
    expect(fake.tokensIssued()).toBe(issued + 2);
    // Past its 7,200 s the token is fetched anew.
    env.clock.current = new Date(env.clock.now().getTime() + 7_200_000);
    await api.sendText('o-token-test', 'e');
    expect(fake.tokensIssued()).toBe(issued + 3);
    env.clock.current = new Date(env.clock.now().getTime() - 7_200_000);
    expect(fake.sent('o-token-test').filter((c) => c.token).map((c) => c.body.text.content)).toEqual(['a', 'b', 'c', 'c', 'd', 'd', 'e']);
  });

  it('the custom menu is created as 找工作 / 我的报名 / 更多 (我找到工作了, 帮助)', async () => {
    const api = new WechatApi({ appId: fake.appId, appSecret: fake.appSecret, root: fake.url, clock: env.clock });
    await api.createMenu(CUSTOM_MENU);
    const call = fake.calls.filter((c) => c.path === '/cgi-bin/menu/create').at(-1)!;
    expect(JSON.stringify(call.body)).toContain('找工作');
    expect(JSON.stringify(call.body)).toContain('我找到工作了');
  });
});
