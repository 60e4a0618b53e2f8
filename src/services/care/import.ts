// The civil-affairs sheets (民政): per village and date, the number of
// left-behind elders (留守老人), left-behind children (留守儿童) and people
// with disabilities in difficulty (困难残疾人). Counts only — a sheet with
// names or ID numbers has those columns ignored, never read.
//
// Read by the import machinery of services/imports.ts (the same .xlsx / CSV
// reader, the same report of rejected rows by line and column). A row is
// written or rejected whole: the village code must be a known village in the
// caller's area, the date a real date not after today, each count a whole
// number of 0 or more. Keyed on (village, date): a later date supersedes an
// earlier one and the earlier rows stay (history: a past date reads what was
// true then); the same village and date again corrects that row. The rows and
// the run's audit row are one batch: all of a sheet's good rows or none.
import { sql } from 'drizzle-orm';
import { batch } from '../../../db/client.js';
import { areas, careCounts } from '../../../db/schema.js';
import { nowIso, type ServiceCtx } from '../../context.js';
import { dateOutOfRange, todayInChina } from '../../domain/dates.js';
import { areaInScope, requireRole } from '../../domain/scope.js';
import { AppError, type Issue } from '../../errors.js';
import type { TextEncodingName } from '../../lib/text.js';
import { auditInsert } from '../audit.js';
import { type Cell, cellText, headingKey, type ImportResult, inJson, insertRows, readTable, type RejectedRow } from '../imports.js';

export const CARE_IMPORT_KIND = 'care' as const;

export const careFields = ['areaCode', 'date', 'elders', 'children', 'disabled'] as const;
type CareField = (typeof careFields)[number];

/** The headings the civil-affairs sheets use, and common variants, per field (the first is the canonical one). */
export const careHeadings: Record<CareField, string[]> = {
  areaCode: ['村代码', '区划代码', '行政区划代码', '村(社区)代码', '村级代码'],
  date: ['统计日期', '日期', '截至日期', '统计时间'],
  elders: ['留守老人', '留守老人数', '农村留守老年人', '留守老年人'],
  children: ['留守儿童', '留守儿童数', '农村留守儿童'],
  disabled: ['困难残疾人', '困难残疾人数', '困难残疾人员'],
};

export type CareImportResult = Omit<ImportResult, 'kind'> & { kind: typeof CARE_IMPORT_KIND };

export interface CareImportInput {
  fileName: string;
  data: Uint8Array;
  encoding?: TextEncodingName;
}

interface CareRow {
  line: number;
  areaCode: string;
  date: string;
  elders: number;
  children: number;
  disabled: number;
}

const headingOf = (f: CareField) => careHeadings[f][0]!;

function findCareColumns(rows: Cell[][]): { headerRow: number; index: Map<CareField, number>; heading: Map<CareField, string>; ignored: string[] } {
  const map = new Map<string, CareField>();
  for (const f of careFields) {
    map.set(headingKey(f), f);
    for (const h of careHeadings[f]) map.set(headingKey(h), f);
  }
  for (let r = 0; r < Math.min(rows.length, 20); r++) {
    const row = rows[r]!;
    if (!row.some((c) => map.get(headingKey(cellText(c))) === 'areaCode')) continue;
    const index = new Map<CareField, number>();
    const heading = new Map<CareField, string>();
    const ignored: string[] = [];
    const issues: Issue[] = [];
    row.forEach((c, i) => {
      const text = cellText(c).trim();
      if (!text) return;
      const f = map.get(headingKey(text));
      if (!f) ignored.push(text);
      else if (index.has(f)) issues.push({ path: text, message: `names the same field as column "${heading.get(f)}"` });
      else {
        index.set(f, i);
        heading.set(f, text);
      }
    });
    for (const f of careFields) if (!index.has(f)) issues.push({ path: headingOf(f), message: 'this column is required' });
    if (issues.length) throw new AppError('validation_failed', "The file's columns do not fit the civil-affairs import", issues);
    return { headerRow: r, index, heading, ignored };
  }
  throw new AppError('validation_failed', `No heading row with ${headingOf('areaCode')} in the first 20 rows`, [
    { path: '(file)', message: `the civil-affairs sheet needs the columns ${careFields.map(headingOf).join(', ')}` },
  ]);
}

/** 2026-11-30, 2026/11/30, 2026.11.30 or 2026年11月30日 as YYYY-MM-DD; null when not a real date. */
export function sheetDate(text: string): string | null {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(text.normalize('NFKC').trim());
  if (!m) return null;
  const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}

/**
 * Imports a civil-affairs sheet. Staff import villages of their area only
 * (rows outside it are rejected); admins and the system anywhere.
 */
export async function importCareCounts(ctx: ServiceCtx, input: CareImportInput): Promise<CareImportResult> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const table = readTable(input.data, input.encoding);
  const cols = findCareColumns(table.rows);
  const result: CareImportResult = {
    kind: CARE_IMPORT_KIND,
    fileName: input.fileName,
    format: table.format,
    encoding: table.encoding,
    sheet: table.sheet,
    read: 0,
    imported: 0,
    updated: 0,
    rejected: 0,
    rejects: [],
    ignoredColumns: cols.ignored,
  };
  const today = todayInChina(ctx.clock);
  const now = ctx.clock.now();
  const get = (row: Cell[], f: CareField) => cellText(row[cols.index.get(f)!]).trim();
  const parsed: CareRow[] = [];
  const codes = new Set<string>();
  for (let i = cols.headerRow + 1; i < table.rows.length; i++) {
    const row = table.rows[i]!;
    if (row.every((c) => cellText(c).trim() === '')) continue;
    result.read++;
    codes.add(get(row, 'areaCode').normalize('NFKC'));
  }
  const known = new Map(
    codes.size
      ? (await ctx.db.select({ code: areas.code, level: areas.level }).from(areas).where(inJson(areas.code, [...codes]))).map((a) => [a.code, a.level])
      : [],
  );
  const firstLine = new Map<string, number>();
  for (let i = cols.headerRow + 1; i < table.rows.length; i++) {
    const row = table.rows[i]!;
    if (row.every((c) => cellText(c).trim() === '')) continue;
    const line = i + 1;
    const issues: RejectedRow[] = [];
    const reject = (f: CareField, reason: string) =>
      issues.push({ line, column: cols.heading.get(f) ?? headingOf(f), value: get(row, f) || null, reason });
    const code = get(row, 'areaCode').normalize('NFKC');
    if (!code) reject('areaCode', 'is required: the village code (12 digits)');
    else if (!known.has(code)) reject('areaCode', `unknown area code ${code}`);
    else if (known.get(code) !== 'village') reject('areaCode', `${code} is a ${known.get(code)}: the counts are per village, give its 12-digit code`);
    else if (!areaInScope(ctx.actor, code)) reject('areaCode', `is outside your area (${ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : ''})`);
    const dateText = get(row, 'date');
    const date = dateText ? sheetDate(dateText) : null;
    if (!dateText) reject('date', 'is required: the date the counts are as of (YYYY-MM-DD)');
    else if (!date) reject('date', `must be a date as YYYY-MM-DD, not "${dateText}"`);
    else if (date > today) reject('date', `is after today (${today}): counts are of a day that has come`);
    else {
      const out = dateOutOfRange(date, now);
      if (out) reject('date', out);
    }
    const counts: Partial<Record<'elders' | 'children' | 'disabled', number>> = {};
    for (const f of ['elders', 'children', 'disabled'] as const) {
      const v = get(row, f).normalize('NFKC');
      const n = Number(v);
      if (!v) reject(f, 'is required: the number of people (0 when none)');
      else if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) reject(f, `must be a whole number of 0 or more, not "${v}"`);
      else counts[f] = n;
    }
    if (issues.length === 0) {
      const key = `${code}|${date}`;
      const seen = firstLine.get(key);
      if (seen !== undefined) reject('date', `duplicate: line ${seen} has the same village and date`);
      else firstLine.set(key, line);
    }
    if (issues.length) {
      result.rejects.push(...issues);
      result.rejected++;
      continue;
    }
    parsed.push({ line, areaCode: code, date: date!, elders: counts.elders!, children: counts.children!, disabled: counts.disabled! });
  }

  // Existing rows of these villages: the same (village, date) is a correction.
  const existing = new Map<string, number>();
  const villages = [...new Set(parsed.map((r) => r.areaCode))];
  for (let i = 0; i < villages.length; i += 500) {
    const rows = await ctx.db
      .select({ id: careCounts.id, areaCode: careCounts.areaCode, effectiveDate: careCounts.effectiveDate })
      .from(careCounts)
      .where(inJson(careCounts.areaCode, villages.slice(i, i + 500)));
    for (const r of rows) existing.set(`${r.areaCode}|${r.effectiveDate}`, r.id);
  }
  const stamp = nowIso(ctx.clock);
  const inserts: (typeof careCounts.$inferInsert)[] = [];
  const updates: [number, number, number, number][] = [];
  for (const r of parsed) {
    const id = existing.get(`${r.areaCode}|${r.date}`);
    if (id === undefined) {
      inserts.push({ areaCode: r.areaCode, effectiveDate: r.date, elders: r.elders, children: r.children, disabled: r.disabled, source: input.fileName, createdAt: stamp, updatedAt: stamp });
      result.imported++;
    } else {
      updates.push([id, r.elders, r.children, r.disabled]);
      result.updated++;
    }
  }
  result.rejects.sort((a, b) => a.line - b.line);
  const writes: Parameters<typeof batch>[1] = [];
  if (inserts.length) writes.push(insertRows(ctx.db, careCounts, inserts));
  if (updates.length) {
    // One statement for every correction: the values travel as one JSON parameter (D1 binds at most 100).
    writes.push(
      ctx.db.run(sql`UPDATE ${careCounts} SET
        "elders" = j.value ->> 1, "children" = j.value ->> 2, "disabled" = j.value ->> 3,
        "source" = ${input.fileName}, "updated_at" = ${stamp}
        FROM json_each(${JSON.stringify(updates)}) AS j WHERE ${careCounts}."id" = j.value ->> 0`),
    );
  }
  writes.push(
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: `import.${CARE_IMPORT_KIND}`,
      objectType: 'import',
      detail: { file: input.fileName, format: result.format, read: result.read, imported: result.imported, updated: result.updated, rejected: result.rejected },
    }),
  );
  await batch(ctx.db, writes);
  return result;
}
