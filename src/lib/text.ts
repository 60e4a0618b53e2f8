// Text files from Chinese office software: Excel and WPS save CSV in the
// system code page (GBK) unless told otherwise, newer tools in UTF-8. The
// bytes decide: a byte-order mark, else valid UTF-8, else GBK.
//
// GBK is decoded by the runtime's own TextDecoder('gb18030') (Node and workerd
// alike), not a bundled table. It follows the WHATWG Encoding Standard, which
// takes GB 18030-2022's mapping: 18 two-byte codes that older tables (and
// iconv-lite, used before) read as private-use characters now decode to the
// real ones — A6D9-A6DF, A6EC, A6ED, A6F3 to the vertical forms U+FE10-U+FE19,
// and FE59, FE61, FE66, FE67, FE6D, FE7E, FE90, FEA0 to the CJK ideographs
// U+9FB4-U+9FBB. Every other two-byte code and every four-byte code of the
// BMP decodes as before.

export type TextEncodingName = 'utf-8' | 'gbk' | 'utf-16le' | 'utf-16be';

export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
}

/**
 * Decodes a text file. `encoding` forces one; otherwise it is detected:
 * a UTF-8 or UTF-16 byte-order mark, else UTF-8 when the bytes are valid
 * UTF-8, else GBK. GBK is decoded as GB 18030, its superset, so the rarer
 * characters of some personal and place names in minority areas survive.
 */
export function decodeText(bytes: Uint8Array, encoding?: TextEncodingName): DecodedText {
  const enc = encoding ?? detectEncoding(bytes);
  if (enc === 'gbk') return { text: new TextDecoder('gb18030').decode(bytes), encoding: enc };
  let start = 0;
  if (enc === 'utf-8' && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  if ((enc === 'utf-16le' && bytes[0] === 0xff && bytes[1] === 0xfe) || (enc === 'utf-16be' && bytes[0] === 0xfe && bytes[1] === 0xff)) start = 2;
  return { text: new TextDecoder(enc).decode(bytes.subarray(start)), encoding: enc };
}

export function detectEncoding(bytes: Uint8Array): TextEncodingName {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'gbk';
  }
}

/** Text encoded for a file in that encoding (tests and the import benchmark write GBK files). */
export function encodeText(text: string, encoding: 'utf-8' | 'gbk'): Uint8Array {
  if (encoding === 'utf-8') return new TextEncoder().encode(text);
  return encodeGb18030(text);
}

let gbCodes: Map<number, number> | null = null;

/**
 * The GB 18030 code of each BMP character, read off the decoder itself (every
 * two-byte code, then every four-byte code of the BMP) once, on first use: an
 * encoder that agrees with decodeText by construction, with no table shipped.
 * A code is kept as its bytes in one number (two or four bytes, big-endian).
 */
function gb18030Codes(): Map<number, number> {
  if (gbCodes) return gbCodes;
  const codes = new Map<number, number>();
  const decoder = new TextDecoder('gb18030');
  for (let a = 0x81; a <= 0xfe; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      if (b === 0x7f) continue;
      const ch = decoder.decode(new Uint8Array([a, b]));
      if (ch.length === 1 && ch !== '\uFFFD' && !codes.has(ch.charCodeAt(0))) codes.set(ch.charCodeAt(0), (a << 8) | b);
    }
  }
  // Four-byte codes 81308130 to 8431A439 are the rest of the BMP, in order.
  for (let linear = 0; linear <= 39419; linear++) {
    const b4 = 0x30 + (linear % 10);
    const b3 = 0x81 + (Math.floor(linear / 10) % 126);
    const b2 = 0x30 + (Math.floor(linear / 1260) % 10);
    const b1 = 0x81 + Math.floor(linear / 12600);
    const ch = decoder.decode(new Uint8Array([b1, b2, b3, b4]));
    if (ch.length === 1 && ch !== '\uFFFD' && !codes.has(ch.charCodeAt(0))) codes.set(ch.charCodeAt(0), ((b1 << 24) | (b2 << 16) | (b3 << 8) | b4) >>> 0);
  }
  gbCodes = codes;
  return codes;
}

function encodeGb18030(text: string): Uint8Array {
  const codes = gb18030Codes();
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      out.push(cp);
    } else if (cp > 0xffff) {
      // Supplementary planes: four bytes from 90308130, in code point order.
      let linear = cp - 0x10000;
      const b4 = 0x30 + (linear % 10);
      linear = Math.floor(linear / 10);
      const b3 = 0x81 + (linear % 126);
      linear = Math.floor(linear / 126);
      out.push(0x90 + Math.floor(linear / 10), 0x30 + (linear % 10), b3, b4);
    } else {
      const code = codes.get(cp);
      if (code === undefined) throw new Error(`U+${cp.toString(16).toUpperCase()} has no GB 18030 code`);
      if (code > 0xffff) out.push(code >>> 24, (code >>> 16) & 0xff, (code >>> 8) & 0xff, code & 0xff);
      else out.push(code >>> 8, code & 0xff);
    }
  }
  return new Uint8Array(out);
}
