// SMS for workers with a phone and no chat, against a fake Aliyun SendSms on
// 127.0.0.1 that checks the request's signature: the new-opening alert and
// the offer as templates, a reply of 1 applies (staff see it), TD stops
// further SMS, receipts are kept, the per-number limits and the provider's
// rate limit wait, nothing is sent in the quiet hours, and a 1 or a 2 to a
// check-in (the month's, a post's sampled 回访) is the person's answer.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacSha1Base64, percentEncode, signParams } from '../../bot/channels/sms/aliyun.js';
import { startFakeSms, type FakeSms } from '../../bot/channels/sms/fake-provider.js';
import { deliverSms, fillTemplate, RATE_LIMIT_WAIT_MS, smsProviderOf } from '../../bot/channels/sms/sender.js';
import { applications, outbox, placements, postCheckins, postChecks, smsMessages, workers } from '../../db/schema.js';
import { runClocks } from '../../src/scheduler.js';
import { hireThroughApi, makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

const CALLBACK = 'sms-callback-token-0123456789';
let env: TestEnv;
let fake: FakeSms;
beforeAll(async () => {
  fake = await startFakeSms();
  env = await makeTestEnv(':memory:', {
    config: {
      SMS_ACCESS_KEY_ID: fake.accessKeyId,
      SMS_ACCESS_KEY_SECRET: fake.accessKeySecret,
      SMS_SIGN_NAME: '就近',
      SMS_API_ROOT: fake.url,
      SMS_TEMPLATES: 'opening=SMS_0001,offer=SMS_0002,expired=SMS_0003,checkin=SMS_0004,postcheckin=SMS_0005',
      SMS_CALLBACK_TOKEN: CALLBACK,
      // Every post holder is asked each month (the sampled 回访), so the test's one is.
      POST_RULES: '{"checkinSampleShare":1}',
    },
  });
});
afterAll(async () => {
  await env.settle();
  env.close();
  await fake.close();
});

let phoneSeq = 10_000_000 + Math.floor(Math.random() * 80_000_000);
/** A worker staff registered with a phone and no chat, at a fresh spot; the spot and the phone. */
async function smsWorker() {
  const spot = { lat: 22.5 + Math.random(), lon: 102.5 + Math.random() };
  const phone = `139${++phoneSeq}`;
  const hh = await makeHousehold(env);
  const w = await makeWorker(env, hh.id, { phone, home: spot });
  return { id: w.id as number, phone, spot };
}
const reply = (phone: string, content: string, seq = `${phone}-${Math.random()}`) =>
  env.request('POST', `/sms/replies?token=${CALLBACK}`, { body: [{ phone_number: phone, content, sequence_id: seq, send_time: '2026-11-20 10:00:00' }] });
const minutes = (n: number) => {
  env.clock.current = new Date(env.clock.now().getTime() + n * 60_000);
};

describe('signing as Aliyun does', () => {
  it('percent-encodes by RFC 3986 and signs HMAC-SHA1 over POST&%2F&the sorted query', async () => {
    expect(percentEncode("a b*~'")).toBe('a%20b%2A~%27');
    const params = { B: '2', A: '1 1' };
    expect(await signParams(params, 'secret')).toBe(await hmacSha1Base64('secret&', 'POST&%2F&A%3D1%25201%26B%3D2'));
    const { createHmac } = await import('node:crypto');
    expect(await hmacSha1Base64('k&', 'text')).toBe(createHmac('sha1', 'k&').update('text').digest('base64'));
  });
});

describe('SMS to a worker with no chat', () => {
  it('gets the new-opening alert, replies 1 (applied; staff see it), gets the offer; TD stops further SMS', async () => {
    const w = await smsWorker();
    const employer = await makeEmployer(env, { name: '蒙自刺绣社' });
    const o = await makeOpening(env, employer.id, { title: '绣花工', point: { lat: w.spot.lat + 0.005, lon: w.spot.lon } });
    await env.settle();
    const [alert] = fake.sent(w.phone);
    expect(alert).toMatchObject({ templateCode: 'SMS_0001', params: { title: '绣花工', employer: '蒙自刺绣社' } });
    expect(fillTemplate('opening', alert!.params)).toBe('附近有新活：绣花工（蒙自刺绣社）。想去回复1。退订回复TD');

    // The receipt says it arrived.
    const receipt = await env.request('POST', `/sms/receipts?token=${CALLBACK}`, { body: [{ biz_id: alert!.bizId, success: true, err_code: 'DELIVERED', report_time: '2026-11-20 10:00:05' }] });
    expect(receipt.status).toBe(200);
    expect((await env.db.select().from(smsMessages).where(eq(smsMessages.bizId, alert!.bizId!)))[0]!.status).toBe('delivered');

    // 回复 1: an application; the same reply forwarded twice counts once.
    expect((await reply(`+86${w.phone}`, '1', `seq-${w.phone}`)).status).toBe(200);
    expect((await reply(`+86${w.phone}`, '1', `seq-${w.phone}`)).status).toBe(200);
    const apps = await env.db.select().from(applications).where(eq(applications.workerId, w.id));
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({ openingId: o.id, state: 'applied' });
    const staff = await env.token({ role: 'staff', areaPrefix: '532503' });
    const seen = await env.request('GET', '/v1/sms/replies?meaning=interested', { token: staff });
    expect(seen.status).toBe(200);
    expect(seen.body.items.filter((i: { workerId: number }) => i.workerId === w.id)).toEqual([
      expect.objectContaining({ content: '1', meaning: 'interested', openingId: o.id, applicationId: apps[0]!.id }),
    ]);
    const outsider = await env.token({ role: 'staff', areaPrefix: '532501' });
    const none = await env.request('GET', '/v1/sms/replies', { token: outsider });
    expect(none.body.items.filter((i: { workerId: number }) => i.workerId === w.id)).toEqual([]);

    // The offer, after the number's one-a-minute limit.
    minutes(2);
    await env.request('POST', `/v1/applications/${apps[0]!.id}/transitions`, { token: env.adminToken, body: { to: 'offered' } });
    await env.settle();
    expect(fake.sent(w.phone).map((c) => c.templateCode)).toEqual(['SMS_0001', 'SMS_0002']);
    expect(fake.sent(w.phone)[1]!.params).toEqual({ title: '绣花工', employer: '蒙自刺绣社' });
    minutes(1);
    await reply(w.phone, '1');
    const offerReplies = await env.request('GET', '/v1/sms/replies?meaning=interested', { token: staff });
    expect(offerReplies.body.items.find((i: { workerId: number }) => i.workerId === w.id)).toMatchObject({ applicationId: apps[0]!.id });

    // TD: no more SMS.
    await reply(w.phone, 'TD');
    expect((await env.db.select().from(workers).where(eq(workers.id, w.id)))[0]!.smsOptOutAt).not.toBeNull();
    minutes(2);
    await makeOpening(env, employer.id, { title: '包装工', point: { lat: w.spot.lat + 0.004, lon: w.spot.lon } });
    await env.settle();
    expect(fake.sent(w.phone)).toHaveLength(2);
    // A worker who replied TD is not even owed a new alert.
    const rows = await env.db.select().from(outbox).where(eq(outbox.workerId, w.id));
    expect(rows.filter((r) => r.kind === 'opening_alert')).toHaveLength(1);
  });

  it('waits out the per-number limit, the provider’s rate limit and the quiet hours; a wrong callback token is 401', async () => {
    const w = await smsWorker();
    const employer = await makeEmployer(env);
    await makeOpening(env, employer.id, { point: { lat: w.spot.lat + 0.003, lon: w.spot.lon } });
    await makeOpening(env, employer.id, { point: { lat: w.spot.lat + 0.002, lon: w.spot.lon } });
    await env.settle();
    // Two alerts owed, one sent: the second waits a minute.
    expect(fake.sent(w.phone)).toHaveLength(1);
    const provider = smsProviderOf(env.deps)!;
    minutes(1);
    fake.failNext('isv.BUSINESS_LIMIT_CONTROL');
    const limited = await deliverSms(env.deps, provider, { quietHours: null });
    expect(limited.retried).toBe(1);
    const [held] = (await env.db.select().from(outbox).where(eq(outbox.workerId, w.id))).filter((r) => r.status === 'pending');
    expect(held).toMatchObject({ lastError: 'isv.BUSINESS_LIMIT_CONTROL' });
    expect(Date.parse(held!.notBefore) - env.clock.now().getTime()).toBe(RATE_LIMIT_WAIT_MS);
    // After the hour, but at 22:00 China time: the morning.
    const before = env.clock.now();
    env.clock.set('2026-11-21T14:00:00Z');
    expect((await deliverSms(env.deps, provider)).deferred).toBe(1);
    env.clock.set('2026-11-22T00:30:00Z');
    expect((await deliverSms(env.deps, provider)).sent).toBe(1);
    env.clock.current = before;
    expect(fake.sent(w.phone)).toHaveLength(2);
    expect((await env.request('POST', '/sms/replies?token=wrong-token-000000', { body: [] })).status).toBe(401);
    expect((await env.request('POST', `/sms/replies?token=${CALLBACK}`, { body: [{ phone_number: 'x' }] })).status).toBe(400);
  });
});

describe('check-ins by SMS', () => {
  it('a 1 to the month\'s check-in keeps the job, a 2 ends it; a post holder\'s sampled 回访 is asked by SMS and a 2 raises the flag staff see', async () => {
    const before = env.clock.now();
    env.clock.set('2026-12-11T02:00:00Z');
    try {
      const provider = smsProviderOf(env.deps)!;
      const employer = await makeEmployer(env, { name: '红河绣坊' });
      // Two workshop workers with a phone and no chat, their check-in due today.
      const hired = [];
      for (const title of ['绣娘', '包装工']) {
        const w = await smsWorker();
        const o = await makeOpening(env, employer.id, { title, point: { lat: w.spot.lat + 0.002, lon: w.spot.lon } });
        await hireThroughApi(env, w.id, o.id);
        const [p] = await env.db.select().from(placements).where(eq(placements.workerId, w.id));
        await env.db.update(placements).set({ checkinDue: '2026-12-11' }).where(eq(placements.id, p!.id));
        hired.push({ ...w, placementId: p!.id, title });
      }
      // A post holder with a phone and no chat, in a village with its post.
      const V1 = '532503001001';
      const bureau = await makeEmployer(env, { kind: 'public_body' });
      const postOpening = await makeOpening(env, bureau.id, { title: '护林员', kind: 'public_welfare', areaCode: V1, point: { lat: 23.4, lon: 103.38 }, slots: 1 });
      const hh = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
      const holderPhone = `139${++phoneSeq}`;
      const holder = await makeWorker(env, hh.id, { phone: holderPhone, home: { lat: 23.4, lon: 103.38 } });
      const pl = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: holder.id, type: 'public_welfare', areaCode: V1, startDate: '2026-10-01' } });
      expect(pl.status).toBe(201);
      await env.db.run(sql`UPDATE placements SET opening_id = ${postOpening.id} WHERE id = ${pl.body.id}`);
      await env.settle();

      await runClocks(env.deps);
      // One SMS a number per minute: each has only its own to get.
      for (let i = 0; i < 3; i++) {
        await deliverSms(env.deps, provider, { quietHours: null });
        minutes(1);
      }
      for (const h of hired) {
        const asked = fake.sent(h.phone).find((m) => m.templateCode === 'SMS_0004');
        expect(asked?.params).toEqual({ title: h.title });
      }
      const question = fake.sent(holderPhone).find((m) => m.templateCode === 'SMS_0005');
      expect(question?.params).toEqual({ title: '护林员' });
      expect(fillTemplate('postcheckin', question!.params)).toBe('回访：这个月您在做“护林员”吗？在做回复1，没有做回复2。退订回复TD');

      // 1: still at it (noted, the next check-in a month on); 2: it ended today, and the counts follow.
      await reply(hired[0]!.phone, '1');
      await reply(hired[1]!.phone, '２');
      const [kept] = await env.db.select().from(placements).where(eq(placements.id, hired[0]!.placementId));
      expect(kept).toMatchObject({ endDate: null, checkedInAt: env.clock.now().toISOString() });
      expect(kept!.checkinDue! > '2026-12-11').toBe(true);
      const [ended] = await env.db.select().from(placements).where(eq(placements.id, hired[1]!.placementId));
      expect(ended!.endDate).toBe('2026-12-11');

      // A 2 after a newer SMS that asked something else (an opening) answers that one: the job stays.
      minutes(1);
      await makeOpening(env, employer.id, { title: '拣菌子', point: { lat: hired[0]!.spot.lat + 0.001, lon: hired[0]!.spot.lon } });
      await env.settle();
      expect(fake.sent(hired[0]!.phone).at(-1)).toMatchObject({ templateCode: 'SMS_0001', params: { title: '拣菌子' } });
      await reply(hired[0]!.phone, '2');
      const [still] = await env.db.select().from(placements).where(eq(placements.id, hired[0]!.placementId));
      expect(still!.endDate).toBeNull();

      // The holder's 2: the 回访 answered "no", the flag raised; a second 1 changes nothing.
      await reply(holderPhone, '2');
      await reply(holderPhone, '1');
      const [c] = await env.db.select().from(postCheckins).where(eq(postCheckins.placementId, pl.body.id));
      expect(c).toMatchObject({ answer: 'no' });
      const flags = await env.db.select().from(postChecks).where(and(eq(postChecks.placementId, pl.body.id), eq(postChecks.kind, 'checkin_no')));
      expect(flags).toHaveLength(1);

      // Staff see each reply with what it meant.
      const listed = await env.request('GET', '/v1/sms/replies', { token: env.adminToken });
      const meaningOf = (workerId: number) => listed.body.items.filter((i: { workerId: number }) => i.workerId === workerId).map((i: { meaning: string }) => i.meaning);
      expect(meaningOf(hired[0]!.id)).toEqual(['other', 'still_working']);
      expect(meaningOf(hired[1]!.id)).toEqual(['stopped']);
      expect(meaningOf(holder.id)).toEqual(['still_working', 'stopped']);
      const stopped = await env.request('GET', '/v1/sms/replies?meaning=stopped', { token: env.adminToken });
      expect(stopped.body.items.map((i: { workerId: number }) => i.workerId).sort()).toEqual([hired[1]!.id, holder.id].sort());
    } finally {
      env.clock.current = before;
    }
  });
});

describe('erasure', () => {
  it('takes the number and the replies of an SMS worker with the rest of their data', async () => {
    const w = await smsWorker();
    const employer = await makeEmployer(env);
    await makeOpening(env, employer.id, { point: { lat: w.spot.lat + 0.001, lon: w.spot.lon } });
    await env.settle();
    expect(fake.sent(w.phone)).toHaveLength(1);
    await reply(w.phone, '我想去');
    expect((await env.request('DELETE', `/v1/workers/${w.id}`, { token: env.adminToken })).status).toBe(204);
    const kept = await env.db.select().from(smsMessages).where(eq(smsMessages.workerId, w.id));
    expect(kept.map((m) => m.phone)).toEqual(['']);
    const replies = await env.request('GET', '/v1/sms/replies', { token: env.adminToken });
    expect(JSON.stringify(replies.body)).not.toContain('我想去');
  });
});
