// The one Hono app, built from its dependencies. Both entry points (Node and
// Workers) and every test call createApp.
import { Hono } from 'hono';
import { except } from 'hono/combine';
import type { AppEnv, Deps } from './context.js';
import { createConsole } from './console/index.js';
import { AppError, errorBody, MAX_BODY_BYTES, RETRY_AFTER_SECONDS, toAppError } from './errors.js';
import { auditRefusals, authenticate, idempotency, limitBodies, requireCaller, sizeLimit } from './middleware.js';
import { observeRequests } from './observability/request.js';
import { observabilityRoutes } from './observability/routes.js';
import { openApiRoutes } from './openapi/routes.js';
import { agreementRoutes } from './routes/agreements.js';
import { applicationRoutes } from './routes/applications.js';
import { areaRoutes } from './routes/areas.js';
import { employerRoutes } from './routes/employers.js';
import { healthRoutes } from './routes/health.js';
import { householdRoutes } from './routes/households.js';
import { IMPORT_MAX_BYTES, importRoutes } from './routes/imports.js';
import { openingRoutes } from './routes/openings.js';
import { outboxRoutes, staffRoutes } from './routes/outbox.js';
import { placementRoutes } from './routes/placements.js';
import { statsRoutes, worklistRoutes } from './routes/stats.js';
import { careRoutes } from './routes/care.js';
import { closingRoutes } from './routes/closings.js';
import { assessmentRoutes, postCheckRoutes } from './routes/posts.js';
import { deliverSoon, telegramRoutes } from './routes/telegram.js';
import { smsCallbackRoutes, smsReplyRoutes } from './routes/sms.js';
import { wechatRoutes } from './routes/wechat.js';
import { workerRoutes } from './routes/workers.js';
import { apiHeaders, docsHeaders } from './security-headers.js';

export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  // Request id, the request's log line and its count for /metrics (src/observability/).
  app.use('*', observeRequests);
  // What a browser may do with each answer (src/security-headers.ts); the console sets its own.
  app.use('*', except(['/console', '/console/*', '/docs', '/docs/*'], apiHeaders));
  app.use('/docs', docsHeaders);
  app.use('/docs/*', docsHeaders);
  // /v1 caps bodies once it knows the caller (limitBodies below); the rest here.
  app.use('*', except('/v1/*', sizeLimit(MAX_BODY_BYTES)));

  app.route('/', healthRoutes);
  app.route('/', openApiRoutes(() => app.routes));
  app.route('/', observabilityRoutes);
  app.route('/telegram', telegramRoutes);
  app.route('/wechat', wechatRoutes);
  app.route('/sms', smsCallbackRoutes);

  const v1 = new Hono<AppEnv>();
  // Who is calling and whether their role may call this route come first: nothing
  // reads a body before. Then the caps: 4 KB anonymous, 20 MB for spreadsheet
  // uploads, 64 KB for every other body.
  v1.use(
    '*',
    authenticate,
    auditRefusals,
    requireCaller,
    limitBodies(MAX_BODY_BYTES, { '/v1/imports': IMPORT_MAX_BYTES, '/v1/assessments/import': IMPORT_MAX_BYTES }),
    idempotency,
  );
  // A write may have made messages owed (an offer, a new applicant): send them.
  v1.use('*', async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.res.status < 400) deliverSoon(deps);
  });
  v1.route('/areas', areaRoutes);
  v1.route('/employers', employerRoutes);
  v1.route('/openings', openingRoutes);
  v1.route('/households', householdRoutes);
  v1.route('/workers', workerRoutes);
  v1.route('/applications', applicationRoutes);
  v1.route('/placements', placementRoutes);
  v1.route('/agreements', agreementRoutes);
  v1.route('/stats', statsRoutes);
  v1.route('/care-coverage', careRoutes);
  v1.route('/closings', closingRoutes);
  v1.route('/assessments', assessmentRoutes);
  v1.route('/post-checks', postCheckRoutes);
  v1.route('/worklists', worklistRoutes);
  v1.route('/imports', importRoutes);
  v1.route('/outbox', outboxRoutes);
  v1.route('/staff', staffRoutes);
  v1.route('/sms', smsReplyRoutes);
  app.route('/v1', v1);
  // The labour bureau's web pages (server-rendered; sessions, not bearer tokens).
  app.route('/console', createConsole());

  app.notFound((c) =>
    c.json(errorBody(new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`)), 404),
  );

  app.onError((err, c) => {
    const appErr = toAppError(err);
    if (appErr) {
      c.set('errorCode', appErr.code);
      if (appErr.status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return c.json(errorBody(appErr), appErr.status);
    }
    // Logged with the request's id by observeRequests (src/observability/request.ts).
    c.set('errorCode', 'internal');
    return c.json({ error: { code: 'internal', message: 'Something went wrong on our side', issues: [] } }, 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
