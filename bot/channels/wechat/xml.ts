// The flat XML WeChat speaks: <xml><Tag><![CDATA[value]]></Tag>…</xml>, one
// level deep (the only nesting, in a few events, is read as text). Values are
// read as CDATA or entity-escaped text; written always as CDATA.
const MAX_XML_BYTES = 64 * 1024;

const unescape = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-f]+));/gi, (m, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[name.toLowerCase()] ?? m;
  });

/** The top-level fields of `<xml>…</xml>`, or null when the text is not such a document. */
export function parseXml(text: string): Record<string, string> | null {
  if (text.length > MAX_XML_BYTES) return null;
  const m = /^\s*(?:<\?xml[^>]*\?>\s*)?<xml>([\s\S]*)<\/xml>\s*$/.exec(text);
  if (!m) return null;
  const out: Record<string, string> = {};
  const field = /<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g;
  for (let f = field.exec(m[1]!); f; f = field.exec(m[1]!)) {
    out[f[1]!] = f[2] !== undefined ? f[2] : unescape(f[3] ?? '');
  }
  return out;
}

const cdata = (v: string) => `<![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/** `<xml>` with the fields in the order given; numbers bare, strings as CDATA. */
export function buildXml(fields: Record<string, string | number>): string {
  const body = Object.entries(fields)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? String(v) : cdata(v)}</${k}>`)
    .join('');
  return `<xml>${body}</xml>`;
}
