// A small prefecture with something on every console page, built through the
// API as staff would: used by the browser tests and by `npm run screenshots`.
// The clock ends on 2026-11-20 (the TestClock default).
import { makeEmployer, makeHousehold, makeOpening, makeWorker, type TestEnv } from '../helpers.js';

export const HOME = { lat: 23.4, lon: 103.38 };
export const V1 = '532503001001'; // 文澜街道天马社区, 蒙自市
export const V2 = '532503002001'; // 雨过铺街道, 蒙自市
export const GEJIU = '532501001001'; // 个旧市
export const GEJIU_POINT = { lat: 23.36, lon: 103.155 };

export interface Seeded {
  staffPrefecture: string;
  staffCounty: string;
  /** Staff of one township (文澜街道): a village helper's scope. */
  staffTownship: string;
  ids: {
    pw1: number;
    postHolder: number;
    pw2: number;
    workshop: number;
    uncertifiedWorkshop: number;
    twoMemberHousehold: number;
    twoMembers: [number, number];
    stalledApplication: number;
  };
}

async function ok(res: Promise<{ status: number; body: any }>, expected = [200, 201]) {
  const r = await res;
  if (!expected.includes(r.status)) throw new Error(`seed step failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function seedPrefecture(env: TestEnv): Promise<Seeded> {
  const admin = env.adminToken;
  const post = (path: string, body: unknown) => ok(env.request('POST', path, { token: admin, body }));
  const place = (workerId: number, body: Record<string, unknown>) => post('/v1/placements', { workerId, ...body });
  const hire = async (workerId: number, openingId: number) => {
    const a = await post('/v1/applications', { workerId, openingId });
    await post(`/v1/applications/${a.id}/transitions`, { to: 'offered' });
    await post(`/v1/applications/${a.id}/transitions`, { to: 'hired' });
  };

  // January: the bureau, a certified workshop, early households; placements spread over the year.
  env.clock.set('2026-01-05T02:00:00Z');
  const workshop = await makeEmployer(env, { name: '天马刺绣帮扶车间', kind: 'workshop', areaCode: '532503', point: HOME });
  await ok(env.request('PATCH', `/v1/employers/${workshop.id}`, { token: admin, body: { certified: true } }));
  const bureau = await makeEmployer(env, { name: '蒙自市人力资源和社会保障局', kind: 'public_body', areaCode: '532503', point: HOME, contact: { phone: '0873-3722110' } });
  const gejiuBureau = await makeEmployer(env, { name: '个旧市人力资源和社会保障局', kind: 'public_body', areaCode: '532501', point: GEJIU_POINT });
  const uncertified = await makeEmployer(env, { name: '雨过铺编织车间', kind: 'workshop', areaCode: '532503', point: HOME });
  const ws = await makeOpening(env, workshop.id, { title: '刺绣工', kind: 'workshop', areaCode: '532503', point: HOME, slots: 10, skills: ['embroidery'] });

  const people: Array<[string, string, boolean, boolean]> = [
    ['张秀英', V1, true, false],
    ['李建华', V1, true, false],
    ['王桂兰', V2, false, true],
    ['赵国强', V1, false, false],
    ['陈玉梅', GEJIU, true, false],
    ['刘志明', V1, true, false],
    ['杨丽华', V2, true, false],
    ['黄德明', V1, false, false],
  ];
  const workers: number[] = [];
  for (const [name, areaCode, povertyAlleviated, monitored] of people) {
    const h = await makeHousehold(env, { areaCode, povertyAlleviated, monitored });
    const w = await makeWorker(env, h.id, { name, phone: `1387300${String(workers.length).padStart(4, '0')}`, home: areaCode === GEJIU ? GEJIU_POINT : HOME });
    workers.push(w.id);
  }
  // Work through the year: starts and ends in different months.
  const spells: Array<[number, string, string, string | null]> = [
    [workers[1]!, 'enterprise', '2026-02-10', '2026-06-30'],
    [workers[2]!, 'migrant', '2026-03-01', null],
    [workers[3]!, 'enterprise', '2026-04-15', '2026-09-01'],
    [workers[4]!, 'enterprise', '2026-05-20', null],
    [workers[6]!, 'self_employed', '2026-07-01', '2026-10-15'],
    [workers[7]!, 'migrant', '2026-08-01', null],
  ];
  const areaOf: Record<string, string> = { enterprise: '532503002', migrant: '44', self_employed: '532503001' };
  for (const [workerId, type, startDate, endDate] of spells) {
    const p = await place(workerId, { type, areaCode: type === 'enterprise' && workerId === workers[4] ? '5301' : areaOf[type], startDate });
    if (endDate) {
      const clock = env.clock.now().toISOString();
      env.clock.set(`${endDate}T02:00:00Z`);
      await post(`/v1/placements/${p.id}/end`, { endDate, reason: 'contract_ended' });
      env.clock.set(clock);
    }
  }

  // October: public-welfare posts open; a few more households join the list.
  env.clock.set('2026-10-01T02:00:00Z');
  const pw1 = await makeOpening(env, bureau.id, { title: '天马社区留守老人关爱员', kind: 'public_welfare', serves: 'elders', areaCode: V1, point: HOME, slots: 3, hours: 'part_day', skills: ['elder_care'] });
  const pw2 = await makeOpening(env, gejiuBureau.id, { title: '护林员', kind: 'public_welfare', areaCode: GEJIU, point: GEJIU_POINT, slots: 2, hours: 'part_day', skills: ['forest_ranger'] });
  const two = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  const m1 = await makeWorker(env, two.id, { name: '周大山', phone: '13873001001', home: HOME, cannotLeaveHome: true, careFor: ['elders'], availability: 'part_day' });
  const m2 = await makeWorker(env, two.id, { name: '周小芳', phone: '13873001002', home: HOME, availability: 'part_day' });
  const h9 = await makeHousehold(env, { areaCode: V1, povertyAlleviated: true });
  await makeWorker(env, h9.id, { name: '吴春燕', phone: '13873001003', home: HOME, cannotLeaveHome: true, careFor: ['children'], skills: ['child_care'] });
  const h10 = await makeHousehold(env, { areaCode: V2, monitored: true, povertyAlleviated: false });
  await makeWorker(env, h10.id, { name: '郑海', phone: '13873001004', home: HOME, skills: ['embroidery'] });

  // 10 November: an offer nobody answers.
  env.clock.set('2026-11-10T02:00:00Z');
  const stalled = await post('/v1/applications', { workerId: workers[5]!, openingId: ws.id });
  await post(`/v1/applications/${stalled.id}/transitions`, { to: 'offered' });

  // 20 November: today. Hires this month.
  env.clock.set('2026-11-20T02:00:00Z');
  await hire(workers[0]!, pw1.id);
  await hire(workers[2]!, ws.id);

  return {
    staffPrefecture: await env.token({ role: 'staff', areaPrefix: '5325' }),
    staffCounty: await env.token({ role: 'staff', areaPrefix: '532503' }),
    staffTownship: await env.token({ role: 'staff', areaPrefix: '532503001' }),
    ids: {
      pw1: pw1.id,
      pw2: pw2.id,
      /** Hired on pw1 today: a public-welfare post holder. */
      postHolder: workers[0]!,
      workshop: workshop.id,
      uncertifiedWorkshop: uncertified.id,
      twoMemberHousehold: two.id,
      twoMembers: [m1.id, m2.id],
      stalledApplication: stalled.id,
    },
  };
}
