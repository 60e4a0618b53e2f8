// The public-welfare post's month (issue 18, sections 3 and 4): the subsidy
// rule, a month of assessments and its payment list, telling the holder
// before payment, the monthly ghost-post checks and the sampled check-in.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, households, outbox, postCheckins, workers } from '../../db/schema.js';
import { checkinDraw, inCheckinSample } from '../../src/domain/checkin-sample.js';
import { HONGHE_POST_RULES, postRulesFrom } from '../../src/domain/post-rules.js';
import { monthProblems, subsidyFor } from '../../src/domain/subsidy.js';
import { runClocks } from '../../src/scheduler.js';
import { workerAssessments } from '../../src/services/posts/assessments.js';
import { answerPostCheckin } from '../../src/services/posts/checkins.js';
import { exportSubsidyList, subsidyCsv, subsidyList, subsidyXlsx } from '../../src/services/posts/subsidy-list.js';
import { readXlsx } from '../../src/lib/xlsx.js';
import { makeHousehold, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

const V1 = '532503001001';
const HOME = { lat: 23.4, lon: 103.38 };

describe('the subsidy rule (pure)', () => {
  const rules = HONGHE_POST_RULES;
  it('pays the band\'s share of the standard, prorated by days, and states every deduction', () => {
    expect(subsidyFor(rules, { daysWorked: 22, attendance: 30, township: 45, appraisal: 18 })).toMatchObject({ total: 93, amountFen: 50000, deductionFen: 0, deductionReason: null });
    const fair = subsidyFor(rules, { daysWorked: 22, total: 72 });
    expect(fair).toMatchObject({ amountFen: 40000, deductionFen: 10000, deductions: ['score_band'] });
    expect(fair.band.label).toBe('合格');
    expect(fair.deductionReason).toBe('考核72分（合格）按80%发放，扣100元');
    const short = subsidyFor(rules, { daysWorked: 11, total: 85 });
    expect(short).toMatchObject({ amountFen: 25000, deductions: ['days_short'] });
    expect(short.deductionReason).toContain('出勤11天，满勤22天');
    expect(subsidyFor(rules, { daysWorked: 20, total: 59.5 })).toMatchObject({ amountFen: 0, deductionFen: 50000 });
    // More days than a full month pay a full month, not more.
    expect(subsidyFor(rules, { daysWorked: 26, total: 100 }).amountFen).toBe(50000);
    // 500 × 0.8 × 7 / 22 = 127.2727…: whole fen, rounded once.
    expect(subsidyFor(rules, { daysWorked: 7, total: 65 }).amountFen).toBe(12727);
  });

  it('a POST_RULES override changes the amounts', () => {
    const other = postRulesFrom({ monthlySubsidyYuan: 800, fullMonthDays: 20, scoreBands: [{ min: 70, share: 1, label: '合格' }, { min: 0, share: 0.5, label: '基本合格' }] });
    expect(subsidyFor(other, { daysWorked: 22, total: 72 }).amountFen).toBe(80000);
    expect(subsidyFor(other, { daysWorked: 10, total: 65 }).amountFen).toBe(20000);
  });

  it('refuses scores beyond their weights, parts and a total both, and days beyond the month', () => {
    expect(monthProblems(rules, { daysWorked: 20, attendance: 31, township: 40, appraisal: 10 }, 30).map((p) => p.path)).toEqual(['attendance']);
    expect(monthProblems(rules, { daysWorked: 20, attendance: 20, total: 60 }, 30).map((p) => p.path)).toContain('total');
    expect(monthProblems(rules, { daysWorked: 20, attendance: 20 }, 30).map((p) => p.path)).toEqual(['township']);
    expect(monthProblems(rules, { daysWorked: 31, total: 60 }, 30).map((p) => p.path)).toEqual(['daysWorked']);
    expect(monthProblems(rules, { daysWorked: 30, total: 60 }, 30)).toEqual([]);
  });
});

describe('the check-in sample (pure)', () => {
  it('asks the configured share of a run of holders, within one or two', () => {
    for (const share of [0.1, 0.25, 0.5]) {
      const asked = Array.from({ length: 200 }, (_, i) => 1000 + i).filter((id) => inCheckinSample(id, '2026-12', share)).length;
      expect(Math.abs(asked - share * 200), `share ${share}: ${asked}`).toBeLessThanOrEqual(2);
    }
  });

  it('is the same draw for the same month, and asks each holder in about that share of months', () => {
    expect(checkinDraw(42, '2026-12')).toBe(checkinDraw(42, '2026-12'));
    for (const id of [1, 77, 5000]) {
      const months = Array.from({ length: 120 }, (_, i) => `${2020 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
      const asked = months.filter((m) => inCheckinSample(id, m, 0.1)).length;
      expect(asked, `holder ${id}`).toBeGreaterThanOrEqual(10);
      expect(asked, `holder ${id}`).toBeLessThanOrEqual(14);
    }
  });
});

async function holder(env: TestEnv, over: { household?: number; start?: string; area?: string; chat?: string } = {}) {
  const h = over.household ?? (await makeHousehold(env, { areaCode: over.area ?? V1, povertyAlleviated: true })).id;
  const w = await makeWorker(env, h, { home: HOME, ...(over.chat ? {} : {}) });
  const p = await env.request('POST', '/v1/placements', {
    token: env.adminToken,
    body: { workerId: w.id, type: 'public_welfare', areaCode: over.area ?? V1, startDate: over.start ?? '2026-09-01' },
  });
  if (p.status !== 201) throw new Error(`placement: ${p.status} ${JSON.stringify(p.body)}`);
  return { worker: w, placementId: p.body.id as number, householdId: h };
}

describe('a month of assessments', () => {
  let env: TestEnv;
  let township: string;
  let holders: Array<Awaited<ReturnType<typeof holder>>>;
  const put = (body: unknown, token = township) => env.request('PUT', '/v1/assessments', { token, body });

  beforeAll(async () => {
    env = await makeTestEnv();
    env.clock.set('2026-11-20T02:00:00Z');
    township = await env.token({ role: 'staff', areaPrefix: '532503001' });
    holders = [];
    for (let i = 0; i < 4; i++) holders.push(await holder(env));
  });
  afterAll(() => env.close());

  it('records each holder\'s month, lists the area\'s holders recorded or not, and the payment list follows the bands', async () => {
    const sheet = [
      { daysWorked: 22, attendance: 30, township: 48, appraisal: 17 },
      { daysWorked: 22, total: 82 },
      { daysWorked: 20, total: 70 },
    ];
    for (const [i, s] of sheet.entries()) {
      const r = await put({ placementId: holders[i]!.placementId, month: '2026-11', ...s });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const byWorker = await put({ workerId: holders[0]!.worker.id, month: '2026-11', daysWorked: 21, attendance: 30, township: 48, appraisal: 17 });
    expect(byWorker.status).toBe(200);
    expect(byWorker.body).toMatchObject({ revision: 2, amountYuan: 477.27, told: false });

    const list = await env.request('GET', '/v1/assessments?area=532503001&month=2026-11', { token: township });
    expect(list.status).toBe(200);
    const mine = list.body.items.filter((i: any) => holders.some((h) => h.placementId === i.placementId));
    expect(mine).toHaveLength(4);
    expect(mine.find((i: any) => i.placementId === holders[3]!.placementId).assessment).toBeNull();
    expect(mine.find((i: any) => i.placementId === holders[2]!.placementId).assessment).toMatchObject({ band: '合格', amountYuan: 363.64, deductionYuan: 136.36 });

    const pay = await subsidyList({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'test' } }, { area: '532503001', month: '2026-11' });
    expect(pay.rows.map((r) => r.amountFen)).toEqual([47727, 50000, 36364]);
    expect(pay.totalFen).toBe(47727 + 50000 + 36364);
    expect(pay.rows[2]!.deductionReason).toContain('按80%发放');
    expect(pay.unassessed).toBe(1);
    // The payment list as a spreadsheet: 人员编号 as text, amounts as numbers, a 合计 row; the export audited.
    const exported = await exportSubsidyList({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'export' } }, { area: '532503001', month: '2026-11' }, 'xlsx');
    const [back] = readXlsx(subsidyXlsx(exported));
    expect(back!.rows[0]!.slice(0, 3)).toEqual(['人员编号', '就近人员号', '姓名']);
    expect(back!.rows).toHaveLength(1 + 3 + 1);
    expect(back!.rows[1]![8]).toBe(477.27);
    expect(back!.rows[4]![2]).toContain('合计（3人）');
    expect(back!.rows[4]![8]).toBe(1340.91);
    const csv = subsidyCsv(exported);
    expect(csv.split('\r\n')[1]).toContain('"=""532503001001"""');
    const [exportAudit] = await env.db.select().from(auditLog).where(eq(auditLog.action, 'export.subsidy'));
    expect(exportAudit!.detail).toMatchObject({ month: '2026-11', format: 'xlsx', rows: 3, totalFen: 134091 });
    const audits = await env.db.select().from(auditLog).where(sql`${auditLog.action} LIKE 'assessment.%'`);
    expect(audits.map((a) => a.action).sort()).toEqual(['assessment.record', 'assessment.record', 'assessment.record', 'assessment.rerecord']);
  });

  it('refuses with the field: scores over their weights, more days than held, a month not begun, a non-post, another area', async () => {
    const h = holders[3]!;
    const over = await put({ placementId: h.placementId, month: '2026-11', daysWorked: 20, attendance: 35, township: 40, appraisal: 10 });
    expect(over.status).toBe(422);
    expect(over.body.error.issues[0].path).toBe('attendance');
    const late = await holder(env, { start: '2026-11-15' });
    const days = await put({ placementId: late.placementId, month: '2026-11', daysWorked: 20, total: 90 });
    expect(days.status).toBe(422);
    expect(days.body.error.issues[0]).toMatchObject({ path: 'daysWorked', message: 'the post was held 16 days of 2026-11' });
    const future = await put({ placementId: h.placementId, month: '2026-12', daysWorked: 20, total: 90 });
    expect(future.status).toBe(422);
    expect(future.body.error.issues[0].path).toBe('month');
    expect((await put({ month: '2026-11', daysWorked: 20, total: 90 })).status).toBe(400);
    expect((await put({ placementId: h.placementId, month: '2026-11', daysWorked: 20, total: 90, extra: 1 })).status).toBe(400);
    const other = await env.token({ role: 'staff', areaPrefix: '532503002' });
    expect((await put({ placementId: h.placementId, month: '2026-11', daysWorked: 20, total: 90 }, other)).status).toBe(404);
    const hh = await makeHousehold(env);
    const w = await makeWorker(env, hh.id, { home: HOME });
    const pl = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: w.id, type: 'workshop', areaCode: V1, startDate: '2026-10-01' } });
    const notPost = await put({ placementId: pl.body.id, month: '2026-11', daysWorked: 20, total: 90 });
    expect(notPost.status).toBe(422);
    expect(notPost.body.error.issues[0].path).toBe('placementId');
  });

  it('is paid only after the month, once the holder was told this amount; recorded again, it must be told again', async () => {
    const list = await env.request('GET', '/v1/assessments?area=532503001&month=2026-11', { token: township });
    const a = list.body.items.find((i: any) => i.placementId === holders[1]!.placementId).assessment;
    env.clock.set('2026-11-30T02:00:00Z');
    const early = await env.request('POST', `/v1/assessments/${a.id}/paid`, { token: township });
    expect(early.status).toBe(422);
    env.clock.set('2026-12-02T02:00:00Z');
    const untold = await env.request('POST', `/v1/assessments/${a.id}/paid`, { token: township });
    expect(untold.status).toBe(409);
    expect(untold.body.error.issues[0].path).toBe('told');
    // No chat, no WeChat, no phone: no message can tell them.
    const msg = await env.request('POST', `/v1/assessments/${a.id}/tell`, { token: township, body: { how: 'message' } });
    expect(msg.status).toBe(422);
    expect(msg.body.error.issues[0].path).toBe('how');
    const told = await env.request('POST', `/v1/assessments/${a.id}/tell`, { token: township, body: { how: 'in_person' } });
    expect(told.status).toBe(200);
    expect(told.body).toMatchObject({ told: true, toldHow: 'in_person' });
    // Recorded again after telling: told no more.
    const again = await put({ placementId: holders[1]!.placementId, month: '2026-11', daysWorked: 22, total: 65 });
    expect(again.body).toMatchObject({ told: false, revision: 2, amountYuan: 400 });
    expect((await env.request('POST', `/v1/assessments/${a.id}/paid`, { token: township })).status).toBe(409);
    await env.request('POST', `/v1/assessments/${a.id}/tell`, { token: township, body: { how: 'in_person' } });
    const paid = await env.request('POST', `/v1/assessments/${a.id}/paid`, { token: township });
    expect(paid.status).toBe(200);
    expect(paid.body.paidAt).toBe('2026-12-02T02:00:00.000Z');
    expect((await env.request('POST', `/v1/assessments/${a.id}/paid`, { token: township })).status).toBe(409);
    expect((await put({ placementId: holders[1]!.placementId, month: '2026-11', daysWorked: 22, total: 90 })).status).toBe(409);
  });

  it('a holder reached in the chat is told by a message, and the month is paid only once it was sent', async () => {
    env.clock.set('2026-12-02T02:00:00Z');
    const h = await holder(env);
    await env.db.update(workers).set({ telegramChatId: `chat-${h.worker.id}` }).where(eq(workers.id, h.worker.id));
    const r = await put({ placementId: h.placementId, month: '2026-11', daysWorked: 18, total: 75 });
    const tell = await env.request('POST', `/v1/assessments/${r.body.id}/tell`, { token: township, body: { how: 'message' } });
    expect(tell.status).toBe(200);
    expect(tell.body).toMatchObject({ toldHow: 'message', told: false });
    const [row] = await env.db.select().from(outbox).where(eq(outbox.dedupeKey, `subsidy_notice:${r.body.id}:1`));
    expect(row).toMatchObject({ kind: 'subsidy_notice', workerId: h.worker.id, status: 'pending' });
    expect((await env.request('POST', `/v1/assessments/${r.body.id}/paid`, { token: township })).status).toBe(409);
    // The sender marks it sent (bot/sender.ts does so after Telegram's answer).
    await env.db.update(outbox).set({ status: 'sent' }).where(eq(outbox.id, row!.id));
    expect((await env.request('GET', `/v1/assessments/${r.body.id}`, { token: township })).body.told).toBe(true);
    expect((await env.request('POST', `/v1/assessments/${r.body.id}/paid`, { token: township })).status).toBe(200);
  });
});

describe('a POST_RULES override', () => {
  it('changes the recorded amounts', async () => {
    const env = await makeTestEnv(':memory:', { config: { POST_RULES: '{"monthlySubsidyYuan":800,"scoreBands":[{"min":75,"share":1,"label":"合格"},{"min":0,"share":0.5,"label":"基本合格"}]}' } });
    try {
      env.clock.set('2026-11-20T02:00:00Z');
      const h = await holder(env);
      const r = await env.request('PUT', '/v1/assessments', { token: env.adminToken, body: { placementId: h.placementId, month: '2026-11', daysWorked: 22, total: 72 } });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ band: '基本合格', amountYuan: 400, deductionYuan: 400 });
    } finally {
      env.close();
    }
  });
});

describe('the monthly ghost-post checks', () => {
  let env: TestEnv;
  let county: string;
  const kindsOf = async (placementId: number) => {
    const r = await env.request('GET', '/v1/post-checks?area=532503&limit=100', { token: county });
    expect(r.status).toBe(200);
    return r.body.items.filter((i: any) => i.placementId === placementId).map((i: any) => i.kind).sort();
  };

  beforeAll(async () => {
    env = await makeTestEnv();
    county = await env.token({ role: 'staff', areaPrefix: '532503' });
  });
  afterAll(() => env.close());

  it('each flag fires on its constructed case and none on a clean holder', async () => {
    env.clock.set('2026-11-02T02:00:00Z');
    const clean = await holder(env, { start: '2026-09-01' });
    const away = await holder(env, { start: '2026-09-01' });
    const dead = await holder(env, { start: '2026-09-01' });
    const erased = await holder(env, { start: '2026-09-01' });
    const cadre = await holder(env, { start: '2026-09-01' });
    const first = await holder(env, { start: '2026-09-01' });
    const second = await holder(env, { start: '2026-09-01' });
    const unassessed = await holder(env, { start: '2026-09-01' });
    const newcomer = await holder(env, { start: '2026-10-20' });
    // Working out of the province while holding the post.
    expect((await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: away.worker.id, type: 'migrant', areaCode: '44', startDate: '2026-10-01' } })).status).toBe(201);
    await env.db.update(workers).set({ deceasedOn: '2026-10-15' }).where(eq(workers.id, dead.worker.id));
    expect((await env.request('DELETE', `/v1/workers/${erased.worker.id}`, { token: env.adminToken })).status).toBeLessThan(300);
    await env.db.update(households).set({ cadreHousehold: true }).where(eq(households.id, cadre.householdId));
    // A re-import moved the second holder into the first one's household.
    await env.db.update(workers).set({ householdId: first.householdId }).where(eq(workers.id, second.worker.id));
    const all = [clean, away, dead, erased, cadre, first, second, newcomer];
    env.clock.set('2026-11-20T02:00:00Z');
    for (const h of all) {
      for (const month of ['2026-09', '2026-10']) {
        const r = await env.request('PUT', '/v1/assessments', { token: env.adminToken, body: { placementId: h.placementId, month, daysWorked: month === '2026-09' || h !== newcomer ? 20 : 8, total: 90 } });
        if (h === newcomer && month === '2026-09') expect(r.status).toBe(422);
        else if (h !== erased) expect(r.status, JSON.stringify(r.body)).toBe(201);
      }
    }

    // Before the day after assessments are due, nothing runs.
    env.clock.set('2026-12-10T02:00:00Z');
    expect((await runClocks(env.deps)).postChecksRaised).toBe(0);
    env.clock.set('2026-12-11T02:00:00Z');
    const report = await runClocks(env.deps);
    expect(report.postChecksRaised).toBeGreaterThanOrEqual(7);

    expect(await kindsOf(clean.placementId)).toEqual([]);
    expect(await kindsOf(newcomer.placementId)).toEqual([]);
    expect(await kindsOf(away.placementId)).toEqual(['concurrent_placement']);
    const flags = (await env.request('GET', '/v1/post-checks?area=532503&kind=concurrent_placement', { token: county })).body.items;
    expect(flags[0].detail).toMatchObject({ type: 'migrant', scope: 'out_of_province', outOfCounty: true });
    expect(await kindsOf(dead.placementId)).toEqual(['deceased']);
    expect(await kindsOf(erased.placementId)).toEqual(['erased']);
    expect(await kindsOf(cadre.placementId)).toEqual(['cadre_household']);
    expect(await kindsOf(first.placementId)).toEqual(['two_in_household']);
    expect(await kindsOf(second.placementId)).toEqual(['two_in_household']);
    expect(await kindsOf(unassessed.placementId)).toEqual(['no_assessment']);

    // Once a month: running again raises nothing new.
    expect((await runClocks(env.deps)).postChecksRaised).toBe(0);
  });

  it('staff of the area resolve a flag with a note, audited; others do not see it', async () => {
    const list = (await env.request('GET', '/v1/post-checks?area=532503&kind=cadre_household', { token: county })).body.items;
    const id = list[0].id;
    const other = await env.token({ role: 'staff', areaPrefix: '532501' });
    expect((await env.request('GET', '/v1/post-checks?area=532503', { token: other })).status).toBe(403);
    expect((await env.request('POST', `/v1/post-checks/${id}/resolve`, { token: other, body: { resolution: 'cleared', note: 'x' } })).status).toBe(404);
    expect((await env.request('POST', `/v1/post-checks/${id}/resolve`, { token: county, body: { resolution: 'cleared', note: '  ' } })).status).toBe(400);
    const r = await env.request('POST', `/v1/post-checks/${id}/resolve`, { token: county, body: { resolution: 'confirmed', note: '村干部家属，已通知退岗' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ resolution: 'confirmed', note: '村干部家属，已通知退岗' });
    expect((await env.request('POST', `/v1/post-checks/${id}/resolve`, { token: county, body: { resolution: 'cleared', note: 'again' } })).status).toBe(409);
    const open = (await env.request('GET', '/v1/post-checks?area=532503&kind=cadre_household', { token: county })).body.items;
    expect(open).toHaveLength(0);
    const resolved = (await env.request('GET', '/v1/post-checks?area=532503&resolved=true', { token: county })).body.items;
    expect(resolved.map((i: any) => i.id)).toEqual([id]);
    const [audit] = await env.db.select().from(auditLog).where(and(eq(auditLog.action, 'post_check.resolve'), eq(auditLog.objectId, String(id))));
    expect(audit!.detail).toEqual({ kind: 'cadre_household', resolution: 'confirmed' });
    // Erased, the person's flags stay and the note's words go.
    expect((await env.request('DELETE', `/v1/workers/${list[0].workerId}`, { token: env.adminToken })).status).toBeLessThan(300);
    const after = (await env.request('GET', '/v1/post-checks?area=532503&resolved=true', { token: county })).body.items;
    expect(after[0]).toMatchObject({ id, note: '—', name: null });
  });
});

describe('the sampled check-in', () => {
  it('asks the configured share of holders and lists no and no-answer after the answer days', async () => {
    const env = await makeTestEnv(':memory:', { config: { POST_RULES: '{"checkinSampleShare":0.25}' } });
    try {
      env.clock.set('2026-11-02T02:00:00Z');
      const hs = [];
      for (let i = 0; i < 40; i++) hs.push(await holder(env, { start: '2026-11-01' }));
      for (const h of hs) await env.db.update(workers).set({ telegramChatId: `pc-${h.worker.id}` }).where(eq(workers.id, h.worker.id));
      env.clock.set('2026-12-11T02:00:00Z');
      const report = await runClocks(env.deps);
      const expected = hs.filter((h) => inCheckinSample(h.placementId, '2026-12', 0.25));
      expect(report.postCheckinsAsked).toBe(expected.length);
      expect(Math.abs(expected.length - 10)).toBeLessThanOrEqual(2);
      const asked = await env.db.select().from(postCheckins);
      expect(asked.map((c) => c.placementId).sort()).toEqual(expected.map((h) => h.placementId).sort());
      const messages = await env.db.select().from(outbox).where(eq(outbox.kind, 'post_checkin'));
      expect(messages).toHaveLength(expected.length);

      // One says no at once, one says yes; the rest do not answer.
      const [no, yes] = asked;
      expect(await answerPostCheckin({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'bot' } }, no!.workerId, no!.id, false)).toBe(true);
      expect(await answerPostCheckin({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'bot' } }, yes!.workerId, yes!.id, true)).toBe(true);
      expect(await answerPostCheckin({ db: env.db, clock: env.clock, actor: { role: 'system', name: 'bot' } }, yes!.workerId, yes!.id, false)).toBe(false);
      const list = async () => (await env.request('GET', '/v1/post-checks?limit=100', { token: env.adminToken })).body.items;
      expect((await list()).map((i: any) => i.kind)).toEqual(['checkin_no']);

      env.clock.set('2026-12-13T15:00:00Z'); // 23:00 on the 13th in China: still within the 3 days
      expect((await runClocks(env.deps)).postCheckinsUnanswered).toBe(0);
      env.clock.set('2026-12-13T16:30:00Z'); // 00:30 on the 14th in China
      const later = await runClocks(env.deps);
      expect(later.postCheckinsUnanswered).toBe(expected.length - 2);
      const items = await list();
      expect(items.filter((i: any) => i.kind === 'checkin_no_answer').map((i: any) => i.placementId).sort()).toEqual(
        asked.slice(2).map((c) => c.placementId).sort(),
      );
      expect((await runClocks(env.deps)).postCheckinsUnanswered).toBe(0);
    } finally {
      env.close();
    }
  });
});


describe('the console\'s month sheet (over HTTP, no script)', () => {
  const ORIGIN = 'http://console.test';
  it('lists the township\'s holders in one form, saves all rows in one submit or none, tells, pays and exports', async () => {
    const env = await makeTestEnv();
    try {
      env.clock.set('2026-11-20T02:00:00Z');
      const staff = await env.token({ role: 'staff', areaPrefix: '532503001' });
      const hs = [await holder(env), await holder(env), await holder(env)];
      // November is recorded, told and paid in early December (a console session lasts hours, not days).
      env.clock.set('2026-12-02T02:00:00Z');
      const login = await env.app.request(`${ORIGIN}/console/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams({ token: staff }) });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const get = async (path: string) => (await env.app.request(`${ORIGIN}${path}`, { headers: { cookie } })).text();
      const post = (path: string, fields: Record<string, string>) =>
        env.app.request(`${ORIGIN}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: ORIGIN }, body: new URLSearchParams(fields) });
      const page = await get('/console/assessments?month=2026-11');
      for (const h of hs) expect(page).toContain(`data-placement="${h.placementId}"`);
      const csrf = /name="_csrf" value="([0-9a-f]+)"/.exec(page)![1]!;
      const [a, b, c] = hs.map((h) => h.placementId) as [number, number, number];
      // One bad row (attendance over its 30 points): nothing is saved, the row says why.
      const bad = await post('/console/assessments', { _csrf: csrf, area: '532503001', month: '2026-11', [`d-${a}`]: '20', [`s-${a}`]: '90', [`d-${b}`]: '18', [`a-${b}`]: '35', [`t-${b}`]: '40', [`p-${b}`]: '15' });
      expect(bad.status).toBe(422);
      const badPage = await bad.text();
      expect(badPage).toContain(`id="err-d-${b}"`);
      expect(badPage).toContain('attendance');
      expect((await env.request('GET', '/v1/assessments?area=532503001&month=2026-11', { token: staff })).body.items.every((i: any) => i.assessment === null)).toBe(true);
      // Fixed, and the empty row left out.
      const ok = await post('/console/assessments', { _csrf: csrf, area: '532503001', month: '2026-11', [`d-${a}`]: '20', [`s-${a}`]: '90', [`d-${b}`]: '18', [`a-${b}`]: '25', [`t-${b}`]: '40', [`p-${b}`]: '15' });
      expect(ok.status).toBe(303);
      const list = (await env.request('GET', '/v1/assessments?area=532503001&month=2026-11', { token: staff })).body.items;
      const of = (pid: number) => list.find((i: any) => i.placementId === pid).assessment;
      expect(of(a)).toMatchObject({ total: 90, amountYuan: 454.55 });
      expect(of(b)).toMatchObject({ total: 80, amountYuan: 409.09 });
      expect(of(c)).toBeNull();
      expect((await post('/console/assessments/act', { _csrf: csrf, area: '532503001', month: '2026-11', act: `paid:${of(a).id}` })).status).toBe(409);
      expect((await post('/console/assessments/act', { _csrf: csrf, area: '532503001', month: '2026-11', act: `in_person:${of(a).id}` })).status).toBe(303);
      expect((await post('/console/assessments/act', { _csrf: csrf, area: '532503001', month: '2026-11', act: `paid:${of(a).id}` })).status).toBe(303);
      // Each holder's page shows their months: paid, recorded but not told, none yet; each month opens the sheet.
      const pageOf = async (i: number) => get(`/console/workers/${hs[i]!.worker.id}`);
      const rowOf = (html: string, id: number) => new RegExp(`<tr data-assessment="${id}" data-month="2026-11">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
      const paidRow = rowOf(await pageOf(0), of(a).id);
      expect(paidRow).toContain('href="/console/assessments?area=532503001001&amp;month=2026-11"');
      expect(paidRow).toContain('454.55');
      expect(paidRow).toContain('data-told="true"');
      const untoldRow = rowOf(await pageOf(1), of(b).id);
      expect(untoldRow).toContain('409.09');
      expect(untoldRow).toContain('data-told="false"');
      // After the household moves to the next village, the month still opens the sheet that lists it.
      const moved = await env.request('PATCH', `/v1/households/${hs[0]!.householdId}`, { token: staff, body: { areaCode: '532503001002' } });
      expect(moved.status).toBe(200);
      expect(rowOf(await pageOf(0), of(a).id)).toContain('href="/console/assessments?area=532503001001&amp;month=2026-11"');
      expect(of(a).areaCode).toBe('532503001001');
      const none = await pageOf(2);
      expect(none).toContain('id="assessments"');
      expect(none).not.toContain('data-assessment=');
      // Another village's staff see neither the page nor the months.
      const otherStaff = { db: env.db, clock: env.clock, actor: { role: 'staff' as const, tokenId: 0, areaPrefix: '532503002' } };
      await expect(workerAssessments(otherStaff, hs[0]!.worker.id)).rejects.toMatchObject({ code: 'not_found' });
      const own = { ...otherStaff, actor: { ...otherStaff.actor, areaPrefix: '532503001' } };
      expect((await workerAssessments(own, hs[0]!.worker.id)).map((m) => m.id)).toEqual([of(a).id]);
      const x = await env.app.request(`${ORIGIN}/console/exports/subsidy.xlsx?area=532503001&month=2026-11`, { headers: { cookie } });
      expect(x.status).toBe(200);
      const [sheet] = readXlsx(new Uint8Array(await x.arrayBuffer()));
      expect(sheet!.rows).toHaveLength(1 + 2 + 1);
      expect(sheet!.rows[1]![12]).toBe('2026-12-02');
      const [audit] = await env.db.select().from(auditLog).where(and(eq(auditLog.action, 'console.export'), eq(auditLog.objectId, 'subsidy')));
      expect(audit!.detail).toMatchObject({ format: 'xlsx', rows: 3, area: '532503001', month: '2026-11' });
    } finally {
      env.close();
    }
  });
});

describe('the month\'s sheet imported', () => {
  it('records the rows that keep the rules and reports each other row with its line and reason', async () => {
    const env = await makeTestEnv();
    try {
      env.clock.set('2026-12-02T02:00:00Z');
      const staff = await env.token({ role: 'staff', areaPrefix: '532503001' });
      const [a, b, c] = [await holder(env), await holder(env), await holder(env)];
      const csv = [
        '就近人员号,姓名,出勤天数,考勤,乡镇考核,群众评议,考核得分',
        `${a.worker.id},甲,22,30,45,15,`,
        `${b.worker.id},乙,35,,,,80`,
        `,丙,20,,,,80`,
        `${c.worker.id},丁,20,,,,七十`,
        ',合计,,,,,',
      ].join('\r\n');
      const form = new FormData();
      form.set('month', '2026-11');
      form.set('file', new File([csv], 'nov.csv', { type: 'text/csv' }));
      const res = await env.app.request('/v1/assessments/import', { method: 'POST', headers: { authorization: `Bearer ${staff}` }, body: form });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body).toMatchObject({ read: 3, recorded: 1, rejected: 2 });
      expect(body.rejects).toEqual([
        { line: 3, column: 'daysWorked', reason: 'must be a whole number from 0 to 30 (the days of the month)' },
        { line: 5, column: '考核得分', reason: 'not a number' },
      ]);
      const list = (await env.request('GET', '/v1/assessments?area=532503001&month=2026-11', { token: staff })).body.items;
      expect(list.find((i: any) => i.placementId === a.placementId).assessment).toMatchObject({ total: 90, amountYuan: 500 });
      expect(list.find((i: any) => i.placementId === b.placementId).assessment).toBeNull();
      const [audit] = await env.db.select().from(auditLog).where(eq(auditLog.action, 'assessment.import'));
      expect(audit!.detail).toMatchObject({ month: '2026-11', read: 3, recorded: 1, rejected: 2 });
    } finally {
      env.close();
    }
  });
});
