// The spreadsheet helpers imports and exports stand on: .xlsx written and
// read back, workbooks as other software writes them, CSV both ways, and
// telling UTF-8 from GBK.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../../src/lib/csv.js';
import { decodeText, detectEncoding, encodeText } from '../../src/lib/text.js';
import { columnName, readXlsx, writeXlsx } from '../../src/lib/xlsx.js';

describe('xlsx', () => {
  it('a written workbook reads back with its sheets, text, numbers and empty cells', () => {
    const data = writeXlsx([
      { name: '月报 2026-11', header: ['区域', '人数', '备注'], rows: [['蒙自市', 12, null], ['个旧市', -3.5, 'a & b <c> "d"'], [null, 0, '  两边有空格  ']] },
      { name: 'notes', header: [], rows: [['only', 1]] },
    ]);
    expect(readXlsx(data)).toEqual([
      {
        name: '月报 2026-11',
        rows: [['区域', '人数', '备注'], ['蒙自市', 12], ['个旧市', -3.5, 'a & b <c> "d"'], [null, 0, '  两边有空格  ']],
      },
      { name: 'notes', rows: [['only', 1]] },
    ]);
  });

  it('dates in dateColumns are real spreadsheet dates (serial numbers formatted yyyy-mm-dd) and read back as dates', () => {
    const data = writeXlsx([{ name: 'd', header: ['日期', '代码'], dateColumns: [0], rows: [['2026-11-30', '2026-11-30'], ['2000-01-01', 'x'], ['not a date', 1]] }]);
    const files = unzipSync(data);
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml']!);
    // 2026-11-30 is day 46356 counted from 1899-12-30, as Excel and LibreOffice count.
    expect(sheet).toContain('<c r="A2" s="2"><v>46356</v></c>');
    expect(sheet).toContain('<c r="B2" t="s">'); // not a date column: text
    expect(strFromU8(files['xl/styles.xml']!)).toContain('formatCode="yyyy\\-mm\\-dd"');
    expect(readXlsx(data)[0]!.rows).toEqual([['日期', '代码'], ['2026-11-30', '2026-11-30'], ['2000-01-01', 'x'], ['not a date', 1]]);
  });

  it('the package has the parts Excel, WPS and LibreOffice require, and a bold header style', () => {
    const files = unzipSync(writeXlsx([{ name: 'S', header: ['h'], rows: [['x', 1]] }]));
    expect(Object.keys(files)[0]).toBe('[Content_Types].xml');
    for (const part of ['_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/sharedStrings.xml', 'xl/worksheets/sheet1.xml']) {
      expect(files[part], part).toBeDefined();
    }
    const types = strFromU8(files['[Content_Types].xml']!);
    expect(types).toContain('PartName="/xl/worksheets/sheet1.xml"');
    expect(types).toContain('spreadsheetml.sharedStrings+xml');
    expect(strFromU8(files['xl/styles.xml']!)).toMatch(/<font><b\/>/);
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml']!);
    expect(sheet).toContain('<c r="A1" s="1" t="s">'); // header: bold style, shared string
    expect(sheet).toContain('<c r="B2"><v>1</v></c>'); // a number is a number
    expect(sheet).toContain('state="frozen"');
  });

  it('text that looks like Excel escapes, control characters and emoji survive or are dropped safely', () => {
    const data = writeXlsx([{ name: 'x', header: [], rows: [['_x0041_ stays', 'bell\u0007gone', '𠀀 and 😀']] }]);
    expect(readXlsx(data)[0]!.rows).toEqual([['_x0041_ stays', 'bellgone', '𠀀 and 😀']]);
  });

  it('sheet names are made valid and unique', () => {
    const data = writeXlsx([
      { name: 'a/b?c', header: [], rows: [] },
      { name: 'A/B?C', header: [], rows: [] },
      { name: 'x'.repeat(40), header: [], rows: [] },
    ]);
    const names = readXlsx(data).map((s) => s.name);
    expect(names).toEqual(['a b c', 'A B C (2)', 'x'.repeat(31)]);
  });

  it('reads workbooks as other software writes them: inline and rich strings, booleans, gaps, prefixes, no cell references', () => {
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    const files = {
      '[Content_Types].xml': strToU8('<Types/>'),
      '_rels/.rels': strToU8(`<Relationships><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
      'xl/workbook.xml': strToU8(
        `<workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="数据 &amp; 表" sheetId="7" r:id="rId9"/><sheet name="second" sheetId="8" r:id="rId10"/></sheets></workbook>`,
      ),
      'xl/_rels/workbook.xml.rels': strToU8(
        `<Relationships><Relationship Id="rId9" Type="${rel}/worksheet" Target="/xl/worksheets/data.xml"/>` +
          `<Relationship Id="rId10" Type="${rel}/worksheet" Target="worksheets/two.xml"/>` +
          `<Relationship Id="rId11" Type="${rel}/sharedStrings" Target="strings.xml"/></Relationships>`,
      ),
      'xl/strings.xml': strToU8(
        `<sst ${ns}><si><t>户编号</t></si><si><r><rPr><b/></rPr><t>姓</t></r><r><t xml:space="preserve">名 </t></r><rPh><t>せい</t></rPh></si><si><t/></si></sst>`,
      ),
      'xl/worksheets/data.xml': strToU8(
        `<worksheet ${ns}><sheetData>` +
          '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>' +
          '<row r="3"><c r="A3" t="inlineStr"><is><t>H&lt;1&gt;</t></is></c><c r="B3" t="b"><v>1</v></c><c r="C3" t="b"><v>0</v></c><c r="D3"><v>13800000000</v></c><c r="E3" t="str"><f>A3</f><v>H1</v></c><c r="F3" s="2"/><c r="G3" t="s"><v>2</v></c></row>' +
          '</sheetData><mergeCells count="0"/></worksheet>',
      ),
      'xl/worksheets/two.xml': strToU8(
        `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
          '<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c><x:v>2.5</x:v></x:c></x:row>' +
          '<x:row><x:c><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>',
      ),
    };
    const book = readXlsx(zipSync(files));
    expect(book).toEqual([
      { name: '数据 & 表', rows: [['户编号', null, '姓名 '], [], ['H<1>', 'TRUE', 'FALSE', 13800000000, 'H1', null, '']] },
      { name: 'second', rows: [['a', 2.5], [3]] },
    ]);
  });

  it('bytes that are not a workbook are refused with a reason', () => {
    expect(() => readXlsx(new TextEncoder().encode('户编号,姓名'))).toThrow(/not an \.xlsx/);
  });

  it('column letters run A…Z, AA…', () => {
    expect([0, 25, 26, 51, 52, 701, 702].map(columnName)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('a 20,000-row sheet is written and read back whole', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [`H${i}`, i, i % 2 ? '是' : '否']);
    const back = readXlsx(writeXlsx([{ name: 'big', header: ['户编号', 'n', 'flag'], rows }]))[0]!.rows;
    expect(back.length).toBe(20_001);
    expect(back[20_000]).toEqual(['H19999', 19999, '是']);
  });
});

describe('csv', () => {
  it('codes in textColumns are written as ="…" so a spreadsheet keeps all 12 digits', () => {
    const text = toCsv(['代码', '人数'], [['532503001001', 3], ['5325', '12']], { textColumns: [0] });
    expect(text).toBe('\uFEFF代码,人数\r\n"=""532503001001""",3\r\n"=""5325""",12\r\n');
    expect(parseCsv(text)[1]).toEqual(['="532503001001"', '3']);
  });


  it('toCsv quotes as RFC 4180, ends records with CRLF and starts with a UTF-8 BOM', () => {
    const text = toCsv(['户编号', '备注'], [['H1', 'a,b'], ['H2', 'say "hi"\nnext line'], [3, null]]);
    expect(text).toBe('\uFEFF户编号,备注\r\nH1,"a,b"\r\nH2,"say ""hi""\nnext line"\r\n3,\r\n');
  });

  it('toCsv neutralises formula injection in text but leaves numbers alone', () => {
    const text = toCsv(['v'], [['=HYPERLINK("x")'], ['+1'], ['-2'], ['@SUM(A1)'], ['\tx'], [-2], ['a=b']]);
    expect(parseCsv(text).slice(1).map((r) => r[0])).toEqual(["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", '-2', 'a=b']);
  });

  it('parseCsv reads what toCsv writes, and what spreadsheets write', () => {
    const rows = [['a', 'b,c', 'd"e'], ['多行\r\n文本', '', 'x']];
    expect(parseCsv(toCsv(['h1', 'h2', 'h3'], rows))).toEqual([['h1', 'h2', 'h3'], ...rows]);
    expect(parseCsv('a,b\n\n"x""y",\rlast')).toEqual([['a', 'b'], [''], ['x"y', ''], ['last']]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('a,')).toEqual([['a', '']]);
    expect(parseCsv('a\tb\n1\t2\n', '\t')).toEqual([['a', 'b'], ['1', '2']]);
  });
});

const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));

describe('text encodings', () => {
  it('GBK bytes are detected and decoded, UTF-8 with or without BOM too', () => {
    const text = '户编号,姓名\r\nH1,李䶮\r\n';
    const gbk = encodeText(text, 'gbk');
    expect(detectEncoding(gbk)).toBe('gbk');
    expect(decodeText(gbk)).toEqual({ text, encoding: 'gbk' });
    // The bytes Excel writes for 户编号,姓名 and 李䶮 (GBK / GB 18030), not made by our encoder.
    expect(decodeText(hex('bba7b1e0bac52cd0d5c3fb')).text).toBe('户编号,姓名');
    expect(decodeText(hex('c0eefe9f'), 'gbk').text).toBe('李䶮');
    expect(encodeText(text, 'gbk')).toEqual(hex('bba7b1e0bac52cd0d5c3fb0d0a48312cc0eefe9f0d0a'));
    expect(encodeText('€𠀀', 'gbk')).toEqual(hex('a2e395328236'));
    expect(decodeText(new TextEncoder().encode(text))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeText(new TextEncoder().encode(`\uFEFF${text}`))).toEqual({ text, encoding: 'utf-8' });
  });

  it('GBK decodes by GB 18030-2022: the 18 codes older tables read as private use are the real characters', () => {
    // What TextDecoder('gb18030') changed against iconv-lite (see src/lib/text.ts).
    const changed: Array<[string, number]> = [
      ['a6d9', 0xfe10], ['a6da', 0xfe12], ['a6db', 0xfe11], ['a6dc', 0xfe13], ['a6dd', 0xfe14], ['a6de', 0xfe15],
      ['a6df', 0xfe16], ['a6ec', 0xfe17], ['a6ed', 0xfe18], ['a6f3', 0xfe19],
      ['fe59', 0x9fb4], ['fe61', 0x9fb5], ['fe66', 0x9fb6], ['fe67', 0x9fb7], ['fe6d', 0x9fb8], ['fe7e', 0x9fb9], ['fe90', 0x9fba], ['fea0', 0x9fbb],
    ];
    for (const [bytes, cp] of changed) {
      expect(decodeText(hex(bytes), 'gbk').text.codePointAt(0), bytes).toBe(cp);
      expect(encodeText(String.fromCodePoint(cp), 'gbk')).toEqual(hex(bytes));
    }
  });

  it('UTF-16 with a byte-order mark (Excel "Unicode text") is read', () => {
    const text = '\uFEFF户编号\t姓名';
    const bytes = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) new DataView(bytes.buffer).setUint16(i * 2, text.charCodeAt(i), true);
    expect(decodeText(bytes)).toEqual({ text: '户编号\t姓名', encoding: 'utf-16le' });
  });
});
