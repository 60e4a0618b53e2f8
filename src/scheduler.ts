// The scheduled job both runtimes run: Node from its loop, Workers from cron.
import { type DeliveryReport, deliverOwed } from '../bot/sender.js';
import { drainForgottenChats, forgetOldUpdates } from '../bot/updates.js';
import type { Deps } from './context.js';
import { expireIdleApplications } from './services/applications.js';
import { expireOpeningsPastClosing } from './services/openings.js';

export interface ScheduledReport {
  openingsExpired: number;
  applicationsExpired: number;
  delivery: DeliveryReport | null;
}

export async function runScheduledJobs(deps: Deps, opts: { deliveryBudgetMs?: number } = {}): Promise<ScheduledReport> {
  const ctx = { db: deps.db, clock: deps.clock, actor: { role: 'system', name: 'scheduler' } as const };
  const openingsExpired = await expireOpeningsPastClosing(ctx);
  const applicationsExpired = await expireIdleApplications(ctx);
  let delivery: DeliveryReport | null = null;
  if (deps.telegram) {
    await drainForgottenChats(deps);
    await forgetOldUpdates(deps);
    delivery = await deliverOwed(deps.db, deps.clock, deps.telegram, { budgetMs: opts.deliveryBudgetMs ?? 25_000, quietHours: deps.config.QUIET_HOURS });
  }
  return { openingsExpired, applicationsExpired, delivery };
}
