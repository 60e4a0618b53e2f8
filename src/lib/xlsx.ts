// A small .xlsx (Office Open XML spreadsheet) writer and reader on fflate, for
// Node and Workers alike: the province's data comes back as spreadsheets and
// the monthly report goes up as one. It covers what exports and imports need
// — text, numbers, booleans, a bold header row, dates as real spreadsheet
// dates (columns named in `dateColumns`, read back as YYYY-MM-DD) — not
// formulas or merged cells.
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';

export interface Sheet {
  name: string;
  header: string[];
  rows: (string | number | null)[][];
  /** 0-based columns whose YYYY-MM-DD text is written as a date (a serial number formatted yyyy-mm-dd). */
  dateColumns?: number[];
  /** 0-based columns written to CSV as text a spreadsheet keeps as typed (12-digit area codes). */
  textColumns?: number[];
}

/** Days from the spreadsheet epoch (1899-12-30) to 1970-01-01. */
const EPOCH_OFFSET = 25569;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const dateSerial = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000) + EPOCH_OFFSET;
const serialDate = (n: number) => new Date((Math.floor(n) - EPOCH_OFFSET) * 86_400_000).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------
// Writing

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

// Characters XML 1.0 cannot hold (controls other than tab/LF/CR, lone surrogates, U+FFFE/F).
const invalidXml = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function escapeText(s: string): string {
  let out = s.replace(invalidXml, '');
  // Excel reads "_x0041_" in text as an escaped character; escape the underscore so such text survives.
  if (out.includes('_x')) out = out.replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1');
  if (/[&<>"]/.test(out)) out = out.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return out;
}

/** Column letters of a 0-based index: 0 → A, 26 → AA. */
export function columnName(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Excel's sheet-name rules: 1–31 characters, none of : \ / ? * [ ], unique ignoring case. */
function sheetNames(sheets: Sheet[]): string[] {
  const used = new Set<string>();
  return sheets.map((s, i) => {
    let base = s.name.replace(/[:\\/?*[\]]/g, ' ').replace(/^'+|'+$/g, '').trim() || `Sheet${i + 1}`;
    base = [...base].slice(0, 31).join('');
    let name = base;
    for (let k = 2; used.has(name.toLowerCase()); k++) {
      const suffix = ` (${k})`;
      name = [...base].slice(0, 31 - suffix.length).join('') + suffix;
    }
    used.add(name.toLowerCase());
    return name;
  });
}

/** Display width of text in Excel's character units: CJK and other wide characters count two. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += ch.codePointAt(0)! > 0x2e80 ? 2 : 1;
  return w;
}

class SharedStrings {
  readonly index = new Map<string, number>();
  readonly list: string[] = [];
  count = 0;
  id(s: string): number {
    this.count++;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(s, i);
      this.list.push(s);
    }
    return i;
  }
  xml(): string {
    const parts = [`${XML_HEAD}<sst xmlns="${NS_MAIN}" count="${this.count}" uniqueCount="${this.list.length}">`];
    for (const s of this.list) parts.push(`<si><t xml:space="preserve">${escapeText(s)}</t></si>`);
    parts.push('</sst>');
    return parts.join('');
  }
}

function sheetXml(sheet: Sheet, strings: SharedStrings): string {
  let width = sheet.header.length;
  for (const row of sheet.rows) width = Math.max(width, row.length);
  const widths = new Array<number>(width).fill(8);
  const dates = new Set(sheet.dateColumns ?? []);
  const rowXml = (cells: (string | number | null)[], r: number, style: string) => {
    const out: string[] = [`<row r="${r}">`];
    for (let c = 0; c < cells.length; c++) {
      const v = cells[c];
      if (v === null || v === undefined) continue;
      const ref = `${columnName(c)}${r}`;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) continue;
        out.push(`<c r="${ref}"${style}><v>${v}</v></c>`);
        widths[c] = Math.max(widths[c]!, String(v).length);
      } else if (style === '' && dates.has(c) && ISO_DATE.test(v) && !Number.isNaN(Date.parse(v))) {
        out.push(`<c r="${ref}" s="2"><v>${dateSerial(v)}</v></c>`);
        widths[c] = Math.max(widths[c]!, 10);
      } else {
        out.push(`<c r="${ref}"${style} t="s"><v>${strings.id(v)}</v></c>`);
        widths[c] = Math.max(widths[c]!, textWidth(v));
      }
    }
    out.push('</row>');
    return out.join('');
  };
  const rows: string[] = [];
  let r = 1;
  if (sheet.header.length > 0) rows.push(rowXml(sheet.header, r++, ' s="1"'));
  for (const row of sheet.rows) rows.push(rowXml(row, r++, ''));
  const last = r - 1;
  const dimension = width > 0 && last > 0 ? `A1:${columnName(width - 1)}${last}` : 'A1';
  const pane =
    sheet.header.length > 0
      ? '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>'
      : '';
  const cols =
    width > 0
      ? `<cols>${widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${Math.min(w + 2, 60)}" customWidth="1"/>`).join('')}</cols>`
      : '';
  return (
    `${XML_HEAD}<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
    `<dimension ref="${dimension}"/>` +
    `<sheetViews><sheetView workbookViewId="0">${pane}</sheetView></sheetViews>` +
    `<sheetFormatPr defaultRowHeight="15"/>${cols}` +
    `<sheetData>${rows.join('')}</sheetData>` +
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
    '</worksheet>'
  );
}

const STYLES =
  `${XML_HEAD}<styleSheet xmlns="${NS_MAIN}">` +
  '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>' +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
  '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

/** A workbook with one worksheet per sheet, header row in bold and frozen; numbers stay numbers. */
export function writeXlsx(sheets: Sheet[]): Uint8Array {
  if (sheets.length === 0) sheets = [{ name: 'Sheet1', header: [], rows: [] }];
  const names = sheetNames(sheets);
  const strings = new SharedStrings();
  const worksheets = sheets.map((s) => strToU8(sheetXml(s, strings)));
  const n = sheets.length;
  // [Content_Types].xml first: some readers expect it at the start of the archive.
  const files: Zippable = {};
  files['[Content_Types].xml'] = strToU8(
    `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>` +
      names.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${CT}.worksheet+xml"/>`).join('') +
      `<Override PartName="/xl/styles.xml" ContentType="${CT}.styles+xml"/>` +
      `<Override PartName="/xl/sharedStrings.xml" ContentType="${CT}.sharedStrings+xml"/>` +
      '</Types>',
  );
  files['_rels/.rels'] = strToU8(
    `${XML_HEAD}<Relationships xmlns="${NS_PKG_REL}">` +
      `<Relationship Id="rId1" Type="${NS_REL}/officeDocument" Target="xl/workbook.xml"/>` +
      '</Relationships>',
  );
  files['xl/workbook.xml'] = strToU8(
    `${XML_HEAD}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
      '<bookViews><workbookView/></bookViews><sheets>' +
      names.map((name, i) => `<sheet name="${escapeText(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
      '</sheets></workbook>',
  );
  files['xl/_rels/workbook.xml.rels'] = strToU8(
    `${XML_HEAD}<Relationships xmlns="${NS_PKG_REL}">` +
      names.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${NS_REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      `<Relationship Id="rId${n + 1}" Type="${NS_REL}/styles" Target="styles.xml"/>` +
      `<Relationship Id="rId${n + 2}" Type="${NS_REL}/sharedStrings" Target="sharedStrings.xml"/>` +
      '</Relationships>',
  );
  worksheets.forEach((w, i) => {
    files[`xl/worksheets/sheet${i + 1}.xml`] = w;
  });
  files['xl/styles.xml'] = strToU8(STYLES);
  files['xl/sharedStrings.xml'] = strToU8(strings.xml());
  // A fixed timestamp keeps the bytes of a workbook a function of its content;
  // the fastest deflate level, as CPU time is what a Worker runs short of first.
  return zipSync(files, { level: 1, mtime: new Date('2000-01-01T00:00:00Z') });
}

// ---------------------------------------------------------------------------
// Reading

/**
 * What a workbook may hold before it is refused: its parts as unpacked (a
 * 400 KB zip can unpack to gigabytes), its rows and its columns. The sizes
 * the archive declares decide before anything is unpacked; fflate unpacks a
 * part into a buffer of its declared size, so a part that lies cannot grow.
 */
export const XLSX_LIMITS = { unpackedBytes: 100 * 1024 * 1024, rows: 200_000, columns: 200 };
export type XlsxLimits = typeof XLSX_LIMITS;

/** A workbook over one of XLSX_LIMITS: its message names the limit. */
export class XlsxLimitError extends Error {
  override name = 'XlsxLimitError';
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(s: string): string {
  if (s.includes('&')) {
    s = s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
      }
      return entities[e] ?? m;
    });
  }
  if (s.includes('_x')) {
    s = s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return s;
}

/** Attributes of a start tag's inside, keyed by local name (prefixes such as r: dropped). */
function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const key = m[1]!.includes(':') ? m[1]!.slice(m[1]!.indexOf(':') + 1) : m[1]!;
    out[key] = decodeXml(m[2] ?? m[3] ?? '');
  }
  return out;
}

// Element names may carry a namespace prefix (<x:row>), which some writers use.
const P = '(?:[A-Za-z_][\\w.-]*:)?';
const textRuns = new RegExp(`<${P}t(?:\\s[^>]*)?>([\\s\\S]*?)</${P}t>`, 'g');
const phonetic = new RegExp(`<${P}rPh\\b[\\s\\S]*?</${P}rPh>`, 'g');

/** Text of a rich or plain string item: its <t> runs joined, phonetic guides left out. */
function itemText(xml: string): string {
  let s = '';
  for (const m of xml.replace(phonetic, '').matchAll(textRuns)) s += m[1]!;
  return decodeXml(s);
}

function resolvePath(base: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = base.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

function relationships(files: Record<string, Uint8Array>, partPath: string): Map<string, { type: string; target: string }> {
  const dir = partPath.split('/').slice(0, -1).join('/');
  const name = partPath.split('/').pop()!;
  const relsPath = `${dir ? `${dir}/` : ''}_rels/${name}.rels`;
  const out = new Map<string, { type: string; target: string }>();
  const xml = files[relsPath];
  if (!xml) return out;
  for (const m of strFromU8(xml).matchAll(new RegExp(`<${P}Relationship\\b([^>]*)>`, 'g'))) {
    const a = attributes(m[1]!);
    if (a.Id && a.Target) out.set(a.Id, { type: a.Type ?? '', target: resolvePath(partPath, a.Target) });
  }
  return out;
}

/** Row and 0-based column of a reference such as "AB12". */
function cellRef(ref: string): { row: number; col: number } | null {
  const m = /^\$?([A-Za-z]{1,3})\$?(\d+)$/.exec(ref);
  if (!m) return null;
  let col = 0;
  for (const ch of m[1]!.toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(m[2]), col: col - 1 };
}

const attrRe = { r: /(?:^|\s)r\s*=\s*["']([^"']*)["']/, t: /(?:^|\s)t\s*=\s*["']([^"']*)["']/, s: /(?:^|\s)s\s*=\s*["']([^"']*)["']/ };

/**
 * The cell styles (cellXfs indexes) that format a number as a date: the
 * built-in date formats 14-22 and 45-47, or a custom format with a day or
 * year and no time of day.
 */
function dateStyles(stylesXml: string | undefined): Set<number> {
  const out = new Set<number>();
  if (!stylesXml) return out;
  const custom = new Map<number, string>();
  for (const m of stylesXml.matchAll(new RegExp(`<${P}numFmt\\b([^>]*)/?>`, 'g'))) {
    const a = attributes(m[1]!);
    if (a.numFmtId && a.formatCode) custom.set(Number(a.numFmtId), decodeXml(a.formatCode));
  }
  const xfs = new RegExp(`<${P}cellXfs\\b[^>]*>([\\s\\S]*?)</${P}cellXfs>`).exec(stylesXml)?.[1] ?? '';
  let i = 0;
  for (const m of xfs.matchAll(new RegExp(`<${P}xf\\b([^>]*?)/?>`, 'g'))) {
    const id = Number(attributes(m[1]!).numFmtId ?? 0);
    const code = custom.get(id)?.replace(/"[^"]*"|\\./g, '').toLowerCase();
    const isDate = (id >= 14 && id <= 17) || id === 22 || (code !== undefined && /[dy]/.test(code) && !/[hs]/.test(code));
    if (isDate) out.add(i);
    i++;
  }
  return out;
}

function readSheet(xml: string, shared: string[], limits: XlsxLimits, dates: Set<number> = new Set()): (string | number | null)[][] {
  const start = xml.search(new RegExp(`<${P}sheetData\\b`));
  if (start === -1) return [];
  const end = xml.search(new RegExp(`</${P}sheetData>`));
  const data = xml.slice(start, end === -1 ? undefined : end);
  const rows: (string | number | null)[][] = [];
  const token = new RegExp(`<${P}row\\b([^>]*?)/?>|<${P}c\\b([^>]*?)(?:/>|>([\\s\\S]*?)</${P}c>)`, 'g');
  const valueRe = new RegExp(`<${P}v(?:\\s[^>]*)?>([\\s\\S]*?)</${P}v>`);
  const inlineRe = new RegExp(`<${P}is\\b[^>]*>([\\s\\S]*?)</${P}is>`);
  let rowNo = 0;
  let col = -1;
  for (const m of data.matchAll(token)) {
    if (m[1] !== undefined) {
      const r = Number(attributes(m[1]).r);
      rowNo = Number.isInteger(r) && r > 0 ? r : rowNo + 1;
      col = -1;
      continue;
    }
    // Only r and t matter here; a full attribute parse per cell costs a tenth of the read.
    const tag = m[2]!;
    const a = { r: attrRe.r.exec(tag)?.[1], t: attrRe.t.exec(tag)?.[1], s: dates.size ? attrRe.s.exec(tag)?.[1] : undefined };
    const ref = a.r ? cellRef(a.r) : null;
    if (ref) {
      rowNo = ref.row;
      col = ref.col;
    } else {
      col++;
      if (rowNo === 0) rowNo = 1;
    }
    const inner = m[3] ?? '';
    const v = valueRe.exec(inner)?.[1];
    let value: string | number | null = null;
    switch (a.t) {
      case 's':
        value = v === undefined ? null : (shared[Number(v)] ?? null);
        break;
      case 'inlineStr': {
        const is = inlineRe.exec(inner)?.[1];
        value = is === undefined ? null : itemText(is);
        break;
      }
      case 'b':
        value = v === undefined ? null : v.trim() === '1' ? 'TRUE' : 'FALSE';
        break;
      case 'str':
      case 'e':
      case 'd':
        value = v === undefined ? null : decodeXml(v);
        break;
      default: {
        if (v === undefined || v.trim() === '') break;
        const n = Number(v);
        value = Number.isFinite(n) ? (a.s !== undefined && dates.has(Number(a.s)) ? serialDate(n) : n) : decodeXml(v);
      }
    }
    if (value === null) continue;
    if (rowNo > limits.rows) throw new XlsxLimitError(`the sheet has more than ${limits.rows} rows`);
    if (col >= limits.columns) throw new XlsxLimitError(`the sheet has more than ${limits.columns} columns`);
    while (rows.length < rowNo) rows.push([]);
    const row = rows[rowNo - 1]!;
    while (row.length < col) row.push(null);
    row[col] = value;
  }
  return rows;
}

/**
 * The sheets of a workbook in their tab order; sheet rows are indexed by row
 * number (rows[i] is row i + 1, empty rows as []), cells by column (gaps are
 * null). Text comes from shared or inline strings, booleans as 'TRUE' /
 * 'FALSE', numbers as numbers. Throws when the bytes are not a workbook.
 */
export function readXlsx(data: Uint8Array, limits: XlsxLimits = XLSX_LIMITS): Array<{ name: string; rows: (string | number | null)[][] }> {
  let files: Record<string, Uint8Array>;
  let unpacked = 0;
  try {
    files = unzipSync(data, {
      filter: (f) => {
        if (!(f.name.endsWith('.xml') || f.name.endsWith('.rels'))) return false;
        unpacked += f.originalSize;
        if (unpacked > limits.unpackedBytes) throw new XlsxLimitError(`the workbook unpacks to more than ${limits.unpackedBytes / 1024 / 1024} MB`);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof XlsxLimitError) throw err;
    throw new Error('not an .xlsx file (it is not a zip archive)');
  }
  const rootRels = relationships(files, '');
  const workbookPath =
    [...rootRels.values()].find((r) => r.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  const workbook = files[workbookPath];
  if (!workbook) throw new Error('not an .xlsx file (no workbook part)');
  const rels = relationships(files, workbookPath);
  const sharedPath =
    [...rels.values()].find((r) => r.type.endsWith('/sharedStrings'))?.target ?? resolvePath(workbookPath, 'sharedStrings.xml');
  const shared: string[] = [];
  if (files[sharedPath]) {
    const sst = strFromU8(files[sharedPath]!);
    for (const m of sst.matchAll(new RegExp(`<${P}si\\b[^>]*?(?:/>|>([\\s\\S]*?)</${P}si>)`, 'g'))) {
      shared.push(m[1] === undefined ? '' : itemText(m[1]));
    }
  }
  const stylesPath = [...rels.values()].find((r) => r.type.endsWith('/styles'))?.target ?? resolvePath(workbookPath, 'styles.xml');
  const dates = dateStyles(files[stylesPath] ? strFromU8(files[stylesPath]!) : undefined);
  const out: Array<{ name: string; rows: (string | number | null)[][] }> = [];
  for (const m of strFromU8(workbook).matchAll(new RegExp(`<${P}sheet\\b([^>]*)>`, 'g'))) {
    const a = attributes(m[1]!);
    const target = a.id ? rels.get(a.id)?.target : undefined;
    const part = target ? files[target] : undefined;
    if (!part) continue; // a chart sheet or a missing part: nothing to read
    out.push({ name: a.name ?? '', rows: readSheet(strFromU8(part), shared, limits, dates) });
  }
  return out;
}
