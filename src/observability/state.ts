// What the database says about the service's health, read when asked: the
// outbox backlog for GET /metrics, and readiness for GET /ready (every
// migration applied and a write that round-trips). Works on libSQL and D1.
import { and, eq, inArray, min, sql } from 'drizzle-orm';
import { migrations } from '../../db/migrations-bundle.js';
import { idempotencyKeys, outbox } from '../../db/schema.js';
import type { Db } from '../../db/client.js';
import { type Clock, nowIso } from '../context.js';
import type { NoticeKind } from '../services/outbox.js';
import { catalogueIfWarm } from '../services/opening-catalogue.js';
import { newRunId } from './log.js';
import type { PromText } from './metrics.js';

/** Every kind the outbox holds, so a backlog drained to nothing shows as 0, not as a missing series. */
const noticeKinds = [
  'new_applicant',
  'offer',
  'declined',
  'expired',
  'expired_employer',
  'hired',
  'opening_alert',
  'opening_idle',
  'zero_digest',
  'zero_placed',
  'checkin',
  'subsidy_notice',
  'post_checkin',
] as const satisfies readonly NoticeKind[];

/** The outbox statuses watched, by the name operators use ("owed" is the table's `pending`). */
const watched = { owed: 'pending', sending: 'sending', dead: 'dead' } as const;

export interface MigrationState {
  applied: number;
  expected: number;
  missing: string[];
}

export async function migrationState(db: Db): Promise<MigrationState> {
  const rows = await db.all<{ name: string }>(sql`SELECT name FROM d1_migrations`);
  const done = new Set(rows.map((r) => r.name));
  const missing = migrations.map((m) => m.name).filter((n) => !done.has(n));
  return { applied: migrations.length - missing.length, expected: migrations.length, missing };
}

/** Writes a row, reads it back and removes it (an idempotency key no request can send: its actor is the probe). */
export async function writeRoundTrip(db: Db, clock: Clock): Promise<boolean> {
  const key = newRunId();
  const where = and(eq(idempotencyKeys.actor, 'system:ready'), eq(idempotencyKeys.key, key));
  await db
    .insert(idempotencyKeys)
    .values({ actor: 'system:ready', key, method: 'GET', path: '/ready', bodyHash: '', createdAt: nowIso(clock) });
  const [back] = await db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(where);
  await db.delete(idempotencyKeys).where(where);
  return back?.key === key;
}

/** SQLite's page count × page size; null where the engine does not answer PRAGMAs (D1 may not). */
async function databaseBytes(db: Db): Promise<number | null> {
  try {
    const [pages] = await db.all<{ page_count: number }>(sql`PRAGMA page_count`);
    const [size] = await db.all<{ page_size: number }>(sql`PRAGMA page_size`);
    const n = Number(pages?.page_count) * Number(size?.page_size);
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** The database part of /metrics. */
export async function writeDatabaseMetrics(out: PromText, db: Db, clock: Clock): Promise<void> {
  const counts = await db
    .select({ status: outbox.status, kind: outbox.kind, n: sql<number>`count(*)` })
    .from(outbox)
    .where(inArray(outbox.status, Object.values(watched)))
    .groupBy(outbox.status, outbox.kind);
  const kinds = new Set<string>([...noticeKinds, ...counts.map((c) => c.kind)]);
  out.family('jiujin_outbox_messages', 'gauge', 'Messages in the outbox by status (owed = waiting to be sent, sending = claimed by a sender, dead = given up on) and kind.');
  for (const [name, status] of Object.entries(watched)) {
    for (const kind of [...kinds].sort()) {
      const n = counts.find((c) => c.status === status && c.kind === kind)?.n ?? 0;
      out.sample('jiujin_outbox_messages', { status: name, kind }, Number(n));
    }
  }
  const [oldest] = await db.select({ at: min(outbox.createdAt) }).from(outbox).where(eq(outbox.status, 'pending'));
  out.family('jiujin_outbox_oldest_owed_age_seconds', 'gauge', 'Age of the oldest message still owed; 0 when nothing is owed.');
  const age = oldest?.at ? Math.max(0, (clock.now().getTime() - Date.parse(oldest.at)) / 1000) : 0;
  out.sample('jiujin_outbox_oldest_owed_age_seconds', {}, Math.round(age));

  // Not read for the metric: a Workers isolate answering from narrowed reads reports 0 until its catalogue is warm.
  const catalogue = await catalogueIfWarm(db);
  out.family('jiujin_catalogue_open_openings', 'gauge', "Open openings in the matcher's in-memory catalogue (this process; 0 while it is not read yet).");
  out.sample('jiujin_catalogue_open_openings', {}, catalogue?.size ?? 0);

  const m = await migrationState(db);
  out.family('jiujin_migrations', 'gauge', 'Database migrations applied, and those this build expects.');
  out.sample('jiujin_migrations', { state: 'applied' }, m.applied);
  out.sample('jiujin_migrations', { state: 'expected' }, m.expected);

  const bytes = await databaseBytes(db);
  if (bytes !== null) {
    out.family('jiujin_database_size_bytes', 'gauge', 'Size of the database (page count × page size).');
    out.sample('jiujin_database_size_bytes', {}, bytes);
  }
}
