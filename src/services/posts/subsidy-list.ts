// The month's payment list (岗位补贴发放表) of an area's public-welfare post
// holders: one row per assessed holder — provincial 人员编号 beside Jiujin's
// ids, name, post, days, score, band, amount and the deduction's reason —
// and the total, as xlsx or CSV (`npm run export -- subsidy`, the console's
// exports page). Amounts are the assessments' own (src/domain/subsidy.ts
// decided them when recorded); nothing is counted here, and no bank account
// is held or written. Every export is audited by its caller.
import type { ServiceCtx } from '../../context.js';
import { chinaDayOf } from '../../domain/dates.js';
import { yuanOfFen } from '../../domain/subsidy.js';
import { toCsv } from '../../lib/csv.js';
import { type Sheet, writeXlsx } from '../../lib/xlsx.js';
import { findArea } from '../areas.js';
import { auditInsert } from '../audit.js';
import { allMonthHolders } from './assessments.js';

export interface SubsidyRow {
  workerId: number;
  sourceId: string | null;
  name: string | null;
  placementId: number;
  post: string | null;
  homeAreaCode: string;
  daysWorked: number;
  total: number;
  band: string;
  amountFen: number;
  deductionFen: number;
  deductionReason: string | null;
  told: boolean;
  paidAt: string | null;
}

export interface SubsidyList {
  area: string;
  areaName: string;
  month: string;
  rows: SubsidyRow[];
  totalFen: number;
  /** Holders of the month with no assessment yet: not on the list. */
  unassessed: number;
}

/** The payment list of an area's month (staff of the area, admins, the system for the export script). */
export async function subsidyList(ctx: ServiceCtx, q: { area: string; month: string }): Promise<SubsidyList> {
  const holders = await allMonthHolders(ctx, q);
  const area = await findArea(ctx.db, q.area);
  const rows = holders
    .filter((h) => h.assessment)
    .map((h): SubsidyRow => {
      const a = h.assessment!;
      return {
        workerId: h.workerId,
        sourceId: h.sourceId,
        name: h.name,
        placementId: h.placementId,
        post: h.post,
        homeAreaCode: h.homeAreaCode,
        daysWorked: a.daysWorked,
        total: a.total,
        band: a.band,
        amountFen: Math.round(a.amountYuan * 100),
        deductionFen: Math.round(a.deductionYuan * 100),
        deductionReason: a.deductionReason,
        told: a.told,
        paidAt: a.paidAt,
      };
    });
  return {
    area: q.area,
    areaName: area?.name ?? q.area,
    month: q.month,
    rows,
    totalFen: rows.reduce((s, r) => s + r.amountFen, 0),
    unassessed: holders.length - rows.length,
  };
}

const yuan = (fen: number) => Number(yuanOfFen(fen));

/** The list as one sheet: codes as text, the paid date a real date, a 合计 row last. */
export function subsidySheet(list: SubsidyList): Sheet {
  return {
    name: `${list.month}岗位补贴`,
    header: ['人员编号', '就近人员号', '姓名', '岗位', '户籍地代码', '出勤天数', '考核得分', '考核等次', '补贴金额（元）', '扣减金额（元）', '扣减原因', '已告知本人', '发放日期'],
    dateColumns: [12],
    textColumns: [0, 4],
    rows: [
      ...list.rows.map((r) => [
        r.sourceId,
        r.workerId,
        r.name,
        r.post ?? '公益性岗位',
        r.homeAreaCode,
        r.daysWorked,
        r.total,
        r.band,
        yuan(r.amountFen),
        yuan(r.deductionFen),
        r.deductionReason ?? '',
        r.told ? '是' : '否',
        r.paidAt ? chinaDayOf(r.paidAt) : null,
      ]),
      [null, null, `${list.areaName} 合计（${list.rows.length}人）`, null, null, null, null, null, yuan(list.totalFen), yuan(list.rows.reduce((s, r) => s + r.deductionFen, 0)), null, null, null],
    ],
  };
}

export const subsidyXlsx = (list: SubsidyList) => writeXlsx([subsidySheet(list)]);

export function subsidyCsv(list: SubsidyList): string {
  const s = subsidySheet(list);
  return toCsv(s.header, s.rows, { textColumns: s.textColumns });
}

/** The list for `npm run export -- subsidy`: built and its export audited (who, area, month, rows; no names). */
export async function exportSubsidyList(ctx: ServiceCtx, q: { area: string; month: string }, format: 'xlsx' | 'csv'): Promise<SubsidyList> {
  const list = await subsidyList(ctx, q);
  await auditInsert(ctx.db, ctx.clock, ctx.actor, {
    action: 'export.subsidy',
    objectType: 'area',
    objectId: q.area,
    detail: { month: q.month, format, rows: list.rows.length, totalFen: list.totalFen },
  });
  return list;
}
