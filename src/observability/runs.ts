// Scheduled and background runs logged like requests: one line per run with
// its own runId, what started it, how long it took and its counts (never a
// message's text or recipient), an error line with the same runId when it
// fails; and their figures for /metrics.
import type { DeliveryReport } from '../../bot/sender.js';
import type { Deps } from '../context.js';
import { errorFields, type LogFields, loggerOf, newRunId } from './log.js';
import { metricsFor } from './metrics.js';

/** Runs one drain of the outbox, logs it and counts it; a failure is logged, not thrown (it is retried by the next run). */
export async function loggedDelivery(deps: Deps, trigger: string, run: () => Promise<DeliveryReport>): Promise<DeliveryReport | null> {
  const runId = newRunId();
  const started = performance.now();
  const log = loggerOf(deps);
  try {
    const report = await run();
    metricsFor(deps.db).recordDelivery({ ...report }, deps.clock.now());
    const busy = report.sent + report.retried + report.dead + report.dropped + report.deferred + report.released > 0;
    // An idle drain (nothing owed) every second would drown the log: debug only.
    log[busy ? 'info' : 'debug']('outbox delivery', { runId, trigger, durationMs: ms(started), ...report });
    return report;
  } catch (err) {
    log.error('outbox delivery failed', { runId, trigger, durationMs: ms(started), ...errorFields(err) });
    return null;
  }
}

/** Runs the clocks with `step` timing each, then logs the run's line with the report's counts. */
export async function loggedClocks<R extends Record<string, number>>(
  deps: Deps,
  trigger: string,
  observe: ((clock: string, ms: number) => void) | undefined,
  run: (step: <T>(clock: string, fn: () => Promise<T>) => Promise<T>) => Promise<R>,
): Promise<R> {
  const runId = newRunId();
  const started = performance.now();
  const log = loggerOf(deps);
  const metrics = metricsFor(deps.db);
  let current = '';
  const step = async <T>(clock: string, fn: () => Promise<T>): Promise<T> => {
    current = clock;
    const stepStarted = performance.now();
    const value = await fn();
    observe?.(clock, performance.now() - stepStarted);
    metrics.clockRan(clock, deps.clock.now());
    return value;
  };
  try {
    const report = await run(step);
    log.info('scheduler run', { runId, trigger, durationMs: ms(started), ...(report as LogFields) });
    return report;
  } catch (err) {
    log.error('scheduler run failed', { runId, trigger, clock: current, durationMs: ms(started), ...errorFields(err) });
    throw err;
  }
}

const ms = (started: number) => Math.round((performance.now() - started) * 10) / 10;
