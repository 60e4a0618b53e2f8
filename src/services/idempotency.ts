// The stored answers of idempotent POSTs (src/middleware.ts replays them):
// kept a day per caller, then forgotten by the clocks.
import { lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { idempotencyKeys } from '../../db/schema.js';
import type { Clock } from '../context.js';

/** How long a stored answer replays; the clocks forget older ones (forgetOldIdempotencyKeys). */
export const IDEMPOTENCY_HOURS = 24;

export async function forgetOldIdempotencyKeys(db: Db, clock: Clock): Promise<number> {
  const before = new Date(clock.now().getTime() - IDEMPOTENCY_HOURS * 3_600_000).toISOString();
  const gone = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, before))
    .returning({ key: idempotencyKeys.key });
  return gone.length;
}

