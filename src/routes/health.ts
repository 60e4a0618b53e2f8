import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';

export const healthRoutes = new Hono<AppEnv>().get('/health', async (c) => {
  try {
    await c.var.deps.db.get(sql`SELECT 1 AS ok`);
    return c.json({ status: 'ok' });
  } catch {
    return c.json({ status: 'unavailable', error: { code: 'unavailable', message: 'The database is not reachable', issues: [] } }, 503);
  }
});
