// Measuring for the benchmarks: percentiles, a timer, the event-loop delay
// of a phase (perf_hooks.monitorEventLoopDelay) and the process's peak RSS.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export const percentile = (xs: readonly number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
export const median = (xs: readonly number[]) => percentile(xs, 50);

export async function time<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

/** The path the bench's HTTP servers answer before the app: a client's bare round trip to that server. */
export const PING_PATH = '/__bench/ping';
/**
 * A fetch handler that answers PING_PATH with "ok" itself and hands everything
 * else to `fetch`; `?spin=N` first keeps the CPU busy N µs, a stand-in for a
 * request's work that does nothing else (no allocation to speak of, no I/O).
 */
export const withPing =
  <E>(fetch: (req: Request, env: E) => Response | Promise<Response>) =>
  (req: Request, env: E) => {
    const url = new URL(req.url);
    if (url.pathname !== PING_PATH) return fetch(req, env);
    const until = performance.now() + Number(url.searchParams.get('spin') ?? 0) / 1000;
    while (performance.now() < until);
    return new Response('ok');
  };

/** Lets timers (the delay monitor's, the scheduler's) run, as a server does between requests. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export const mb = (bytes: number) => bytes / (1024 * 1024);

/** The kernel's high-water mark of this process's resident memory, in bytes. */
export const peakRssBytes = () => process.resourceUsage().maxRSS * 1024;

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** Event-loop delay from now until stop(), in ms (10 ms resolution, the histogram's own timer). */
export function loopDelayMonitor(): { stop: () => LoopDelay } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    stop: () => {
      h.disable();
      if (h.count === 0) return { p50: 0, p99: 0, max: 0 };
      return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
    },
  };
}

/** 2 significant-ish figures for ms. */
export const fmt = (x: number) => (!Number.isFinite(x) ? '—' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

/** A table with the first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [pad(header), ...rows.map(pad)].join('\n');
}
