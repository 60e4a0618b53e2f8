// The scheduled work both runtimes run: the clocks (expiries, alerts owed,
// digests, check-ins) and the outbox drain. Workers run runScheduledJobs from
// cron within a budget; Node runs runNodeLoop inside `npm start`.
import { deliverSmsLogged } from '../bot/channels/sms/sender.js';
import { deliverWechatLogged } from '../bot/channels/wechat/sender.js';
import { type DeliveryReport, deliverOwed } from '../bot/sender.js';
import { drainForgottenChats, forgetOldUpdates } from '../bot/updates.js';
import type { Deps } from './context.js';
import { loggedClocks, loggedDelivery } from './observability/runs.js';
import { flagIdleOpenings, oweCheckins, oweDueOpeningAlerts, oweZeroEmploymentDigests } from './services/alerts.js';
import { endLapsedAgreements } from './services/agreements/agreements.js';
import { expireIdleApplications } from './services/applications.js';
import { forgetFinishedConsoleSessions } from './services/console-sessions.js';
import { forgetOldIdempotencyKeys } from './services/idempotency.js';
import { pruneOpeningChanges } from './services/opening-catalogue.js';
import { expireOpeningsPastClosing } from './services/openings.js';
import { flagUnansweredCheckins } from './services/posts/checkins.js';
import { runPostChecks } from './services/posts/checks.js';

export interface ClocksReport {
  openingsExpired: number;
  applicationsExpired: number;
  openingAlertsOwed: number;
  idleOpeningsFlagged: number;
  digestsOwed: number;
  checkinsOwed: number;
  /** Public-welfare post flags raised by the month's checks (services/posts/checks.ts), and holders asked the sampled check-in. */
  postChecksRaised: number;
  postCheckinsAsked: number;
  /** Sampled check-ins not answered in time, flagged. */
  postCheckinsUnanswered: number;
  consoleSessionsForgotten: number;
  /** Stored idempotent answers older than a day, deleted. */
  idempotencyKeysForgotten: number;
  /** Old entries of the openings' change log deleted (see services/opening-catalogue.ts). */
  openingChangesPruned: number;
  /** Public-welfare posts ended because their agreement reached its end without renewal. */
  agreementsLapsed: number;
}

export interface ScheduledReport extends ClocksReport {
  delivery: DeliveryReport | null;
}

/** Workers' cron: time for the drain, leaving the rest of a run's time to the clocks. */
export const CRON_DELIVERY_BUDGET_MS = 25_000;

/** Told of each clock step as it ends: its name and how long it took (benchmarks). */
export type ClockStepObserver = (clock: string, ms: number) => void;

/**
 * The clocks: each step owes its messages atomically and idempotently, so a
 * run cut short is simply run again. Each step reads only what is due by an
 * index, and the long ones work in slices that let the event loop serve
 * between them.
 */
export async function runClocks(deps: Deps, trigger = 'scheduler', observe?: ClockStepObserver): Promise<ClocksReport> {
  const ctx = { db: deps.db, clock: deps.clock, actor: { role: 'system', name: 'scheduler' } as const, postRules: deps.config.POST_RULES };
  // Each step is timed for /metrics (its last run) and the run is one log line (src/observability/runs.ts).
  return loggedClocks(deps, trigger, observe, async (step) => {
    const openingsExpired = await step('expire_openings', () => expireOpeningsPastClosing(ctx));
    const applicationsExpired = await step('expire_applications', () => expireIdleApplications(ctx));
    const openingAlertsOwed = await step('opening_alerts', () => oweDueOpeningAlerts(ctx));
    const idleOpeningsFlagged = await step('idle_openings', () => flagIdleOpenings(ctx));
    const digestsOwed = await step('zero_digests', () => oweZeroEmploymentDigests(ctx));
    const checkinsOwed = await step('checkins', () => oweCheckins(ctx));
    const agreementsLapsed = await step('lapsed_agreements', () => endLapsedAgreements(ctx));
    const posts = await step('post_checks', () => runPostChecks(ctx));
    const postCheckinsUnanswered = await step('post_checkins_unanswered', () => flagUnansweredCheckins(ctx));
    const consoleSessionsForgotten = await step('console_sessions', () => forgetFinishedConsoleSessions(deps.db, deps.clock));
    const idempotencyKeysForgotten = await step('idempotency_keys', () => forgetOldIdempotencyKeys(deps.db, deps.clock));
    const openingChangesPruned = await step('prune_opening_changes', () => pruneOpeningChanges(deps.db));
    if (deps.telegram) {
      await step('forgotten_chats', () => drainForgottenChats(deps));
      await step('old_updates', () => forgetOldUpdates(deps));
    }
    return { openingsExpired, applicationsExpired, openingAlertsOwed, idleOpeningsFlagged, digestsOwed, checkinsOwed, postChecksRaised: posts.flagged, postCheckinsAsked: posts.asked, postCheckinsUnanswered, consoleSessionsForgotten, idempotencyKeysForgotten, openingChangesPruned, agreementsLapsed };
  });
}

export async function runScheduledJobs(deps: Deps, opts: { deliveryBudgetMs?: number; trigger?: string } = {}): Promise<ScheduledReport> {
  const trigger = opts.trigger ?? 'scheduler';
  const clocks = await runClocks(deps, trigger);
  let delivery: DeliveryReport | null = null;
  if (deps.telegram) {
    const telegram = deps.telegram;
    delivery = await loggedDelivery(deps, trigger, () =>
      deliverOwed(deps.db, deps.clock, telegram, {
        budgetMs: opts.deliveryBudgetMs ?? CRON_DELIVERY_BUDGET_MS,
        quietHours: deps.config.QUIET_HOURS,
      }),
    );
  }
  await deliverWechatLogged(deps, trigger, opts.deliveryBudgetMs ?? CRON_DELIVERY_BUDGET_MS);
  await deliverSmsLogged(deps, trigger);
  return { ...clocks, delivery };
}

export interface NodeLoopOptions {
  signal: AbortSignal;
  /** How often the clocks run (default a minute). */
  clocksEveryMs?: number;
  /** How long the loop rests when nothing was due. */
  idleMs?: number;
}

/**
 * Node: one loop for the clocks and the sender. It drains the outbox in runs
 * of a few seconds (so the clocks keep their minute), rests a second when
 * nothing was due, and on abort lets the run hand back what it holds.
 */
export async function runNodeLoop(deps: Deps, opts: NodeLoopOptions): Promise<void> {
  const clocksEvery = opts.clocksEveryMs ?? 60_000;
  const idleMs = opts.idleMs ?? 1000;
  let nextClocks = 0;
  while (!opts.signal.aborted) {
    if (Date.now() >= nextClocks) {
      nextClocks = Date.now() + clocksEvery;
      // A failed run is logged by runClocks; the next minute runs it again.
      await runClocks(deps, 'node-loop').catch(() => undefined);
    }
    let worked = false;
    if (deps.telegram && !opts.signal.aborted) {
      const telegram = deps.telegram;
      const r = await loggedDelivery(deps, 'node-loop', () =>
        deliverOwed(deps.db, deps.clock, telegram, {
          budgetMs: Math.max(1000, nextClocks - Date.now()),
          signal: opts.signal,
          quietHours: deps.config.QUIET_HOURS,
        }),
      );
      worked = r !== null && r.sent + r.retried + r.dead + r.dropped > 0;
    }
    if (!opts.signal.aborted) {
      const r = await deliverWechatLogged(deps, 'node-loop', Math.max(1000, nextClocks - Date.now()));
      worked ||= r !== null && r.sent + r.retried + r.dead + r.dropped > 0;
      const s = await deliverSmsLogged(deps, 'node-loop');
      worked ||= s !== null && s.sent + s.retried + s.dead + s.dropped > 0;
    }
    if (!worked) await restFor(idleMs, opts.signal);
  }
}

function restFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
