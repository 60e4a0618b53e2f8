// API tokens: random, shown once, stored only as a SHA-256 hash.
import { createHash } from 'node:crypto';
import { and, asc, eq, isNull, ne, or, sql } from 'drizzle-orm';
import { type Db, prepared } from '../../db/client.js';
import { apiTokens, areas, employers } from '../../db/schema.js';
import { type Actor, type Clock, nowIso } from '../context.js';
import { AppError, ruleBroken } from '../errors.js';

export async function sha256Hex(text: string): Promise<string> {
  // node:crypto (Workers have it with nodejs_compat): a tenth of the time of
  // crypto.subtle's digest, which every authenticated request pays.
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function randomToken(prefix = 'jj_'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return prefix + btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export type NewToken = (
  | { role: 'admin'; label?: string }
  | { role: 'staff'; areaPrefix: string; label?: string }
  | { role: 'employer'; employerId: number; label?: string }
) & {
  /** When it stops working (ISO instant); without it, never. */
  expiresAt?: string;
};

/** `90d`, `12h`, `30m` → milliseconds; null when not such a duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,5})([dhm])$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (n <= 0) return null;
  return n * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}

export async function createToken(
  db: Db,
  clock: Clock,
  spec: NewToken,
  token = randomToken(),
): Promise<{ id: number; token: string }> {
  if (spec.role === 'staff') {
    const [area] = await db.select({ code: areas.code }).from(areas).where(eq(areas.code, spec.areaPrefix));
    if (!area) throw ruleBroken('area', `Unknown area code ${spec.areaPrefix}`);
  }
  if (spec.role === 'employer') {
    const [emp] = await db.select({ id: employers.id }).from(employers).where(eq(employers.id, spec.employerId));
    if (!emp) throw ruleBroken('employer', `Unknown employer ${spec.employerId}`);
  }
  const [row] = await db
    .insert(apiTokens)
    .values({
      tokenHash: await sha256Hex(token),
      role: spec.role,
      areaPrefix: spec.role === 'staff' ? spec.areaPrefix : null,
      employerId: spec.role === 'employer' ? spec.employerId : null,
      label: spec.label ?? null,
      createdAt: nowIso(clock),
      expiresAt: spec.expiresAt ?? null,
    })
    .returning({ id: apiTokens.id });
  return { id: row!.id, token };
}

/** The label of the admin token made from JIUJIN_ADMIN_TOKEN (one live at a time). */
export const ENV_ADMIN_LABEL = 'JIUJIN_ADMIN_TOKEN';

export interface TokenListing {
  id: number;
  role: string;
  scope: string | null;
  label: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** Every token, oldest first, without its hash (the operator's `npm run token -- list`). */
export async function listTokens(db: Db): Promise<TokenListing[]> {
  const rows = await db.select().from(apiTokens).orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
  return rows.map((r) => ({
    id: r.id,
    role: r.role,
    scope: r.role === 'staff' ? r.areaPrefix : r.role === 'employer' ? `employer ${r.employerId}` : null,
    label: r.label,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
  }));
}

/** Revokes a token (its console sessions end with it: they re-read it each request). False when unknown. */
export async function revokeToken(db: Db, clock: Clock, id: number): Promise<'revoked' | 'already' | 'unknown'> {
  const [row] = await db.select({ revokedAt: apiTokens.revokedAt }).from(apiTokens).where(eq(apiTokens.id, id));
  if (!row) return 'unknown';
  if (row.revokedAt) return 'already';
  await db.update(apiTokens).set({ revokedAt: nowIso(clock) }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
  return 'revoked';
}

/** A token row still in force at `now`: not revoked, not expired. */
export function tokenLive(row: { revokedAt: string | null; expiresAt: string | null }, now: Date): boolean {
  return row.revokedAt === null && (row.expiresAt === null || row.expiresAt > now.toISOString());
}

/**
 * Makes sure an admin can get in: a configured token becomes an admin token;
 * with none configured and no admin token yet, one is generated and returned
 * (the caller prints it once).
 */
export async function ensureAdminToken(
  db: Db,
  clock: Clock,
  configured: string | undefined,
): Promise<string | null> {
  if (configured) {
    const hash = await sha256Hex(configured);
    const [existing] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash));
    if (!existing) {
      await db
        .insert(apiTokens)
        .values({ tokenHash: hash, role: 'admin', label: ENV_ADMIN_LABEL, createdAt: nowIso(clock) })
        .onConflictDoNothing();
    }
    // A replaced JIUJIN_ADMIN_TOKEN is a rotation: the one it replaced stops working.
    await db
      .update(apiTokens)
      .set({ revokedAt: nowIso(clock) })
      .where(and(eq(apiTokens.label, ENV_ADMIN_LABEL), eq(apiTokens.role, 'admin'), ne(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
    return null;
  }
  const [anyAdmin] = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.role, 'admin'), isNull(apiTokens.revokedAt)))
    .limit(1);
  if (anyAdmin) return null;
  const { token } = await createToken(db, clock, { role: 'admin', label: 'generated at first start' });
  return token;
}

export async function actorForToken(db: Db, token: string, now: Date = new Date()): Promise<Actor> {
  const byHash = prepared(db, 'token by hash', (db) =>
    db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), isNull(apiTokens.revokedAt)))
      .prepare(),
  );
  const [row] = await byHash.all({ hash: await sha256Hex(token) });
  if (!row || !tokenLive(row, now)) throw new AppError('unauthorized', 'The bearer token is not valid');
  if (row.role === 'staff') return { role: 'staff', tokenId: row.id, areaPrefix: row.areaPrefix! };
  if (row.role === 'employer') return { role: 'employer', tokenId: row.id, employerId: row.employerId! };
  return { role: 'admin', tokenId: row.id };
}
