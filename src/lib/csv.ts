// CSV as spreadsheets read and write it (RFC 4180): fields quoted when they
// hold a comma, a quote or a line break, CRLF between records, and a UTF-8
// byte-order mark first so Excel opens Chinese text as UTF-8, not the
// system code page. Runs on Node and Workers (no Node APIs).

export type CsvCell = string | number | null | undefined;

/**
 * A cell Excel or WPS would run as a formula (CSV injection): text starting
 * with = + - @ (or a tab or carriage return, which some readers strip first).
 * Such text is written with a leading apostrophe; numbers are left alone.
 */
const formulaStart = /^[=+\-@\t\r]/;

function field(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  let s: string;
  if (typeof cell === 'number') {
    s = Number.isFinite(cell) ? String(cell) : '';
  } else {
    s = formulaStart.test(cell) ? `'${cell}` : cell;
  }
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The whole file as text: BOM, header, rows, each record ended by CRLF.
 * In `textColumns`, a cell of digits (a 12-digit area code, a number with a
 * leading zero) is written as ="…", which Excel, WPS and LibreOffice keep as
 * the text typed instead of turning it into 5.32503E+11.
 */
export function toCsv(header: string[], rows: CsvCell[][], opts: { textColumns?: number[] } = {}): string {
  const text = new Set(opts.textColumns ?? []);
  const cell = (v: CsvCell, i: number) => {
    const s = typeof v === 'number' ? String(v) : v;
    return text.has(i) && typeof s === 'string' && /^\d+$/.test(s) ? `"=""${s}"""` : field(v);
  };
  const lines = [header.map(field).join(',')];
  for (const row of rows) lines.push(row.map(cell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/**
 * Records of a CSV text (a leading BOM is skipped). Quoted fields may hold
 * commas, doubled quotes and line breaks; CRLF, LF and CR all end a record.
 * An empty line is a record of one empty field, so record i is always line
 * i + 1 of the spreadsheet; a final line break does not start a record.
 * `delimiter` may be set for tab-separated text.
 */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const records: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (i >= n) return records;
  let record: string[] = [];
  for (;;) {
    let value: string;
    if (text[i] === '"') {
      // Quoted field: runs to the next quote that is not doubled.
      let out = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) {
          // Unterminated: take the rest as the field rather than lose it.
          out += text.slice(from);
          i = n;
          break;
        }
        out += text.slice(from, q);
        if (text[q + 1] === '"') {
          out += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Anything between the closing quote and the delimiter is kept, as Excel does.
      let j = i;
      while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
      value = out + text.slice(i, j);
      i = j;
    } else {
      let j = i;
      while (j < n) {
        const ch = text[j];
        if (ch === delimiter || ch === '\n' || ch === '\r') break;
        j++;
      }
      value = text.slice(i, j);
      i = j;
    }
    record.push(value);
    if (i >= n) {
      records.push(record);
      break;
    }
    const ch = text[i];
    if (ch === delimiter) {
      i++;
      if (i >= n) {
        record.push('');
        records.push(record);
        break;
      }
      continue;
    }
    // A line break ends the record.
    i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    records.push(record);
    record = [];
    if (i >= n) break;
  }
  return records;
}
