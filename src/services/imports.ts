// Bulk import of households and workers from the provincial systems' exports
// (数据回流): .xlsx or .csv (UTF-8 or GBK), Chinese column headings, one record
// a row. Each row passes the API's own checks (the zod shapes of
// src/schemas/people.ts, the care rule, the area and scope rules) or is
// rejected with its line, column and reason; nothing is dropped unreported.
//
// Records are keyed on the source's numbers (户编号 → households.source_id,
// 人员编号 → workers.source_id), so importing a file again updates and never
// duplicates, and a run that died part-way ends, when run again with the same
// file, with the records a clean run gives. Rows are written in chunks, each
// one atomic batch together with the zero-employment periods of the
// households it touched (recomputed by the pure rule in
// domain/household-status.ts), so no chunk is ever half-written.
import { chinaDayOf, dateOutOfRange, parseDateText, todayInChina } from '../domain/dates.js';
import { eq, getTableColumns, is, SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type * as z from 'zod';
import { batch, type Db } from '../../db/client.js';
import { areas, households, placements, workers, zeroEmploymentPeriods } from '../../db/schema.js';
import { nowIso, type ServiceCtx } from '../context.js';
import { type HouseholdFacts, zeroEmploymentPeriods as derivePeriods } from '../domain/household-status.js';
import { occupations } from '../domain/occupations.js';
import { areaInScope, requireRole } from '../domain/scope.js';
import { AppError, type Issue } from '../errors.js';
import { parseCsv, toCsv } from '../lib/csv.js';
import { decodeText, type TextEncodingName } from '../lib/text.js';
import { readXlsx, XLSX_LIMITS, XlsxLimitError } from '../lib/xlsx.js';
import { householdCreateSchema, workerCreateSchema } from '../schemas/people.js';
import { auditInsert } from './audit.js';
import { type Household, memberFactsOf } from './household-status.js';
import { birthDateProblem, checkCare, type Worker } from './workers.js';

export const importKinds = ['households', 'workers'] as const;
export type ImportKind = (typeof importKinds)[number];

// ---------------------------------------------------------------------------
// Columns

export const householdFields = ['sourceId', 'county', 'township', 'village', 'areaCode', 'povertyAlleviated', 'monitored', 'statusSince', 'cadreHousehold'] as const;
export const workerFields = [
  'sourceId',
  'householdSourceId',
  'name',
  'phone',
  'ableToWork',
  'cannotLeaveHome',
  'careFor',
  'skills',
  'availability',
  'maxDistanceKm',
  'lat',
  'lon',
  'languages',
  'registeredOn',
  'birthDate',
] as const;
type HouseholdField = (typeof householdFields)[number];
type WorkerField = (typeof workerFields)[number];
type Field = HouseholdField | WorkerField;

/** The headings the provincial exports use, and common variants, per field. */
export const defaultHeadings: { households: Record<HouseholdField, string[]>; workers: Record<WorkerField, string[]> } = {
  households: {
    sourceId: ['户编号', '户编码', '户码'],
    county: ['所在县', '县', '县(市、区)', '所在县(市、区)', '县市区', '县(市)'],
    township: ['所在乡镇', '乡镇', '乡(镇)', '乡镇(街道)', '所在乡(镇)', '所在乡镇(街道)'],
    village: ['所在村', '村', '行政村', '村(社区)', '所在村(社区)', '行政村(社区)'],
    areaCode: ['区划代码', '行政区划代码', '村代码'],
    povertyAlleviated: ['是否脱贫户', '脱贫户'],
    monitored: ['是否监测对象', '是否防返贫监测对象', '监测对象'],
    statusSince: ['状态生效日期', '身份生效日期', '脱贫（监测）日期', '标识日期'],
    cadreHousehold: ['是否村干部户', '村干部户', '是否干部户'],
  },
  workers: {
    sourceId: ['人员编号', '人员编码'],
    householdSourceId: ['户编号', '户编码', '户码'],
    name: ['姓名'],
    phone: ['联系电话', '手机号', '手机号码', '电话'],
    ableToWork: ['是否有劳动能力', '劳动能力'],
    cannotLeaveHome: ['是否无法离乡'],
    careFor: ['照料对象', '无法离乡原因'],
    skills: ['技能', '职业技能', '技能特长'],
    availability: ['可工作时间', '工作时间'],
    maxDistanceKm: ['最远通勤距离(公里)', '通勤距离(公里)', '最远距离(公里)'],
    lat: ['纬度'],
    lon: ['经度'],
    languages: ['语言'],
    registeredOn: ['登记日期', '登记时间'],
    birthDate: ['出生日期', '出生年月日', '生日'],
  },
};

/**
 * A mapping file (docs/import-mapping.md): more headings per field, more
 * words for yes and no, and more names for skills. Headings given here win
 * over the defaults.
 */
export interface ImportMapping {
  households?: Record<string, HouseholdField>;
  workers?: Record<string, WorkerField>;
  yes?: string[];
  no?: string[];
  skills?: Record<string, string>;
}

/** Checks a parsed mapping file; throws validation_failed naming the bad entries. */
export function parseMapping(value: unknown): ImportMapping {
  const issues: Issue[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(value)) throw new AppError('validation_failed', 'The mapping must be a JSON object', [{ path: 'mapping', message: 'must be an object' }]);
  const known = new Set(['households', 'workers', 'yes', 'no', 'skills', '$comment']);
  for (const k of Object.keys(value)) if (!known.has(k)) issues.push({ path: `mapping.${k}`, message: 'unknown key' });
  const fieldsOf = { households: householdFields as readonly string[], workers: workerFields as readonly string[] };
  for (const kind of importKinds) {
    const cols = value[kind];
    if (cols === undefined) continue;
    if (!isObj(cols)) {
      issues.push({ path: `mapping.${kind}`, message: 'must map headings to field names' });
      continue;
    }
    for (const [heading, field] of Object.entries(cols)) {
      if (typeof field !== 'string' || !fieldsOf[kind].includes(field)) {
        issues.push({ path: `mapping.${kind}.${heading}`, message: `must be one of ${fieldsOf[kind].join(', ')}` });
      }
    }
  }
  for (const k of ['yes', 'no'] as const) {
    const v = value[k];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) issues.push({ path: `mapping.${k}`, message: 'must be a list of words' });
  }
  const skills = value.skills;
  if (skills !== undefined) {
    if (!isObj(skills)) issues.push({ path: 'mapping.skills', message: 'must map names to skill codes' });
    else
      for (const [name, code] of Object.entries(skills)) {
        if (typeof code !== 'string' || !occupations.some((o) => o.code === code)) {
          issues.push({ path: `mapping.skills.${name}`, message: 'is not a code from the occupation list' });
        }
      }
  }
  if (issues.length) throw new AppError('validation_failed', 'The mapping is not valid', issues);
  return value as ImportMapping;
}

const nfkc = (s: string) => s.normalize('NFKC');
/** Headings compare without spaces, line breaks, required-markers (*) or width and case differences. */
export const headingKey = (s: string) => nfkc(s).replace(/[\s*]/g, '').toLowerCase();

interface Columns {
  /** Field → column index. */
  index: Map<Field, number>;
  /** Field → the heading as the file wrote it (for the report). */
  heading: Map<Field, string>;
  ignored: string[];
}

function headingMap(kind: ImportKind, mapping: ImportMapping | undefined): Map<string, Field> {
  const map = new Map<string, Field>();
  const defaults = defaultHeadings[kind] as Record<Field, string[]>;
  for (const [field, names] of Object.entries(defaults) as [Field, string[]][]) {
    map.set(headingKey(field), field);
    for (const n of names) map.set(headingKey(n), field);
  }
  for (const [heading, field] of Object.entries(mapping?.[kind] ?? {})) map.set(headingKey(heading), field as Field);
  return map;
}

const required: Record<ImportKind, Field[]> = {
  households: ['sourceId', 'povertyAlleviated', 'monitored'],
  workers: ['sourceId', 'householdSourceId', 'name'],
};

const fieldLabel = (kind: ImportKind, f: Field) => (defaultHeadings[kind] as Record<Field, string[]>)[f]![0]!;

/** Finds the heading row (the first of the first 20 rows naming the key column) and maps its columns. */
function findColumns(kind: ImportKind, table: Cell[][], mapping: ImportMapping | undefined): { headerRow: number; columns: Columns } {
  const map = headingMap(kind, mapping);
  for (let r = 0; r < Math.min(table.length, 20); r++) {
    const row = table[r]!;
    if (!row.some((c) => map.get(headingKey(cellText(c))) === 'sourceId')) continue;
    const columns: Columns = { index: new Map(), heading: new Map(), ignored: [] };
    const issues: Issue[] = [];
    row.forEach((c, i) => {
      const text = cellText(c).trim();
      if (!text) return;
      const field = map.get(headingKey(text));
      if (!field) {
        columns.ignored.push(text);
      } else if (columns.index.has(field)) {
        issues.push({ path: text, message: `names the same field as column "${columns.heading.get(field)}"` });
      } else {
        columns.index.set(field, i);
        columns.heading.set(field, text);
      }
    });
    for (const f of required[kind]) {
      if (!columns.index.has(f)) issues.push({ path: fieldLabel(kind, f), message: 'this column is required' });
    }
    if (kind === 'households' && !['village', 'township', 'areaCode'].some((f) => columns.index.has(f as Field))) {
      issues.push({ path: '所在村', message: 'a column for the village (所在村) or township (所在乡镇) is required' });
    }
    if (columns.index.has('lat') !== columns.index.has('lon')) {
      issues.push({ path: columns.index.has('lat') ? '经度' : '纬度', message: 'latitude and longitude come together' });
    }
    if (issues.length) throw new AppError('validation_failed', 'The file\'s columns do not fit this import', issues);
    return { headerRow: r, columns };
  }
  throw new AppError('validation_failed', `No heading row with ${fieldLabel(kind, 'sourceId')} in the first 20 rows`, [
    { path: '(file)', message: `the ${kind} file needs a column ${fieldLabel(kind, 'sourceId')}; see docs/import-mapping.md for other headings` },
  ]);
}

// ---------------------------------------------------------------------------
// Files to rows

export type Cell = string | number | null | undefined;

/** A cell as text: whole numbers without a decimal point (phones and numbers saved as numbers). */
export function cellText(c: Cell): string {
  if (c === null || c === undefined) return '';
  if (typeof c === 'number') return Number.isInteger(c) && Math.abs(c) < 1e21 ? c.toFixed(0) : String(c);
  return c;
}

export interface ReadTable {
  format: 'xlsx' | 'csv';
  encoding: TextEncodingName | null;
  sheet: string | null;
  /** Row i is line i + 1 of the file as a spreadsheet shows it. */
  rows: Cell[][];
}

/** Reads an .xlsx (its first sheet) or a CSV file (UTF-8 or GBK, comma- or tab-separated). */
export function readTable(data: Uint8Array, encoding?: TextEncodingName): ReadTable {
  if (data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) {
    let sheets;
    try {
      sheets = readXlsx(data);
    } catch (err) {
      if (err instanceof XlsxLimitError) throw tooLarge(err.message);
      throw new AppError('validation_failed', 'The file is not a readable .xlsx workbook', [{ path: '(file)', message: (err as Error).message }]);
    }
    const first = sheets[0];
    if (!first) throw new AppError('validation_failed', 'The workbook has no sheet', [{ path: '(file)', message: 'no worksheet' }]);
    return { format: 'xlsx', encoding: null, sheet: first.name, rows: first.rows };
  }
  if (data[0] === 0xd0 && data[1] === 0xcf && data[2] === 0x11 && data[3] === 0xe0) {
    throw new AppError('validation_failed', 'Old .xls workbooks are not read', [{ path: '(file)', message: 'save it as .xlsx or .csv and import that' }]);
  }
  const { text, encoding: used } = decodeText(data, encoding);
  const firstLine = text.slice(0, text.search(/\r|\n/) >>> 0);
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  const rows = parseCsv(text, delimiter);
  if (rows.length > XLSX_LIMITS.rows) throw tooLarge(`the file has more than ${XLSX_LIMITS.rows} rows`);
  return { format: 'csv', encoding: used, sheet: null, rows };
}

/** 413 naming the limit the file is over (see XLSX_LIMITS, which CSV files keep too). */
const tooLarge = (message: string) =>
  new AppError('payload_too_large', `The file is too large to import: ${message}; split it and import the parts`, [{ path: '(file)', message }]);

// ---------------------------------------------------------------------------
// Values

const yesWords = ['是', '有', 'y', 'yes', 'true', '1', '√', '✓', '✔', '对'];
const noWords = ['否', '无', '不是', '没有', 'n', 'no', 'false', '0', '×', '✗', '✘'];
// The monitoring system's 劳动能力 column says how able, not yes/no.
const ableWords = ['普通劳动力', '技能劳动力', '弱劳动力或半劳动力', '弱劳动力', '半劳动力'];
const unableWords = ['丧失劳动力', '无劳动力', '丧失劳动能力', '无劳动能力'];

const careWords: Record<string, 'elders' | 'children' | 'disabled' | 'other'> = {
  elders: 'elders', 老人: 'elders', 老年人: 'elders', 留守老人: 'elders', 照顾老人: 'elders', 赡养老人: 'elders',
  children: 'children', 儿童: 'children', 小孩: 'children', 留守儿童: 'children', 子女: 'children', 照顾小孩: 'children',
  disabled: 'disabled', 残疾人: 'disabled', 残疾: 'disabled', 病残: 'disabled', 照顾病残: 'disabled', 照顾残疾人: 'disabled',
  other: 'other', 其他: 'other', 其它: 'other',
};
const availabilityWords: Record<string, 'full_day' | 'part_day' | 'flexible'> = {
  full_day: 'full_day', 全天: 'full_day', 全日: 'full_day', 全职: 'full_day',
  part_day: 'part_day', 半天: 'part_day', 半日: 'part_day', 兼职: 'part_day',
  flexible: 'flexible', 灵活: 'flexible', 弹性: 'flexible', 零工: 'flexible', 不固定: 'flexible',
};
const noneWords = new Set(['无', '没有', '-', '—', 'none']);
const listSeparators = /[、,，;；/|\s]+/;

class Vocabulary {
  readonly yes: Set<string>;
  readonly no: Set<string>;
  readonly skills = new Map<string, string>();
  constructor(mapping: ImportMapping | undefined) {
    this.yes = new Set([...yesWords, ...(mapping?.yes ?? [])].map((w) => headingKey(w)));
    this.no = new Set([...noWords, ...(mapping?.no ?? [])].map((w) => headingKey(w)));
    for (const o of occupations) {
      this.skills.set(headingKey(o.code), o.code);
      this.skills.set(headingKey(o.zh), o.code);
      this.skills.set(headingKey(o.en), o.code);
    }
    for (const [name, code] of Object.entries(mapping?.skills ?? {})) this.skills.set(headingKey(name), code);
  }
  bool(v: string, field?: Field): boolean | string {
    const k = headingKey(v);
    if (this.yes.has(k)) return true;
    if (this.no.has(k)) return false;
    if (field === 'ableToWork') {
      if (ableWords.includes(k)) return true;
      if (unableWords.includes(k)) return false;
    }
    return `must be 是 or 否 (yes or no), not "${v}"`;
  }
}

// ---------------------------------------------------------------------------
// Areas by name

type AreaRow = Pick<typeof areas.$inferSelect, 'code' | 'name' | 'parent' | 'level'>;

const ethnic =
  '(?:彝|哈尼|白|傣|壮|苗|回|傈僳|拉祜|佤|纳西|瑶|藏|景颇|布朗|布依|普米|阿昌|怒|基诺|德昂|蒙古|水|满|独龙|土家|侗|黎|畲|仡佬|土|羌|仫佬|毛南|京|朝鲜|维吾尔|哈萨克|柯尔克孜|锡伯|达斡尔|鄂温克|鄂伦春|赫哲|门巴|珞巴|撒拉|东乡|保安|裕固|塔吉克|乌孜别克|俄罗斯|塔塔尔|高山)族';
const ethnicPart = new RegExp(`(?:${ethnic})+(?=自治县$|自治州$|民族乡$|乡$)`);
const officeSuffix = /(?:村民委员会|村委会|社区居民委员会|社区居委会|居民委员会|居委会|街道办事处|办事处)$/;
const levelSuffix = /(?:自治县|自治州|民族乡|街道|社区|县|市|区|镇|乡|村)$/;

/** A name compared as written: width-folded, without spaces. */
const areaKey = (s: string) => nfkc(s).replace(/\s+/g, '');
/**
 * The name without the suffixes official and everyday writing differ in
 * (新寨村委会 / 新寨村民委员会 / 新寨村 → 新寨; 屏边苗族自治县 / 屏边县 → 屏边),
 * as the reference data's own README advises.
 */
function areaCore(name: string): string {
  const k = areaKey(name);
  const core = k.replace(officeSuffix, '').replace(ethnicPart, '').replace(levelSuffix, '');
  return core || k;
}

/** True when a and b differ by at most one inserted, deleted or replaced character. */
function withinOneEdit(a: string, b: string): boolean {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > 1) return false;
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  let j = 0;
  while (j < x.length - i && j < y.length - i && x[x.length - 1 - j] === y[y.length - 1 - j]) j++;
  return x.length - i - j <= 1 && y.length - i - j <= 1;
}

interface AreaIssue {
  field: 'county' | 'township' | 'village' | 'areaCode';
  reason: string;
}

/** Matches county, township and village names to reference area codes; reports, never guesses. */
export class AreaResolver {
  private readonly byCode = new Map<string, AreaRow & { key: string; core: string }>();
  private readonly children = new Map<string, (AreaRow & { key: string; core: string })[]>();
  private readonly byLevel = new Map<string, (AreaRow & { key: string; core: string })[]>();
  private readonly cache = new Map<string, { code: string } | AreaIssue>();

  constructor(rows: AreaRow[]) {
    for (const r of rows) {
      const a = { ...r, key: areaKey(r.name), core: areaCore(r.name) };
      this.byCode.set(a.code, a);
      if (a.parent) this.children.set(a.parent, [...(this.children.get(a.parent) ?? []), a]);
      this.byLevel.set(a.level, [...(this.byLevel.get(a.level) ?? []), a]);
    }
  }

  static async load(db: Db): Promise<AreaResolver> {
    const rows = await db
      .select({ code: areas.code, name: areas.name, parent: areas.parent, level: areas.level })
      .from(areas)
      .where(sql`${areas.level} IN ('county', 'township', 'village')`);
    return new AreaResolver(rows);
  }

  area(code: string) {
    return this.byCode.get(code);
  }

  /** "新寨村委会 (沙甸街道, 个旧市) 532501002003". */
  private describe(a: AreaRow): string {
    const chain: string[] = [];
    for (let p = a.parent ? this.byCode.get(a.parent) : undefined; p && p.level !== 'prefecture'; p = p.parent ? this.byCode.get(p.parent) : undefined) {
      chain.push(p.name);
    }
    return `${a.name}${chain.length ? ` (${chain.join(', ')})` : ''} ${a.code}`;
  }

  private match<T extends { key: string; core: string }>(pool: T[], name: string): T[] {
    const key = areaKey(name);
    const exact = pool.filter((a) => a.key === key);
    if (exact.length) return exact;
    const core = areaCore(name);
    return pool.filter((a) => a.core === core);
  }

  private within(level: string, under: AreaRow | undefined) {
    const all = this.byLevel.get(level) ?? [];
    return under ? all.filter((a) => a.code.startsWith(under.code)) : all;
  }

  private notFound(field: AreaIssue['field'], levelWord: string, name: string, pool: (AreaRow & { key: string; core: string })[], where: AreaRow | undefined): AreaIssue {
    const key = areaKey(name);
    const core = areaCore(name);
    const list = (xs: AreaRow[]) => xs.slice(0, 5).map((a) => this.describe(a)).join('; ') + (xs.length > 5 ? `; and ${xs.length - 5} more` : '');
    const similar = pool.filter((a) => withinOneEdit(a.key, key) || withinOneEdit(a.core, core));
    const level = pool[0]?.level;
    const elsewhere = where && level ? this.match(this.byLevel.get(level) ?? [], name).filter((a) => !a.code.startsWith(where.code)) : [];
    let reason = `unknown ${levelWord} "${name}"${where ? ` in ${where.name}` : ''}`;
    if (similar.length) reason += `; similar names: ${list(similar)}`;
    if (elsewhere.length) reason += `; same name elsewhere: ${list(elsewhere)}`;
    return { field, reason };
  }

  private pick(field: AreaIssue['field'], level: 'county' | 'township' | 'village', levelWord: string, name: string, under: AreaRow | undefined) {
    const pool = this.within(level, under);
    const found = this.match(pool, name);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      return {
        field,
        reason: `ambiguous ${levelWord} "${name}": ${found.slice(0, 6).map((a) => this.describe(a)).join('; ')}; give the ${level === 'village' ? 'township' : 'county'} too`,
      } satisfies AreaIssue;
    }
    // `pool` may be empty when `under` has no such children; near-misses then come from everywhere.
    return this.notFound(field, levelWord, name, pool.length ? pool : (this.byLevel.get(level) ?? []), under);
  }

  resolve(names: { county?: string; township?: string; village?: string; areaCode?: string }): { code: string } | AreaIssue {
    const cacheKey = `${names.county ?? ''}|${names.township ?? ''}|${names.village ?? ''}|${names.areaCode ?? ''}`;
    let hit = this.cache.get(cacheKey);
    if (!hit) {
      hit = this.resolveUncached(names);
      this.cache.set(cacheKey, hit);
    }
    return hit;
  }

  private resolveUncached(names: { county?: string; township?: string; village?: string; areaCode?: string }): { code: string } | AreaIssue {
    if (names.areaCode) {
      const a = this.byCode.get(nfkc(names.areaCode).trim());
      if (!a) return { field: 'areaCode', reason: `unknown area code ${names.areaCode}` };
      if (a.level !== 'village' && a.level !== 'township') {
        return { field: 'areaCode', reason: 'a household lives in a village or township: give its 9- or 12-digit code' };
      }
      return { code: a.code };
    }
    let county: AreaRow | undefined;
    if (names.county) {
      const c = this.pick('county', 'county', 'county', names.county, undefined);
      if ('reason' in c) return c;
      county = c;
    }
    let township: AreaRow | undefined;
    if (names.township) {
      const t = this.pick('township', 'township', 'township', names.township, county);
      if ('reason' in t) return t;
      township = t;
    }
    if (names.village) {
      const v = this.pick('village', 'village', 'village', names.village, township ?? county);
      if ('reason' in v) return v;
      return { code: v.code };
    }
    if (township) return { code: township.code };
    return { field: 'village', reason: 'give the village (所在村) or at least the township (所在乡镇)' };
  }
}

// ---------------------------------------------------------------------------
// Rows to records

export interface RejectedRow {
  /** Line of the file as a spreadsheet shows it: the heading row of a plain file is line 1. */
  line: number;
  /** The column as the file heads it, or "(row)" for the row as a whole. */
  column: string;
  /** The cell's value; left out for personal values (names, phones, places). */
  value: string | null;
  reason: string;
}

/** Cells whose values never go into a report: they name or locate a person. */
const personalFields = new Set<Field>(['name', 'phone', 'lat', 'lon']);

interface ParsedRow<T> {
  line: number;
  key: string;
  record: T;
}

interface HouseholdRecord {
  sourceId: string;
  areaCode: string;
  povertyAlleviated: boolean;
  monitored: boolean;
  /** The date the status in this row took effect (状态生效日期); absent: the day of the import. */
  statusSince?: string;
  /** Absent when the cell was blank: a new household is no cadre household, an update keeps the value. */
  cadreHousehold?: boolean;
}

/** A worker row's given fields: absent keys were blank, so an update keeps those values. */
interface WorkerRecord {
  sourceId: string;
  householdSourceId: string;
  name: string;
  phone?: string;
  home?: { lat: number; lon: number };
  maxDistanceKm?: number;
  cannotLeaveHome?: boolean;
  careFor?: Worker['careFor'];
  skills?: string[];
  availability?: Worker['availability'];
  ableToWork?: boolean;
  languages?: string[];
  /** The date the person was registered (登记日期), read for a new person only; absent: the day of the import. */
  registeredOn?: string;
  birthDate?: string;
}

/** A date as sheets write it (1980-03-07, 1980/3/7, 1980.3.7, 1980年3月7日, 19800307) as YYYY-MM-DD, or null: parseDateText's rule, with no bound on how long ago. */
export function sheetDate(text: string): string | null {
  const parsed = parseDateText(text);
  return 'date' in parsed ? parsed.date : null;
}

class RowReader {
  issues: RejectedRow[] = [];
  constructor(
    private readonly kind: ImportKind,
    private readonly columns: Columns,
    readonly line: number,
    private readonly row: Cell[],
  ) {}
  has(f: Field) {
    return this.columns.index.has(f);
  }
  heading(f: Field) {
    return this.columns.heading.get(f) ?? fieldLabel(this.kind, f);
  }
  /** The trimmed cell text, undefined when blank or the column is absent. */
  get(f: Field): string | undefined {
    const i = this.columns.index.get(f);
    if (i === undefined) return undefined;
    const t = cellText(this.row[i]).trim();
    return t === '' ? undefined : t;
  }
  reject(f: Field | null, reason: string) {
    const value = f && !personalFields.has(f) ? (this.get(f) ?? null) : null;
    this.issues.push({ line: this.line, column: f ? this.heading(f) : '(row)', value, reason });
  }
  /** zod issues of the API's schema, each on the column its path names. */
  rejectZod(error: z.ZodError, pathField: (path: string) => Field | null) {
    for (const i of error.issues) {
      const path = i.path.map(String).join('.');
      const f = pathField(path);
      let message = i.message;
      if (i.code === 'invalid_type' && /received undefined/.test(i.message)) message = 'is required';
      this.reject(f, message);
    }
  }
  bool(f: Field, vocab: Vocabulary): boolean | undefined {
    const v = this.get(f);
    if (v === undefined) return undefined;
    const b = vocab.bool(v, f);
    if (typeof b === 'string') {
      this.reject(f, b);
      return undefined;
    }
    return b;
  }
  list(f: Field): string[] | undefined {
    const v = this.get(f);
    if (v === undefined) return undefined;
    if (noneWords.has(headingKey(v))) return [];
    return nfkc(v).split(listSeparators).filter(Boolean);
  }
  /** A date on or before today in China (a status took effect, a person was registered then). */
  date(f: Field, today: string): string | undefined {
    const v = this.get(f);
    if (v === undefined) return undefined;
    const parsed = parseDateText(v);
    if ('reason' in parsed) {
      this.reject(f, parsed.reason);
      return undefined;
    }
    const why = parsed.date > today ? `must be today (${today}) or earlier` : dateOutOfRange(parsed.date, new Date(`${today}T12:00:00+08:00`));
    if (why) {
      this.reject(f, why);
      return undefined;
    }
    return parsed.date;
  }
  number(f: Field): number | undefined {
    const v = this.get(f);
    if (v === undefined) return undefined;
    const n = Number(nfkc(v));
    if (!Number.isFinite(n)) {
      this.reject(f, `must be a number, not "${v}"`);
      return undefined;
    }
    return n;
  }
}

const isBlank = (row: Cell[]) => row.every((c) => cellText(c).trim() === '');

function parseHousehold(r: RowReader, vocab: Vocabulary, resolver: AreaResolver, today: string): HouseholdRecord | null {
  const sourceId = r.get('sourceId');
  if (sourceId === undefined) r.reject('sourceId', 'is required: the household number (户编号) is the key of re-imports');
  for (const f of ['povertyAlleviated', 'monitored'] as const) if (r.get(f) === undefined) r.reject(f, 'is required: 是 or 否');
  const povertyAlleviated = r.bool('povertyAlleviated', vocab);
  const monitored = r.bool('monitored', vocab);
  const statusSince = r.date('statusSince', today);
  const cadreHousehold = r.bool('cadreHousehold', vocab);
  const names = { county: r.get('county'), township: r.get('township'), village: r.get('village'), areaCode: r.get('areaCode') };
  let areaCode: string | undefined;
  if (names.village || names.township || names.areaCode) {
    const found = resolver.resolve(names);
    if ('reason' in found) r.reject(found.field, found.reason);
    else areaCode = found.code;
  } else {
    r.reject(r.has('village') ? 'village' : r.has('township') ? 'township' : 'areaCode', 'is required: the village (or township) the household lives in');
  }
  if (r.issues.length) return null;
  const parsed = householdCreateSchema.safeParse({ areaCode, povertyAlleviated, monitored, sourceId, cadreHousehold });
  if (!parsed.success) {
    r.rejectZod(parsed.error, (p) => (p === 'areaCode' ? 'village' : (p as Field)));
    return null;
  }
  return { ...parsed.data, sourceId: parsed.data.sourceId!, ...(statusSince ? { statusSince } : {}) };
}

function parseWorker(r: RowReader, vocab: Vocabulary, today: string): WorkerRecord | null {
  const input: Record<string, unknown> = {
    // The household is looked up by its number later; any valid id stands in for the API's householdId here.
    householdId: 1,
    sourceId: r.get('sourceId'),
    name: r.get('name'),
  };
  if (input.sourceId === undefined) r.reject('sourceId', 'is required: the person number (人员编号) is the key of re-imports');
  const householdSourceId = r.get('householdSourceId');
  if (!householdSourceId) r.reject('householdSourceId', 'is required: the household number (户编号) the person belongs to');
  const phone = r.get('phone');
  if (phone !== undefined) input.phone = nfkc(phone);
  for (const f of ['ableToWork', 'cannotLeaveHome'] as const) {
    const b = r.bool(f, vocab);
    if (b !== undefined) input[f] = b;
  }
  const care = r.list('careFor');
  if (care !== undefined) {
    const codes = care.map((w) => careWords[headingKey(w)] ?? null);
    const bad = care.filter((_, i) => codes[i] === null);
    if (bad.length) r.reject('careFor', `unknown: ${bad.join('、')}; use 老人, 儿童, 残疾人 or 其他`);
    else input.careFor = [...new Set(codes)];
  }
  const skills = r.list('skills');
  if (skills !== undefined) {
    const codes = skills.map((w) => vocab.skills.get(headingKey(w)) ?? null);
    const bad = skills.filter((_, i) => codes[i] === null);
    if (bad.length) r.reject('skills', `unknown skill ${bad.map((b) => `"${b}"`).join(', ')}; use names from the occupation list: ${occupations.map((o) => o.zh).join('、')}`);
    else input.skills = [...new Set(codes)];
  }
  const availability = r.get('availability');
  if (availability !== undefined) {
    const code = availabilityWords[headingKey(availability)];
    if (!code) r.reject('availability', `must be 全天, 半天 or 灵活, not "${availability}"`);
    else input.availability = code;
  }
  const km = r.number('maxDistanceKm');
  if (km !== undefined) input.maxDistanceKm = km;
  const lat = r.number('lat');
  const lon = r.number('lon');
  if ((lat === undefined) !== (lon === undefined) && !r.issues.some((i) => i.column === r.heading('lat') || i.column === r.heading('lon'))) {
    r.reject(lat === undefined ? 'lat' : 'lon', 'latitude and longitude come together');
  } else if (lat !== undefined && lon !== undefined) {
    input.home = { lat, lon };
  }
  const languages = r.list('languages');
  if (languages !== undefined) input.languages = languages;
  const registeredOn = r.date('registeredOn', today);
  if (registeredOn !== undefined) input.registeredOn = registeredOn;
  const born = r.get('birthDate');
  if (born !== undefined) {
    const date = sheetDate(born);
    if (date === null) r.reject('birthDate', `must be a date such as 1980-03-07, not "${born}"`);
    else input.birthDate = date;
  }
  // The API's own shape decides the rest (required name, phone pattern, limits).
  const parsed = workerCreateSchema.safeParse(input);
  if (!parsed.success) {
    r.rejectZod(parsed.error, (p) => (p.startsWith('home.') ? (p === 'home.lon' ? 'lon' : 'lat') : p.split('.')[0] as Field));
  }
  if (r.issues.length || !parsed.success) return null;
  const { householdId: _unused, ...given } = parsed.data;
  return { ...given, sourceId: given.sourceId!, householdSourceId: householdSourceId! };
}

// ---------------------------------------------------------------------------
// The run

export interface ImportInput {
  kind: ImportKind;
  /** For the report and the audit row. */
  fileName: string;
  data: Uint8Array;
  mapping?: ImportMapping;
  /** Forces the text encoding of a CSV file; detected otherwise. */
  encoding?: TextEncodingName;
  /** Rows written per atomic batch. */
  chunkSize?: number;
  /** Called after each committed chunk (progress output; tests stop a run here). */
  onProgress?: (p: { rowsDone: number; rowsTotal: number }) => void | Promise<void>;
}

export interface ImportResult {
  kind: ImportKind;
  fileName: string;
  format: 'xlsx' | 'csv';
  encoding: TextEncodingName | null;
  sheet: string | null;
  /** Data rows read (blank rows are not counted). */
  read: number;
  /** New records. */
  imported: number;
  /** Rows whose record existed already (keyed on the source number), changed or not. */
  updated: number;
  /** Rows not written; each has at least one entry in `rejects`. */
  rejected: number;
  /** Every problem found, by line: a row may have several. */
  rejects: RejectedRow[];
  /** Columns the import does not read (national ID numbers are never read). */
  ignoredColumns: string[];
}

export const importSummary = (r: Pick<ImportResult, 'read' | 'imported' | 'updated' | 'rejected'>) =>
  `read ${r.read}, imported ${r.imported}, updated ${r.updated}, rejected ${r.rejected}`;

/** The rejected rows as a CSV report (line, column, value, reason). */
export function importReportCsv(r: Pick<ImportResult, 'rejects'>): string {
  return toCsv(['line', 'column', 'value', 'reason'], r.rejects.map((x) => [x.line, x.column, x.value, x.reason]));
}

const DEFAULT_CHUNK = 1000;

/**
 * Imports a households or workers file. Staff import only into their area
 * (rows outside it are rejected); admins and the system anywhere. One audit
 * row records the run (file name and counts, no personal values).
 */
export async function importFile(ctx: ServiceCtx, input: ImportInput): Promise<ImportResult> {
  requireRole(ctx.actor, 'staff', 'admin', 'system');
  const table = readTable(input.data, input.encoding);
  const { headerRow, columns } = findColumns(input.kind, table.rows, input.mapping);
  const vocab = new Vocabulary(input.mapping);
  const result: ImportResult = {
    kind: input.kind,
    fileName: input.fileName,
    format: table.format,
    encoding: table.encoding,
    sheet: table.sheet,
    read: 0,
    imported: 0,
    updated: 0,
    rejected: 0,
    rejects: [],
    ignoredColumns: columns.ignored,
  };
  const audit = (outcome: string) =>
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: `import.${input.kind}`,
      objectType: 'import',
      outcome,
      detail: {
        file: input.fileName,
        format: result.format,
        encoding: result.encoding,
        read: result.read,
        imported: result.imported,
        updated: result.updated,
        rejected: result.rejected,
      },
    });
  try {
    const resolver = input.kind === 'households' ? await AreaResolver.load(ctx.db) : null;
    const today = todayInChina(ctx.clock);
    // Pass 1: every row against the rules that need no records; duplicates by key.
    const good: ParsedRow<HouseholdRecord | WorkerRecord>[] = [];
    const firstLine = new Map<string, number>();
    for (let i = headerRow + 1; i < table.rows.length; i++) {
      const row = table.rows[i]!;
      if (isBlank(row)) continue;
      result.read++;
      const r = new RowReader(input.kind, columns, i + 1, row);
      const key = r.get('sourceId');
      if (key !== undefined) {
        const seen = firstLine.get(key);
        if (seen !== undefined) {
          r.reject('sourceId', `duplicate: line ${seen} has the same ${r.heading('sourceId')}`);
          addRejects(result, r.issues);
          continue;
        }
        firstLine.set(key, r.line);
      }
      const record = input.kind === 'households' ? parseHousehold(r, vocab, resolver!, today) : parseWorker(r, vocab, today);
      if (!record) {
        if (r.issues.length === 0) r.reject(null, 'not valid');
        addRejects(result, r.issues);
        continue;
      }
      if (input.kind === 'households' && !areaInScope(ctx.actor, (record as HouseholdRecord).areaCode)) {
        r.reject('village', `is outside your area (${areaPrefixOf(ctx)})`);
        addRejects(result, r.issues);
        continue;
      }
      good.push({ line: r.line, key: record.sourceId, record });
    }
    // Pass 2: chunk by chunk, the rules that need the records, then the writes.
    const size = Math.max(1, input.chunkSize ?? DEFAULT_CHUNK);
    for (let i = 0; i < good.length; i += size) {
      const chunk = good.slice(i, i + size);
      const headings = (f: Field) => columns.heading.get(f) ?? fieldLabel(input.kind, f);
      const counts =
        input.kind === 'households'
          ? await writeHouseholds(ctx, chunk as ParsedRow<HouseholdRecord>[], headings)
          : await writeWorkers(ctx, chunk as ParsedRow<WorkerRecord>[], headings);
      result.imported += counts.imported;
      result.updated += counts.updated;
      addRejects(result, counts.rejects);
      await input.onProgress?.({ rowsDone: Math.min(i + size, good.length), rowsTotal: good.length });
    }
    result.rejects.sort((a, b) => a.line - b.line);
    await audit('ok');
    return result;
  } catch (err) {
    // The chunks written so far stay (each is whole); running the same file again completes the import.
    await audit('failed').catch(() => undefined);
    throw err;
  }
}

function addRejects(result: ImportResult, rejects: RejectedRow[]) {
  if (rejects.length === 0) return;
  result.rejects.push(...rejects);
  result.rejected += new Set(rejects.map((r) => r.line)).size;
}

const areaPrefixOf = (ctx: ServiceCtx) => (ctx.actor.role === 'staff' ? ctx.actor.areaPrefix : '');

interface ChunkCounts {
  imported: number;
  updated: number;
  rejects: RejectedRow[];
}

/** `column IN (…)` over one JSON parameter, so a chunk of keys is one bound value on D1 too. */
export const inJson = (column: Parameters<typeof eq>[0], values: (string | number)[]) =>
  sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

type BatchItems = Parameters<typeof batch>[1];

/**
 * One INSERT of many rows whose values travel as a single JSON parameter
 * (`INSERT … SELECT value ->> i FROM json_each(?)`): D1 binds at most 100
 * parameters a statement, and building thousands of small multi-row INSERTs
 * costs more than the writes. Every insertable column is given, in the
 * table's order (as drizzle's insert-select wants), each value encoded by its
 * column as drizzle would (booleans 0/1, JSON columns as text); a key a row
 * leaves out takes the column's default.
 */
export function insertRows<T extends SQLiteTable>(db: Db, table: T, rows: T['$inferInsert'][]) {
  const columns = Object.entries(getTableColumns(table) as Record<string, SQLiteColumn>).filter(([, c]) => c.generated === undefined);
  const data = rows.map((r) =>
    columns.map(([key, c]) => {
      let v = (r as Record<string, unknown>)[key];
      if (v === undefined && c.default !== undefined && !is(c.default, SQL)) v = c.default;
      return v === undefined || v === null ? null : c.mapToDriverValue(v);
    }),
  );
  const values = sql.raw(columns.map((_, i) => `value ->> ${i}`).join(', '));
  return db.insert(table).select(sql`SELECT ${values} FROM json_each(${JSON.stringify(data)})`);
}

async function writeHouseholds(ctx: ServiceCtx, chunk: ParsedRow<HouseholdRecord>[], heading: (f: Field) => string): Promise<ChunkCounts> {
  const db = ctx.db;
  const now = nowIso(ctx.clock);
  const existing = new Map(
    (await db.select().from(households).where(inJson(households.sourceId, chunk.map((r) => r.key)))).map((h) => [h.sourceId!, h]),
  );
  const rejects: RejectedRow[] = [];
  const inserts: (typeof households.$inferInsert)[] = [];
  const writes: BatchItems = [];
  const moved: Household[] = [];
  let imported = 0;
  let updated = 0;
  for (const { line, key, record } of chunk) {
    const h = existing.get(key);
    if (!h) {
      inserts.push({ ...record, statusSince: record.statusSince ?? null, cadreHousehold: record.cadreHousehold ?? false, createdAt: now, updatedAt: now });
      imported++;
      continue;
    }
    if (!areaInScope(ctx.actor, h.areaCode)) {
      rejects.push({ line, column: heading('sourceId'), value: key, reason: `household ${key} is already registered elsewhere` });
      continue;
    }
    updated++;
    const set: Partial<typeof households.$inferInsert> = {};
    if (h.areaCode !== record.areaCode) set.areaCode = record.areaCode;
    if (h.povertyAlleviated !== record.povertyAlleviated) set.povertyAlleviated = record.povertyAlleviated;
    if (h.monitored !== record.monitored) set.monitored = record.monitored;
    if (record.cadreHousehold !== undefined && h.cadreHousehold !== record.cadreHousehold) {
      // As a status change: from the day of the import, its history kept by a trigger.
      set.cadreHousehold = record.cadreHousehold;
      set.cadreSince = todayInChina(ctx.clock);
    }
    if (Object.keys(set).length === 0) continue;
    // A status change takes effect on the row's 状态生效日期, else on the day of
    // the import (the earlier state kept in its history by a trigger). An
    // unchanged status keeps its date: the column dates a change.
    if (set.povertyAlleviated !== undefined || set.monitored !== undefined) set.statusSince = record.statusSince ?? todayInChina(ctx.clock);
    writes.push(db.update(households).set({ ...set, updatedAt: now }).where(eq(households.id, h.id)));
    if (set.areaCode) {
      // As updateHousehold does: members follow the household, and its periods are counted in the new area.
      writes.push(db.update(workers).set({ areaCode: record.areaCode }).where(eq(workers.householdId, h.id)));
      moved.push({ ...h, areaCode: record.areaCode });
    }
  }
  // The keys were looked up just now: should another writer register one of
  // them meanwhile, the unique index fails this whole batch and a rerun updates it.
  if (inserts.length) writes.push(insertRows(db, households, inserts));
  if (moved.length) writes.push(...periodWritesMany(db, moved, await loadFactsMany(db, moved)));
  await batch(db, writes);
  return { imported, updated, rejects };
}

async function writeWorkers(ctx: ServiceCtx, chunk: ParsedRow<WorkerRecord>[], heading: (f: Field) => string): Promise<ChunkCounts> {
  const db = ctx.db;
  const now = nowIso(ctx.clock);
  const today = chinaDayOf(now); // as createWorker: a member counts from the China date of its created_at
  const householdRows = await db
    .select()
    .from(households)
    .where(inJson(households.sourceId, [...new Set(chunk.map((r) => r.record.householdSourceId))]));
  const householdBySource = new Map(householdRows.map((h) => [h.sourceId!, h]));
  const existing = new Map(
    (await db.select().from(workers).where(inJson(workers.sourceId, chunk.map((r) => r.key)))).map((w) => [w.sourceId!, w]),
  );
  // Households the existing workers leave, for their periods.
  const loadedIds = new Set(householdRows.map((h) => h.id));
  const formerIds = [...new Set([...existing.values()].map((w) => w.householdId))].filter((id) => !loadedIds.has(id));
  const former = formerIds.length ? await db.select().from(households).where(inJson(households.id, formerIds)) : [];
  const householdById = new Map([...householdRows, ...former].map((h) => [h.id, h]));

  const rejects: RejectedRow[] = [];
  const inserts: (typeof workers.$inferInsert)[] = [];
  const writes: BatchItems = [];
  /** Member changes to apply to the loaded facts: joins, leaves, ability changes. */
  const joins: { householdId: number; ableToWork: boolean; since: string }[] = [];
  const changed = new Map<number, { householdId: number; ableToWork: boolean; since: string }>();
  const touched = new Set<number>();
  let imported = 0;
  let updated = 0;
  for (const { line, key, record } of chunk) {
    const reject = (f: Field, value: string | null, reason: string) => rejects.push({ line, column: heading(f), value, reason });
    const h = householdBySource.get(record.householdSourceId);
    // As the API: a household outside the caller's area is unknown to them.
    if (!h || !areaInScope(ctx.actor, h.areaCode)) {
      reject('householdSourceId', record.householdSourceId, `unknown household ${record.householdSourceId}: import the households file first`);
      continue;
    }
    const w = existing.get(key);
    // The API's care rule: on the row for a new person, on the merged record for an update (PATCH).
    if (!careRuleHolds(record.cannotLeaveHome ?? w?.cannotLeaveHome ?? false, record.careFor ?? w?.careFor ?? [])) {
      reject('careFor', null, 'is required when the person cannot leave home (是否无法离乡 = 是): say whom they care for');
      continue;
    }
    const bornProblem = record.birthDate !== undefined ? birthDateProblem(record.birthDate, today) : null;
    if (bornProblem) {
      reject('birthDate', record.birthDate!, bornProblem);
      continue;
    }
    if (!w) {
      inserts.push({
        householdId: h.id,
        areaCode: h.areaCode,
        name: record.name,
        phone: record.phone ?? null,
        homeLat: record.home?.lat ?? null,
        homeLon: record.home?.lon ?? null,
        maxDistanceKm: record.maxDistanceKm ?? 5,
        cannotLeaveHome: record.cannotLeaveHome ?? false,
        careFor: record.careFor ?? [],
        skills: record.skills ?? [],
        availability: record.availability ?? 'full_day',
        ableToWork: record.ableToWork ?? true,
        languages: record.languages ?? [],
        birthDate: record.birthDate ?? null,
        sourceId: key,
        consentAt: null,
        registeredOn: record.registeredOn ?? today,
        createdAt: now,
        updatedAt: now,
      });
      joins.push({ householdId: h.id, ableToWork: record.ableToWork ?? true, since: record.registeredOn ?? today });
      touched.add(h.id);
      imported++;
      continue;
    }
    if (!areaInScope(ctx.actor, w.areaCode)) {
      reject('sourceId', key, `person ${key} is already registered elsewhere`);
      continue;
    }
    updated++;
    const set: Partial<typeof workers.$inferInsert> = {};
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (record.name !== w.name) set.name = record.name;
    if (record.phone !== undefined && record.phone !== w.phone) set.phone = record.phone;
    if (record.home !== undefined && (record.home.lat !== w.homeLat || record.home.lon !== w.homeLon)) {
      set.homeLat = record.home.lat;
      set.homeLon = record.home.lon;
    }
    if (record.maxDistanceKm !== undefined && record.maxDistanceKm !== w.maxDistanceKm) set.maxDistanceKm = record.maxDistanceKm;
    if (record.cannotLeaveHome !== undefined && record.cannotLeaveHome !== w.cannotLeaveHome) set.cannotLeaveHome = record.cannotLeaveHome;
    if (record.careFor !== undefined && !same(record.careFor, w.careFor)) set.careFor = record.careFor;
    if (record.skills !== undefined && !same(record.skills, w.skills)) set.skills = record.skills;
    if (record.availability !== undefined && record.availability !== w.availability) set.availability = record.availability;
    if (record.ableToWork !== undefined && record.ableToWork !== w.ableToWork) set.ableToWork = record.ableToWork;
    if (record.languages !== undefined && !same(record.languages, w.languages)) set.languages = record.languages;
    if (record.birthDate !== undefined && record.birthDate !== w.birthDate) set.birthDate = record.birthDate;
    if (h.id !== w.householdId) {
      set.householdId = h.id;
      set.areaCode = h.areaCode;
    }
    if (Object.keys(set).length === 0) continue;
    writes.push(db.update(workers).set({ ...set, updatedAt: now }).where(eq(workers.id, w.id)));
    if (set.householdId !== undefined || set.ableToWork !== undefined) {
      changed.set(w.id, { householdId: h.id, ableToWork: record.ableToWork ?? w.ableToWork, since: w.registeredOn ?? chinaDayOf(w.createdAt) });
      touched.add(h.id);
      touched.add(w.householdId);
    }
  }
  if (inserts.length) writes.push(insertRows(db, workers, inserts));
  if (touched.size) {
    const list = [...touched].map((id) => householdById.get(id)!).filter(Boolean);
    const facts = await loadFactsMany(db, list);
    // The facts as they will be once this batch is written.
    for (const f of facts.values()) {
      f.members = f.members.filter((m) => m.id === undefined || !changed.has(m.id));
    }
    for (const [id, c] of changed) facts.get(c.householdId)?.members.push({ id, ableToWork: c.ableToWork, since: c.since });
    for (const j of joins) facts.get(j.householdId)?.members.push({ ableToWork: j.ableToWork, since: j.since });
    writes.push(...periodWritesMany(db, list, facts));
  }
  await batch(db, writes);
  return { imported, updated, rejects };
}

function careRuleHolds(cannotLeaveHome: boolean, careFor: Worker['careFor']): boolean {
  try {
    checkCare(cannotLeaveHome, careFor);
    return true;
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}

/** loadHouseholdFacts (services/household-status.ts) for many households in two queries. */
async function loadFactsMany(db: Db, list: Household[]): Promise<Map<number, HouseholdFacts>> {
  const ids = list.map((h) => h.id);
  const facts = new Map<number, HouseholdFacts>(
    list.map((h) => [h.id, { registeredOn: chinaDayOf(h.createdAt), incomeAtMinimumSince: h.incomeAtMinimumSince, members: [], placements: [] }]),
  );
  if (ids.length === 0) return facts;
  const [members, held] = await Promise.all([
    db
      .select({
        id: workers.id,
        householdId: workers.householdId,
        ableToWork: workers.ableToWork,
        createdAt: workers.createdAt,
        registeredOn: workers.registeredOn,
        deceasedOn: workers.deceasedOn,
      })
      .from(workers)
      .where(inJson(workers.householdId, ids)),
    db
      .select({ id: placements.id, householdId: placements.householdId, startDate: placements.startDate, endDate: placements.endDate })
      .from(placements)
      .where(inJson(placements.householdId, ids)),
  ]);
  for (const m of members) facts.get(m.householdId)!.members.push(memberFactsOf(m));
  for (const p of held) facts.get(p.householdId)!.placements.push({ id: p.id, startDate: p.startDate, endDate: p.endDate });
  return facts;
}

/** periodWrites (services/household-status.ts) for many households: one delete, multi-row inserts. */
function periodWritesMany(db: Db, list: Pick<Household, 'id' | 'areaCode'>[], facts: Map<number, HouseholdFacts>): BatchItems {
  const rows: (typeof zeroEmploymentPeriods.$inferInsert)[] = [];
  for (const h of list) {
    for (const p of derivePeriods(facts.get(h.id)!)) rows.push({ householdId: h.id, areaCode: h.areaCode, ...p });
  }
  const writes: BatchItems = [db.delete(zeroEmploymentPeriods).where(inJson(zeroEmploymentPeriods.householdId, list.map((h) => h.id)))];
  if (rows.length) writes.push(insertRows(db, zeroEmploymentPeriods, rows));
  return writes;
}
