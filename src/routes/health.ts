import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../context.js';
import { RETRY_AFTER_SECONDS, toAppError } from '../errors.js';
import { writeRoundTrip } from '../observability/state.js';
import { describeRoute } from '../openapi/describe.js';
import { errorResponse, healthResponse } from '../schemas/responses.js';

const healthDoc = describeRoute({
  tag: 'operations',
  summary: 'Liveness: ok when the database takes a write (see /ready for readiness)',
  who: ['anyone'],
  responses: {
    200: { description: 'The database took a write', json: healthResponse },
    503: { description: 'The database did not answer, or another process holds its lock (Retry-After)', json: errorResponse.extend({ status: z.literal('unavailable') }) },
  },
});

/**
 * Healthy means the database takes a write (the round trip /ready makes: on
 * the embedded file it takes the write lock, waiting as any write does). A
 * read alone would pass on a connection that can no longer write, or while
 * another process holds the lock for good.
 */
export const healthRoutes = new Hono<AppEnv>().get('/health', healthDoc, async (c) => {
  try {
    if (await writeRoundTrip(c.var.deps.db, c.var.deps.clock)) return c.json({ status: 'ok' });
    throw new Error('the probe row written was not read back');
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
