// Exports the provinces can read back: the provincial 户编号 and 人员编号
// beside Jiujin's ids, dates as dates, codes kept as text in CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placementsSheet, worklistSheet } from '../../src/console/exports.js';
import { parseCsv } from '../../src/lib/csv.js';
import { readXlsx, writeXlsx } from '../../src/lib/xlsx.js';
import { monthlyReport, monthlyReportCsv } from '../../src/services/reports.js';
import { makeHousehold, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

let env: TestEnv;
let hh: any;
let wk: any;
const ctx = () => ({ db: env.db, clock: env.clock, actor: { role: 'staff' as const, tokenId: 0, areaPrefix: '532503' } });

beforeAll(async () => {
  env = await makeTestEnv();
  env.clock.set('2026-11-10T02:00:00Z');
  hh = await makeHousehold(env, { areaCode: '532503001001', povertyAlleviated: true, sourceId: '5325030010010042' });
  wk = await makeWorker(env, hh.id, { sourceId: '532503199001010011' });
  const other = await makeHousehold(env, { areaCode: '532503001001', povertyAlleviated: true, sourceId: '5325030010010043' });
  const placed = await makeWorker(env, other.id, { sourceId: '532503199001010012' });
  const r = await env.request('POST', '/v1/placements', { token: env.adminToken, body: { workerId: placed.id, type: 'enterprise', areaCode: '532503', startDate: '2026-11-05' } });
  expect(r.status).toBe(201);
});
afterAll(() => env.close());

describe('exports the province can match back', () => {
  it('the worklist carries the provincial 户编号 and 人员编号 beside Jiujin\'s household id, its date as a date', async () => {
    const sheet = await worklistSheet(ctx(), { asOf: '2026-11-10' });
    const [back] = readXlsx(writeXlsx([sheet]));
    const header = back!.rows[0]!;
    const row = back!.rows.find((r) => r[0] === hh.id)!;
    expect(row[header.indexOf('户编号')]).toBe('5325030010010042');
    expect(row[header.indexOf('人员编号')]).toBe('532503199001010011');
    expect(row[header.indexOf('列入日期')]).toBe('2026-11-10');
  });

  it('placements carry 人员编号 and 户编号; dates are dates', async () => {
    const sheet = await placementsSheet(ctx(), { month: '2026-11' });
    const [back] = readXlsx(writeXlsx([sheet]));
    const header = back!.rows[0]!;
    expect(back!.rows[1]![header.indexOf('人员编号')]).toBe('532503199001010012');
    expect(back!.rows[1]![header.indexOf('户编号')]).toBe('5325030010010043');
    expect(back!.rows[1]![header.indexOf('开始日期')]).toBe('2026-11-05');
  });

  it('the monthly CSV keeps area codes as text (="…")', async () => {
    const report = await monthlyReport({ ...ctx(), actor: { role: 'system', name: 'test' } }, { area: '532503', month: '2026-11' });
    const rows = parseCsv(monthlyReportCsv(report));
    expect(rows[1]![0]).toBe('="532503001"');
    expect(rows.find((r) => r[1]!.includes('合计'))![0]).toBe('="532503"');
  });
});
