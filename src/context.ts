// What a request, a scheduled run or a bot update works with: the database,
// the clock and who is acting. Built once per app by createApp(deps).
import type { Context } from 'hono';
import type { Db } from '../db/client.js';
import type { Config } from './config.js';
import { HONGHE_POST_RULES, type PostRules } from './domain/post-rules.js';
import type { Logger } from './observability/log.js';
import type { DocsAssets } from './openapi/routes.js';
import type { ReadPool } from './services/read-pool/pool.js';
import type { TelegramApi } from './telegram.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export type Actor =
  | { role: 'anonymous' }
  | { role: 'admin'; tokenId: number }
  | { role: 'staff'; tokenId: number; areaPrefix: string }
  | { role: 'employer'; tokenId: number; employerId: number }
  /** The scheduler and the bot act as the system. */
  | { role: 'system'; name: string };

export type Role = Actor['role'];

export interface Deps {
  db: Db;
  clock: Clock;
  config: Config;
  /** The outgoing side of Telegram; absent when the bot is off. */
  telegram?: TelegramApi;
  /** Runs a task after the response (Workers: waitUntil; Node: in the process). */
  background?: (task: Promise<unknown>) => void;
  /** The docs page's script and styles (Node reads them from node_modules); without it /docs is 404. */
  docsAssets?: DocsAssets;
  /** Where log lines go; without it, the console at config.LOG_LEVEL (see observability/log.ts). */
  log?: Logger;
  /**
   * False in a process that serves requests beside others (Node with
   * WEB_PROCESSES > 1): what a write owes is sent by the one scheduling
   * process, so the sending limits hold for the whole bot.
   */
  sendsAfterWrites?: boolean;
  /**
   * Node (READ_THREADS): threads with their own connections that answer the
   * heavy read-only verbs (candidates, stats, care coverage) off the event
   * loop; without it they run in the request (Workers, most tests).
   */
  readPool?: ReadPool;
  /**
   * `stored` (Node, TELEGRAM_WEBHOOK_ACK): a Telegram update is answered once
   * stored and handled right after, in `background`; otherwise (Workers,
   * tests) it is handled before the answer.
   */
  webhookAck?: 'stored' | 'handled';
}

export type AppEnv = {
  Variables: {
    deps: Deps;
    actor: Actor;
    /** The error code of a refused request, for the audit row. */
    errorCode: string;
    /** The request's id: the caller's sane X-Request-Id, or a new one; answered as X-Request-Id. */
    requestId: string;
    /** The answer carries a secret (a link code): the idempotency store must not keep it. */
    answerHoldsSecret: boolean;
  };
};

/** The argument every service verb takes. */
export interface ServiceCtx {
  db: Db;
  clock: Clock;
  actor: Actor;
  /** The deployment's POST_RULES (config); every entry point passes them on, see postRulesOf. */
  postRules?: PostRules;
  /** The app's read threads, for the heavy reads (services/read-pool/run.ts readVia); absent inside a read thread. */
  readPool?: ReadPool;
}

/** The public-welfare post rules a verb works by: the deployment's, or Honghe's where a caller (a test, a script) gave none. */
export const postRulesOf = (ctx: Pick<ServiceCtx, 'postRules'>): PostRules => ctx.postRules ?? HONGHE_POST_RULES;

export const nowIso = (clock: Clock) => clock.now().toISOString();

export const serviceCtx = (c: Context<AppEnv>): ServiceCtx => ({
  db: c.var.deps.db,
  clock: c.var.deps.clock,
  actor: c.var.actor,
  postRules: c.var.deps.config.POST_RULES,
  readPool: c.var.deps.readPool,
});
