import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { describeRoute } from '../openapi/describe.js';
import { errorResponse, healthResponse } from '../schemas/responses.js';
import type { AppEnv } from '../context.js';

const healthDoc = describeRoute({
  tag: 'operations',
  summary: 'Liveness: ok after a database round trip (see /ready for readiness)',
  who: ['anyone'],
  responses: {
    200: { description: 'The database answered', json: healthResponse },
    503: { description: 'The database did not answer', json: errorResponse.extend({ status: z.literal('unavailable') }) },
  },
});

export const healthRoutes = new Hono<AppEnv>().get('/health', healthDoc, async (c) => {
  try {
    await c.var.deps.db.get(sql`SELECT 1 AS ok`);
    return c.json({ status: 'ok' });
  } catch {
    return c.json({ status: 'unavailable', error: { code: 'unavailable', message: 'The database is not reachable', issues: [] } }, 503);
  }
});
