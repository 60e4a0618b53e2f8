// The conversation walked as the people it serves meet it: 李桂芬's sign-up
// counted (inputs and bot messages), and every step of the state machine met
// with every kind of input, each answered with buttons to go on.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBotApi } from '../../bot/dev/fake-bot-api.js';
import { newSession, STEPS, type Session, type Step } from '../../bot/flow.js';
import { botSessions, employers, workers } from '../../db/schema.js';
import { buttonsOf, chatHarness } from '../bot-person.js';
import { makeBotTestEnv, makeEmployer, makeOpening, type TestEnv } from '../helpers.js';
import * as tg from '../telegram-updates.js';

const SECRET = 'walk-webhook-secret-123';
let env: TestEnv;
let fake: FakeBotApi;
let closeAll: () => Promise<void>;
let h: ReturnType<typeof chatHarness>;
beforeAll(async () => {
  ({ env, fake, close: closeAll } = await makeBotTestEnv({ token: '654321:WALK-TOKEN', secret: SECRET }));
  h = chatHarness(env, fake, SECRET);
});
afterAll(() => closeAll());

describe('李桂芬 signs up', () => {
  // 62, cares for two grandchildren, cannot leave home, sews, can work half a
  // day, 5 km at most. Played the same way on main before this change: 19
  // inputs and 24 bot messages (a language step, two consents, her typed
  // number refused and sent again by the button, location skipped, whom she
  // cares for as a toggle list, a confirmation step).
  it('in at most 12 inputs and 14 bot messages', async () => {
    const p = h.person();
    await p.say('/start');
    await p.press('同意');
    await p.say('李桂芬');
    await p.say('138 8731 0452');
    await p.press('蒙自市');
    await p.press('文澜街道');
    await p.press('天马社区');
    await p.press('要带孩子');
    await p.press('缝纫');
    await p.press('好了');
    await p.press('半天');
    const done = await p.press('5 公里');
    expect(p.texts(done)).toContain('登记好了');
    expect(p.inputs()).toBeLessThanOrEqual(12);
    expect(p.messages()).toBeLessThanOrEqual(14);
    console.log(`李桂芬's sign-up: ${p.inputs()} inputs, ${p.messages()} bot messages`);
    const [w] = await env.db.select().from(workers).where(eq(workers.telegramChatId, String(p.chatId)));
    expect(w).toMatchObject({
      name: '李桂芬',
      phone: '13887310452',
      cannotLeaveHome: true,
      careFor: ['children'],
      skills: ['sewing'],
      availability: 'part_day',
      maxDistanceKm: 5,
      areaCode: '532503001001',
    });
    expect(w!.sensitiveConsentAt).not.toBeNull();
  });
});

describe('every step, every kind of input', () => {
  it('is answered with buttons to go on (or back to the menu)', async () => {
    const worker = h.person();
    await worker.say('/start');
    await worker.press('同意');
    await worker.say('韩梅');
    await worker.say('跳过');
    await worker.press('蒙自市');
    await worker.press('文澜街道');
    await worker.press('天马社区');
    await worker.press('能出门');
    await worker.press('好了');
    await worker.press('一整天');
    await worker.press('5 公里');
    const employer = await makeEmployer(env);
    const opening = await makeOpening(env, employer.id, { point: { lat: 23.6, lon: 103.6 } });
    const boss = h.person();
    await env.db.update(employers).set({ telegramChatId: String(boss.chatId) }).where(eq(employers.id, employer.id));
    const stranger = h.person();

    const county = { code: '532503', name: '蒙自市' };
    const township = { code: '532503001', name: '文澜街道' };
    const base = newSession();
    const at = (step: Step, over: Partial<Session> = {}): Session => ({ ...base, lang: 'zh', step, ...over });
    const fixtures: Array<[Step, number, Session]> = STEPS.map((step): [Step, number, Session] => {
      switch (step) {
        case 'menu':
        case 'profile':
        case 'found_type':
        case 'delete':
          return [step, worker.chatId, at(step)];
        case 'found_where':
        case 'found_county':
        case 'found_province':
        case 'found_since':
        case 'found_month':
          return [step, worker.chatId, at(step, { found: { type: 'workshop', areaCode: '532503' } })];
        case 'reason':
          return [step, worker.chatId, at(step, { pending: { kind: 'withdraw', applicationId: 999_999 } })];
        case 'location':
          return [step, worker.chatId, at(step, { editing: 'home', draft: { name: '韩梅' } })];
        case 'care_for':
          return [step, worker.chatId, at(step, { editing: 'care', draft: { sensitive: true, cannotLeaveHome: true, careFor: ['elders'] } })];
        case 'employer_menu':
          return [step, boss.chatId, at(step)];
        case 'close_confirm':
          return [step, boss.chatId, at(step, { pending: { kind: 'close', openingId: opening.id, title: 'x' } })];
        case 'code_confirm':
          return [step, stranger.chatId, at(step, { link: { code: '000000', kind: 'worker', name: '某人' } })];
        case 'resume':
          return [step, stranger.chatId, at(step, { resume: 'township', draft: { name: '某人', county } })];
        case 'township':
          return [step, stranger.chatId, at(step, { draft: { name: '某人', county } })];
        case 'village':
          return [step, stranger.chatId, at(step, { draft: { name: '某人', county, township } })];
        default:
          return [step, stranger.chatId, at(step, { draft: { name: '某人' } })];
      }
    });
    const inputs: Array<[string, (chat: number) => unknown]> = [
      ['text', (c) => tg.text(c, '随便写写')],
      ['digits', (c) => tg.text(c, '12')],
      ['menu word', (c) => tg.text(c, '菜单')],
      ['/start', (c) => tg.text(c, '/start')],
      ['/help', (c) => tg.text(c, '/help')],
      ['/unknown', (c) => tg.text(c, '/foo')],
      ['old-style button', (c) => tg.callback(c, '3:lang:zh')],
      ['garbage button', (c) => tg.callback(c, 'garbage')],
      ['other step’s button', (c) => tg.callback(c, 'hours:pick:full_day')],
      ['forged arg', (c) => tg.callback(c, 'x:pick:nothing')],
      ['back', (c) => tg.callback(c, 'x:back')],
      ['menu button', (c) => tg.callback(c, 'm:applications')],
      ['spent notice', (c) => tg.callback(c, 'g:accept:999999')],
      ['contact', (c) => tg.contact(c, '+86 139 0000 0000')],
      ['location', (c) => tg.location(c, 23.4, 103.38)],
      ['voice', (c) => tg.voice(c)],
      ['sticker', (c) => tg.sticker(c)],
      ['photo', (c) => tg.photo(c)],
    ];
    const problems: string[] = [];
    for (const [step, chat, session] of fixtures) {
      for (const [kind, make] of inputs) {
        await env.db.update(botSessions).set({ state: session as unknown as Record<string, unknown> }).where(eq(botSessions.chatId, String(chat)));
        const before = fake.sent('sendMessage', chat).length;
        const update = make(chat) as Record<string, any>;
        // A button pressed at this step: the step's own name with a made-up action.
        if (kind === 'forged arg') update.callback_query.data = `${step}:pick:nothing`;
        if (kind === 'back') update.callback_query.data = `${step}:back`;
        const res = await h.post(update);
        const answers = fake.sent('sendMessage', chat).slice(before);
        const last = answers.at(-1);
        if (res.status !== 200) problems.push(`${step} × ${kind}: HTTP ${res.status}`);
        else if (!last) problems.push(`${step} × ${kind}: no answer`);
        else if (buttonsOf(last).length === 0) problems.push(`${step} × ${kind}: no buttons after "${String(last.body.text).slice(0, 40)}"`);
        else if (/出了点问题/.test(String(last.body.text))) problems.push(`${step} × ${kind}: an error`);
        else if (kind === 'menu word') {
          // 菜单 typed anywhere leads home: the menu, or the start of the sign-up (or "continue?").
          const home = chat === worker.chatId ? ['m:work'] : chat === boss.chatId ? ['e:applicants'] : ['intro:agree', 'resume:continue'];
          if (!buttonsOf(last).some((b) => home.includes(b.callback_data ?? ''))) problems.push(`${step} × ${kind}: not home but "${String(last.body.text).slice(0, 30)}"`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(fixtures.length * inputs.length).toBeGreaterThan(400);
  }, 120_000);
});
