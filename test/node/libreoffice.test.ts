// The monthly export opened in LibreOffice (issue 17): the xlsx and the CSV
// are converted by `soffice --headless --convert-to fods` (flat OpenDocument,
// one XML file, which says of every cell whether LibreOffice took it as a
// date, a number or text) and read back: dates are dates, 12-digit village
// codes are text with every digit, and the 合计 row equals GET /v1/stats.
//
// Skipped, saying why, where soffice is not installed: CI does not install
// LibreOffice (too heavy). `apt-get install libreoffice-calc` to run it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/context.js';
import { monthlyColumns, monthlyHeader, monthlyReport, monthlyReportCsv, monthlyReportXlsx } from '../../src/services/reports.js';
import { makeHousehold, makeTestEnv, makeWorker, type TestEnv } from '../helpers.js';

const probe = spawnSync('soffice', ['--version'], { encoding: 'utf8', timeout: 60_000 });
const SOFFICE = probe.status === 0 ? probe.stdout.trim() : null;
const SKIP_REASON = 'soffice (LibreOffice) is not installed: apt-get install libreoffice-calc to run this check';
if (!SOFFICE) console.warn(`libreoffice.test.ts skipped: ${SKIP_REASON}`);

const TOWNSHIP = '532503001'; // 文澜街道, 蒙自市: its report has a row per village (12-digit codes)
const ADMIN: Actor = { role: 'admin', tokenId: 1 };

interface Cell {
  type: string | null;
  value: string | null;
  date: string | null;
  text: string;
}

const decode = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** The sheets of a flat ODS file as rows of cells (repeated cells expanded, trailing empties dropped). */
function readFods(xml: string): Array<{ name: string; rows: Cell[][] }> {
  const sheets: Array<{ name: string; rows: Cell[][] }> = [];
  for (const t of xml.matchAll(/<table:table table:name="([^"]*)"[^>]*>([\s\S]*?)<\/table:table>/g)) {
    const rows: Cell[][] = [];
    for (const r of t[2]!.matchAll(/<table:table-row\b[^>]*?(?:\/>|>([\s\S]*?)<\/table:table-row>)/g)) {
      const cells: Cell[] = [];
      for (const c of (r[1] ?? '').matchAll(/<table:(?:covered-)?table-cell\b([^>]*?)(?:\/>|>([\s\S]*?)<\/table:(?:covered-)?table-cell>)/g)) {
        const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(c[1]!)?.[1] ?? null;
        const text = [...(c[2] ?? '').matchAll(/<text:p>([\s\S]*?)<\/text:p>/g)].map((p) => decode(p[1]!.replace(/<[^>]+>/g, ''))).join('\n');
        const cell = { type: attr('office:value-type'), value: attr('office:value'), date: attr('office:date-value'), text };
        const n = Math.min(Number(attr('table:number-columns-repeated') ?? 1), 50);
        for (let i = 0; i < n; i++) cells.push(cell);
      }
      while (cells.length && cells.at(-1)!.type === null && cells.at(-1)!.text === '') cells.pop();
      if (cells.length) rows.push(cells);
    }
    sheets.push({ name: decode(t[1]!), rows });
  }
  return sheets;
}

let env: TestEnv;
let dir: string;

/** Converts a file with LibreOffice to flat ODS and reads it back. */
function openInLibreOffice(name: string, bytes: Uint8Array | string) {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const args = ['--headless', `-env:UserInstallation=file://${join(dir, 'profile')}`, '--convert-to', 'fods', '--outdir', dir, file];
  // CSV: UTF-8 (76), comma-separated (44), quotes (34), LibreOffice's own detection of the cells' types.
  if (name.endsWith('.csv')) args.splice(1, 0, '--infilter=CSV:44,34,76,1');
  const run = spawnSync('soffice', args, { encoding: 'utf8', timeout: 180_000 });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  return readFods(readFileSync(file.replace(/\.\w+$/, '.fods'), 'utf8'));
}

beforeAll(async () => {
  if (!SOFFICE) return;
  dir = mkdtempSync(join(tmpdir(), 'jiujin-lo-'));
  env = await makeTestEnv();
  env.clock.set('2026-11-05T02:00:00Z');
  const villages = ['532503001001', '532503001002', '532503001003'];
  for (const [i, v] of villages.entries()) {
    for (let k = 0; k <= i; k++) {
      const hh = await makeHousehold(env, { areaCode: v, povertyAlleviated: k % 2 === 0 });
      const w = await makeWorker(env, hh.id);
      if (k > 0) {
        const body = { workerId: w.id, type: k === 1 ? 'migrant' : 'enterprise', areaCode: k === 1 ? '44' : '532503', startDate: '2026-11-02' };
        expect((await env.request('POST', '/v1/placements', { token: env.adminToken, body })).status).toBe(201);
      }
    }
  }
  env.clock.set('2026-12-01T02:00:00Z');
}, 120_000);
afterAll(async () => {
  if (!SOFFICE) return;
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

const figuresOf = (s: any) => monthlyColumns.map(([, get]) => get(s));

describe.skipIf(!SOFFICE)(`the monthly export in LibreOffice (${SOFFICE ?? `skipped: ${SKIP_REASON}`})`, () => {
  it('the xlsx opens with the as-of column as dates, 12-digit codes as text, and a 合计 row equal to GET /v1/stats', async () => {
    const report = await monthlyReport({ db: env.db, clock: env.clock, actor: ADMIN }, { area: TOWNSHIP, month: '2026-11' });
    const [sheet, notes] = openInLibreOffice('report.xlsx', monthlyReportXlsx(report));
    expect(sheet!.rows[0]!.map((c) => c.text)).toEqual(monthlyHeader);
    const body = sheet!.rows.slice(1);
    expect(body.length).toBeGreaterThan(3);
    for (const row of body) {
      expect(row[0]!.type, row[0]!.text).toBe('string');
      expect(row[2]).toMatchObject({ type: 'date', date: '2026-11-30' });
      for (const c of row.slice(3)) expect(c.type).toBe('float');
    }
    const villages = body.filter((r) => r[0]!.text.length === 12).map((r) => r[0]!.text);
    expect(villages).toEqual(expect.arrayContaining(['532503001001', '532503001002', '532503001003']));
    const total = body.at(-1)!;
    expect(total[0]!.text).toBe(TOWNSHIP);
    expect(total[1]!.text).toMatch(/合计/);
    const stats = await env.request('GET', `/v1/stats?area=${TOWNSHIP}&asOf=2026-11-30`, { token: env.adminToken });
    expect(stats.body.inWork.total).toBe(3);
    expect(total.slice(3).map((c) => Number(c.value))).toEqual(figuresOf(stats.body));
    // Each village row is that village's figures.
    for (const row of body.slice(0, -1)) {
      const s = await env.request('GET', `/v1/stats?area=${row[0]!.text}&asOf=2026-11-30`, { token: env.adminToken });
      expect(row.slice(3).map((c) => Number(c.value)), row[0]!.text).toEqual(figuresOf(s.body));
    }
    expect(notes!.rows.some((r) => r[1]?.text.includes('分项之和'))).toBe(true);
  });

  it('the CSV opens with 12-digit codes intact as text, the as-of dates as dates, and the same 合计 row', async () => {
    const report = await monthlyReport({ db: env.db, clock: env.clock, actor: ADMIN }, { area: TOWNSHIP, month: '2026-11' });
    const [sheet] = openInLibreOffice('report.csv', monthlyReportCsv(report));
    const rows = sheet!.rows.slice(1).filter((r) => /^\d+$/.test(r[0]!.text));
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      // ="532503001001": a formula whose value is the text, every digit kept.
      expect(row[0]!.type, row[0]!.text).toBe('string');
      expect(row[0]!.text).toMatch(/^\d{9}(\d{3})?$/);
      expect(row[2]).toMatchObject({ type: 'date', date: '2026-11-30' });
    }
    const total = rows.at(-1)!;
    expect(total[0]!.text).toBe(TOWNSHIP);
    const stats = await env.request('GET', `/v1/stats?area=${TOWNSHIP}&asOf=2026-11-30`, { token: env.adminToken });
    expect(total.slice(3).map((c) => Number(c.value))).toEqual(figuresOf(stats.body));
  });
});
