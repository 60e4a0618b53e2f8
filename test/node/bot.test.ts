// The chat bot end to end: real Telegram update JSON posted to the webhook
// route of the real app over libSQL, the Bot API served by a local fake on
// 127.0.0.1 that records every call.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBotApi, RecordedCall } from '../../bot/dev/fake-bot-api.js';
import { applications, households, outbox, placements, telegramUpdates, workers } from '../../db/schema.js';
import { runScheduledJobs } from '../../src/scheduler.js';
import { makeBotTestEnv, makeEmployer, makeHousehold, makeOpening, makeWorker, type TestEnv } from '../helpers.js';
import * as tg from '../telegram-updates.js';
import { TerminalChat } from '../../bot/dev/terminal-chat.js';

const SECRET = 'test-webhook-secret-123';
const TOKEN = '123456:TEST-TOKEN';
const HOME = { lat: 23.4, lon: 103.38 };

let env: TestEnv;
let fake: FakeBotApi;
let nextChat = 7_000_000;

let closeAll: () => Promise<void>;
beforeAll(async () => {
  ({ env, fake, close: closeAll } = await makeBotTestEnv({ token: TOKEN, secret: SECRET }));
});
afterAll(() => closeAll());

const post = (update: unknown, secret: string | null = SECRET) =>
  env.request('POST', '/telegram/webhook', {
    body: update,
    headers: secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret },
  });

/** A person chatting with the bot: send updates, read the bot's answers, press its buttons. */
function person(chatId = ++nextChat) {
  const replies = () => fake.sent('sendMessage', chatId);
  const buttonsOf = (call: RecordedCall): Array<{ text: string; callback_data?: string }> =>
    (call.body.reply_markup?.inline_keyboard ?? call.body.reply_markup?.keyboard ?? []).flat();
  const p = {
    chatId,
    async send(update: unknown): Promise<RecordedCall[]> {
      const before = replies().length;
      const res = await post(update);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return replies().slice(before);
    },
    say: (text: string) => p.send(tg.text(chatId, text)),
    /** Presses the newest button whose label contains `label`. */
    async press(label: string): Promise<RecordedCall[]> {
      const all = replies();
      for (let i = all.length - 1; i >= 0; i--) {
        const b = buttonsOf(all[i]!).find((x) => x.text.includes(label) && x.callback_data);
        if (b) return p.send(tg.callback(chatId, b.callback_data!));
      }
      throw new Error(`no button "${label}" in the chat; last: ${JSON.stringify(all.at(-1)?.body)}`);
    },
    last: () => replies().at(-1)!,
    lastText: () => String(replies().at(-1)?.body.text ?? ''),
    buttons: (call = replies().at(-1)!) => buttonsOf(call).map((b) => b.text),
    texts: (calls: RecordedCall[]) => calls.map((c) => String(c.body.text)).join('\n---\n'),
  };
  return p;
}

/** Signs a new person up in Chinese and returns the chat. */
async function signUp(over: { name?: string; cannotLeaveHome?: boolean; home?: { lat: number; lon: number } } = {}) {
  const p = person();
  await p.say('/start');
  await p.press('中文');
  await p.press('同意');
  await p.press('允许');
  await p.say(over.name ?? '张秀英');
  await p.send(tg.contact(p.chatId, '+86 138 0000 2222'));
  await p.press('蒙自市');
  await p.press('文澜街道');
  await p.press('天马社区');
  await p.send(tg.location(p.chatId, (over.home ?? HOME).lat, (over.home ?? HOME).lon));
  if (over.cannotLeaveHome === false) {
    await p.press('能外出');
  } else {
    await p.press('不能离开家');
    await p.press('老人');
    await p.press('完成');
  }
  await p.press('缝纫');
  await p.press('完成');
  await p.press('全天');
  await p.press('5 公里');
  const done = await p.press('对，登记');
  expect(p.texts(done)).toContain('登记好了');
  return p;
}

const workerOfChat = async (chatId: number) => {
  const [w] = await env.db.select().from(workers).where(eq(workers.telegramChatId, String(chatId)));
  return w;
};

describe('webhook transport', () => {
  it('refuses a missing or wrong secret with 401 and stores nothing', async () => {
    const update = tg.text(++nextChat, '/start');
    for (const secret of [null, 'wrong-secret', `${SECRET}x`]) {
      const res = await post(update, secret);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    const rows = await env.db.select().from(telegramUpdates).where(eq(telegramUpdates.updateId, update.update_id));
    expect(rows).toEqual([]);
    expect(fake.sent('sendMessage', update.message.chat.id)).toEqual([]);
  });

  it('refuses a body that is not an update with a clear 400', async () => {
    const notJson = await env.app.request('/telegram/webhook', {
      method: 'POST',
      headers: { 'x-telegram-bot-api-secret-token': SECRET, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(notJson.status).toBe(400);
    const noId = await post({ message: { text: 'hi' } });
    expect(noId.status).toBe(400);
    expect(noId.body.error.issues[0].path).toBe('update_id');
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
    // Each sticker is answered and the question asked again.
    const texts = fake.sent('sendMessage', p.chatId).slice(-6).map((c) => String(c.body.text));
    expect(texts[0]).toContain('/delete');
    expect(texts[1]).toContain('cannot read that');
    expect(texts[2]).toContain('Do you agree?');
    expect(texts[3]).toContain('/delete');
    expect(texts[4]).toContain('cannot read that');
    expect(texts[5]).toContain('Do you agree?');
    const stored = await env.db.select().from(telegramUpdates).where(eq(telegramUpdates.chatId, String(p.chatId)));
    expect(stored.every((u) => u.status === 'handled')).toBe(true);
  });
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
    const [h] = await env.db.select().from(households).where(eq(households.id, w!.householdId));
    // Poverty status is for staff to confirm, never self-declared.
    expect(h).toMatchObject({ areaCode: '532503001001', povertyAlleviated: false, monitored: false });
    // The menu follows.
    expect(p.buttons()).toEqual(expect.arrayContaining(['🔎 附近的工作', '🎉 我找到工作了']));
  });

  it('without the sensitive consent it asks nothing about care and records none', async () => {
    const p = person();
    await p.say('/start');
    await p.press('English');
    expect(p.lastText()).toContain('Do you agree?');
    await p.press('I agree');
    await p.press('job alerts only');
    await p.say('Wang Fang');
    await p.say('Skip'); // the keyboard's Skip button arrives as its label
    await p.press('蒙自市'); // place names are in Chinese in both languages
    await p.press('文澜街道');
    await p.press('天马社区');
    const skip = await p.say('Skip');
    expect(p.texts(skip)).toContain('What can you do?');
    await p.press('Done');
    await p.press('Half day');
    await p.press('10 km');
    expect(p.lastText()).toContain('Name: Wang Fang');
    expect(p.lastText()).not.toContain('Can leave home');
    await p.press('register me');
    const w = await workerOfChat(p.chatId);
    expect(w).toMatchObject({ name: 'Wang Fang', phone: null, homeLat: null, cannotLeaveHome: false, careFor: [], availability: 'part_day', maxDistanceKm: 10 });
    expect(w!.sensitiveConsentAt).toBeNull();
  });

  it('every step can go back', async () => {
    const p = person();
    await p.say('/start');
    await p.press('中文');
    await p.press('同意');
    await p.press('允许');
    await p.say('赵六');
    await p.say('跳过'); // a keyboard button: its label arrives as text
    expect(p.lastText()).toContain('哪个县');
    const back = await p.press('返回');
    expect(p.texts(back)).toContain('电话');
    await p.say('跳过');
    await p.press('蒙自市');
    await p.press('返回');
    expect(p.lastText()).toContain('哪个县');
  });

  it('refuses someone else’s phone number and a place outside China', async () => {
    const p = person();
    await p.say('/start');
    await p.press('中文');
    await p.press('同意');
    await p.press('不允许');
    await p.say('钱七');
    const other = await p.send(tg.contact(p.chatId, '+86 139 1111 1111', false));
    expect(p.texts(other)).toContain('您自己的电话');
    await p.send(tg.contact(p.chatId, '+86 139 1111 1111'));
    await p.press('蒙自市');
    await p.press('文澜街道');
    await p.press('天马社区');
    const far = await p.send(tg.location(p.chatId, 48.85, 2.35));
    expect(p.texts(far)).toContain('不在中国境内');
  });

  it('a worker staff registered links by a one-time code instead of registering twice', async () => {
    const h = await makeHousehold(env);
    const w = await makeWorker(env, h.id, { name: '孙八' });
    const issued = await env.request('POST', `/v1/workers/${w.id}/link-code`, { token: env.adminToken });
    expect(issued.status).toBe(201);
    expect(issued.body.code).toMatch(/^\d{6}$/);

    const p = person();
    await p.say('/start');
    await p.press('English');
    await p.press('I have a code');
    const wrong = await p.say(issued.body.code === '000000' ? '111111' : '000000');
    expect(p.texts(wrong)).toContain('wrong or has expired');
    const ok = await p.say(issued.body.code);
    expect(p.texts(ok)).toContain('Linked to your record, 孙八');
    expect((await workerOfChat(p.chatId))?.id).toBe(w.id);
    // Used once only.
    const q = person();
    await q.say('/start');
    await q.press('English');
    await q.press('I have a code');
    expect(p.texts(await q.say(issued.body.code))).toContain('wrong or has expired');
  });
});

describe('work, applying and hiring', () => {
  it('shows nearby openings with distance, wage, hours and why; applying tells the employer, who offers; the worker accepts and is hired', async () => {
    const employer = await makeEmployer(env, { name: '天马刺绣车间' });
    const opening = await makeOpening(env, employer.id, { title: '绣娘', point: { lat: 23.41, lon: 103.38 }, skills: ['sewing'], hours: 'part_day' });
    // The employer links its chat by code.
    const code = await env.request('POST', `/v1/employers/${employer.id}/link-code`, { token: env.adminToken });
    const boss = person();
    await boss.say('/start');
    await boss.press('中文');
    await boss.press('工作人员给的号码');
    expect(boss.texts(await boss.say(code.body.code))).toContain('已连上单位：天马刺绣车间');

    const p = await signUp({ name: '周九妹' });
    const list = await p.press('附近的工作');
    const item = p.texts(list);
    expect(item).toContain('绣娘');
    expect(item).toContain('天马刺绣车间');
    expect(item).toMatch(/离您 1\.1\d? 公里/);
    expect(item).toContain('每月 2200 元');
    expect(item).toContain('半天');
    expect(item).toContain('会缝纫');

    const applied = await p.press('报名第 1 个');
    expect(p.texts(applied)).toContain('已报名“绣娘”');
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
    await boss.press('录用');
    expect((await env.db.select().from(applications).where(eq(applications.id, app!.id)))[0]!.state).toBe('offered');

    // The worker gets Accept / Decline and accepts.
    await env.settle();
    expect(p.lastText()).toContain('好消息！“绣娘”');
    const accepted = await p.press('去');
    expect(p.texts(accepted)).toContain('已为您登记上岗');
    const [placed] = await env.db.select().from(placements).where(eq(placements.applicationId, app!.id));
    expect(placed).toMatchObject({ workerId: w!.id, type: 'workshop', scope: 'county' });
    await env.settle();
    expect(boss.lastText()).toContain('周九妹 已确认上岗');
    // The offer's buttons are spent now.
    const again = await p.send(tg.callback(p.chatId, `g:accept:${app!.id}`));
    expect(p.texts(again)).toContain('已经处理过了');
  });

  it('an employer declines with a reason and the worker is told; the worker lists and withdraws applications', async () => {
    const employer = await makeEmployer(env);
    const code = await env.request('POST', `/v1/employers/${employer.id}/link-code`, { token: env.adminToken });
    const boss = person();
    await boss.say('/start');
    await boss.press('English');
    await boss.press('I have a code');
    await boss.say(code.body.code);
    // A spot of its own, away from the other tests' openings.
    const spot = { lat: 23.1, lon: 103.1 };
    const a = await makeOpening(env, employer.id, { title: 'Packer A', point: { lat: 23.102, lon: 103.1 }, skills: [] });
    const b = await makeOpening(env, employer.id, { title: 'Packer B', point: { lat: 23.103, lon: 103.1 }, skills: [] });

    const p = await signUp({ name: '吴十', home: spot });
    await p.press('附近的工作');
    await p.press('报名第 1 个');
    await p.press('附近的工作');
    await p.press('报名第 1 个');
    await env.settle();
    const w = await workerOfChat(p.chatId);
    const apps = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
    expect(apps.map((x) => x.openingId).sort()).toEqual([a.id, b.id].sort());

    // The employer declines the first applicant.
    await boss.press('Decline');
    await boss.press('hours do not fit');
    const declined = apps.find((x) => x.openingId === b.id || x.openingId === a.id)!;
    await env.settle();
    expect(p.lastText()).toMatch(/这次没有录用您/);
    const states = await env.db.select({ id: applications.id, state: applications.state, reason: applications.reason }).from(applications).where(eq(applications.workerId, w!.id));
    expect(states.filter((s) => s.state === 'declined')).toEqual([{ id: expect.any(Number), state: 'declined', reason: 'hours_do_not_fit' }]);
    expect(declined).toBeDefined();

    // My applications: one declined, one waiting; withdraw the waiting one.
    const mine = await p.press('我的报名');
    expect(p.texts(mine)).toContain('未成');
    expect(p.texts(mine)).toContain('已报名，等单位回复');
    await p.press('撤回第');
    const done = await p.press('找到别的工作了');
    expect(p.texts(done)).toContain('已撤回');
    const after = await env.db.select({ state: applications.state, reason: applications.reason }).from(applications).where(eq(applications.workerId, w!.id));
    expect(after.map((x) => x.state).sort()).toEqual(['declined', 'withdrawn']);
    expect(after.find((x) => x.state === 'withdrawn')!.reason).toBe('chose_other');
  });

  it('an employer closes an opening from the chat', async () => {
    const employer = await makeEmployer(env);
    const code = await env.request('POST', `/v1/employers/${employer.id}/link-code`, { token: env.adminToken });
    const o = await makeOpening(env, employer.id, { title: 'Picker', point: { lat: 23.5, lon: 103.5 } });
    const boss = person();
    await boss.say('/start');
    await boss.press('English');
    await boss.press('I have a code');
    await boss.say(code.body.code);
    const list = await boss.press('My openings');
    expect(boss.texts(list)).toContain('1. Picker (0/2)');
    const closed = await boss.press('Close 1');
    expect(boss.texts(closed)).toContain('"Picker" is closed');
    const res = await env.request('GET', `/v1/openings/${o.id}`, { token: env.adminToken });
    expect(res.body.status).toBe('closed');
  });
});

describe('reporting work found, alerts, profile, language, erasure', () => {
  it('“I found work” records a placement whose transfer scope counts', async () => {
    const p = await signUp({ name: '郑一' });
    await p.press('我找到工作了');
    await p.press('外出打工');
    await p.press('外省');
    await p.press('广东');
    const saved = await p.press('大约一周前');
    expect(p.texts(saved)).toContain('已记录');
    const w = await workerOfChat(p.chatId);
    const [pl] = await env.db.select().from(placements).where(eq(placements.workerId, w!.id));
    expect(pl).toMatchObject({ type: 'migrant', areaCode: '44', scope: 'out_of_province', startDate: '2026-11-13' });

    const q = await signUp({ name: '郑二' });
    await q.press('我找到工作了');
    await q.press('帮扶车间');
    await q.press('本乡镇');
    const bad = await q.say('2027-01-01');
    expect(q.texts(bad)).toContain('不能晚于今天');
    await q.say('2026-11-02');
    const w2 = await workerOfChat(q.chatId);
    const [pl2] = await env.db.select().from(placements).where(eq(placements.workerId, w2!.id));
    expect(pl2).toMatchObject({ type: 'workshop', areaCode: '532503001', scope: 'township', startDate: '2026-11-02' });
  });

  it('turns alerts off and on, edits the travel distance and switches language', async () => {
    const p = await signUp({ name: '王二' });
    await p.press('关闭工作通知');
    expect((await workerOfChat(p.chatId))!.alertsEnabled).toBe(false);
    expect(p.buttons()).toContain('🔔 打开工作通知');
    await p.press('打开工作通知');
    expect((await workerOfChat(p.chatId))!.alertsEnabled).toBe(true);
    await p.press('修改资料');
    await p.press('距离');
    await p.press('25 公里');
    expect((await workerOfChat(p.chatId))!.maxDistanceKm).toBe(25);
    await p.say('/language');
    const en = await p.press('English');
    expect(p.texts(en)).toContain('Language set to English');
    expect(p.buttons()).toContain('🔎 Work near me');
  });

  it('/delete erases the person after a confirmation', async () => {
    const p = await signUp({ name: '冯三' });
    const w = await workerOfChat(p.chatId);
    await p.say('/delete');
    const kept = await p.press('不删');
    expect(p.texts(kept)).toContain('想做什么');
    await p.say('/delete');
    const gone = await p.press('确定删除');
    expect(p.texts(gone)).toContain('已删除您的资料');
    const [row] = await env.db.select().from(workers).where(eq(workers.id, w!.id));
    expect(row).toMatchObject({ name: null, phone: null, homeLat: null, telegramChatId: null });
    expect(row!.erasedAt).not.toBeNull();
    const traces = await env.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM telegram_updates WHERE chat_id = ${String(p.chatId)} AND payload LIKE ${'%冯三%'}`);
    expect(traces[0]!.n).toBe(0);
  });
});

describe('bad input', () => {
  it('answers stickers, photos and typing where a button is asked, ignores edits, and re-shows the question', async () => {
    const p = person();
    await p.say('/start');
    await p.press('中文');
    const sticker = await p.send(tg.sticker(p.chatId));
    expect(p.texts(sticker)).toContain('看不懂');
    expect(p.lastText()).toContain('同意吗');
    const photo = await p.send(tg.photo(p.chatId));
    expect(p.texts(photo)).toContain('看不懂');
    const typed = await p.say('好的');
    expect(p.texts(typed)).toContain('请点按钮');
    const edit = await p.send(tg.edited(p.chatId, 'changed'));
    expect(edit).toEqual([]);
  });

  it('a button from an old message is recognised as stale', async () => {
    const p = person();
    await p.say('/start');
    const langMessage = p.last();
    await p.press('中文');
    const oldButton = langMessage.body.reply_markup.inline_keyboard[0][1].callback_data;
    const stale = await p.send(tg.callback(p.chatId, oldButton));
    expect(p.texts(stale)).toContain('按钮已经过时');
    const nonsense = await p.send(tg.callback(p.chatId, 'g:accept:not-a-number'));
    expect(p.texts(nonsense)).toContain('过时');
    const forged = await p.send(tg.callback(p.chatId, 'garbage'));
    expect(forged.length).toBeGreaterThan(0);
  });

  it('in a group it only points to a private chat', async () => {
    const group = -100_000 - nextChat++;
    const a = await post(tg.groupText(group, nextChat, 'hello'));
    expect(a.status).toBe(200);
    expect(fake.sent('sendMessage', group)).toEqual([]);
    await post(tg.groupText(group, nextChat, '/start'));
    expect(fake.sent('sendMessage', group).map((c) => c.body.text)).toEqual(['请私聊我使用。']);
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

  it('when Telegram fails mid-answer the update is still answered 200 and the person can go on', async () => {
    const p = person();
    fake.fail({ status: 500 }, (c) => c.method === 'sendMessage' && String(c.body.chat_id) === String(p.chatId));
    const res = await post(tg.text(p.chatId, '/start'));
    expect(res.status).toBe(200);
    await p.say('/start');
    expect(p.lastText()).toContain('请选择语言');
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
    expect(p.lastText()).toContain('请选择语言');
  });
});

describe('terminal chat (npm run chat)', () => {
  it('lets a person sign up and apply by typing numbers, with the same webhook and bot', async () => {
    const employer = await makeEmployer(env);
    await makeOpening(env, employer.id, { title: '竹编工', point: { lat: 22.9, lon: 102.9 }, skills: [] });
    const chat = new TerminalChat(fake, async (u) => void (await post(u)), ++nextChat, 'Li');
    const pick = (out: string[], label: string) => {
      const line = out.find((l) => l.includes(label) && /\[\d+\]/.test(l));
      if (!line) throw new Error(`no choice "${label}" in:\n${out.join('\n')}`);
      return /\[(\d+)\]/.exec(line)![1]!;
    };
    let out = await chat.input('/start');
    out = await chat.input(pick(out, '中文'));
    out = await chat.input(pick(out, '同意'));
    out = await chat.input(pick(out, '不允许'));
    out = await chat.input('李四');
    out = await chat.input(pick(out, '发送我的电话'));
    expect(out.join()).toContain('type your phone number');
    out = await chat.input('13900001111');
    out = await chat.input(pick(out, '蒙自市'));
    out = await chat.input(pick(out, '文澜街道'));
    out = await chat.input(pick(out, '天马社区'));
    out = await chat.input(pick(out, '发送我的位置'));
    out = await chat.input('22.9,102.9');
    out = await chat.input(pick(out, '完成'));
    out = await chat.input(pick(out, '全天'));
    out = await chat.input(pick(out, '5 公里'));
    out = await chat.input(pick(out, '对，登记'));
    expect(out.join('\n')).toContain('登记好了');
    out = await chat.input(pick(out, '附近的工作'));
    expect(out.join('\n')).toContain('竹编工');
    out = await chat.input(pick(out, '报名第 1 个'));
    expect(out.join('\n')).toContain('已报名“竹编工”');
    const w = await workerOfChat(chat.chatId);
    expect(w).toMatchObject({ name: '李四', phone: '13900001111', homeLat: 22.9 });
    const apps = await env.db.select().from(applications).where(eq(applications.workerId, w!.id));
    expect(apps.map((a) => a.state)).toEqual(['applied']);
  });
});
