// Bulk import of households and workers from provincial exports (.xlsx, CSV in
// UTF-8 and GBK) over HTTP and through the service the CLI runs, and the
// monthly report export. Fixture files are made here, by the test.
import { readFileSync } from 'node:fs';
import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, householdStatusHistory, households, workers, zeroEmploymentPeriods } from '../../db/schema.js';
import type { Actor } from '../../src/context.js';
import { toCsv } from '../../src/lib/csv.js';
import { encodeText } from '../../src/lib/text.js';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { readXlsx, writeXlsx, XLSX_LIMITS } from '../../src/lib/xlsx.js';
import { importFile, type ImportInput, importReportCsv, importSummary, parseMapping, readTable } from '../../src/services/imports.js';
import { monthlyHeader, monthlyReport, monthlyReportXlsx } from '../../src/services/reports.js';
import { statsFor } from '../../src/services/stats.js';
import { parseCsv } from '../../src/lib/csv.js';
import { makeTestEnv, type TestEnv, unique } from '../helpers.js';

type Row = (string | number | null)[];

const H_HEAD = ['户编号', '户主姓名', '所在县', '所在乡镇', '所在村', '是否脱贫户', '是否监测对象', '身份证号'];
/** Households of 蒙自市 (532503) and one of 个旧市 (532501), with a bad row of every kind. */
const householdRows = (t: string): Row[] => [
  [`${t}-A1`, '张大', '蒙自市', '文澜街道', '东村村委会', '是', '否', '532503199001011234'], // line 2
  [`${t}-A2`, '李大', '蒙自市', '文澜街道', '多法勒村', '是', '是', ''], // 3: 多法勒村委会, written short
  [`${t}-A3`, '王大', '蒙自市', '雨过铺街道', '田心村委会', '否', '是', ''], // 4: a name three villages share, told by township
  [`${t}-A4`, '赵大', '蒙自', '文澜', '天马社区', '否', '否', ''], // 5: county and township written short
  ['', '钱大', '蒙自市', '文澜街道', '东村村委会', '是', '否', ''], // 6: no 户编号
  [`${t}-B1`, '孙大', '蒙自市', '文澜街道', '东林村委会', '是', '否', ''], // 7: unknown village, one character off
  [`${t}-B2`, '周大', '', '', '新寨村委会', '否', '否', ''], // 8: ambiguous without township
  [`${t}-B3`, '吴大', '蒙自市', '文澜街道', '银河社区', '也许', '否', ''], // 9: bad yes/no
  [`${t}-A1`, '张大', '蒙自市', '文澜街道', '东村村委会', '是', '否', ''], // 10: duplicate of line 2
  [`${t}-B4`, '郑大', '个旧市', '沙甸街道', '沙甸社区', '是', '否', ''], // 11: outside 蒙自 staff's area
  [`${t}-B5`, '冯大', '蒙自市', '草坝镇', '东村村委会', '是', '否', ''], // 12: that village is in another township
  ['', '', '', '', '', '', '', ''], // 13: blank, skipped
  [`${t}-A5`, '陈大', '蒙自市', '雨过铺街道', '', '是', '否', ''], // 14: township only
];

const W_HEAD = ['人员编号', '户编号', '姓名', '身份证号', '联系电话', '是否有劳动能力', '是否无法离乡', '照料对象', '技能'];
const workerRows = (t: string): Row[] => [
  [`${t}-P1`, `${t}-A1`, '张三', '532503199001011234', 13800001111, '是', '否', '', '种植、缝纫'], // 2
  [`${t}-P2`, `${t}-A1`, '李四', '', '138 0000 2222', '是', '是', '老人', '养老护理'], // 3
  [`${t}-P3`, `${t}-A2`, '王五', '', '12ab', '是', '否', '', ''], // 4: bad phone
  [`${t}-P4`, `${t}-A2`, '赵六', '', '', '也许', '否', '', ''], // 5: bad yes/no
  [`${t}-P5`, `${t}-A3`, '钱七', '', '', '是', '否', '', '开挖掘机'], // 6: unknown skill
  [`${t}-P6`, `${t}-ZZ`, '孙八', '', '', '是', '否', '', ''], // 7: unknown household
  [`${t}-P1`, `${t}-A1`, '张三', '', '', '是', '否', '', ''], // 8: duplicate of line 2
  [`${t}-P7`, `${t}-A3`, '', '', '', '是', '否', '', ''], // 9: no name
  [`${t}-P8`, `${t}-A3`, '周九', '', '', '是', '是', '', ''], // 10: cannot leave home, cares for nobody
  [`${t}-P9`, `${t}-A4`, '吴十', '', '', '否', '否', '', ''], // 11: not able to work
  [`${t}-P10`, `${t}-G1`, '郑十', '', '', '是', '否', '', ''], // 12: household in 个旧市
  [`${t}-P11`, `${t}-A5`, '冯十一', '', '', '是', '否', '', '无'], // 13
];

const csvBytes = (header: string[], rows: Row[], encoding: 'utf-8' | 'gbk') => {
  const text = toCsv(header, rows);
  // Office software writes GBK without a byte-order mark.
  return encodeText(encoding === 'gbk' ? text.slice(1) : text, encoding);
};
const xlsxBytes = (header: string[], rows: Row[]) => writeXlsx([{ name: '数据', header, rows }]);

let env: TestEnv;
let staffMengzi: string;
const SYSTEM: Actor = { role: 'system', name: 'import' };
const ADMIN: Actor = { role: 'admin', tokenId: 1 };

beforeAll(async () => {
  env = await makeTestEnv();
  staffMengzi = await env.token({ role: 'staff', areaPrefix: '532503' });
});
afterAll(() => env.close());

async function upload(
  e: TestEnv,
  token: string | null,
  fields: { kind?: string; file?: { bytes: Uint8Array; name: string }; [k: string]: unknown },
  query = '',
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'file' && v) form.set('file', new File([(v as { bytes: Uint8Array<ArrayBuffer> }).bytes], (v as { name: string }).name));
    else if (typeof v === 'string') form.set(k, v);
  }
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await e.app.request(`/v1/imports${query}`, { method: 'POST', body: form, headers });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* CSV */
  }
  return { status: res.status, body, headers: res.headers };
}

const run = (e: TestEnv, actor: Actor, input: ImportInput) => importFile({ db: e.db, clock: e.clock, actor }, input);

async function householdBySource(e: TestEnv, sourceId: string) {
  const [h] = await e.db.select().from(households).where(eq(households.sourceId, sourceId));
  return h;
}
async function workerBySource(e: TestEnv, sourceId: string) {
  const [w] = await e.db.select().from(workers).where(eq(workers.sourceId, sourceId));
  return w;
}

describe('the public-welfare columns: 是否村干部户 and 出生日期', () => {
  it('a cadre flag and birth dates are read, dated from the run, and a bad or future date is reported by line', async () => {
    const t = unique('pw');
    env.clock.set('2026-11-10T02:00:00Z');
    const head = ['户编号', '所在县', '所在乡镇', '所在村', '是否脱贫户', '是否监测对象', '是否村干部户'];
    const h = await run(env, ADMIN, {
      kind: 'households',
      fileName: 'h.csv',
      data: csvBytes(head, [[`${t}-C`, '蒙自市', '文澜街道', '天马社区', '是', '否', '是'], [`${t}-N`, '蒙自市', '文澜街道', '天马社区', '是', '否', '']], 'utf-8'),
    });
    expect(h).toMatchObject({ imported: 2, rejected: 0 });
    expect(await householdBySource(env, `${t}-C`)).toMatchObject({ cadreHousehold: true, cadreSince: null });
    expect(await householdBySource(env, `${t}-N`)).toMatchObject({ cadreHousehold: false });
    const wHead = ['人员编号', '户编号', '姓名', '出生日期'];
    const w = await run(env, ADMIN, {
      kind: 'workers',
      fileName: 'w.csv',
      data: csvBytes(
        wHead,
        [
          [`${t}-1`, `${t}-N`, '甲', '1980/3/7'],
          [`${t}-2`, `${t}-N`, '乙', '19751231'],
          [`${t}-3`, `${t}-N`, '丙', '前年'],
          [`${t}-4`, `${t}-N`, '丁', '2027-01-01'],
        ],
        'utf-8',
      ),
    });
    expect(w).toMatchObject({ imported: 2, rejected: 2 });
    expect(w.rejects.map((r) => [r.line, r.column])).toEqual([
      [4, '出生日期'],
      [5, '出生日期'],
    ]);
    expect((await workerBySource(env, `${t}-1`))!.birthDate).toBe('1980-03-07');
    expect((await workerBySource(env, `${t}-2`))!.birthDate).toBe('1975-12-31');
    // A later run that clears the flag dates the change to its day, the earlier state kept.
    env.clock.set('2026-11-20T02:00:00Z');
    await run(env, ADMIN, { kind: 'households', fileName: 'h.csv', data: csvBytes(head, [[`${t}-C`, '蒙自市', '文澜街道', '天马社区', '是', '否', '否']], 'utf-8') });
    expect(await householdBySource(env, `${t}-C`)).toMatchObject({ cadreHousehold: false, cadreSince: '2026-11-20' });
  });
});

describe('importing households', () => {
  it('staff upload a GBK CSV with the provincial headings: good rows imported, every bad row reported by line, column and reason', async () => {
    const t = unique('h');
    const res = await upload(env, staffMengzi, {
      kind: 'households',
      file: { bytes: csvBytes(H_HEAD, householdRows(t), 'gbk'), name: '脱贫户.csv' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'households',
      fileName: '脱贫户.csv',
      format: 'csv',
      encoding: 'gbk',
      read: 12,
      imported: 5,
      updated: 0,
      rejected: 7,
      summary: 'read 12, imported 5, updated 0, rejected 7',
      ignoredColumns: ['户主姓名', '身份证号'],
    });
    const rejects = res.body.rejects as { line: number; column: string; value: string | null; reason: string }[];
    expect(rejects.map((r) => [r.line, r.column])).toEqual([
      [6, '户编号'],
      [7, '所在村'],
      [8, '所在村'],
      [9, '是否脱贫户'],
      [10, '户编号'],
      [11, '所在村'],
      [12, '所在村'],
    ]);
    const reason = (line: number) => rejects.find((r) => r.line === line)!.reason;
    expect(reason(6)).toMatch(/is required/);
    // Near-misses are listed, never chosen.
    expect(reason(7)).toBe(
      'unknown village "东林村委会" in 文澜街道; similar names: 东村村委会 (文澜街道, 蒙自市) 532503001203; ' +
        'same name elsewhere: 东林社区 (临安镇, 建水县) 532524101006',
    );
    expect(reason(8)).toMatch(/ambiguous village "新寨村委会": .*532502001205.*give the township too/);
    expect(reason(9)).toBe('must be 是 or 否 (yes or no), not "也许"');
    expect(reason(10)).toBe('duplicate: line 2 has the same 户编号');
    expect(reason(11)).toBe('is outside your area (532503)');
    expect(reason(12)).toBe(
      'unknown village "东村村委会" in 草坝镇; similar names: 一村村委会 (草坝镇, 蒙自市) 532503102204; ' +
        'same name elsewhere: 东村村委会 (文澜街道, 蒙自市) 532503001203; 东村村委会 (临安镇, 建水县) 532524101208',
    );
    expect(rejects.find((r) => r.line === 9)!.value).toBe('也许');

    const want: Record<string, [string, boolean, boolean]> = {
      A1: ['532503001203', true, false],
      A2: ['532503001204', true, true],
      A3: ['532503002205', false, true],
      A4: ['532503001001', false, false],
      A5: ['532503002', true, false],
    };
    for (const [k, [areaCode, povertyAlleviated, monitored]] of Object.entries(want)) {
      expect(await householdBySource(env, `${t}-${k}`), k).toMatchObject({ areaCode, povertyAlleviated, monitored });
    }
    for (const k of ['B1', 'B2', 'B3', 'B4', 'B5']) expect(await householdBySource(env, `${t}-${k}`)).toBeUndefined();
  });

  it('the same file as .xlsx, UTF-8 CSV and GBK CSV gives the same records and the same report', async () => {
    const results = [];
    const records = [];
    for (const format of ['xlsx', 'utf-8', 'gbk'] as const) {
      const t = unique(`f${format}`);
      const data = format === 'xlsx' ? xlsxBytes(H_HEAD, householdRows(t)) : csvBytes(H_HEAD, householdRows(t), format);
      const r = await run(env, { role: 'staff', tokenId: 1, areaPrefix: '532503' }, { kind: 'households', fileName: `h.${format}`, data });
      results.push({ ...r, rejects: r.rejects.map((x) => ({ ...x, value: x.value?.replace(t, 'T') ?? null })), fileName: '', format: '', encoding: '', sheet: '' });
      const rows = await env.db.select().from(households).where(like(households.sourceId, `${t}-%`)).orderBy(asc(households.sourceId));
      records.push(rows.map((h) => [h.sourceId!.replace(t, 'T'), h.areaCode, h.povertyAlleviated, h.monitored]));
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(records[1]).toEqual(records[0]);
    expect(records[2]).toEqual(records[0]);
    expect(records[0]).toHaveLength(5);
  });

  it('importing the same file again updates and never duplicates', async () => {
    const t = unique('again');
    const data = xlsxBytes(H_HEAD, householdRows(t));
    const first = await run(env, ADMIN, { kind: 'households', fileName: 'h.xlsx', data });
    expect(importSummary(first)).toBe('read 12, imported 6, updated 0, rejected 6'); // an admin may import 个旧市 too
    const before = await env.db.select().from(households).where(like(households.sourceId, `${t}-%`)).orderBy(asc(households.id));
    env.clock.advanceDays(1);
    const second = await run(env, ADMIN, { kind: 'households', fileName: 'h.xlsx', data });
    env.clock.advanceDays(-1);
    expect(importSummary(second)).toBe('read 12, imported 0, updated 6, rejected 6');
    expect(second.rejects).toEqual(first.rejects);
    const after = await env.db.select().from(households).where(like(households.sourceId, `${t}-%`)).orderBy(asc(households.id));
    // Unchanged rows are not even rewritten.
    expect(after).toEqual(before);
  });

  it('a changed row moves the household and its members, and the households periods follow', async () => {
    const t = unique('move');
    await run(env, ADMIN, { kind: 'households', fileName: 'h.csv', data: csvBytes(H_HEAD, householdRows(t), 'utf-8') });
    await run(env, ADMIN, { kind: 'workers', fileName: 'w.csv', data: csvBytes(W_HEAD, workerRows(t), 'utf-8') });
    const h = (await householdBySource(env, `${t}-A1`))!;
    const periodAreas = async () =>
      (await env.db.select().from(zeroEmploymentPeriods).where(eq(zeroEmploymentPeriods.householdId, h.id))).map((p) => p.areaCode);
    expect(await periodAreas()).toEqual(['532503001203']);
    const moved = householdRows(t).slice(0, 1);
    moved[0]![4] = '余家寨村委会';
    const r = await run(env, ADMIN, { kind: 'households', fileName: 'h2.csv', data: csvBytes(H_HEAD, moved, 'utf-8') });
    expect(importSummary(r)).toBe('read 1, imported 0, updated 1, rejected 0');
    expect((await householdBySource(env, `${t}-A1`))!.areaCode).toBe('532503001205');
    expect((await workerBySource(env, `${t}-P1`))!.areaCode).toBe('532503001205');
    expect(await periodAreas()).toEqual(['532503001205']);
  });

  it('a household number registered in another county is reported as registered elsewhere, with no id or name', async () => {
    const t = unique('else');
    await run(env, ADMIN, { kind: 'households', fileName: 'h.csv', data: csvBytes(H_HEAD, householdRows(t).slice(0, 1), 'utf-8') });
    const h = (await householdBySource(env, `${t}-A1`))!;
    const gejiu: Actor = { role: 'staff', tokenId: 1, areaPrefix: '532501' };
    const row: Row = [`${t}-A1`, '郑二', '个旧市', '沙甸街道', '沙甸社区', '是', '否', ''];
    const r = await run(env, gejiu, { kind: 'households', fileName: 'h.csv', data: csvBytes(H_HEAD, [row], 'utf-8') });
    expect(r.rejects.map((x) => x.reason)).toEqual([`household ${t}-A1 is already registered elsewhere`]);
    expect(JSON.stringify(r)).not.toContain('张大');
    expect((await householdBySource(env, `${t}-A1`))!.areaCode).toBe(h.areaCode);
  });

  it('a file whose columns do not fit is refused whole, naming the columns', async () => {
    const res = await upload(env, staffMengzi, {
      kind: 'households',
      file: { bytes: csvBytes(['户编号', '所在村'], [['X1', '东村村委会']], 'utf-8'), name: 'h.csv' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([
      { path: '是否脱贫户', message: 'this column is required' },
      { path: '是否监测对象', message: 'this column is required' },
    ]);
    const none = await upload(env, staffMengzi, { kind: 'workers', file: { bytes: csvBytes(['姓名'], [['张三']], 'utf-8'), name: 'w.csv' } });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/人员编号/);
    expect(await householdBySource(env, 'X1')).toBeUndefined();
  });

  it('a title row above the headings is skipped and line numbers stay those of the sheet', async () => {
    const t = unique('title');
    const data = writeXlsx([{ name: 'S', header: ['红河州脱贫户信息表（2026年11月）'], rows: [H_HEAD, ...householdRows(t).slice(4, 6)] }]);
    const r = await run(env, ADMIN, { kind: 'households', fileName: 'h.xlsx', data });
    expect(r.rejects.map((x) => x.line)).toEqual([3, 4]);
    expect(importSummary(r)).toBe('read 2, imported 0, updated 0, rejected 2');
  });

  it('the sample mapping file is valid, and a bad mapping is refused naming its entries', () => {
    const sample = JSON.parse(readFileSync(new URL('../../docs/import-mapping.example.json', import.meta.url), 'utf8'));
    expect(parseMapping(sample).workers?.['个人编号']).toBe('sourceId');
    expect(() => parseMapping({ households: { 编号: 'id' }, skills: { 厨师: 'chef' }, colour: 1 })).toThrow(
      expect.objectContaining({
        issues: [
          { path: 'mapping.colour', message: 'unknown key' },
          { path: 'mapping.households.编号', message: `must be one of sourceId, county, township, village, areaCode, povertyAlleviated, monitored, statusSince, cadreHousehold` },
          { path: 'mapping.skills.厨师', message: 'is not a code from the occupation list' },
        ],
      }),
    );
  });

  it('a mapping file names other headings, yes/no words and skill names', async () => {
    const t = unique('map');
    const mapping = {
      households: { 家庭编号: 'sourceId' as const, 乡镇名: 'township' as const, 村名: 'village' as const, 脱贫: 'povertyAlleviated' as const, 监测: 'monitored' as const },
      workers: { 个人编号: 'sourceId' as const, 家庭编号: 'householdSourceId' as const, 移动电话: 'phone' as const },
      yes: ['Y'],
      no: ['N'],
      skills: { 厨师: 'cooking' },
    };
    const h = await run(env, ADMIN, {
      kind: 'households',
      fileName: 'h.csv',
      mapping,
      data: csvBytes(['家庭编号', '乡镇名', '村名', '脱贫', '监测'], [[`${t}-1`, '文澜街道', '东村', 'Y', 'N']], 'utf-8'),
    });
    expect(importSummary(h)).toBe('read 1, imported 1, updated 0, rejected 0');
    expect(await householdBySource(env, `${t}-1`)).toMatchObject({ areaCode: '532503001203', povertyAlleviated: true, monitored: false });
    const w = await run(env, ADMIN, {
      kind: 'workers',
      fileName: 'w.csv',
      mapping,
      data: csvBytes(['个人编号', '家庭编号', '姓名', '移动电话', '技能'], [[`${t}-p`, `${t}-1`, '张三', '13900000000', '厨师, 保洁']], 'utf-8'),
    });
    expect(importSummary(w)).toBe('read 1, imported 1, updated 0, rejected 0');
    expect(await workerBySource(env, `${t}-p`)).toMatchObject({ phone: '13900000000', skills: ['cooking', 'cleaning'] });
  });
});

describe('importing workers', () => {
  it('rows are checked with the API rules: bad phone, yes/no, skill, unknown household, duplicate, missing name, care', async () => {
    const t = unique('w');
    await run(env, ADMIN, { kind: 'households', fileName: 'h.csv', data: csvBytes(H_HEAD, householdRows(t), 'utf-8') });
    await run(env, ADMIN, {
      kind: 'households',
      fileName: 'g.csv',
      data: csvBytes(H_HEAD, [[`${t}-G1`, '', '个旧市', '沙甸街道', '沙甸社区', '是', '否', '']], 'utf-8'),
    });
    const res = await upload(env, staffMengzi, { kind: 'workers', file: { bytes: xlsxBytes(W_HEAD, workerRows(t)), name: '人员.xlsx' } });
    expect(res.status).toBe(200);
    expect(res.body.summary).toBe('read 12, imported 4, updated 0, rejected 8');
    const rejects = res.body.rejects as { line: number; column: string; value: string | null; reason: string }[];
    expect(rejects.map((r) => [r.line, r.column, r.reason])).toEqual([
      [4, '联系电话', 'must be a phone number'],
      [5, '是否有劳动能力', 'must be 是 or 否 (yes or no), not "也许"'],
      [6, '技能', expect.stringMatching(/^unknown skill "开挖掘机"; use names from the occupation list: 种植、/)],
      [7, '户编号', `unknown household ${t}-ZZ: import the households file first`],
      [8, '人员编号', 'duplicate: line 2 has the same 人员编号'],
      [9, '姓名', 'is required'],
      [10, '照料对象', 'is required when the person cannot leave home (是否无法离乡 = 是): say whom they care for'],
      // 个旧市 is outside the staff member's area: as in the API, its household is unknown to them.
      [12, '户编号', `unknown household ${t}-G1: import the households file first`],
    ]);
    // Names and phones never appear in the report.
    expect(rejects.find((r) => r.line === 4)!.value).toBeNull();

    expect(await workerBySource(env, `${t}-P1`)).toMatchObject({ name: '张三', phone: '13800001111', skills: ['farming', 'sewing'], ableToWork: true, cannotLeaveHome: false, areaCode: '532503001203' });
    expect(await workerBySource(env, `${t}-P2`)).toMatchObject({ phone: '138 0000 2222', cannotLeaveHome: true, careFor: ['elders'], skills: ['elder_care'] });
    expect(await workerBySource(env, `${t}-P9`)).toMatchObject({ ableToWork: false });
    expect(await workerBySource(env, `${t}-P11`)).toMatchObject({ skills: [] });
    for (const k of ['P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P10']) expect(await workerBySource(env, `${t}-${k}`)).toBeUndefined();

    // The derived zero-employment status is what the API shows for households registered one by one.
    const a1 = (await householdBySource(env, `${t}-A1`))!;
    const a4 = (await householdBySource(env, `${t}-A4`))!;
    const view = await env.request('GET', `/v1/households/${a1.id}`, { token: staffMengzi });
    expect(view.body.zeroEmployment).toMatchObject({ onList: true, since: '2026-11-20' });
    expect(view.body.members.map((m: { name: string }) => m.name).sort()).toEqual(['张三', '李四']);
    const unable = await env.request('GET', `/v1/households/${a4.id}`, { token: staffMengzi });
    expect(unable.body.zeroEmployment.onList).toBe(false);
  });

  it('a second run of the same file updates, a changed file changes only what it gives', async () => {
    const t = unique('rerun');
    await run(env, ADMIN, { kind: 'households', fileName: 'h.csv', data: csvBytes(H_HEAD, householdRows(t), 'utf-8') });
    const data = csvBytes(W_HEAD, workerRows(t), 'gbk');
    const first = await run(env, ADMIN, { kind: 'workers', fileName: 'w.csv', data });
    expect(importSummary(first)).toBe('read 12, imported 4, updated 0, rejected 8'); // G1 (line 12) is in no households file
    const snapshot = async () => env.db.select().from(workers).where(like(workers.sourceId, `${t}-%`)).orderBy(asc(workers.sourceId));
    const before = await snapshot();
    const again = await run(env, ADMIN, { kind: 'workers', fileName: 'w.csv', data });
    expect(importSummary(again)).toBe('read 12, imported 0, updated 4, rejected 8');
    expect(await snapshot()).toEqual(before);

    // P1: new phone, blank skills (kept); P2 can leave home now; P9 is able to work now.
    const rows = workerRows(t);
    rows[0] = [`${t}-P1`, `${t}-A1`, '张三', '', '13800009999', '是', '否', '', ''];
    rows[1] = [`${t}-P2`, `${t}-A1`, '李四', '', '', '是', '否', '', ''];
    rows[9] = [`${t}-P9`, `${t}-A4`, '吴十', '', '', '是', '否', '', ''];
    const a4 = (await householdBySource(env, `${t}-A4`))!;
    expect((await env.request('GET', `/v1/households/${a4.id}`, { token: env.adminToken })).body.zeroEmployment.onList).toBe(false);
    env.clock.advanceDays(2);
    const changed = await run(env, ADMIN, { kind: 'workers', fileName: 'w2.csv', data: csvBytes(W_HEAD, rows, 'utf-8') });
    env.clock.advanceDays(-2);
    expect(importSummary(changed)).toBe('read 12, imported 0, updated 4, rejected 8');
    expect(await workerBySource(env, `${t}-P1`)).toMatchObject({ phone: '13800009999', skills: ['farming', 'sewing'] });
    expect(await workerBySource(env, `${t}-P2`)).toMatchObject({ cannotLeaveHome: false, careFor: ['elders'], phone: '138 0000 2222' });
    expect(await workerBySource(env, `${t}-P9`)).toMatchObject({ ableToWork: true });
    // The household's periods were recomputed with its member now able to work (registered on the 20th).
    const view = await env.request('GET', `/v1/households/${a4.id}`, { token: env.adminToken });
    expect(view.body.zeroEmployment).toMatchObject({ onList: true, since: '2026-11-20' });
    // An unchanged row was not rewritten.
    const p11 = before.find((w) => w.sourceId === `${t}-P11`)!;
    expect(await workerBySource(env, `${t}-P11`)).toEqual(p11);
  });

  it('a person moving to another household takes their place in its periods and leaves the old one', async () => {
    const t = unique('mv');
    await run(env, ADMIN, { kind: 'households', fileName: 'h.csv', data: csvBytes(H_HEAD, householdRows(t), 'utf-8') });
    await run(env, ADMIN, { kind: 'workers', fileName: 'w.csv', data: csvBytes(W_HEAD, [workerRows(t)[9]!], 'utf-8') });
    await run(env, ADMIN, {
      kind: 'workers',
      fileName: 'w.csv',
      data: csvBytes(W_HEAD, [[`${t}-Q1`, `${t}-A5`, '褚一', '', '', '是', '否', '', '']], 'utf-8'),
    });
    const a5 = (await householdBySource(env, `${t}-A5`))!;
    const a4 = (await householdBySource(env, `${t}-A4`))!;
    const onList = async (id: number) => (await env.request('GET', `/v1/households/${id}`, { token: env.adminToken })).body.zeroEmployment.onList;
    expect([await onList(a5.id), await onList(a4.id)]).toEqual([true, false]);
    const r = await run(env, ADMIN, {
      kind: 'workers',
      fileName: 'w.csv',
      data: csvBytes(W_HEAD, [[`${t}-Q1`, `${t}-A4`, '褚一', '', '', '是', '否', '', '']], 'utf-8'),
    });
    expect(importSummary(r)).toBe('read 1, imported 0, updated 1, rejected 0');
    expect(await workerBySource(env, `${t}-Q1`)).toMatchObject({ householdId: a4.id, areaCode: a4.areaCode });
    expect([await onList(a5.id), await onList(a4.id)]).toEqual([false, true]);
  });
});

describe('dates in the file', () => {
  it('a household row\'s 状态生效日期 dates its status change, a new person\'s 登记日期 their registration; figures as of earlier dates stay', async () => {
    const t = unique('dated');
    const head = ['户编号', '所在县', '所在乡镇', '所在村', '是否脱贫户', '是否监测对象', '状态生效日期'];
    const first = await run(env, ADMIN, {
      kind: 'households',
      fileName: 'h.csv',
      data: csvBytes(head, [[`${t}-H1`, '蒙自市', '文澜街道', '东村村委会', '否', '否', '']], 'utf-8'),
    });
    expect(importSummary(first)).toBe('read 1, imported 1, updated 0, rejected 0');
    const h = (await householdBySource(env, `${t}-H1`))!;
    expect(h.statusSince).toBeNull();
    // A person registered on 2 November (a spreadsheet date as text, written the Chinese way).
    const w = await run(env, ADMIN, {
      kind: 'workers',
      fileName: 'w.csv',
      data: csvBytes(['人员编号', '户编号', '姓名', '登记日期'], [[`${t}-P1`, `${t}-H1`, '褚二', '2026年11月2日']], 'utf-8'),
    });
    expect(importSummary(w)).toBe('read 1, imported 1, updated 0, rejected 0');
    expect((await workerBySource(env, `${t}-P1`))!.registeredOn).toBe('2026-11-02');
    const ctx = { db: env.db, clock: env.clock, actor: SYSTEM };
    const registered = async (asOf: string) => (await statsFor(ctx, { area: h.areaCode, asOf })).workersRegistered;
    expect((await registered('2026-11-02')) - (await registered('2026-11-01'))).toBe(1);

    // On the 20th the province says the household is monitored since 10 November.
    const before = await statsFor(ctx, { area: h.areaCode, asOf: '2026-11-20' });
    const again = await run(env, ADMIN, {
      kind: 'households',
      fileName: 'h2.csv',
      data: csvBytes(head, [[`${t}-H1`, '蒙自市', '文澜街道', '东村村委会', '否', '是', '2026/11/10']], 'utf-8'),
    });
    expect(importSummary(again)).toBe('read 1, imported 0, updated 1, rejected 0');
    expect(await householdBySource(env, `${t}-H1`)).toMatchObject({ monitored: true, statusSince: '2026-11-10' });
    const history = await env.db.select().from(householdStatusHistory).where(eq(householdStatusHistory.householdId, h.id)).orderBy(asc(householdStatusHistory.id));
    expect(history.map((x) => [x.effectiveDate, x.monitored])).toEqual([
      ['2026-11-20', false],
      ['2026-11-10', true],
    ]);
    expect((await statsFor(ctx, { area: h.areaCode, asOf: '2026-11-20' })).zeroEmployment.remaining).toBe(before.zeroEmployment.remaining + 1);
    // Without the date the change takes the day of the import.
    await run(env, ADMIN, {
      kind: 'households',
      fileName: 'h3.csv',
      data: csvBytes(head, [[`${t}-H1`, '蒙自市', '文澜街道', '东村村委会', '是', '是', '']], 'utf-8'),
    });
    expect((await householdBySource(env, `${t}-H1`))!.statusSince).toBe('2026-11-20');
  });

  it('a bad date is refused with its line, column and reason, and the row is not written', async () => {
    const t = unique('baddate');
    const head = ['户编号', '所在县', '所在乡镇', '所在村', '是否脱贫户', '是否监测对象', '状态生效日期'];
    const r = await run(env, ADMIN, {
      kind: 'households',
      fileName: 'h.csv',
      data: csvBytes(
        head,
        [
          [`${t}-H1`, '蒙自市', '文澜街道', '东村村委会', '是', '否', '2026-02-30'], // 2: no such day
          [`${t}-H2`, '蒙自市', '文澜街道', '东村村委会', '是', '否', '2026-11-21'], // 3: after today
          [`${t}-H3`, '蒙自市', '文澜街道', '东村村委会', '是', '否', '上个月'], // 4: not a date
          [`${t}-H4`, '蒙自市', '文澜街道', '东村村委会', '是', '否', '1999-12-31'], // 5: before any record
          [`${t}-H5`, '蒙自市', '文澜街道', '东村村委会', '是', '否', '20261101'], // 6: good
        ],
        'utf-8',
      ),
    });
    expect(importSummary(r)).toBe('read 5, imported 1, updated 0, rejected 4');
    expect(r.rejects.map((x) => [x.line, x.column, x.value])).toEqual([
      [2, '状态生效日期', '2026-02-30'],
      [3, '状态生效日期', '2026-11-21'],
      [4, '状态生效日期', '上个月'],
      [5, '状态生效日期', '1999-12-31'],
    ]);
    expect(r.rejects[0]!.reason).toMatch(/not a real date/);
    expect(r.rejects[1]!.reason).toMatch(/today \(2026-11-20\) or earlier/);
    expect(r.rejects[2]!.reason).toMatch(/must be a date/);
    expect(r.rejects[3]!.reason).toMatch(/2000-01-01 or later/);
    expect(await householdBySource(env, `${t}-H1`)).toBeUndefined();
    expect(await householdBySource(env, `${t}-H5`)).toMatchObject({ statusSince: '2026-11-01' });
    const w = await run(env, ADMIN, {
      kind: 'workers',
      fileName: 'w.csv',
      data: csvBytes(['人员编号', '户编号', '姓名', '登记日期'], [[`${t}-P1`, `${t}-H5`, '褚三', '2026-13-01']], 'utf-8'),
    });
    expect(w.rejects.map((x) => [x.line, x.column])).toEqual([[2, '登记日期']]);
    expect(await workerBySource(env, `${t}-P1`)).toBeUndefined();
  });
});

describe('a run that dies part-way', () => {
  const t = 'kill';
  const manyHouseholds = (): Row[] =>
    Array.from({ length: 11 }, (_, i) => [`${t}-H${i}`, '', '蒙自市', '文澜街道', i % 2 ? '东村村委会' : '天马社区', i % 3 ? '是' : '否', '否', '']);
  const manyWorkers = (): Row[] => [
    ...Array.from({ length: 23 }, (_, i) => [`${t}-W${i}`, `${t}-H${i % 11}`, `工人${i}`, '', `1390000${String(i).padStart(4, '0')}`, i % 4 ? '是' : '否', '否', '', i % 2 ? '缝纫' : '']),
    [`${t}-W0`, `${t}-H1`, '重复', '', '', '是', '否', '', ''],
    [`${t}-W99`, `${t}-NONE`, '无户', '', '', '是', '否', '', ''],
  ];

  async function records(e: TestEnv) {
    const hs = await e.db.select().from(households).where(like(households.sourceId, `${t}-%`)).orderBy(asc(households.sourceId));
    const bySource = new Map(hs.map((h) => [h.id, h.sourceId]));
    const ws = await e.db.select().from(workers).where(like(workers.sourceId, `${t}-%`)).orderBy(asc(workers.sourceId));
    const periods = await e.db.select().from(zeroEmploymentPeriods).orderBy(asc(zeroEmploymentPeriods.householdId));
    return {
      households: hs.map(({ id: _id, ...h }) => h),
      workers: ws.map(({ id: _id, householdId, ...w }) => ({ ...w, household: bySource.get(householdId) })),
      periods: periods.filter((p) => bySource.has(p.householdId)).map(({ id: _id, householdId, ...p }) => ({ ...p, household: bySource.get(householdId) })),
    };
  }

  it('run again with the same file, it ends with the records of a clean run', async () => {
    const clean = await makeTestEnv();
    const killed = await makeTestEnv();
    try {
      const hData = xlsxBytes(H_HEAD, manyHouseholds());
      const wData = csvBytes(W_HEAD, manyWorkers(), 'gbk');
      const cleanH = await run(clean, SYSTEM, { kind: 'households', fileName: 'h.xlsx', data: hData, chunkSize: 4 });
      const cleanW = await run(clean, SYSTEM, { kind: 'workers', fileName: 'w.csv', data: wData, chunkSize: 4 });
      expect(importSummary(cleanH)).toBe('read 11, imported 11, updated 0, rejected 0');
      expect(importSummary(cleanW)).toBe('read 25, imported 23, updated 0, rejected 2');

      // The process dies after the first chunk of each file (4 rows written, the rest not).
      const die = (after: number) => ({
        chunkSize: 4,
        onProgress: ({ rowsDone }: { rowsDone: number }) => {
          if (rowsDone >= after) throw new Error('killed');
        },
      });
      await expect(run(killed, SYSTEM, { kind: 'households', fileName: 'h.xlsx', data: hData, ...die(4) })).rejects.toThrow('killed');
      expect((await records(killed)).households).toHaveLength(4);
      const hAgain = await run(killed, SYSTEM, { kind: 'households', fileName: 'h.xlsx', data: hData, chunkSize: 4 });
      expect(importSummary(hAgain)).toBe('read 11, imported 7, updated 4, rejected 0');
      await expect(run(killed, SYSTEM, { kind: 'workers', fileName: 'w.csv', data: wData, ...die(8) })).rejects.toThrow('killed');
      expect((await records(killed)).workers).toHaveLength(8);
      const wAgain = await run(killed, SYSTEM, { kind: 'workers', fileName: 'w.csv', data: wData, chunkSize: 4 });
      expect(importSummary(wAgain)).toBe('read 25, imported 15, updated 8, rejected 2');

      expect(await records(killed)).toEqual(await records(clean));
      // The failed runs are in the audit trail too.
      const runs = await killed.db.select().from(auditLog).where(like(auditLog.action, 'import.%')).orderBy(asc(auditLog.id));
      expect(runs.map((r) => [r.action, r.outcome])).toEqual([
        ['import.households', 'failed'],
        ['import.households', 'ok'],
        ['import.workers', 'failed'],
        ['import.workers', 'ok'],
      ]);
    } finally {
      clean.close();
      killed.close();
    }
  });

  it('a file cut short (the first half imported), then the whole file, ends as a clean run does', async () => {
    const clean = await makeTestEnv();
    const cut = await makeTestEnv();
    try {
      const hData = csvBytes(H_HEAD, manyHouseholds(), 'utf-8');
      for (const e of [clean, cut]) await run(e, SYSTEM, { kind: 'households', fileName: 'h.csv', data: hData });
      const full = csvBytes(W_HEAD, manyWorkers(), 'utf-8');
      await run(clean, SYSTEM, { kind: 'workers', fileName: 'w.csv', data: full });
      // The bytes cut mid-record, as a copy that stopped would be.
      const half = full.slice(0, Math.floor(full.length / 2));
      const partial = await run(cut, SYSTEM, { kind: 'workers', fileName: 'w.csv', data: half });
      expect(partial.read).toBeGreaterThan(5);
      const whole = await run(cut, SYSTEM, { kind: 'workers', fileName: 'w.csv', data: full });
      expect(whole.read).toBe(25);
      expect(whole.imported + whole.updated).toBe(23);
      expect(await records(cut)).toEqual(await records(clean));
    } finally {
      clean.close();
      cut.close();
    }
  });
});

describe('POST /v1/imports', () => {
  const small = () => ({ bytes: csvBytes(H_HEAD, householdRows(unique('http')).slice(0, 1), 'utf-8'), name: 'h.csv' });

  it('only staff and admins import; anyone else is refused', async () => {
    expect((await upload(env, null, { kind: 'households', file: small() })).status).toBe(401);
    const res = await env.request('POST', '/v1/employers', {
      token: env.adminToken,
      body: { name: unique('e'), kind: 'workshop', areaCode: '532503' },
    });
    const employer = await env.token({ role: 'employer', employerId: res.body.id });
    const refused = await upload(env, employer, { kind: 'households', file: small() });
    expect(refused.status).toBe(403);
    expect((await upload(env, env.adminToken, { kind: 'households', file: small() })).status).toBe(200);
  });

  it('the form is validated: kind and file are required, unknown fields refused', async () => {
    const res = await upload(env, staffMengzi, { kind: 'people' });
    expect(res.status).toBe(400);
    expect(res.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['file', 'kind']);
    const extra = await upload(env, staffMengzi, { kind: 'households', file: small(), colour: 'red' });
    expect(extra.status).toBe(400);
    const json = await env.request('POST', '/v1/imports', { token: staffMengzi, body: { kind: 'households' } });
    expect(json.status).toBe(400);
  });

  it('takes uploads far over the 64 KB every other route keeps, up to 20 MB', async () => {
    const t = unique('big');
    const rows = Array.from({ length: 3000 }, (_, i) => [`${t}-${i}`, '', '蒙自市', '文澜街道', '东村村委会', '是', '否', '']);
    const bytes = csvBytes(H_HEAD, rows, 'utf-8');
    expect(bytes.length).toBeGreaterThan(100 * 1024);
    const res = await upload(env, staffMengzi, { kind: 'households', file: { bytes, name: 'big.csv' } });
    expect(res.status).toBe(200);
    expect(res.body.summary).toBe('read 3000, imported 3000, updated 0, rejected 0');
    const tooBig = await upload(env, staffMengzi, { kind: 'households', file: { bytes: new Uint8Array(21 * 1024 * 1024), name: 'huge.csv' } });
    expect(tooBig.status).toBe(413);
    const elsewhere = await env.request('POST', '/v1/households', { token: staffMengzi, body: { areaCode: '532503001001', povertyAlleviated: true, monitored: false, pad: 'x'.repeat(70 * 1024) } });
    expect(elsewhere.status).toBe(413);
  });

  it('answers the report as CSV with ?format=csv; its lines count the heading row as line 1', async () => {
    const t = unique('csv');
    const res = await upload(env, staffMengzi, { kind: 'households', file: { bytes: csvBytes(H_HEAD, householdRows(t), 'gbk'), name: 'h.csv' } }, '?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('x-import-summary')).toBe('read 12, imported 5, updated 0, rejected 7');
    const table = parseCsv(res.body as string);
    expect(table[0]).toEqual(['line', 'column', 'value', 'reason']);
    expect(table.slice(1).map((r) => r[0])).toEqual(['6', '7', '8', '9', '10', '11', '12']);
    expect(table[5]).toEqual(['10', '户编号', `${t}-A1`, 'duplicate: line 2 has the same 户编号']);
  });

  it('leaves one audit row per run with the file name and counts, and no personal values', async () => {
    const t = unique('audit');
    await upload(env, staffMengzi, { kind: 'households', file: { bytes: csvBytes(H_HEAD, householdRows(t), 'utf-8'), name: `${t}.csv` } });
    await upload(env, staffMengzi, { kind: 'workers', file: { bytes: xlsxBytes(W_HEAD, workerRows(t)), name: `${t}.xlsx` } });
    const rows = await env.db
      .select()
      .from(auditLog)
      .where(and(like(auditLog.action, 'import.%'), like(auditLog.detail, `%${t}%`)))
      .orderBy(asc(auditLog.id));
    expect(rows.map((r) => [r.action, r.actorRole, r.outcome, r.detail])).toEqual([
      ['import.households', 'staff', 'ok', { file: `${t}.csv`, format: 'csv', encoding: 'utf-8', read: 12, imported: 5, updated: 0, rejected: 7 }],
      ['import.workers', 'staff', 'ok', { file: `${t}.xlsx`, format: 'xlsx', encoding: null, read: 12, imported: 4, updated: 0, rejected: 8 }],
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/张三|13800001111|532503199001011234/);
  });
});

describe('the report file the CLI writes', () => {
  it('lists every rejected row with line, column, value and reason after a UTF-8 BOM', async () => {
    const t = unique('cli');
    const result = await run(env, SYSTEM, { kind: 'households', fileName: 'h.csv', data: csvBytes(H_HEAD, householdRows(t), 'gbk') });
    const csv = importReportCsv(result);
    expect(csv.startsWith('\uFEFFline,column,value,reason\r\n')).toBe(true);
    const table = parseCsv(csv);
    expect(table).toHaveLength(1 + 6); // the system may import 个旧市: line 11 passes
    expect(table[1]).toEqual(['6', '户编号', '', 'is required: the household number (户编号) is the key of re-imports']);
    expect(importSummary(result)).toBe('read 12, imported 6, updated 0, rejected 6');
  });
});

describe('monthly report export', () => {
  let e: TestEnv;
  beforeAll(async () => {
    e = await makeTestEnv();
    const t = 'rep';
    const rows: Row[] = [
      [`${t}-1`, '', '蒙自市', '文澜街道', '东村村委会', '是', '否', ''],
      [`${t}-2`, '', '个旧市', '沙甸街道', '沙甸社区', '是', '是', ''],
      [`${t}-3`, '', '建水县', '临安镇', '新寨村委会', '否', '否', ''],
      [`${t}-4`, '', '蒙自市', '雨过铺街道', '田心村委会', '是', '否', ''],
    ];
    await run(e, SYSTEM, { kind: 'households', fileName: 'h.csv', data: csvBytes(H_HEAD, rows, 'utf-8') });
    const people: Row[] = [1, 2, 3, 4, 5, 6].map((i) => [`${t}-p${i}`, `${t}-${((i - 1) % 4) + 1}`, `人${i}`, '', '', '是', '否', '', '']);
    await run(e, SYSTEM, { kind: 'workers', fileName: 'w.csv', data: csvBytes(W_HEAD, people, 'utf-8') });
    // Some of them in work: out of the province, in another county, in a workshop.
    const id = async (s: string) => (await workerBySource(e, s))!.id;
    const place = async (body: Record<string, unknown>) => {
      const res = await e.request('POST', '/v1/placements', { token: e.adminToken, body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    await place({ workerId: await id(`${t}-p1`), type: 'migrant', areaCode: '44', startDate: '2026-10-01' });
    await place({ workerId: await id(`${t}-p2`), type: 'enterprise', areaCode: '532501', startDate: '2026-11-02' });
    await place({ workerId: await id(`${t}-p3`), type: 'self_employed', areaCode: '532524101210', startDate: '2026-09-01' });
  });
  afterAll(() => e.close());

  it('the xlsx has one row per county and a total row, with the figures of statsFor', async () => {
    const ctx = { db: e.db, clock: e.clock, actor: SYSTEM };
    const report = await monthlyReport(ctx, { area: '5325', month: '2026-11' });
    expect(report.asOf).toBe('2026-11-20'); // the month is still running
    const [sheet] = readXlsx(monthlyReportXlsx(report));
    expect(sheet!.rows[0]).toEqual(monthlyHeader);
    const body = sheet!.rows.slice(1);
    expect(body).toHaveLength(14);
    expect(body.map((r) => r[0])).toEqual(['532501', '532502', '532503', '532504', '532523', '532524', '532525', '532527', '532528', '532529', '532530', '532531', '532532', '5325']);
    for (const row of body) {
      const s = await statsFor(ctx, { area: String(row[0]), asOf: '2026-11-20' });
      const want = [
        s.workersRegistered, s.inWork.total,
        s.inWork.byType.public_welfare, s.inWork.byType.workshop, s.inWork.byType.enterprise, s.inWork.byType.self_employed, s.inWork.byType.migrant,
        s.inWork.byScope.township, s.inWork.byScope.county, s.inWork.byScope.province, s.inWork.inProvince, s.inWork.outOfProvince,
        s.publicWelfarePosts.filled, s.publicWelfarePosts.open, s.workshops.certified, s.workshops.povertyAlleviatedEmployed,
        s.zeroEmployment.remaining, s.zeroEmployment.overdue, s.zeroEmployment.allHouseholds, s.placementsThisMonth.started, s.placementsThisMonth.ended,
      ];
      expect(row.slice(3), String(row[0])).toEqual(want);
      expect(row[2]).toBe('2026-11-20');
    }
    const total = body[13]!;
    expect(total[1]).toBe('红河哈尼族彝族自治州 合计 total');
    // The figures are real ones: six registered, three in work, one of them out of province.
    expect(total.slice(3, 5)).toEqual([6, 3]);
    expect(total[14]).toBe(1);
  });

  it('a county asked over HTTP gives the same figures as GET /v1/stats', async () => {
    const ctx = { db: e.db, clock: e.clock, actor: SYSTEM };
    const report = await monthlyReport(ctx, { area: '5325', month: '2026-10' });
    expect(report.asOf).toBe('2026-10-31');
    const stats = await e.request('GET', '/v1/stats?area=532503&asOf=2026-10-31', { token: e.adminToken });
    expect(report.rows.find((r) => r.code === '532503')!.stats).toEqual(stats.body);
  });

  it('staff get their own county, a month not begun is refused, and every run is audited', async () => {
    const staff: Actor = { role: 'staff', tokenId: 42, areaPrefix: '532503' };
    const report = await monthlyReport({ db: e.db, clock: e.clock, actor: staff }, { area: '5325', month: '2026-11' });
    expect(report.area).toBe('532503');
    expect(report.rows.map((r) => r.code)).toHaveLength(13); // its townships
    await expect(monthlyReport({ db: e.db, clock: e.clock, actor: staff }, { area: '5325', month: '2026-12' })).rejects.toThrow(/not begun/);
    const audits = await e.db.select().from(auditLog).where(eq(auditLog.action, 'report.monthly')).orderBy(asc(auditLog.id));
    expect(audits.at(-1)).toMatchObject({ actorRole: 'staff', actorTokenId: 42, objectId: '532503', detail: { month: '2026-11', asOf: '2026-11-20', rows: 13 } });
  });
});

describe('files over the limits', () => {
  it('a zip bomb (323 KB that unpacks to 110 MB) is refused with 413 naming the limit, before anything is unpacked', async () => {
    const files = unzipSync(writeXlsx([{ name: 's', header: ['户编号'], rows: [['x']] }]));
    const part = Object.keys(files).find((f) => f.includes('worksheets/'))!;
    const row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>';
    files[part] = strToU8(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${row.repeat(Math.ceil(110e6 / row.length))}</sheetData></worksheet>`);
    const bomb = zipSync(files, { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    const res = await upload(env, env.adminToken, { kind: 'households', file: { bytes: bomb, name: 'bomb.xlsx' } });
    expect(res.status).toBe(413);
    expect(res.body.error.issues).toEqual([{ path: '(file)', message: 'the workbook unpacks to more than 100 MB' }]);
    // Nothing of the 110 MB was unpacked.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
  });

  it('a workbook or CSV with more rows or columns than the limits is refused, naming the limit', () => {
    const small = { unpackedBytes: 1024 * 1024, rows: 10, columns: 3 };
    const rows = Array.from({ length: 11 }, (_, i) => [`r${i}`]);
    expect(() => readXlsx(writeXlsx([{ name: 's', header: ['a'], rows: rows.slice(0, 9) }]), small)).not.toThrow();
    expect(() => readXlsx(writeXlsx([{ name: 's', header: ['a'], rows }]), small)).toThrow('the sheet has more than 10 rows');
    expect(() => readXlsx(writeXlsx([{ name: 's', header: ['a', 'b', 'c', 'd'], rows: [] }]), small)).toThrow('the sheet has more than 3 columns');
    const csv = new TextEncoder().encode(`户编号\n${'x\n'.repeat(XLSX_LIMITS.rows + 1)}`);
    expect(() => readTable(csv)).toThrow(expect.objectContaining({ code: 'payload_too_large', issues: [{ path: '(file)', message: `the file has more than ${XLSX_LIMITS.rows} rows` }] }));
  });
});
