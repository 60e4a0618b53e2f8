import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { RETRY_AFTER_SECONDS, toAppError } from '../errors.js';
import type { AppEnv } from '../context.js';

/**
 * Healthy means the database takes a write: a statement that changes nothing
 * but needs the write lock (on the embedded file it takes it, waiting as any
 * write does). A read alone would pass on a connection that can no longer
 * write, or while another process holds the lock for good.
 */
export const healthRoutes = new Hono<AppEnv>().get('/health', async (c) => {
  try {
    await c.var.deps.db.run(sql`DELETE FROM idempotency_keys WHERE 0`);
    return c.json({ status: 'ok' });
  } catch (err) {
    const busy = toAppError(err)?.code === 'busy';
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return c.json(
      {
        status: 'unavailable',
        error: busy
          ? { code: 'busy', message: 'The database cannot take a write: another process holds its lock', issues: [] }
          : { code: 'unavailable', message: 'The database is not reachable', issues: [] },
      },
      503,
    );
  }
});
