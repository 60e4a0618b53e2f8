// The caller's network address, for throttling (never logged or stored as
// such: hashed where it is kept). On Node the socket's peer; on Workers the
// address Cloudflare puts in CF-Connecting-IP (Cloudflare overwrites it, so a
// caller cannot choose it there; on Node it is ignored for that reason).
import type { Context } from 'hono';

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

export function clientAddress(c: Context): string {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  if (incoming) return incoming.socket?.remoteAddress ?? 'unknown';
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}
