// The chat bot end to end: real Telegram update JSON posted to the webhook
// route of the real app over libSQL, the Bot API served by a local fake on
// 127.0.0.1 that records every call.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBotApi } from '../../bot/dev/fake-bot-api.js';
import { TerminalChat } from '../../bot/dev/terminal-chat.js';
import { applications, botSessions, households, outbox, placements, telegramUpdates, workers } from '../../db/schema.js';
import { secretsMatch } from '../../src/routes/telegram.js';
import { runScheduledJobs } from '../../src/scheduler.js';
import { deliverOwed } from '../../bot/sender.js';
import { expireIdleApplications } from '../../src/services/applications.js';
import { buttonsOf, chatHarness, type Person } from '../bot-person.js';
import { makeBotTestEnv, makeEmployer, makeHousehold, makeOpening, makeWorker, type TestEnv } from '../helpers.js';
import * as tg from '../telegram-updates.js';

const SECRET = 'test-webhook-secret-123';
const TOKEN = '123456:TEST-TOKEN';
const HOME = { lat: 23.4, lon: 103.38 };

let env: TestEnv;
let fake: FakeBotApi;
let closeAll: () => Promise<void>;
let h: ReturnType<typeof chatHarness>;
beforeAll(async () => {
  ({ env, fake, close: closeAll } = await makeBotTestEnv({ token: TOKEN, secret: SECRET }));
  h = chatHarness(env, fake, SECRET);
});
afterAll(() => closeAll());

const post = (update: unknown, secret: string | null = SECRET) => h.post(update, secret);
const person = () => h.person();

/** Signs a new person up in Chinese (and sends a home location from the menu) and returns the chat. */
async function signUp(over: { name?: string; cannotLeaveHome?: boolean; home?: { lat: number; lon: number } | null } = {}) {
  const p = person();
  await p.say('/start');
  await p.press('同意');
  await p.say(over.name ?? '张秀英');
  await p.send(tg.contact(p.chatId, '+86 138 0000 2222'));
  await p.press('蒙自市');
  await p.press('文澜街道');
  await p.press('天马社区');
  await p.press(over.cannotLeaveHome === false ? '能出门' : '要照顾老人');
  await p.press('缝纫');
  await p.press('好了');
  await p.press('一整天');
  const done = await p.press('5 公里');
  expect(p.texts(done)).toContain('登记好了');
  if (over.home !== null) {
    const at = over.home ?? HOME;
    expect(p.texts(await p.send(tg.location(p.chatId, at.lat, at.lon)))).toContain('收到位置了');
  }
  return p;
}

const workerOfChat = async (chatId: number) => {
  const [w] = await env.db.select().from(workers).where(eq(workers.telegramChatId, String(chatId)));
  return w;
};

/** An employer's chat linked by code (after pressing 同意). */
async function linkedEmployer(name?: string) {
  const employer = await makeEmployer(env, name ? { name } : {});
  const code = await env.request('POST', `/v1/employers/${employer.id}/link-code`, { token: env.adminToken });
  const boss = person();
  await boss.say('/start');
  await boss.press('号码');
  await boss.say(code.body.code);
  expect(boss.lastText()).toContain('要连上单位');
  expect(boss.texts(await boss.press('同意'))).toContain('已连上单位');
  return { employer, boss };
}

/**
 * The answers to /help, a sticker, /help, a sticker, in that order (help and
 * the question again; a sticker one short answer), and every update of the
 * chat handled.
 */
async function expectHandledInOrder(chatId: number) {
  const texts = fake.sent('sendMessage', chatId).slice(-6).map((c) => String(c.body.text));
  expect(texts[0]).toContain('Press the buttons');
  expect(texts[1]).toContain('Do you agree?');
  expect(texts[2]).toContain('cannot read stickers');
  expect(texts[3]).toContain('Press the buttons');
  expect(texts[4]).toContain('Do you agree?');
  expect(texts[5]).toContain('cannot read stickers');
  const rows = await env.db.select().from(telegramUpdates).where(eq(telegramUpdates.chatId, String(chatId)));
  expect(rows.every((u) => u.status === 'handled')).toBe(true);
  // The handler let the chat's lock go with the last one (none was left waiting).
  const [session] = await env.db.select({ lockedUntil: botSessions.lockedUntil }).from(botSessions).where(eq(botSessions.chatId, String(chatId)));
  expect(session!.lockedUntil).toBeNull();
}

describe('webhook transport', () => {
  it('compares the secret whole: equal only when every byte and the length agree', () => {
    expect(secretsMatch('s3cret-秘密', 's3cret-秘密')).toBe(true);
    for (const given of ['', 's3cret', 's3cret-秘', 's3cret-秘密x', 'S3cret-秘密', 's3cret-秘蜜', 's3cret-秘密\0']) {
      expect(secretsMatch(given, 's3cret-秘密'), given).toBe(false);
    }
    expect(secretsMatch('anything', '')).toBe(false);
  });

  it('refuses a missing or wrong secret with 401 and stores nothing', async () => {
    const update = tg.text(h.nextChat(), '/start');
    for (const secret of [null, 'wrong-secret', `${SECRET}x`]) {
      const res = await post(update, secret);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    const rows = await env.db.select().from(telegramUpdates).where(eq(telegramUpdates.updateId, update.update_id));
    expect(rows).toEqual([]);
    expect(fake.sent('sendMessage', update.message.chat.id)).toEqual([]);
  });

  it('refuses a body that is not an update with a clear 400, however odd, and never a 5xx', async () => {
    const raw = (body: string) =>
      env.app.request('/telegram/webhook', { method: 'POST', headers: { 'x-telegram-bot-api-secret-token': SECRET, 'content-type': 'application/json' }, body });
    expect((await raw('{not json')).status).toBe(400);
    const noId = await post({ message: { text: 'hi' } });
    expect(noId.status).toBe(400);
    expect(noId.body.error.issues[0].path).toBe('update_id');
    // 30,000 levels deep: refused before anything recurses on it.
    const deep = `{"update_id": 77, "message": ${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    const deepRes = await raw(deep);
    expect(deepRes.status).toBe(400);
    expect(JSON.stringify(await deepRes.json())).toContain('nested deeper');
    const odd = [
      '[]',
      'null',
      '"update"',
      '{"update_id": -1}',
      '{"update_id": 1.5}',
      '{"update_id": 900001, "message": "hello"}',
      '{"update_id": 900002, "message": {"chat": {"id": "x", "type": "private"}}}',
      '{"update_id": 900003, "callback_query": {"from": {"id": {}}}}',
      '{"update_id": 900004, "message": {"chat": {"id": 5, "type": "private"}, "from": "me"}}',
    ];
    for (const body of odd) expect((await raw(body)).status, body).toBe(400);
    // Shaped like an update but missing what a handler reads: handled, 200.
    const sparse = await raw('{"update_id": 900010, "message": {"message_id": 1, "chat": {"id": 4242, "type": "private"}}}');
    expect(sparse.status).toBe(200);
    const unknownKind = await raw('{"update_id": 900011, "poll": {"id": "p"}}');
    expect(unknownKind.status).toBe(200);
  });

  it('handles an update sent twice once, also when both copies arrive together', async () => {
    const p = person();
    const first = tg.text(p.chatId, '/start');
    await p.send(first);
    const again = await post(first);
    expect(again.body.receipt).toBe('duplicate');
    expect(fake.sent('sendMessage', p.chatId)).toHaveLength(1);

    const q = person();
    const update = tg.text(q.chatId, '/start');
    const results = await Promise.all([post(update), post(update), post(update)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results.filter((r) => r.body.receipt === 'duplicate')).toHaveLength(2);
    expect(fake.sent('sendMessage', q.chatId)).toHaveLength(1);
  });

  it('handles one chat’s updates in order even when they arrive at once', async () => {
    const p = person();
    await p.say('/start');
    await p.press('English');
    const updates = [tg.text(p.chatId, '/help'), tg.sticker(p.chatId), tg.text(p.chatId, '/help'), tg.sticker(p.chatId)];
    await Promise.all(updates.map((u) => post(u)));
    await expectHandledInOrder(p.chatId);
  });
});

describe('webhook answered once stored (Node: TELEGRAM_WEBHOOK_ACK=stored)', () => {
  const stored = async (fn: () => Promise<void>) => {
    env.deps.webhookAck = 'stored';
    try {
      await fn();
    } finally {
      env.deps.webhookAck = undefined;
      await env.settle();
    }
  };
  const statusOf = async (updateId: number) =>
    (await env.db.select({ status: telegramUpdates.status }).from(telegramUpdates).where(eq(telegramUpdates.updateId, updateId)))[0]?.status;

  it('answers 200 `stored` before the bot has handled the update, then handles it and replies', () =>
    stored(async () => {
      const p = person();
      const update = tg.text(p.chatId, '/start') as { update_id: number };
      const res = await post(update);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, receipt: 'stored' });
      // Answered before the handling began: the update is stored and waits, nothing is sent yet.
      expect(await statusOf(update.update_id)).toBe('received');
      expect(fake.sent('sendMessage', p.chatId)).toHaveLength(0);
      await env.settle();
      expect(await statusOf(update.update_id)).toBe('handled');
      expect(fake.sent('sendMessage', p.chatId)).toHaveLength(1);
      // A copy Telegram sends again is still a duplicate, and handled once.
      expect((await post(update)).body.receipt).toBe('duplicate');
      await env.settle();
      expect(fake.sent('sendMessage', p.chatId)).toHaveLength(1);
    }));

  it('handles one chat’s updates in order when they are all answered before any is handled', () =>
    stored(async () => {
      const p = person();
      await p.say('/start');
      await env.settle();
      await p.press('English');
      await env.settle();
      const updates = [tg.text(p.chatId, '/help'), tg.sticker(p.chatId), tg.text(p.chatId, '/help'), tg.sticker(p.chatId)];
      const answers = await Promise.all(updates.map((u) => post(u)));
      expect(answers.map((a) => a.body.receipt)).toEqual(['stored', 'stored', 'stored', 'stored']);
      await env.settle();
      await expectHandledInOrder(p.chatId);
    }));

  it('still refuses a wrong secret (401) and a body that is not an update (400) before storing anything', () =>
    stored(async () => {
      const p = person();
      const update = tg.text(p.chatId, '/start') as { update_id: number };
      expect((await post(update, 'wrong-secret')).status).toBe(401);
      expect(await statusOf(update.update_id)).toBeUndefined();
      const bad = await env.app.request('/telegram/webhook', { method: 'POST', body: '{"update_id": -1}', headers: { 'x-telegram-bot-api-secret-token': SECRET } });
      expect(bad.status).toBe(400);
    }));
});

describe('worker sign-up', () => {
  it('signs a person up with buttons, in Chinese, and registers the worker and a household', async () => {
    const p = await signUp({ name: '李桂兰' });
    const w = await workerOfChat(p.chatId);
    expect(w).toMatchObject({
      name: '李桂兰',
      phone: '+8613800002222',
      areaCode: '532503001001',
      homeLat: HOME.lat,
      homeLon: HOME.lon,
      cannotLeaveHome: true,
      careFor: ['elders'],
      skills: ['sewing'],
      availability: 'full_day',
      maxDistanceKm: 5,
    });
    expect(w!.consentAt).not.toBeNull();
    expect(w!.sensitiveConsentAt).not.toBeNull();
    const [hh] = await env.db.select().from(households).where(eq(households.id, w!.householdId));
    // Poverty status is for staff to confirm, never self-declared.
    expect(hh).toMatchObject({ areaCode: '532503001001', povertyAlleviated: false, monitored: false });
    // The menu follows.
    expect(p.buttons()).toEqual(expect.arrayContaining(['🔎 找附近的活', '🎉 我找到活了']));
  });

  it('“rather not say” keeps no family facts and no sensitive consent; in English too', async () => {
    const p = person();
    await p.say('/start');
    await p.press('English');
    expect(p.lastText()).toContain('Do you agree?');
    await p.press('I agree');
    await p.say('Wang Fang');
    await p.say('Skip'); // the keyboard's Skip button arrives as its label
    await p.press('蒙自市'); // place names are in Chinese in both languages
    await p.press('文澜街道');
    const village = await p.press('天马社区');
    expect(p.texts(village)).toContain('Can you go out to work?');
    await p.press('rather not say');
    await p.press('Done');
    await p.press('Half day');
    const done = await p.press('10 km');
    expect(p.texts(done)).toContain('Name: Wang Fang');
    expect(p.texts(done)).not.toContain('Can go out');
    const w = await workerOfChat(p.chatId);
    expect(w).toMatchObject({ name: 'Wang Fang', phone: null, homeLat: null, cannotLeaveHome: false, careFor: [], availability: 'part_day', maxDistanceKm: 10 });
    expect(w!.sensitiveConsentAt).toBeNull();
  });

  it('every step can go back', async () => {
    const p = person();
    await p.say('/start');
    await p.press('同意');
    await p.say('赵六');
    await p.say('跳过'); // a keyboard button: its label arrives as text
    expect(p.lastText()).toContain('哪个县');
    const back = await p.press('返回');
    expect(p.texts(back)).toContain('手机号');
    await p.say('跳过');
    await p.press('蒙自市');
    await p.press('返回');
    expect(p.lastText()).toContain('哪个县');
  });

  it('takes a typed mobile number, full-width or with +86, and refuses a wrong one and someone else’s contact', async () => {
    const p = person();
    await p.say('/start');
    await p.press('同意');
    await p.say('钱七');
    const other = await p.send(tg.contact(p.chatId, '+86 139 1111 1111', false));
    expect(p.texts(other)).toContain('您自己的号码');
    const wrong = await p.say('12345');
    expect(other.length + wrong.length).toBe(2);
    expect(p.texts(wrong)).toContain('这个号码不对');
    expect(p.buttons()).toContain('跳过');
    const ok = await p.say('+86 １３９-１１１１-２２２２');
    expect(p.texts(ok)).toContain('哪个县');
    const [s] = await env.db.select().from(botSessions).where(eq(botSessions.chatId, String(p.chatId)));
    expect((s!.state as any).draft.phone).toBe('13911112222');
    // Typing a button's words is pressing it.
    expect(p.texts(await p.say('蒙自市'))).toContain('哪个乡镇');
    await p.press('文澜街道');
    await p.press('天马社区');
    await p.press('能出门');
    await p.press('好了');
    expect(p.texts(await p.say('半天'))).toContain('离家最远');
    expect(p.texts(await p.say('10公里'))).toContain('时间：半天');
  });

  it('refuses a home location outside China', async () => {
    const p = await signUp({ home: null });
    const far = await p.send(tg.location(p.chatId, 48.85, 2.35));
    expect(p.texts(far)).toContain('不在中国');
    expect((await workerOfChat(p.chatId))!.homeLat).toBeNull();
  });

  it('/start or a language switch half-way keeps what was given: continue or start over', async () => {
    const p = person();
    await p.say('/start');
    await p.press('同意');
    await p.say('孔五');
    await p.say('13900003333');
    await p.press('蒙自市');
    const again = await p.say('/start');
    expect(p.texts(again)).toContain('接着填');
    const cont = await p.press('接着填');
    expect(p.texts(cont)).toContain('哪个乡镇');
    await p.press('文澜街道');
    await p.say('/language');
    const en = await p.press('English');
    expect(p.texts(en)).toContain('Go on, or start over?');
    const on = await p.press('Go on');
    expect(p.texts(on)).toContain('Which village?');
    await p.press('天马社区');
    await p.press('Yes, I can');
    await p.press('Done');
    await p.press('Full day');
    const done = await p.press('5 km');
    expect(p.texts(done)).toContain('Name: 孔五');
    expect(p.texts(done)).toContain('Phone: 13900003333');
    // Start over throws the draft away.
    const q = person();
    await q.say('/start');
    await q.press('同意');
    await q.say('孔六');
    await q.say('/start');
    const restart = await q.press('重新来');
    expect(q.texts(restart)).toContain('您叫什么名字');
  });

  it('a worker staff registered links by a one-time code only after saying 同意', async () => {
    const hh = await makeHousehold(env);
    const w = await makeWorker(env, hh.id, { name: '孙八' });
    const issued = await env.request('POST', `/v1/workers/${w.id}/link-code`, { token: env.adminToken });
    expect(issued.status).toBe(201);
    expect(issued.body.code).toMatch(/^\d{8}$/);

    const p = person();
    await p.say('/start');
    await p.press('English');
    await p.press('I have a code');
    const wrong = await p.say(issued.body.code === '00000000' ? '11111111' : '00000000');
    expect(p.texts(wrong)).toContain('wrong or has expired');
    const asked = await p.say(issued.body.code);
    // The name shows only once the person has agreed (a guessed code learns nothing first).
    expect(p.texts(asked)).toContain('Staff registered you');
    expect(p.texts(asked)).not.toContain('孙八');
    // Not linked until the person agrees; refusing leaves the code unused.
    expect(await workerOfChat(p.chatId)).toBeUndefined();
    await p.press('No');
    expect(await workerOfChat(p.chatId)).toBeUndefined();
    await p.press('I have a code');
    await p.say(issued.body.code);
    const ok = await p.press('I agree');
    expect(p.texts(ok)).toContain('Linked to your record, 孙八');
    expect((await workerOfChat(p.chatId))?.id).toBe(w.id);
    // Used once only.
    const q = person();
    await q.say('/start');
    await q.press('我有村里给的号码');
    expect(q.texts(await q.say(issued.body.code))).toContain('号码不对');
  });

  it('a code dies after 3 wrong tries against it, from any chats; the right digits then fail too', async () => {
    const hh = await makeHousehold(env);
    const w = await makeWorker(env, hh.id, { name: '钱九' });
    const issued = await env.request('POST', `/v1/workers/${w.id}/link-code`, { token: env.adminToken });
    const code: string = issued.body.code;
    const handle = code.slice(0, 4);
    const wrongRest = (i: number) => String((Number(code.slice(4)) + 1 + i) % 10_000).padStart(4, '0');
    // Three fresh chats, one wrong guess each at this code's handle: none is locked by the per-chat rule.
    for (let i = 0; i < 3; i++) {
      const g = person();
      await g.say('/start');
      await g.press('我有村里给的号码');
      expect(g.texts(await g.say(handle + wrongRest(i)))).toContain('号码不对');
    }
    const p = person();
    await p.say('/start');
    await p.press('我有村里给的号码');
    const late = await p.say(code);
    expect(p.texts(late)).toContain('号码不对');
    expect(await workerOfChat(p.chatId)).toBeUndefined();
    // A new code from staff works.
    const fresh = await env.request('POST', `/v1/workers/${w.id}/link-code`, { token: env.adminToken });
    expect(p.texts(await p.say(fresh.body.code))).toContain('这是村里帮您登记的资料');
  });
});

describe('work, applying and hiring', () => {
  it('shows nearby openings with distance, wage, hours and why; applying tells the employer, who offers; the worker accepts and is hired', async () => {
    const { employer, boss } = await linkedEmployer('天马刺绣车间');
    const opening = await makeOpening(env, employer.id, { title: '绣娘', point: { lat: 23.41, lon: 103.38 }, skills: ['sewing'], hours: 'part_day' });

    const p = await signUp({ name: '周九妹' });
    const list = await p.press('找附近的活');
    const item = p.texts(list);
    expect(item).toContain('绣娘');
    expect(item).toContain('天马刺绣车间');
    expect(item).toMatch(/离家 1\.1\d? 公里/);
    expect(item).toContain('每月 2200 元');
    expect(item).toContain('半天');
    expect(item).toContain('您会缝纫');

    const applied = await p.press('报名第 1 个');
    expect(p.texts(applied)).toContain('报上名了：“绣娘”');
    const w = await workerOfChat(p.chatId);
    const [app] = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
    expect(app).toMatchObject({ openingId: opening.id, state: 'applied' });

    // The employer hears of the applicant: name and phone only.
    await env.settle();
    const notice = boss.last();
    expect(String(notice.body.text)).toContain('新报名：“绣娘”');
    expect(String(notice.body.text)).toContain('周九妹');
    expect(String(notice.body.text)).toContain('+8613800002222');
    expect(String(notice.body.text)).not.toMatch(/老人|照顾|天马社区|23\.4/);
    await boss.press('要');
    expect((await env.db.select().from(applications).where(eq(applications.id, app!.id)))[0]!.state).toBe('offered');

    // The worker gets Accept / Decline and accepts.
    await env.settle();
    expect(p.lastText()).toContain('好消息！“绣娘”');
    const accepted = await p.press('去');
    expect(p.texts(accepted)).toContain('已记下您上班了');
    const [placed] = await env.db.select().from(placements).where(eq(placements.applicationId, app!.id));
    expect(placed).toMatchObject({ workerId: w!.id, type: 'workshop', scope: 'county' });
    await env.settle();
    expect(boss.lastText()).toContain('周九妹 说去');
    // The offer's buttons are spent now.
    const again = await p.send(tg.callback(p.chatId, `g:accept:${app!.id}`));
    expect(p.texts(again)).toContain('已经办过了');
  });

  it('a refused application says why in the person\'s words (a village post, a cadre household)', async () => {
    const p = await signUp({ name: '钱二妹', home: { lat: 23.7, lon: 103.7 } });
    const w = (await workerOfChat(p.chatId))!;
    const patched = await env.request('PATCH', `/v1/households/${w.householdId}`, { token: env.adminToken, body: { povertyAlleviated: true, cadreHousehold: true } });
    expect(patched.status).toBe(200);
    const body = await makeEmployer(env, { kind: 'public_body' });
    const post = await makeOpening(env, body.id, { kind: 'public_welfare', title: '护林员', areaCode: w.areaCode, point: { lat: 23.701, lon: 103.7 }, hours: 'part_day' });
    // The apply button of a list shown before the household was recorded as a cadre's.
    const refused = await p.send(tg.callback(p.chatId, `m:apply:${post.id}`));
    expect(p.texts(refused)).toContain('这个活您现在报不了：村干部家里的人不能报');
    expect((await env.db.select().from(applications).where(eq(applications.workerId, w.id))).length).toBe(0);
  });

  it('an offer is answered from 我的报名 too, when the offer message was missed', async () => {
    const { employer } = await linkedEmployer();
    const spot = { lat: 23.2, lon: 103.2 };
    await makeOpening(env, employer.id, { title: '包装工', point: { lat: 23.201, lon: 103.2 }, skills: [] });
    const p = await signUp({ name: '褚一', home: spot });
    await p.press('找附近的活');
    await p.press('报名第 1 个');
    const w = await workerOfChat(p.chatId);
    const [app] = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
    await env.request('POST', `/v1/applications/${app!.id}/transitions`, { token: env.adminToken, body: { to: 'offered' } });
    const mine = await p.press('我报的名');
    expect(p.texts(mine)).toContain('单位要您，去不去？');
    expect(p.buttons()).toEqual(expect.arrayContaining(['✅ 去 1', '不去 1']));
    const refused = await p.press('不去 1');
    expect(p.texts(refused)).toContain('为什么不去');
    await p.press('时间不合适');
    const [after] = await env.db.select().from(applications).where(eq(applications.id, app!.id));
    expect(after).toMatchObject({ state: 'declined', reason: 'hours_do_not_fit' });
  });

  it('a withdrawn application can be made again, from 我的报名 and from work near me, and the employer hears again', async () => {
    const { employer, boss } = await linkedEmployer();
    const spot = { lat: 23.3, lon: 103.3 };
    const o = await makeOpening(env, employer.id, { title: '竹编', point: { lat: 23.301, lon: 103.3 }, skills: [] });
    const p = await signUp({ name: '卫二', home: spot });
    await p.press('找附近的活');
    await p.press('报名第 1 个');
    await env.settle();
    const noticesBefore = fake.sent('sendMessage', boss.chatId).filter((c) => String(c.body.text).includes('新报名：“竹编”')).length;
    expect(noticesBefore).toBe(1);
    await p.press('我报的名');
    await p.press('不报了 1');
    const gone = await p.press('别的原因');
    expect(p.texts(gone)).toContain('想报还能再报');
    // Back in work near me, and 再报名 in my applications.
    const list = await p.press('找附近的活');
    expect(p.texts(list)).toContain('竹编');
    await p.press('我报的名');
    const again = await p.press('再报名 1');
    expect(p.texts(again)).toContain('报上名了：“竹编”');
    const w = await workerOfChat(p.chatId);
    const rows = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
    expect(rows.map((r) => [r.openingId, r.state, r.reason])).toEqual([[o.id, 'applied', null]]);
    await env.settle();
    expect(fake.sent('sendMessage', boss.chatId).filter((c) => String(c.body.text).includes('新报名：“竹编”'))).toHaveLength(2);
    // The API gives the same row back to staff applying for the person, and refuses an open one.
    await p.press('我报的名');
    await p.press('不报了 1');
    await p.press('别的原因');
    const api = await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId: w!.id, openingId: o.id } });
    expect(api.status).toBe(201);
    expect(api.body).toMatchObject({ id: rows[0]!.id, state: 'applied' });
    const twice = await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId: w!.id, openingId: o.id } });
    expect(twice.status).toBe(409);
  });

  it('an application that expired can be made again and expire again, each time told', async () => {
    const { employer } = await linkedEmployer();
    const spot = { lat: 23.35, lon: 103.25 };
    await makeOpening(env, employer.id, { title: '剥核桃', point: { lat: 23.351, lon: 103.25 }, skills: [] });
    const p = await signUp({ name: '秦三', home: spot });
    await p.press('找附近的活');
    await p.press('报名第 1 个');
    const w = await workerOfChat(p.chatId);
    const expire = async (days: number) => {
      const longAgo = new Date(env.clock.now().getTime() - days * 86_400_000).toISOString();
      await env.db.update(applications).set({ updatedAt: longAgo }).where(eq(applications.workerId, w!.id));
      expect(await expireIdleApplications({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'test' } })).toBe(1);
      await deliverOwed(env.db, env.clock, env.deps.telegram!, { quietHours: null });
    };
    await expire(61);
    expect(p.lastText()).toContain('“剥核桃”的报名已过期');
    await p.press('我报的名');
    expect(p.texts([p.last()])).toContain('太久没动，作废了');
    expect(p.texts(await p.press('再报名 1'))).toContain('报上名了：“剥核桃”');
    await expire(62);
    const told = fake.sent('sendMessage', p.chatId).filter((c) => String(c.body.text).includes('“剥核桃”的报名已过期'));
    expect(told).toHaveLength(2);
  });

  it('the employer lists applicants with Offer / Decline, declines with a reason, and the worker is told', async () => {
    const { employer, boss } = await linkedEmployer();
    const spot = { lat: 23.1, lon: 103.1 };
    const a = await makeOpening(env, employer.id, { title: 'Packer A', point: { lat: 23.102, lon: 103.1 }, skills: [] });
    const b = await makeOpening(env, employer.id, { title: 'Packer B', point: { lat: 23.103, lon: 103.1 }, skills: [] });
    const p = await signUp({ name: '吴十', home: spot });
    await p.press('找附近的活');
    await p.press('报名第 1 个');
    await p.press('找附近的活');
    await p.press('报名第 1 个');
    await env.settle();
    const w = await workerOfChat(p.chatId);
    const apps = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
    expect(apps.map((x) => x.openingId).sort()).toEqual([a.id, b.id].sort());

    // The notices scrolled away: the menu lists both applicants.
    await boss.say('菜单');
    const list = await boss.press('报名的人');
    expect(boss.texts(list)).toContain('吴十');
    expect(boss.texts(list)).toContain('Packer A');
    expect(boss.texts(list)).toContain('Packer B');
    expect(boss.buttons()).toEqual(expect.arrayContaining(['✅ 要 1', '不要 1', '✅ 要 2', '不要 2']));
    await boss.press('不要 1');
    await boss.press('时间不合适');
    await env.settle();
    expect(p.lastText()).toMatch(/这次没有录用您/);
    await boss.press('报名的人');
    await boss.press('✅ 要 1');
    const states = await env.db.select({ state: applications.state, reason: applications.reason }).from(applications).where(eq(applications.workerId, w!.id));
    expect(states.map((x) => `${x.state}:${x.reason}`).sort()).toEqual(['declined:hours_do_not_fit', 'offered:null']);
    const listed = await boss.press('报名的人');
    expect(boss.texts(listed)).toContain('等对方回话');

    // My applications: one turned down, one offered; withdraw the offered one.
    const mine = await p.press('我报的名');
    expect(p.texts(mine)).toContain('没成');
    await p.press('不报了');
    const done = await p.press('找到别的活了');
    expect(p.texts(done)).toContain('不报了');
    const after = await env.db.select({ state: applications.state }).from(applications).where(eq(applications.workerId, w!.id));
    expect(after.map((x) => x.state).sort()).toEqual(['declined', 'withdrawn']);
  });

  it('a new-opening alert carries an Apply button that applies', async () => {
    const spot = { lat: 22.7, lon: 103.7 };
    const p = await signUp({ name: '杨五', home: spot });
    const employer = await makeEmployer(env);
    await makeOpening(env, employer.id, { title: '采茶', point: { lat: 22.701, lon: 103.7 }, skills: [] });
    await env.settle();
    expect(p.lastText()).toContain('附近有新活：“采茶”');
    const applied = await p.press('✅ 报名');
    expect(p.texts(applied)).toContain('报上名了：“采茶”');
  });

  it('an employer closes an opening from the chat after a confirmation', async () => {
    const { employer, boss } = await linkedEmployer();
    const o = await makeOpening(env, employer.id, { title: 'Picker', point: { lat: 23.5, lon: 103.5 } });
    const list = await boss.press('我招的活');
    expect(boss.texts(list)).toContain('1. Picker（招 2 人，已有 0 人）');
    const ask = await boss.press('不招了 1');
    expect(boss.texts(ask)).toContain('“Picker”不招了吗');
    await boss.press('不关');
    expect((await env.request('GET', `/v1/openings/${o.id}`, { token: env.adminToken })).body.status).toBe('open');
    await boss.press('我招的活');
    await boss.press('不招了 1');
    const closed = await boss.press('关掉');
    expect(boss.texts(closed)).toContain('“Picker”关掉了');
    expect((await env.request('GET', `/v1/openings/${o.id}`, { token: env.adminToken })).body.status).toBe('closed');
  });
});

describe('buttons that behave', () => {
  it('several taps on one skills keyboard all count: the message is edited, not sent again', async () => {
    const p = person();
    await p.say('/start');
    await p.press('同意');
    await p.say('冯七');
    await p.say('跳过');
    await p.press('蒙自市');
    await p.press('文澜街道');
    await p.press('天马社区');
    const skills = (await p.press('能出门')).at(-1)!;
    const before = p.messages();
    // Three taps on the same message, as a person taps quickly.
    await p.pressOn(skills, '缝纫');
    await p.pressOn(skills, '刺绣');
    await p.pressOn(skills, '电子装配');
    await p.pressOn(skills, '刺绣'); // and one taken back
    expect(p.messages()).toBe(before);
    expect(fake.sent('editMessageReplyMarkup', p.chatId).length).toBeGreaterThanOrEqual(4);
    expect(buttonsOf(skills).filter((b) => b.text.startsWith('✓ ')).map((b) => b.text).sort()).toEqual(['✓ 电子装配', '✓ 缝纫'].sort());
    await p.pressOn(skills, '好了');
    const [s] = await env.db.select().from(botSessions).where(eq(botSessions.chatId, String(p.chatId)));
    expect([...(s!.state as any).draft.skills].sort()).toEqual(['assembly', 'sewing'].sort());
  });

  it('a menu button on an old message still acts; a sign-up button of a step left behind says so, with the current buttons', async () => {
    const p = await signUp({ name: '蒋三' });
    const oldMenu = fake.sent('sendMessage', p.chatId).find((c) => buttonsOf(c).some((b) => b.text === '📋 我报的名'))!;
    await p.press('改资料');
    const acted = await p.pressOn(oldMenu, '我报的名');
    expect(p.texts(acted)).toContain('您还没报名');

    const q = person();
    await q.say('/start');
    const intro = q.last();
    await q.press('同意');
    const stale = await q.pressOn(intro, '我有村里给的号码');
    expect(stale).toHaveLength(1);
    expect(q.texts(stale)).toContain('按钮过时了');
    expect(q.texts(stale)).toContain('您叫什么名字');
    const nonsense = await q.send(tg.callback(q.chatId, 'g:accept:not-a-number'));
    expect(q.texts(nonsense)).toContain('过时');
    const forged = await q.send(tg.callback(q.chatId, 'garbage'));
    expect(forged).toHaveLength(1);
  });
});

describe('reporting work found, alerts, profile, language, erasure', () => {
  it('“I found work” records a placement whose place and month are picked by buttons', async () => {
    const p = await signUp({ name: '郑一' });
    await p.press('我找到活了');
    await p.press('出去打工');
    const where = await p.press('外省');
    expect(p.buttons(where.at(-1))).toHaveLength(10); // eight provinces, Back, More
    await p.press('广东');
    const saved = await p.press('上个月');
    expect(p.texts(saved)).toContain('记下了');
    const w = await workerOfChat(p.chatId);
    const [pl] = await env.db.select().from(placements).where(eq(placements.workerId, w!.id));
    expect(pl).toMatchObject({ type: 'migrant', areaCode: '44', scope: 'out_of_province', startDate: '2026-10-01' });

    const q = await signUp({ name: '郑二' });
    await q.press('我找到活了');
    await q.press('家门口的车间');
    await q.press('就在本乡镇');
    const typed = await q.say('2026-11-02');
    expect(q.texts(typed)).toContain('请点按钮选');
    await q.press('更早');
    await q.press('2026年8月');
    const w2 = await workerOfChat(q.chatId);
    const [pl2] = await env.db.select().from(placements).where(eq(placements.workerId, w2!.id));
    expect(pl2).toMatchObject({ type: 'workshop', areaCode: '532503001', scope: 'township', startDate: '2026-08-01' });
  });

  it('turns alerts off and on, edits the distance, the village and whom one cares for, and switches language', async () => {
    const p = await signUp({ name: '王二' });
    await p.press('不用告诉我新活');
    expect((await workerOfChat(p.chatId))!.alertsEnabled).toBe(false);
    expect(p.buttons()).toContain('🔔 有新活告诉我');
    await p.press('有新活告诉我');
    expect((await workerOfChat(p.chatId))!.alertsEnabled).toBe(true);
    await p.press('改资料');
    await p.press('多远');
    await p.press('25 公里');
    expect((await workerOfChat(p.chatId))!.maxDistanceKm).toBe(25);
    // The village: the household moves with the person.
    await p.press('改资料');
    await p.press('住的村');
    await p.press('蒙自市');
    const towns = await env.request('GET', '/v1/areas?parent=532503');
    const town = towns.body.items[1];
    await p.press(town.name);
    const villages = await env.request('GET', `/v1/areas?parent=${town.code}`);
    const saved = await p.press(villages.body.items[0].name);
    expect(p.texts(saved)).toContain('改好了');
    const w = await workerOfChat(p.chatId);
    expect(w!.areaCode).toBe(villages.body.items[0].code);
    const [hh] = await env.db.select().from(households).where(eq(households.id, w!.householdId));
    expect(hh!.areaCode).toBe(villages.body.items[0].code);
    // Whom one cares for: one tap, then more on the same keyboard.
    await p.press('改资料');
    await p.press('能不能出门');
    await p.press('要带孩子');
    expect(p.buttons()).toEqual(expect.arrayContaining(['✓ 老人', '✓ 孩子']));
    await p.press('好了');
    expect((await workerOfChat(p.chatId))!.careFor).toEqual(['elders', 'children']);
    await p.press('换语言');
    const en = await p.press('English');
    expect(p.texts(en)).toContain('English it is');
    expect(p.buttons()).toContain('🔎 Work near me');
  });

  it('erases the person after a confirmation', async () => {
    const p = await signUp({ name: '冯三' });
    const w = await workerOfChat(p.chatId);
    await p.press('删掉我的资料');
    const kept = await p.press('不删');
    expect(p.texts(kept)).toContain('您想做什么');
    await p.say('/delete');
    const gone = await p.press('删掉');
    expect(p.texts(gone)).toContain('删好了');
    const [row] = await env.db.select().from(workers).where(eq(workers.id, w!.id));
    expect(row).toMatchObject({ name: null, phone: null, homeLat: null, telegramChatId: null });
    expect(row!.erasedAt).not.toBeNull();
    const traces = await env.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM telegram_updates WHERE chat_id = ${String(p.chatId)} AND payload LIKE ${'%冯三%'}`);
    expect(traces[0]!.n).toBe(0);
  });
});

describe('odd input and failures', () => {
  it('a voice message, a sticker or a photo gets one short answer with the current buttons; edits get none', async () => {
    const p = person();
    await p.say('/start');
    for (const [update, words] of [
      [tg.voice(p.chatId), '听不了语音'],
      [tg.sticker(p.chatId), '看不懂表情'],
      [tg.photo(p.chatId), '看不懂图片'],
    ] as const) {
      const answer = await p.send(update);
      expect(answer).toHaveLength(1);
      expect(p.texts(answer)).toContain(words);
      expect(p.texts(answer).length).toBeLessThan(40);
      expect(p.buttons(answer[0])).toContain('✅ 同意');
    }
    const typed = await p.say('好的');
    expect(typed).toHaveLength(1);
    expect(p.texts(typed)).toContain('请点下面的按钮');
    expect(await p.send(tg.edited(p.chatId, 'changed'))).toEqual([]);
  });

  it('other bots are ignored; a group the bot is added to gets one line and is left; inline queries get nothing', async () => {
    const chat = h.nextChat();
    expect((await post(tg.fromBot(chat, '/start'))).status).toBe(200);
    expect(fake.sent('sendMessage', chat)).toEqual([]);

    const group = -100_000 - h.nextChat();
    const from = h.nextChat();
    expect((await post(tg.addedToGroup(group, from))).status).toBe(200);
    expect(fake.sent('sendMessage', group).map((c) => c.body.text)).toEqual(['请单独和我聊。']);
    expect(fake.sent('leaveChat').filter((c) => String(c.body.chat_id) === String(group))).toHaveLength(1);
    expect((await post(tg.groupText(group, from, '/start'))).status).toBe(200);
    expect(fake.sent('sendMessage', group)).toHaveLength(1);
    expect(fake.sent('leaveChat').filter((c) => String(c.body.chat_id) === String(group))).toHaveLength(2);

    const calls = fake.calls.length;
    expect((await post(tg.inlineQuery(from))).status).toBe(200);
    expect(fake.calls.slice(calls).filter((c) => c.method === 'sendMessage')).toEqual([]);
  });

  it('a person who blocks the bot is marked unreachable and gets nothing until they write again', async () => {
    const p = await signUp({ name: '陈四' });
    await p.send(tg.blocked(p.chatId));
    expect((await workerOfChat(p.chatId))!.unreachable).toBe(true);
    const employer = await makeEmployer(env);
    const o = await makeOpening(env, employer.id, { point: { lat: 23.401, lon: 103.38 } });
    const w = await workerOfChat(p.chatId);
    const a = await env.request('POST', '/v1/applications', { token: env.adminToken, body: { workerId: w!.id, openingId: o.id } });
    await env.request('POST', `/v1/applications/${a.body.id}/transitions`, { token: env.adminToken, body: { to: 'offered' } });
    await env.settle();
    const before = fake.sent('sendMessage', p.chatId).length;
    const [owed] = await env.db.select().from(outbox).where(sql`${outbox.kind} = 'offer' AND ${outbox.workerId} = ${w!.id}`);
    expect(owed!.status).toBe('cancelled');
    await p.say('/start');
    expect((await workerOfChat(p.chatId))!.unreachable).toBe(false);
    expect(fake.sent('sendMessage', p.chatId).length).toBeGreaterThan(before);
  });

  it('an error while handling an update answers 出了点问题 with the menu, and the person can go on', async () => {
    const p = person();
    await p.say('/start');
    await p.press('同意');
    await p.say('沈一');
    await p.say('跳过');
    await p.press('蒙自市');
    await p.press('文澜街道');
    await p.press('天马社区');
    await p.press('能出门');
    await p.press('好了');
    await p.press('半天');
    // The village vanished from the records meanwhile: registering fails.
    const [s] = await env.db.select().from(botSessions).where(eq(botSessions.chatId, String(p.chatId)));
    const state = s!.state as any;
    state.draft.village = { code: '532503999999', name: '不存在村' };
    await env.db.update(botSessions).set({ state }).where(eq(botSessions.chatId, String(p.chatId)));
    const failed = await p.press('5 公里');
    expect(failed).toHaveLength(1);
    expect(p.texts(failed)).toBe('出了点问题，请再试一次。');
    expect(p.buttons(failed[0]).length).toBeGreaterThan(0);
    // Its buttons work: the half-done sign-up is offered again.
    const on = await p.press('接着填');
    expect(p.texts(on)).toContain('离家最远多少路');
  });

  it('a 429 on a reply is waited out; a longer one keeps the reply for the next message and the state with it', async () => {
    const p = person();
    fake.fail({ status: 429, retryAfter: 1 }, (c) => c.method === 'sendMessage' && String(c.body.chat_id) === String(p.chatId));
    const first = await p.say('/start');
    expect(p.texts(first)).toContain('同意吗');
    // Too long to wait for now: nothing arrives, the answer is kept.
    fake.fail({ status: 429, retryAfter: 60 }, (c) => c.method === 'sendMessage' && String(c.body.chat_id) === String(p.chatId));
    const lost = await p.press('同意');
    expect(lost).toEqual([]);
    // The next message gets the kept answer first, then its own.
    const next = await p.say('褚二');
    expect(p.texts(next)).toMatch(/您叫什么名字[\s\S]*手机号/);
    const [s] = await env.db.select().from(botSessions).where(eq(botSessions.chatId, String(p.chatId)));
    expect((s!.state as any).unsent).toBeUndefined();
    expect((s!.state as any).step).toBe('phone');
  });

  it('when Telegram refuses a reply the update is still answered 200, and the refused reply does not hold up the next ones', async () => {
    const p = person();
    fake.fail({ status: 400, description: 'Bad Request: chat not found' }, (c) => c.method === 'sendMessage' && String(c.body.chat_id) === String(p.chatId));
    const res = await post(tg.text(p.chatId, '/start'));
    expect(res.status).toBe(200);
    const next = await p.say('/start');
    expect(next).toHaveLength(1);
    expect(p.lastText()).toContain('同意吗');
    // A 5xx that outlasts the retries is kept and sent with the next message.
    fake.fail({ status: 502 }, (c) => c.method === 'sendMessage' && String(c.body.chat_id) === String(p.chatId), 3);
    expect(await p.press('同意')).toEqual([]);
    const after = await p.say('严六');
    expect(p.texts(after)).toMatch(/您叫什么名字[\s\S]*手机号/);
  });

  it('the scheduled job picks up a chat whose update was left waiting', async () => {
    const p = person();
    const update = tg.text(p.chatId, '/start');
    // As if the request died after storing it.
    await env.db.insert(telegramUpdates).values({
      updateId: update.update_id,
      chatId: String(p.chatId),
      payload: JSON.stringify(update),
      receivedAt: new Date(env.clock.now().getTime() - 120_000).toISOString(),
    });
    await runScheduledJobs(env.deps, { deliveryBudgetMs: 1000 });
    expect(p.lastText()).toContain('同意吗');
  });
});

describe('terminal chat (npm run chat)', () => {
  it('lets a person sign up and apply by typing numbers, with the same webhook and bot', async () => {
    const employer = await makeEmployer(env);
    await makeOpening(env, employer.id, { title: '竹编工', point: { lat: 22.9, lon: 102.9 }, skills: [] });
    const chat = new TerminalChat(fake, async (u) => void (await post(u)), h.nextChat(), 'Li');
    const pick = (out: string[], label: string) => {
      const line = out.find((l) => l.includes(label) && /\[\d+\]/.test(l));
      if (!line) throw new Error(`no choice "${label}" in:\n${out.join('\n')}`);
      return /\[(\d+)\]/.exec(line)![1]!;
    };
    let out = await chat.input('/start');
    out = await chat.input(pick(out, '同意'));
    out = await chat.input('李四');
    out = await chat.input(pick(out, '发我的号码'));
    expect(out.join()).toContain('type your phone number');
    out = await chat.input('13900001111');
    out = await chat.input(pick(out, '蒙自市'));
    out = await chat.input(pick(out, '文澜街道'));
    out = await chat.input(pick(out, '天马社区'));
    out = await chat.input(pick(out, '能出门'));
    out = await chat.input(pick(out, '好了'));
    out = await chat.input(pick(out, '一整天'));
    out = await chat.input(pick(out, '5 公里'));
    expect(out.join('\n')).toContain('登记好了');
    out = await chat.input(pick(out, '改资料'));
    out = await chat.input(pick(out, '家的位置'));
    out = await chat.input(pick(out, '发我家的位置'));
    out = await chat.input('22.9,102.9');
    out = await chat.input(pick(out, '找附近的活'));
    expect(out.join('\n')).toContain('竹编工');
    out = await chat.input(pick(out, '报名第 1 个'));
    expect(out.join('\n')).toContain('报上名了：“竹编工”');
    const w = await workerOfChat(chat.chatId);
    expect(w).toMatchObject({ name: '李四', phone: '13900001111', homeLat: 22.9 });
    const apps = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
    expect(apps.map((a) => a.state)).toEqual(['applied']);
  });

  it('plays two people against one fake Bot API: each sees only their own messages, with their buttons', async () => {
    const employer = await makeEmployer(env, { name: '石屏豆腐坊' });
    await makeOpening(env, employer.id, { title: '磨豆腐', point: { lat: 22.6, lon: 102.6 }, skills: [] });
    const code = await env.request('POST', `/v1/employers/${employer.id}/link-code`, { token: env.adminToken });
    const postAndSettle = async (u: unknown) => {
      await post(u);
      await env.settle();
    };
    const worker = new TerminalChat(fake, postAndSettle, h.nextChat(), 'Wu', { fromStart: true });
    const boss = new TerminalChat(fake, postAndSettle, h.nextChat(), 'Boss', { fromStart: true });
    const pick = (out: string[], label: string) => {
      const line = out.find((l) => l.includes(label) && /\[\d+\]/.test(l));
      if (!line) throw new Error(`no choice "${label}" in:\n${out.join('\n')}`);
      return /\[(\d+)\]/.exec(line)![1]!;
    };
    let b = await boss.input('/start');
    b = await boss.input(pick(b, '号码'));
    b = await boss.input(code.body.code);
    b = await boss.input(pick(b, '同意'));
    expect(b.join('\n')).toContain('已连上单位');
    let w = await worker.input('/start');
    w = await worker.input(pick(w, '同意'));
    w = await worker.input('吴大');
    w = await worker.input('13900004444');
    for (const label of ['蒙自市', '文澜街道', '天马社区', '能出门', '好了', '一整天', '5 公里']) w = await worker.input(pick(w, label));
    await post(tg.location(worker.chatId, 22.6, 102.6));
    w = worker.render();
    w = await worker.input('菜单');
    w = await worker.input(pick(w, '找附近的活'));
    w = await worker.input(pick(w, '报名第 1 个'));
    expect(w.join('\n')).toContain('报上名了：“磨豆腐”');
    expect(w.join('\n')).not.toContain('新报名');
    // The employer's notice waits in the employer's chat, buttons and all.
    expect(boss.unseen()).toBe(1);
    b = boss.render();
    expect(b.join('\n')).toContain('新报名：“磨豆腐”');
    b = await boss.input(pick(b, '要'));
    expect(worker.unseen()).toBe(1);
    w = worker.render();
    expect(w.join('\n')).toContain('好消息！“磨豆腐”');
    w = await worker.input(pick(w, '去'));
    expect(w.join('\n')).toContain('已记下您上班了');
    // A toggle shows its changed buttons in place.
    const toggles = await worker.input(pick(await worker.input(pick(await worker.input('菜单'), '改资料')), '会做什么'));
    const changed = await worker.input(pick(toggles, '缝纫'));
    expect(changed[0]).toContain('buttons changed');
    expect(changed.join('\n')).toContain('✓ 缝纫');
  });
});

export type { Person };
