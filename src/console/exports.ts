// Spreadsheet exports: the overview's counts, the zero-employment worklist and
// a month's placements, as .xlsx (Excel, WPS) and CSV, with Chinese column
// headers whatever the page language. The figures are statsFor's, the rows
// the worklist's and placementsOfMonth's: nothing is counted here. Every
// export is audited.
import type { Hono } from 'hono';
import * as z from 'zod';
import { inArray } from 'drizzle-orm';
import { households, placementTypes, transferScopes, workers } from '../../db/schema.js';
import type { ServiceCtx } from '../context.js';
import { requireRole } from '../domain/scope.js';
import { AppError } from '../errors.js';
import { toCsv } from '../lib/csv.js';
import { type Sheet, writeXlsx } from '../lib/xlsx.js';
import { auditInsert } from '../services/audit.js';
import { today } from '../services/households.js';
import { placementsOfMonth } from '../services/placements.js';
import { subsidyList, subsidySheet } from '../services/posts/subsidy-list.js';
import { type ZeroEmploymentItem, zeroEmploymentWorklist } from '../services/worklists.js';
import { areaCodeSchema, isoDateSchema } from '../validation.js';
import { type CCtx, type ConsoleEnv, ctxOf } from './context.js';
import { messages } from './i18n.js';
import { figureRows, namesOf, overviewData } from './overview.js';

const zh = messages.zh;
/** The worklist export stops here; a bureau's list is far shorter. */
const WORKLIST_MAX = 10_000;

const yesNo = (b: boolean) => (b ? '是' : '否');

/** The provincial numbers (户编号, 人员编号) of records, by Jiujin id: the province matches exports back on them. */
async function sourceIds(db: ServiceCtx['db'], table: typeof households | typeof workers, ids: number[]): Promise<Map<number, string | null>> {
  const out = new Map<number, string | null>();
  const unique = [...new Set(ids)];
  // D1 binds at most 100 parameters a statement.
  for (let i = 0; i < unique.length; i += 90) {
    const rows = await db.select({ id: table.id, sourceId: table.sourceId }).from(table).where(inArray(table.id, unique.slice(i, i + 90)));
    for (const r of rows) out.set(r.id, r.sourceId);
  }
  return out;
}

export async function overviewSheets(ctx: ServiceCtx, q: { area?: string; asOf?: string }): Promise<Sheet[]> {
  const o = await overviewData(ctx, q);
  const s = o.stats;
  return [
    {
      name: '概况',
      header: ['地区代码', '地区', '统计日期', '指标', '数值', '指标代码'],
      dateColumns: [2],
      textColumns: [0],
      rows: figureRows(zh, s).map((r) => [s.area ?? '', o.area?.name ?? zh.allAreas, s.asOf, r.label, r.value, r.key]),
    },
    {
      name: '下级地区',
      textColumns: [0],
      header: ['地区代码', '地区', '登记劳动力', '在岗人数', '省内转移就业', '省外转移就业', ...placementTypes.map((p) => `在岗·${zh.types[p]}`), ...transferScopes.map((p) => `在岗·${zh.scopes[p]}`), '公益性岗位在岗', '公益性岗位空缺', '认定帮扶车间', '车间吸纳脱贫人口', '零就业家庭剩余', '零就业家庭超期', '无人就业家庭（全部）', '本月新增就业', '本月离岗'],
      rows: [...o.children.map(({ area, stats: c }) => ({ code: area.code, name: area.name, c })), { code: s.area ?? '', name: `${o.area?.name ?? zh.allAreas} 合计`, c: s }].map(({ code, name, c }) => [
        code,
        name,
        c.workersRegistered,
        c.inWork.total,
        c.inWork.inProvince,
        c.inWork.outOfProvince,
        ...placementTypes.map((p) => c.inWork.byType[p]),
        ...transferScopes.map((p) => c.inWork.byScope[p]),
        c.publicWelfarePosts.filled,
        c.publicWelfarePosts.open,
        c.workshops.certified,
        c.workshops.povertyAlleviatedEmployed,
        c.zeroEmployment.remaining,
        c.zeroEmployment.overdue,
        c.zeroEmployment.allHouseholds,
        c.placementsThisMonth.started,
        c.placementsThisMonth.ended,
      ]),
    },
    {
      name: '近12个月',
      header: ['月份', '新增就业', '离岗'],
      rows: o.trend.map((m) => [m.month, m.started, m.ended]),
    },
    { name: '说明', header: ['说明'], rows: [[zh.partsNote]] },
  ];
}

export async function worklistSheet(ctx: ServiceCtx, q: { area?: string; asOf?: string }): Promise<Sheet> {
  const items: ZeroEmploymentItem[] = [];
  let after: { since: string; householdId: number } | undefined;
  do {
    const page = await zeroEmploymentWorklist(ctx, { area: q.area, asOf: q.asOf, after, limit: 100 });
    items.push(...page.items);
    after = page.next ?? undefined;
  } while (after && items.length < WORKLIST_MAX);
  const names = await namesOf(ctx.db, items.map((i) => i.areaCode));
  const hSource = await sourceIds(ctx.db, households, items.map((i) => i.householdId));
  const wSource = await sourceIds(ctx.db, workers, items.flatMap((i) => i.members.map((m) => m.id)));
  const place = (code: string) => (code.length > 9 ? `${names[code.slice(0, 9)] ?? ''}${names[code] ?? code}` : (names[code] ?? code));
  return {
    name: '零就业家庭',
    header: ['就近户号', '户编号', '地区代码', '村（社区）', '列入日期', '等待天数', '是否超期', '脱贫户', '监测户', '成员', '人员编号', '有劳动能力人数', '可推荐岗位数'],
    dateColumns: [4],
    textColumns: [1, 2],
    rows: items.map((i) => [
      i.householdId,
      hSource.get(i.householdId) ?? null,
      i.areaCode,
      place(i.areaCode),
      i.since,
      i.daysWaiting,
      yesNo(i.overdue),
      yesNo(i.povertyAlleviated),
      yesNo(i.monitored),
      i.members.map((m) => m.name ?? '').filter(Boolean).join('、'),
      i.members.map((m) => wSource.get(m.id) ?? '').filter(Boolean).join('、'),
      i.members.filter((m) => m.ableToWork && !m.erased).length,
      i.eligibleOpenings.capped ? `${i.eligibleOpenings.count}+` : i.eligibleOpenings.count,
    ]),
  };
}

export async function placementsSheet(ctx: ServiceCtx, q: { area?: string; month: string }): Promise<Sheet> {
  const m = await placementsOfMonth(ctx, q);
  const names = await namesOf(ctx.db, m.items.flatMap((i) => [i.placement.homeAreaCode, ...(i.placement.areaCode ? [i.placement.areaCode] : [])]));
  return {
    name: `${q.month}就业记录`,
    header: ['记录编号', '姓名', '人员编号', '就近户号', '户编号', '户籍地代码', '户籍地', '就业类型', '转移范围', '工作地点', '岗位', '用人单位', '开始日期', '离岗日期（不再上班的第一天）', '本月新增', '本月离岗'],
    dateColumns: [12, 13],
    textColumns: [2, 4, 5],
    rows: m.items.map((i) => [
      i.placement.id,
      i.worker.name,
      i.worker.sourceId,
      i.worker.householdId,
      i.worker.householdSourceId,
      i.placement.homeAreaCode,
      names[i.placement.homeAreaCode] ?? '',
      zh.types[i.placement.type] ?? i.placement.type,
      zh.scopes[i.placement.scope] ?? i.placement.scope,
      i.placement.areaCode ? (names[i.placement.areaCode] ?? i.placement.areaCode) : '',
      i.opening?.title ?? '',
      i.opening?.employerName ?? '',
      i.placement.startDate,
      i.placement.endDate,
      yesNo(i.startedInMonth),
      yesNo(i.endedInMonth),
    ]),
  };
}

const exportQuery = z.object({
  area: z.union([areaCodeSchema, z.literal('')]).optional().transform((v) => (v ? v : undefined)),
  asOf: z.union([isoDateSchema, z.literal('')]).optional().transform((v) => (v ? v : undefined)),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional(),
});

async function send(c: CCtx, what: string, format: 'xlsx' | 'csv', sheets: Sheet[], detail: Record<string, unknown>, fileBase: string) {
  const ctx = ctxOf(c);
  await auditInsert(ctx.db, ctx.clock, ctx.actor, {
    action: 'console.export',
    objectType: 'export',
    objectId: what,
    detail: { format, rows: sheets[0]?.rows.length ?? 0, ...detail },
  });
  const name = `${fileBase}.${format}`;
  const disposition = `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
  if (format === 'xlsx') {
    return new Response(writeXlsx(sheets) as Uint8Array<ArrayBuffer>, {
      headers: {
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'content-disposition': disposition,
        'cache-control': 'no-store',
      },
    });
  }
  const first = sheets[0]!;
  return new Response(toCsv(first.header, first.rows, { textColumns: first.textColumns }), {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': disposition, 'cache-control': 'no-store' },
  });
}

export function exportRoutes(app: Hono<ConsoleEnv>) {
  app.get('/exports/:file{(overview|worklist|placements|subsidy)\\.(xlsx|csv)}', async (c) => {
    const ctx = ctxOf(c);
    // Staff (and admins, who may do everything staff may) only.
    requireRole(ctx.actor, 'staff', 'admin');
    const [what, format] = c.req.param('file').split('.') as ['overview' | 'worklist' | 'placements' | 'subsidy', 'xlsx' | 'csv'];
    const parsed = exportQuery.safeParse(c.req.query());
    if (!parsed.success) throw new AppError('validation_failed', 'area, asOf (YYYY-MM-DD) or month (YYYY-MM) is not valid');
    const q = parsed.data;
    const asOf = q.asOf ?? today(ctx);
    const areaPart = q.area ?? (ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : 'all');
    if (what === 'overview') {
      return send(c, what, format, await overviewSheets(ctx, { area: q.area, asOf }), { area: q.area ?? null, asOf }, `jiujin-overview-${areaPart}-${asOf}`);
    }
    if (what === 'worklist') {
      return send(c, what, format, [await worklistSheet(ctx, { area: q.area, asOf })], { area: q.area ?? null, asOf }, `jiujin-zero-employment-${areaPart}-${asOf}`);
    }
    const month = q.month ?? asOf.slice(0, 7);
    if (what === 'subsidy') {
      const area = q.area ?? (ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : undefined);
      if (!area) throw new AppError('validation_failed', 'area is required for the payment list');
      const list = await subsidyList(ctx, { area, month });
      return send(c, what, format, [subsidySheet(list)], { area, month, totalFen: list.totalFen }, `jiujin-subsidy-${area}-${month}`);
    }
    return send(c, what, format, [await placementsSheet(ctx, { area: q.area, month })], { area: q.area ?? null, month }, `jiujin-placements-${areaPart}-${month}`);
  });
}
