// The caller's network address, for throttling (never logged or stored as
// such: hashed where it is kept). On Node the socket's peer; on Workers the
// address Cloudflare puts in CF-Connecting-IP (Cloudflare overwrites it, so a
// caller cannot choose it there; on Node it is ignored for that reason).
// Behind a proxy Node trusts (TRUST_PROXY), the address the proxy saw.
import type { Deps } from './context.js';
import { FORWARDED_ADDRESS_HEADER } from './proxy.js';

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

/** What of a request's context this needs (any Hono context of the app or console has it). */
export interface AddressSource {
  env: unknown;
  req: { header(name: string): string | undefined };
  var: { deps: Deps };
}

export function clientAddress(c: AddressSource): string {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  // Behind a trusted proxy (TRUST_PROXY, src/proxy.ts): the address it saw.
  if (c.var.deps.config.TRUST_PROXY) {
    const forwarded = c.req.header(FORWARDED_ADDRESS_HEADER);
    if (forwarded) return forwarded;
  }
  if (incoming) return incoming.socket?.remoteAddress ?? 'unknown';
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}
