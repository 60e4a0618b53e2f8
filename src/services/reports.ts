// The monthly report the bureau sends up to the province: one row per child
// area (the counties of a prefecture, the townships of a county) and a total
// row, every figure from statsFor — the numbers GET /v1/stats gives for the
// same area and date, never a second counting. As of the month's last day,
// or today while the month is still running.
import { asc, eq } from 'drizzle-orm';
import { areas } from '../../db/schema.js';
import type { ServiceCtx } from '../context.js';
import { monthBounds } from '../domain/dates.js';
import { requireRole } from '../domain/scope.js';
import { ruleBroken } from '../errors.js';
import { toCsv } from '../lib/csv.js';
import { type Sheet, writeXlsx } from '../lib/xlsx.js';
import { auditInsert } from './audit.js';
import { today } from './households.js';
import { findArea } from './areas.js';
import { resolveStatsArea, type Stats, statsFor } from './stats.js';
import { type Filing, filingInForce } from '../counting/closings.js';
import { type MovedRecord, type RevisionWithRecords, revisionsWithRecords } from '../counting/revision-records.js';
import { revisionsBetween } from '../counting/revisions.js';
import { CARE_RULE } from '../domain/care-score.js';
import { type CareCoverage, careCoverage } from './care/coverage.js';

/** The one line that says why parts can exceed a total, on every report. */
export const PARTS_NOTE =
  '一人同时有两份工作时，在岗人数只算一次，各类型和各范围各算一次，所以分项之和可能大于合计。A person with two jobs at once counts once in people in work and once in each type and scope, so the parts can add up to more than the total.';

/** The report's figures: heading and where in Stats it comes from. */
export const monthlyColumns: ReadonlyArray<readonly [string, (s: Stats) => number]> = [
  ['登记劳动力 workers registered', (s) => s.workersRegistered],
  ['在岗人数 in work', (s) => s.inWork.total],
  ['公益性岗位就业 public-welfare posts', (s) => s.inWork.byType.public_welfare],
  ['帮扶车间就业 workshops', (s) => s.inWork.byType.workshop],
  ['企业就业 enterprises', (s) => s.inWork.byType.enterprise],
  ['自主创业 self-employed', (s) => s.inWork.byType.self_employed],
  ['外出务工 migrant', (s) => s.inWork.byType.migrant],
  ['乡镇内 in township', (s) => s.inWork.byScope.township],
  ['县内跨乡镇 in county', (s) => s.inWork.byScope.county],
  ['省内跨县 in province, other county', (s) => s.inWork.byScope.province],
  ['省内就业 in province', (s) => s.inWork.inProvince],
  ['省外就业 out of province', (s) => s.inWork.outOfProvince],
  ['公益性岗位在岗 posts filled', (s) => s.publicWelfarePosts.filled],
  ['公益性岗位空缺 posts open', (s) => s.publicWelfarePosts.open],
  ['认定帮扶车间 certified workshops', (s) => s.workshops.certified],
  ['车间吸纳脱贫人口 poverty-alleviated workers in workshops', (s) => s.workshops.povertyAlleviatedEmployed],
  ['零就业家庭剩余（脱贫户和监测户） zero-employment households remaining (poverty-alleviated and monitored)', (s) => s.zeroEmployment.remaining],
  ['其中超期 of them overdue', (s) => s.zeroEmployment.overdue],
  ['无人就业家庭（全部） all households with nobody in work', (s) => s.zeroEmployment.allHouseholds],
  ['本月新增就业 placements started this month', (s) => s.placementsThisMonth.started],
  ['本月结束就业 placements ended this month', (s) => s.placementsThisMonth.ended],
];

export const monthlyHeader = ['区域代码 code', '区域 area', '统计截至 as of', ...monthlyColumns.map(([h]) => h)];

export interface MonthlyReport {
  area: string;
  areaName: string;
  month: string;
  asOf: string;
  /** A county that has closed the month shows its filed figures (`filed`), with what moved since in `revisions`. */
  rows: { code: string; name: string; stats: Stats; filed?: Filing; revisions?: RevisionWithRecords[] }[];
  /** statsFor the area as of asOf: what GET /v1/stats gives. */
  total: Stats;
  /** When the area is itself a county that closed the month: its filing in force and what moved since. */
  filed?: { filing: Filing; revisions: RevisionWithRecords[] };
  /** Care coverage of the area as of asOf, villages ranked (the xlsx's care sheet). */
  care: CareCoverage;
}

/**
 * The month's figures for an area and each of its child areas. Staff get
 * their own area when they ask for one containing it (as /v1/stats does).
 * Audited, by whoever runs it: the report leaves the system.
 */
export async function monthlyReport(ctx: ServiceCtx, q: { area: string; month: string }): Promise<MonthlyReport> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(q.month)) throw ruleBroken('month', 'must be a month as YYYY-MM');
  const { first, last } = monthBounds(`${q.month}-01`);
  const now = today(ctx);
  if (first > now) throw ruleBroken('month', `${q.month} has not begun yet`);
  const asOf = last < now ? last : now;
  const prefix = await resolveStatsArea(ctx, q.area);
  const area = await findArea(ctx.db, prefix);
  if (!area) throw ruleBroken('area', `Unknown area code ${prefix}`);
  const children = await ctx.db.select().from(areas).where(eq(areas.parent, prefix)).orderBy(asc(areas.code));
  const rows: MonthlyReport['rows'] = [];
  for (const child of children) {
    const stats = await statsFor(ctx, { area: child.code, asOf });
    const closing = child.level === 'county' ? await filingInForce(ctx, child.code, q.month) : undefined;
    if (closing) rows.push({ code: child.code, name: child.name, stats: closing.figures, filed: closing, revisions: await revised(ctx, closing, stats) });
    else rows.push({ code: child.code, name: child.name, stats });
  }
  const total = await statsFor(ctx, { area: prefix, asOf });
  const care = await careCoverage(ctx, { area: prefix, asOf });
  const own = area.level === 'county' ? await filingInForce(ctx, prefix, q.month) : undefined;
  await auditInsert(ctx.db, ctx.clock, ctx.actor, {
    action: 'report.monthly',
    objectType: 'area',
    objectId: prefix,
    detail: { month: q.month, asOf, rows: rows.length },
  });
  return {
    area: prefix,
    areaName: area.name,
    month: q.month,
    asOf,
    rows,
    total,
    care,
    ...(own ? { filed: { filing: own, revisions: await revised(ctx, own, total) } } : {}),
  };
}

/** What moved since a filing, with the records that moved it. */
const revised = (ctx: ServiceCtx, filing: Filing, now: Stats) =>
  revisionsWithRecords(ctx, { area: filing.area, asOf: filing.asOf, filedAt: filing.closedAt, revisions: revisionsBetween(filing.figures, now) });

/** Records a note names at most; the rest are counted (GET /v1/closings lists them all). */
const NOTE_RECORDS = 50;

/** A record in a note: kind, id, change, the date it takes effect, and who recorded it when. */
const recordNote = (r: MovedRecord) =>
  `${r.kind} ${r.id} ${r.change} ${r.date}${typeof r.detail.lastDayWorked === 'string' ? `（最后上班 last day worked ${r.detail.lastDayWorked}）` : ''}（${r.changedBy ? `${r.changedBy.role}${r.changedBy.tokenId ? `#${r.changedBy.tokenId}` : ''}` : '?'} ${r.changedAt.slice(0, 10)}）`;

/** The report's notes: why parts can exceed a total, then each filing's revisions. */
export function monthlyReportNotes(r: MonthlyReport): string[] {
  const lines = [PARTS_NOTE];
  const filings = [
    ...r.rows.filter((x) => x.filed).map((x) => ({ code: x.code, name: x.name, filing: x.filed!, revisions: x.revisions ?? [] })),
    ...(r.filed ? [{ code: r.area, name: r.areaName, ...r.filed }] : []),
  ];
  for (const f of filings) {
    const moved = f.revisions.map((v) => `${v.figure} ${v.filed}→${v.now}`).join('; ');
    lines.push(
      `${f.name} ${f.code} 已报送 filed ${f.filing.closedAt}` +
        (f.revisions.length ? `；之后修正 revised since: ${moved}（表中为报送数 the table shows the filed figures）` : '；无修正 no revisions'),
    );
    const records = new Map<string, MovedRecord>();
    for (const v of f.revisions) for (const rec of v.records) records.set(`${rec.kind}:${rec.id}:${rec.change}`, rec);
    if (f.revisions.length) {
      const list = [...records.values()];
      const shown = list.slice(0, NOTE_RECORDS).map(recordNote).join('; ');
      const more = list.length > NOTE_RECORDS ? ` … +${list.length - NOTE_RECORDS}` : '';
      lines.push(`${f.name} ${f.code} 修正来自 moved by: ${list.length ? shown + more : '（无对应记录 no record found）'}`);
    }
  }
  const open = r.rows.filter((x) => !x.filed && x.code.length === 6).map((x) => x.code);
  if (open.length) lines.push(`未报送 not closed: ${open.join(', ')}`);
  return lines;
}

/** The report as one table: a row per child area, then the total row. */
export function monthlyReportTable(r: MonthlyReport): { header: string[]; rows: (string | number)[][] } {
  const line = (code: string, name: string, s: Stats) => [code, name, r.asOf, ...monthlyColumns.map(([, get]) => get(s))];
  return {
    header: monthlyHeader,
    rows: [
      ...r.rows.map((x) => line(x.code, x.filed ? `${x.name}（已报送 filed）` : x.name, x.stats)),
      line(r.area, `${r.areaName} 合计 total`, r.total),
      ...(r.filed ? [line(r.area, `${r.areaName} 已报送 filed ${r.filed.filing.closedAt.slice(0, 10)}`, r.filed.filing.figures)] : []),
    ],
  };
}

export const careHeader = [
  '排序 rank',
  '村代码 village code',
  '乡镇 township',
  '村 village',
  '民政数据日期 sheet date',
  '留守老人 left-behind elders',
  '留守儿童 left-behind children',
  '困难残疾人 disabled in difficulty',
  '服务老人岗位在岗 posts serving elders filled',
  '服务老人岗位空缺 open',
  '服务儿童岗位在岗 posts serving children filled',
  '服务儿童岗位空缺 open',
  '服务残疾人岗位在岗 posts serving disabled filled',
  '服务残疾人岗位空缺 open',
  '无法离乡未就业照料者 carers not in work',
  '其中可任公益性岗位 of them eligible',
  '得分 score',
  '建议服务对象 suggested serves',
  '依据 reason',
];

/** The care sheet: one row per village of the area, ranked (GET /v1/care-coverage's items). */
export function careRows(c: CareCoverage): (string | number | null)[][] {
  return c.villages.map((v) => [
    v.rank,
    v.areaCode,
    v.township?.name ?? '',
    v.name,
    v.counts.asOf,
    v.counts.elders,
    v.counts.children,
    v.counts.disabled,
    v.servingPosts.elders.filled,
    v.servingPosts.elders.open,
    v.servingPosts.children.filled,
    v.servingPosts.children.open,
    v.servingPosts.disabled.filled,
    v.servingPosts.disabled.open,
    v.carers.notInWork,
    v.carers.eligible,
    v.score,
    v.suggestedServes ?? '',
    v.reason.text,
  ]);
}

export function monthlyReportXlsx(r: MonthlyReport): Uint8Array {
  const table = monthlyReportTable(r);
  const sheets: Sheet[] = [
    { name: `${r.month} 月报`, header: table.header, rows: table.rows, dateColumns: [2], textColumns: [0] },
    {
      name: '说明 notes',
      header: ['项目 item', '值 value'],
      rows: [
        ['区域 area', `${r.areaName} ${r.area}`],
        ['月份 month', r.month],
        ['统计截至 as of', r.asOf],
        ['口径 definitions', 'People in work on the as-of date by home area (the same figures as GET /v1/stats).'],
        ...monthlyReportNotes(r).map((n) => ['说明 note', n]),
        ['照料服务排序 care ranking', CARE_RULE],
      ],
    },
    { name: '照料服务 care coverage', header: careHeader, rows: careRows(r.care), dateColumns: [4], textColumns: [1] },
  ];
  return writeXlsx(sheets);
}

export function monthlyReportCsv(r: MonthlyReport): string {
  const table = monthlyReportTable(r);
  return toCsv(table.header, [...table.rows, ...monthlyReportNotes(r).map((n) => ['说明 note', n])], { textColumns: [0] });
}
