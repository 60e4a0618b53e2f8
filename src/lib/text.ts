// Text files from Chinese office software: Excel and WPS save CSV in the
// system code page (GBK) unless told otherwise, newer tools in UTF-8. The
// bytes decide: a byte-order mark, else valid UTF-8, else GBK.
import iconv from 'iconv-lite';

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
  if (enc === 'gbk') return { text: iconv.decode(bytes, 'gb18030'), encoding: enc };
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

/** Text encoded for a file in that encoding (tests and exports that must write GBK). */
export function encodeText(text: string, encoding: 'utf-8' | 'gbk'): Uint8Array {
  if (encoding === 'utf-8') return new TextEncoder().encode(text);
  return new Uint8Array(iconv.encode(text, 'gb18030'));
}
