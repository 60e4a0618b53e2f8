// The scheduled job both runtimes run: Node from its loop, Workers from cron.
import type { Deps } from './context.js';
import { expireIdleApplications } from './services/applications.js';
import { expireOpeningsPastClosing } from './services/openings.js';

export interface ScheduledReport {
  openingsExpired: number;
  applicationsExpired: number;
}

export async function runScheduledJobs(deps: Deps): Promise<ScheduledReport> {
  const ctx = { db: deps.db, clock: deps.clock, actor: { role: 'system', name: 'scheduler' } as const };
  const openingsExpired = await expireOpeningsPastClosing(ctx);
  const applicationsExpired = await expireIdleApplications(ctx);
  return { openingsExpired, applicationsExpired };
}
