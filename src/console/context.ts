// What every console request carries: the language, and for signed-in pages
// the session (who acts, and the form token). Also the guards: sign-in
// required, and a form post must come from our own pages.
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv, ServiceCtx } from '../context.js';
import { AppError } from '../errors.js';
import { auditInsert } from '../services/audit.js';
import { type ConsoleActor, type ConsoleSession, consoleSession } from '../services/console-sessions.js';
import { type Lang, type Messages, messages } from './i18n.js';

export const SESSION_COOKIE = 'jj_console';
export const LANG_COOKIE = 'jj_lang';

export type ConsoleEnv = {
  Variables: AppEnv['Variables'] & {
    lang: Lang;
    t: Messages;
    session: ConsoleSession | null;
    sessionId: string | null;
  };
};

export type CCtx = Context<ConsoleEnv>;

/** Language from the cookie (zh unless English was chosen), and the session if the cookie names a live one. */
export const loadConsole: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const lang: Lang = getCookie(c, LANG_COOKIE) === 'en' ? 'en' : 'zh';
  c.set('lang', lang);
  c.set('t', messages[lang]);
  const sid = getCookie(c, SESSION_COOKIE) ?? null;
  const session = sid ? await consoleSession(c.var.deps.db, c.var.deps.clock, sid) : null;
  c.set('session', session);
  c.set('sessionId', session ? sid : null);
  c.set('actor', session ? session.actor : { role: 'anonymous' });
  await next();
};

/** Pages behind sign-in: a browser without a session goes to the sign-in page. */
export const requireSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (!c.var.session) {
    if (c.req.method === 'GET') {
      const url = new URL(c.req.url);
      return c.redirect(`/console?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    throw new AppError('unauthorized', 'Sign in first');
  }
  await next();
};

/**
 * A form post must come from our own page: Origin (or, without it,
 * Sec-Fetch-Site) must be ours, and signed-in posts must carry the session's
 * form token. SameSite=Strict already keeps the cookie off cross-site posts;
 * this refuses them even from a browser that would send it.
 */
export function sameOrigin(c: CCtx): boolean {
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== 'null') return origin === new URL(c.req.url).origin;
  if (origin === 'null') return false;
  const site = c.req.header('sec-fetch-site');
  return site === undefined || site === 'same-origin' || site === 'none';
}

export const checkForm: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (c.req.method !== 'POST') return next();
  let ok = sameOrigin(c);
  const session = c.var.session;
  if (ok && session) {
    const body = await c.req.parseBody();
    ok = typeof body._csrf === 'string' && body._csrf === session.csrf;
  }
  if (!ok) {
    if (session) {
      await auditInsert(c.var.deps.db, c.var.deps.clock, session.actor, {
        action: `POST ${c.req.path}`,
        outcome: 'refused:403',
        detail: { code: 'csrf' },
      });
    }
    throw new AppError('forbidden', 'csrf');
  }
  await next();
};

export const actorOf = (c: CCtx): ConsoleActor => c.var.session!.actor;

export const ctxOf = (c: CCtx): ServiceCtx => ({ db: c.var.deps.db, clock: c.var.deps.clock, actor: actorOf(c), postRules: c.var.deps.config.POST_RULES, readPool: c.var.deps.readPool });
