// `npm run export -- monthly-report --area 5325 --month 2026-11 [--out FILE] [--format xlsx|csv]`
// Writes the month's report (one row per county, or per township of a
// county, and a total row; the figures of GET /v1/stats; a county that
// closed the month shows its filed figures, with a note of any revisions)
// from DATABASE_URL, as the system. The run is audited.
// `npm run export -- close --area 532503 --month 2026-11 [--reason TEXT]`
// closes a county's month as POST /v1/closings does (audited, as the system).
// `npm run export -- subsidy --area 532503001 --month 2026-11 [--out FILE] [--format xlsx|csv]`
// writes the month's payment list of public-welfare post holders (岗位补贴
// 发放表: 人员编号, name, post, days, score, amount, deduction reason, a 合计
// row), audited, as the system.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadNodeConfig } from '../src/config.js';
import { systemClock } from '../src/context.js';
import { openLocalDatabase } from '../src/node-db.js';
import { runTool } from './tool.js';
import { monthlyReport, monthlyReportCsv, monthlyReportXlsx } from '../src/services/reports.js';
import { closeMonth } from '../src/counting/closings.js';
import { exportSubsidyList, subsidyCsv, subsidyXlsx } from '../src/services/posts/subsidy-list.js';

const usage = `usage:
  npm run export -- monthly-report --area <area code> --month <YYYY-MM> [--out FILE] [--format xlsx|csv]
  npm run export -- close --area <county code> --month <YYYY-MM> [--reason TEXT]
  npm run export -- subsidy --area <area code> --month <YYYY-MM> [--out FILE] [--format xlsx|csv]`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { area: { type: 'string' }, month: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, reason: { type: 'string' } },
  });
  if (positionals[0] === 'close' && positionals.length === 1 && values.area && values.month) {
    const config = loadNodeConfig();
    const { client, db } = await openLocalDatabase(config, { tool: true });
    try {
      const f = await closeMonth(
        { db, clock: systemClock, actor: { role: 'system', name: 'export' } },
        { area: values.area, month: values.month, reason: values.reason },
      );
      console.log(`closed ${f.area} ${f.month} as of ${f.asOf}: ${f.figures.inWork.total} in work, ${f.figures.workersRegistered} registered${f.reason ? ` (again: ${f.reason})` : ''}`);
      return 0;
    } finally {
      client.close();
    }
  }
  const format = values.format ?? 'xlsx';
  if (positionals[0] === 'subsidy' && positionals.length === 1 && values.area && values.month && (format === 'xlsx' || format === 'csv')) {
    const config = loadNodeConfig();
    const { client, db } = await openLocalDatabase(config, { tool: true });
    try {
      const list = await exportSubsidyList({ db, clock: systemClock, actor: { role: 'system', name: 'export' } }, { area: values.area, month: values.month }, format);
      const out = values.out ?? `subsidy-${list.area}-${list.month}.${format}`;
      writeFileSync(out, format === 'xlsx' ? subsidyXlsx(list) : subsidyCsv(list));
      console.log(`${out}: ${list.areaName} ${list.area}, ${list.month}: ${list.rows.length} holders, ${(list.totalFen / 100).toFixed(2)} yuan${list.unassessed ? `; ${list.unassessed} not assessed, not on the list` : ''}`);
      return 0;
    } finally {
      client.close();
    }
  }
  if (positionals[0] !== 'monthly-report' || positionals.length !== 1 || !values.area || !values.month || (format !== 'xlsx' && format !== 'csv')) {
    console.error(usage);
    return 2;
  }
  const config = loadNodeConfig();
  const { client, db } = await openLocalDatabase(config, { tool: true });
  try {
    const report = await monthlyReport(
      { db, clock: systemClock, actor: { role: 'system', name: 'export' } },
      { area: values.area, month: values.month },
    );
    const out = values.out ?? `monthly-report-${report.area}-${report.month}.${format}`;
    writeFileSync(out, format === 'xlsx' ? monthlyReportXlsx(report) : monthlyReportCsv(report));
    console.log(`${out}: ${report.areaName} ${report.area}, ${report.month} as of ${report.asOf}, ${report.rows.length} areas and a total row`);
    return 0;
  } finally {
    client.close();
  }
}

process.exitCode = await runTool(() => main(process.argv.slice(2)));
