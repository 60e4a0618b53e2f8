// API tokens: random, shown once, stored only as a SHA-256 hash.
import { createHash } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
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

export type NewToken =
  | { role: 'admin'; label?: string }
  | { role: 'staff'; areaPrefix: string; label?: string }
  | { role: 'employer'; employerId: number; label?: string };

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
    })
    .returning({ id: apiTokens.id });
  return { id: row!.id, token };
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
        .values({ tokenHash: hash, role: 'admin', label: 'JIUJIN_ADMIN_TOKEN', createdAt: nowIso(clock) })
        .onConflictDoNothing();
    }
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

export async function actorForToken(db: Db, token: string): Promise<Actor> {
  const byHash = prepared(db, 'token by hash', (db) =>
    db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), isNull(apiTokens.revokedAt)))
      .prepare(),
  );
  const [row] = await byHash.all({ hash: await sha256Hex(token) });
  if (!row) throw new AppError('unauthorized', 'The bearer token is not valid');
  if (row.role === 'staff') return { role: 'staff', tokenId: row.id, areaPrefix: row.areaPrefix! };
  if (row.role === 'employer') return { role: 'employer', tokenId: row.id, employerId: row.employerId! };
  return { role: 'admin', tokenId: row.id };
}
