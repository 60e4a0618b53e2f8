// `npm run bench:import` (not part of the tests): times the bulk import the
// way `npm run import` runs it — a libSQL file database with the migrations
// applied, the system actor, default chunking — on generated provincial
// exports of 100,000 households and 100,000 workers, as CSV (GBK, as office
// software saves it) and as .xlsx. Target: 100,000 rows in under 60 s.
//
//   npm run bench:import                 100,000 rows a file
//   npm run bench:import -- --rows=20000 fewer
//   npm run bench:import -- --keep       keep the files and databases (paths printed)
import { createClient } from '@libsql/client';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { libsqlDb } from '../db/client.js';
import { prepareDatabase } from '../src/bootstrap.js';
import type { Clock } from '../src/context.js';
import { toCsv } from '../src/lib/csv.js';
import { encodeText } from '../src/lib/text.js';
import { writeXlsx } from '../src/lib/xlsx.js';
import { importFile, type ImportKind, importSummary } from '../src/services/imports.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const ROWS = Number(args.get('rows') ?? 100_000);
const KEEP = args.has('keep');
const TARGET_S = 60;
if (!(Number.isInteger(ROWS) && ROWS > 0)) throw new Error(`--rows must be a positive whole number, not ${args.get('rows')}`);

const clock: Clock = { now: () => new Date('2026-11-20T02:00:00Z') };
const dir = mkdtempSync(join(tmpdir(), 'jiujin-bench-import-'));

// Seeded PRNG (mulberry32) so two runs import the same files.
let seed = 20261120;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

type AreaRow = { code: string; name: string; parent: string | null; level: string };
const areaRows = JSON.parse(readFileSync(new URL('../db/seed/areas.json', import.meta.url), 'utf8')) as AreaRow[];
const byCode = new Map(areaRows.map((a) => [a.code, a]));
const villages = areaRows
  .filter((a) => a.level === 'village')
  .map((v) => {
    const township = byCode.get(v.parent!)!;
    return { village: v.name, township: township.name, county: byCode.get(township.parent!)!.name };
  });

const H_HEAD = ['户编号', '户主姓名', '所在县', '所在乡镇', '所在村', '是否脱贫户', '是否监测对象', '身份证号'];
const W_HEAD = ['人员编号', '户编号', '姓名', '性别', '身份证号', '联系电话', '是否有劳动能力', '是否无法离乡', '照料对象', '技能'];
const surnames = ['李', '王', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '普', '马', '白', '罗', '龙'];
const skills = ['种植', '养殖', '采茶制茶', '缝纫', '刺绣手工', '保洁', '建筑施工', '驾驶', '电商客服', '烹饪', '包装', '护林'];
const households = Math.max(1, Math.round(ROWS * 0.4)); // workers: 2.5 a household on average

function householdTable(): (string | number | null)[][] {
  return Array.from({ length: ROWS }, (_, i) => {
    const v = pick(villages);
    const poor = rand() < 0.25;
    return [`5325H${String(i).padStart(8, '0')}`, `${pick(surnames)}户${i}`, v.county, v.township, v.village, poor ? '是' : '否', rand() < (poor ? 0.08 : 0.015) ? '是' : '否', '5325001990010112' + String(i % 100).padStart(2, '0')];
  });
}

function workerTable(): (string | number | null)[][] {
  return Array.from({ length: ROWS }, (_, i) => {
    const clh = rand() < 0.15;
    const k = Math.floor(rand() * 3);
    const s = new Set<string>();
    while (s.size < k) s.add(pick(skills));
    return [
      `5325P${String(i).padStart(9, '0')}`,
      `5325H${String(i % households).padStart(8, '0')}`,
      `${pick(surnames)}${i}`,
      rand() < 0.5 ? '男' : '女',
      '532500199001011234',
      rand() < 0.7 ? 13_000_000_000 + i : null,
      rand() < 0.95 ? '是' : '否',
      clh ? '是' : '否',
      clh ? pick(['老人', '儿童', '老人、儿童', '残疾人']) : '',
      [...s].join('、'),
    ];
  });
}

async function timed<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await f();
  return [v, (performance.now() - t) / 1000];
}

async function importInto(db: ReturnType<typeof libsqlDb>, kind: ImportKind, file: string) {
  const data = new Uint8Array(readFileSync(file));
  return timed(() => importFile({ db, clock, actor: { role: 'system', name: 'bench' } }, { kind, fileName: file, data }));
}

const line = (label: string, rows: number, seconds: number, summary: string) =>
  console.log(
    `${label.padEnd(34)} ${seconds.toFixed(1).padStart(6)} s  ${Math.round(rows / seconds).toLocaleString('en').padStart(8)} rows/s  ${seconds < TARGET_S ? 'ok ' : 'SLOW'}  ${summary}`,
  );

async function main() {
  console.log(`bench:import — ${ROWS.toLocaleString('en')} households and ${ROWS.toLocaleString('en')} workers a file; target under ${TARGET_S} s a file`);
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; files and databases in ${dir}\n`);

  const [files, genS] = await timed(() => {
    const h = householdTable();
    const w = workerTable();
    const out = {
      hCsv: join(dir, 'households.csv'),
      wCsv: join(dir, 'workers.csv'),
      hXlsx: join(dir, 'households.xlsx'),
      wXlsx: join(dir, 'workers.xlsx'),
    };
    writeFileSync(out.hCsv, encodeText(toCsv(H_HEAD, h).slice(1), 'gbk'));
    writeFileSync(out.wCsv, encodeText(toCsv(W_HEAD, w).slice(1), 'gbk'));
    writeFileSync(out.hXlsx, writeXlsx([{ name: '脱贫户', header: H_HEAD, rows: h }]));
    writeFileSync(out.wXlsx, writeXlsx([{ name: '人员', header: W_HEAD, rows: w }]));
    return out;
  });
  const size = (f: string) => `${(readFileSync(f).length / 1024 / 1024).toFixed(1)} MB`;
  console.log(`files generated in ${genS.toFixed(1)} s: households.csv ${size(files.hCsv)}, workers.csv ${size(files.wCsv)}, households.xlsx ${size(files.hXlsx)}, workers.xlsx ${size(files.wXlsx)}\n`);

  let worst = 0;
  for (const format of ['csv', 'xlsx'] as const) {
    const url = `file:${join(dir, `bench-${format}.db`)}`;
    const client = createClient({ url });
    const db = libsqlDb(client);
    await prepareDatabase(db, clock, { generateAdminToken: false });
    const hFile = format === 'csv' ? files.hCsv : files.hXlsx;
    const wFile = format === 'csv' ? files.wCsv : files.wXlsx;
    const [h, hS] = await importInto(db, 'households', hFile);
    line(`households.${format} (new)`, h.read, hS, importSummary(h));
    const [w, wS] = await importInto(db, 'workers', wFile);
    line(`workers.${format} (new)`, w.read, wS, importSummary(w));
    worst = Math.max(worst, hS, wS);
    if (format === 'csv') {
      const [again, aS] = await importInto(db, 'workers', wFile);
      line(`workers.${format} again (unchanged)`, again.read, aS, importSummary(again));
      worst = Math.max(worst, aS);
    }
    const periods = await client.execute('SELECT count(*) AS n FROM zero_employment_periods');
    console.log(`${''.padEnd(34)} zero-employment periods written: ${Number(periods.rows[0]!.n).toLocaleString('en')}`);
    client.close();
  }
  console.log(`\nslowest file: ${worst.toFixed(1)} s for ${ROWS.toLocaleString('en')} rows (target ${TARGET_S} s): ${worst < TARGET_S ? 'met' : 'NOT met'}`);
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
