// The labour bureau console at /console: server-rendered pages (Hono JSX) over
// the same service verbs as the API. Sign-in exchanges a staff or admin token
// for a session cookie; every form post is checked for its origin and form
// token; errors render as pages, never as a stack trace.
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { RETRY_AFTER_SECONDS, toAppError } from '../errors.js';
import { AppError } from '../errors.js';
import { clientAddress } from '../client-address.js';
import { consoleHeaders } from '../security-headers.js';
import { SESSION_HOURS, endConsoleSession, recordSignInFailure, signInAllowed, startConsoleSession } from '../services/console-sessions.js';
import { agreementRoutes } from './agreements.js';
import { allocationRoutes, publicNoticeRoutes } from './allocation.js';
import { type CCtx, type ConsoleEnv, LANG_COOKIE, SESSION_COOKIE, checkForm, loadConsole, requireSession, sameOrigin } from './context.js';
import { closingRoutes } from './closings.js';
import { exportRoutes } from './exports.js';
import { Field, FormErrors, Page } from './layout.js';
import { careRoutes } from './care.js';
import { overviewRoutes } from './overview.js';
import { peopleRoutes } from './people.js';
import { postRoutes } from './posts.js';
import { registryRoutes } from './registry.js';
import { worklistRoutes } from './worklists.js';

const secure = (c: CCtx) => new URL(c.req.url).protocol === 'https:';

/** Only our own pages are places to go back to (no open redirect). */
const safeNext = (next: string | undefined) =>
  next && /^\/console(\/[\w\-./]*)?(\?[^\s]*)?$/.test(next) && !next.startsWith('//') ? next : '/console/overview';

function SignIn(props: { c: CCtx; next?: string; error?: string; status?: number }) {
  const { c } = props;
  const t = c.var.t;
  return (
    <Page c={c} title={t.signInTitle}>
      <h1>{t.signInTitle}</h1>
      <p class="muted">{t.signInHelp}</p>
      <form method="post" action="/console/login" id="signin">
        <input type="hidden" name="next" value={props.next ?? ''} />
        <FormErrors t={t} errors={props.error ? { token: props.error } : undefined} />
        <Field label={t.token} name="token" errors={props.error ? { token: props.error } : undefined}>
          <input id="f-token" name="token" type="password" autocomplete="off" required size={40} />
        </Field>
        <button type="submit" class="primary">{t.signIn}</button>
      </form>
    </Page>
  );
}

function ErrorPage(props: { c: CCtx; message: string; status: number }) {
  const t = props.c.var.t;
  return (
    <Page c={props.c} title={t.errorTitle}>
      <h1>{t.errorTitle}</h1>
      <p class="msg error" data-status={props.status}>{props.message}</p>
      <p>
        <a href="/console/overview">{t.back}</a>
      </p>
    </Page>
  );
}

export function createConsole() {
  const app = new Hono<ConsoleEnv>();
  // Pages hold people's data: not cached, not framed, no script allowed (src/security-headers.ts).
  app.use('*', consoleHeaders);
  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.use('*', loadConsole);

  app.get('/', (c) => {
    if (c.var.session) return c.redirect(safeNext(c.req.query('next')), 303);
    return c.html(<SignIn c={c} next={c.req.query('next')} />);
  });

  app.post('/login', async (c) => {
    if (!sameOrigin(c)) throw new AppError('forbidden', 'csrf');
    const body = await c.req.parseBody();
    const token = typeof body.token === 'string' ? body.token : '';
    const next = typeof body.next === 'string' ? body.next : undefined;
    const t = c.var.t;
    if (!token.trim()) return c.html(<SignIn c={c} next={next} error={t.required} />, 400);
    const { db, clock } = c.var.deps;
    const source = { address: clientAddress(c), token };
    if (!(await signInAllowed(db, clock, source))) {
      c.header('Retry-After', '900');
      return c.html(<SignIn c={c} next={next} error={t.signInThrottled} />, 429);
    }
    try {
      const { sessionId } = await startConsoleSession(db, clock, token);
      setCookie(c, SESSION_COOKIE, sessionId, {
        path: '/console',
        httpOnly: true,
        sameSite: 'Strict',
        secure: secure(c),
        maxAge: SESSION_HOURS * 3600,
      });
      return c.redirect(safeNext(next), 303);
    } catch (err) {
      if (err instanceof AppError && err.code === 'unauthorized') await recordSignInFailure(db, clock, source, err.status);
      if (err instanceof AppError && (err.code === 'unauthorized' || err.code === 'forbidden')) {
        return c.html(<SignIn c={c} next={next} error={err.code === 'forbidden' ? t.tokenNotStaff : t.tokenWrong} />, err.status);
      }
      throw err;
    }
  });

  app.get('/lang', (c) => {
    const to = c.req.query('to') === 'en' ? 'en' : 'zh';
    setCookie(c, LANG_COOKIE, to, { path: '/console', sameSite: 'Lax', secure: secure(c), maxAge: 365 * 86400 });
    return c.redirect(safeNext(c.req.query('back')), 303);
  });

  // The public notice page needs no sign-in: it is meant to be posted up.
  publicNoticeRoutes(app);

  // Everything else is for signed-in staff. (A sub-app's '*' middleware
  // would cover the public routes too once mounted, hence the explicit check.)
  const isPublic = (path: string) => /^\/console\/?$|^\/console\/(login|lang|public\/)/.test(path);
  app.use('*', async (c, next) => (isPublic(c.req.path) ? next() : requireSession(c, next)));
  app.use('*', async (c, next) => (isPublic(c.req.path) ? next() : checkForm(c, next)));
  const staff = new Hono<ConsoleEnv>();
  staff.post('/logout', async (c) => {
    await endConsoleSession(c.var.deps.db, c.var.deps.clock, c.var.sessionId!, c.var.session!.actor);
    deleteCookie(c, SESSION_COOKIE, { path: '/console', secure: secure(c) });
    return c.redirect('/console', 303);
  });
  overviewRoutes(staff);
  worklistRoutes(staff);
  postRoutes(staff);
  allocationRoutes(staff);
  peopleRoutes(staff);
  registryRoutes(staff);
  exportRoutes(staff);
  closingRoutes(staff);
  careRoutes(staff);
  agreementRoutes(staff);
  app.route('/', staff);

  app.all('*', (c) => c.html(<ErrorPage c={c} message={c.var.t.notFound} status={404} />, 404));

  app.onError((err, c) => {
    const t = c.var.t ?? { notFound: 'Not found', forbidden: 'Forbidden', csrf: 'Refused', errorTitle: 'Error' };
    const appErr = toAppError(err);
    if (!appErr) {
      console.error('console error', c.req.method, c.req.path, err);
      return c.html(<ErrorPage c={c} message={c.var.t.errorTitle} status={500} />, 500);
    }
    if (appErr.code === 'unauthorized') return c.redirect('/console', 303);
    if (appErr.status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    const message =
      appErr.code === 'forbidden' && appErr.message === 'csrf'
        ? t.csrf
        : appErr.code === 'not_found'
          ? t.notFound
          : appErr.code === 'forbidden'
            ? `${t.forbidden}: ${appErr.message}`
            : appErr.message;
    return c.html(<ErrorPage c={c} message={message} status={appErr.status} />, appErr.status);
  });
  return app;
}
