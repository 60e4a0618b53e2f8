// The month's assessment sheet imported (.xlsx or .csv, UTF-8 or GBK, read by
// services/imports.ts readTable): one holder a row, found by 人员编号 (the
// provincial number) or 就近人员号 (Jiujin's worker id), with 出勤天数 and
// either 考勤 / 乡镇考核 / 群众评议 or one 考核得分 (总分). The payment list
// the export writes is such a sheet, so a township's own spreadsheet can be
// filled and sent back. Each row passes the same rules as PUT
// /v1/assessments (prepareAssessment) or is reported with its line and
// reason; the rows that pass are written in one batch with their audit rows.
import { eq } from 'drizzle-orm';
import { workers } from '../../../db/schema.js';
import type { ServiceCtx } from '../../context.js';
import { requireRole } from '../../domain/scope.js';
import { AppError } from '../../errors.js';
import type { TextEncodingName } from '../../lib/text.js';
import { auditInsert } from '../audit.js';
import { readTable } from '../imports.js';
import { type AssessmentInput, recordAssessments } from './assessments.js';

const headings = {
  sourceId: ['人员编号', '人员编码'],
  workerId: ['就近人员号'],
  daysWorked: ['出勤天数', '出勤(天)', '出勤（天）', '出勤'],
  attendance: ['考勤', '考勤得分', '村考勤'],
  township: ['乡镇考核', '乡镇考核得分'],
  appraisal: ['群众评议', '群众评议得分'],
  total: ['考核得分', '总分', '得分'],
} as const;
type Column = keyof typeof headings;

export interface AssessmentImportResult {
  fileName: string;
  month: string;
  read: number;
  recorded: number;
  rejected: number;
  rejects: Array<{ line: number; column: string; reason: string }>;
}

const norm = (s: unknown) => String(s ?? '').replace(/\s+/g, '');

export async function importAssessments(
  ctx: ServiceCtx,
  input: { month: string; fileName: string; data: Uint8Array; encoding?: TextEncodingName },
): Promise<AssessmentImportResult> {
  requireRole(ctx.actor, 'staff', 'admin');
  const table = readTable(input.data, input.encoding);
  const header = (table.rows[0] ?? []).map(norm);
  const col = {} as Record<Column, number>;
  for (const [field, names] of Object.entries(headings) as Array<[Column, readonly string[]]>) {
    const i = header.findIndex((h) => names.includes(h));
    if (i >= 0) col[field] = i;
  }
  if (col.sourceId === undefined && col.workerId === undefined) {
    throw new AppError('validation_failed', 'The sheet needs a 人员编号 or 就近人员号 column', [{ path: '(file)', message: 'no 人员编号 / 就近人员号 column' }]);
  }
  if (col.daysWorked === undefined) throw new AppError('validation_failed', 'The sheet needs a 出勤天数 column', [{ path: '(file)', message: 'no 出勤天数 column' }]);
  const rejects: AssessmentImportResult['rejects'] = [];
  const rows: AssessmentInput[] = [];
  const lines: number[] = [];
  let read = 0;
  for (let i = 1; i < table.rows.length; i++) {
    const r = table.rows[i]!;
    const cell = (c: Column) => (col[c] === undefined ? '' : norm(r[col[c]]));
    if (!cell('sourceId') && !cell('workerId')) continue; // blank lines and the 合计 row
    read++;
    const line = i + 1;
    const num = (c: Column): number | null | 'bad' => {
      const s = cell(c);
      if (!s) return null;
      const n = Number(s);
      return Number.isFinite(n) ? n : 'bad';
    };
    const values = { daysWorked: num('daysWorked'), attendance: num('attendance'), township: num('township'), appraisal: num('appraisal'), total: num('total') };
    const bad = (Object.entries(values) as Array<[Column, unknown]>).find(([, v]) => v === 'bad');
    if (bad) {
      rejects.push({ line, column: headings[bad[0]][0], reason: 'not a number' });
      continue;
    }
    let workerId = cell('workerId') && /^\d+$/.test(cell('workerId')) ? Number(cell('workerId')) : undefined;
    if (cell('sourceId')) {
      const [w] = await ctx.db.select({ id: workers.id }).from(workers).where(eq(workers.sourceId, cell('sourceId')));
      if (!w) {
        rejects.push({ line, column: '人员编号', reason: 'no person with this 人员编号' });
        continue;
      }
      workerId = w.id;
    }
    if (workerId === undefined) {
      rejects.push({ line, column: '就近人员号', reason: 'not a number' });
      continue;
    }
    const v = values as Record<Column, number | null>;
    const hasParts = v.attendance !== null || v.township !== null || v.appraisal !== null;
    rows.push({
      workerId,
      month: input.month,
      daysWorked: v.daysWorked ?? -1,
      ...(hasParts ? { attendance: v.attendance, township: v.township, appraisal: v.appraisal } : { total: v.total }),
    });
    lines.push(line);
  }
  const result = await recordAssessments(ctx, rows, { partial: true });
  for (const rej of result.rejected) {
    for (const issue of rej.issues) rejects.push({ line: lines[rej.index]!, column: issue.path, reason: issue.message });
  }
  rejects.sort((a, b) => a.line - b.line);
  const rejected = new Set(rejects.map((r) => r.line)).size;
  await auditInsert(ctx.db, ctx.clock, ctx.actor, {
    action: 'assessment.import',
    objectType: 'import',
    objectId: input.month,
    detail: { month: input.month, format: table.format, read, recorded: result.written, rejected },
  });
  return { fileName: input.fileName, month: input.month, read, recorded: result.written, rejected, rejects };
}
