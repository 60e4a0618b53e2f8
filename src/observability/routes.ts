// GET /metrics (Prometheus text; an admin token or METRICS_TOKEN) and
// GET /ready (200 only when every migration is applied and a write
// round-trips; 503 otherwise, saying which check failed).
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { describeRoute } from '../openapi/describe.js';
import { readyResponse } from '../schemas/responses.js';
import { actorForToken } from '../services/tokens.js';
import { secretsMatch } from '../routes/telegram.js';
import { errorFields, loggerOf } from './log.js';
import { metricsFor, PromText, writeProcessMetrics } from './metrics.js';
import { migrationState, writeDatabaseMetrics, writeRoundTrip } from './state.js';

const metricsDoc = describeRoute({
  tag: 'operations',
  summary: 'Metrics in Prometheus text format',
  description:
    'Requests by route and status, latency histogram, outbox owed/sending/dead by kind, the oldest owed message\'s age, each clock\'s last run, the catalogue size, migrations and the database size. Request, clock and sender figures are this process\'s (on Workers, this isolate\'s).',
  who: ['admin'],
  whoNote: 'Or the METRICS_TOKEN, for a scraper that should hold no admin token.',
  responses: { 200: { description: 'The metrics', text: 'text/plain' } },
});

const readyDoc = describeRoute({
  tag: 'operations',
  summary: 'Readiness: every migration applied and a database write round-trips',
  who: ['anyone'],
  responses: {
    200: { description: 'Ready', json: readyResponse },
    503: { description: 'Not ready, with the failing check', json: readyResponse },
  },
});

export const observabilityRoutes = new Hono<AppEnv>()
  .get('/metrics', metricsDoc, async (c) => {
    const { db, clock, config } = c.var.deps;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!m) throw new AppError('unauthorized', 'Use "Authorization: Bearer <admin token or METRICS_TOKEN>"');
    const token = m[1]!;
    if (!(config.METRICS_TOKEN && secretsMatch(token, config.METRICS_TOKEN))) {
      const actor = await actorForToken(db, token, clock.now());
      c.set('actor', actor);
      if (actor.role !== 'admin') throw new AppError('forbidden', 'Metrics are for admin tokens and the METRICS_TOKEN');
    }
    const out = new PromText();
    writeProcessMetrics(out, metricsFor(db));
    await writeDatabaseMetrics(out, db, clock);
    return c.body(out.toString(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  })
  .get('/ready', readyDoc, async (c) => {
    const { db, clock } = c.var.deps;
    const checks = { migrations: { ok: false, applied: 0, expected: 0 }, write: { ok: false } };
    try {
      const m = await migrationState(db);
      checks.migrations = { ok: m.missing.length === 0, applied: m.applied, expected: m.expected };
      checks.write.ok = await writeRoundTrip(db, clock);
    } catch (err) {
      loggerOf(c.var.deps).warn('not ready', { requestId: c.get('requestId'), ...errorFields(err) });
    }
    const ready = checks.migrations.ok && checks.write.ok;
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
