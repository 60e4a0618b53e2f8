// Node behind a reverse proxy (TRUST_PROXY=on): the request the app sees is
// the one the browser made — scheme and host from X-Forwarded-Proto and
// X-Forwarded-Host — and the caller's address is the one the proxy saw (the
// last entry of X-Forwarded-For, which the proxy appends). Only the first
// hop is trusted: an address a client put earlier in the list is ignored.

/** The header carrying the address the proxy saw, set here only (a client's own is dropped). */
export const FORWARDED_ADDRESS_HEADER = 'x-jiujin-peer-address';

function firstValue(v: string | null): string | undefined {
  const first = v?.split(',')[0]?.trim();
  return first ? first : undefined;
}

export function forwardedRequest(req: Request): Request {
  const url = new URL(req.url);
  const proto = firstValue(req.headers.get('x-forwarded-proto'));
  const host = firstValue(req.headers.get('x-forwarded-host')) ?? req.headers.get('host') ?? undefined;
  if (proto === 'https' || proto === 'http') url.protocol = `${proto}:`;
  if (host && /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) {
    url.host = host;
    if (!/:\d+$/.test(host)) url.port = '';
  }
  const headers = new Headers(req.headers);
  headers.delete(FORWARDED_ADDRESS_HEADER);
  const hops = (req.headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (hops.length) headers.set(FORWARDED_ADDRESS_HEADER, hops[hops.length - 1]!);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? req.body : null,
    signal: req.signal,
    // @ts-expect-error Node's fetch needs it for a streamed body
    duplex: hasBody ? 'half' : undefined,
  });
}
