// What the process counts as it runs, for GET /metrics: requests by route
// pattern and status, their latency, the clocks' last runs and the sender's
// results. Kept per database handle (one on Node, one per isolate on
// Workers, one per test app), so these are the figures of this process or
// isolate since it started; what the database knows (the outbox backlog, the
// catalogue, the size) is read at each scrape instead (state.ts).

/** Latency buckets in seconds: the API's targets sit between 5 ms and 200 ms. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10] as const;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  readonly startedAt = Date.now();
  /** `method route status` → count */
  readonly requests = new Map<string, number>();
  /** `method route` → latency histogram */
  readonly latency = new Map<string, Histogram>();
  /** clock name → when it last finished (ms since the epoch, by the app's clock) */
  readonly clockRuns = new Map<string, number>();
  /** sender outcome (sent, retried, dead, dropped, deferred, released) → messages */
  readonly delivered = new Map<string, number>();
  lastDeliveryAt: number | null = null;

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hKey = `${method} ${route}`;
    let h = this.latency.get(hKey);
    if (!h) this.latency.set(hKey, (h = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    LATENCY_BUCKETS.forEach((le, i) => {
      if (seconds <= le) h.counts[i]! += 1;
    });
    h.sum += seconds;
    h.count += 1;
  }

  clockRan(name: string, at: Date): void {
    this.clockRuns.set(name, at.getTime());
  }

  recordDelivery(report: Record<string, number>, at: Date): void {
    for (const [outcome, n] of Object.entries(report)) this.delivered.set(outcome, (this.delivered.get(outcome) ?? 0) + n);
    this.lastDeliveryAt = at.getTime();
  }
}

const registries = new WeakMap<object, Metrics>();

/** The registry of a database handle (see the header). */
export function metricsFor(db: object): Metrics {
  let m = registries.get(db);
  if (!m) registries.set(db, (m = new Metrics()));
  return m;
}

// ---------------------------------------------------------------------------
// Prometheus text format (version 0.0.4)

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class PromText {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, l: Record<string, string>, value: number): this {
    this.lines.push(`${name}${labels(l)} ${Number.isFinite(value) ? value : 'NaN'}`);
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** The in-process part of /metrics. */
export function writeProcessMetrics(out: PromText, m: Metrics): void {
  out.family('jiujin_http_requests_total', 'counter', 'Requests answered, by method, route pattern and status.');
  for (const [key, n] of [...m.requests].sort(([a], [b]) => a.localeCompare(b))) {
    const [method, route, status] = key.split(' ') as [string, string, string];
    out.sample('jiujin_http_requests_total', { method, route, status }, n);
  }
  out.family('jiujin_http_request_duration_seconds', 'histogram', 'Time to answer a request, by method and route pattern.');
  for (const [key, h] of [...m.latency].sort(([a], [b]) => a.localeCompare(b))) {
    const [method, route] = key.split(' ') as [string, string];
    LATENCY_BUCKETS.forEach((le, i) => out.sample('jiujin_http_request_duration_seconds_bucket', { method, route, le: String(le) }, h.counts[i]!));
    out.sample('jiujin_http_request_duration_seconds_bucket', { method, route, le: '+Inf' }, h.count);
    out.sample('jiujin_http_request_duration_seconds_sum', { method, route }, Number(h.sum.toFixed(6)));
    out.sample('jiujin_http_request_duration_seconds_count', { method, route }, h.count);
  }
  out.family('jiujin_scheduler_last_run_timestamp_seconds', 'gauge', 'When each clock of the scheduler last finished (this process), by clock.');
  for (const [clock, at] of [...m.clockRuns].sort(([a], [b]) => a.localeCompare(b))) {
    out.sample('jiujin_scheduler_last_run_timestamp_seconds', { clock }, Math.floor(at / 1000));
  }
  out.family('jiujin_outbox_delivered_total', 'counter', 'Messages the sender handled in this process, by outcome.');
  for (const outcome of ['sent', 'retried', 'dead', 'dropped', 'deferred', 'released']) {
    out.sample('jiujin_outbox_delivered_total', { outcome }, m.delivered.get(outcome) ?? 0);
  }
  out.family('jiujin_outbox_last_delivery_timestamp_seconds', 'gauge', 'When the sender last finished a run (this process); 0 before the first.');
  out.sample('jiujin_outbox_last_delivery_timestamp_seconds', {}, m.lastDeliveryAt ? Math.floor(m.lastDeliveryAt / 1000) : 0);
  out.family('jiujin_process_uptime_seconds', 'gauge', 'Seconds since these counters started.');
  out.sample('jiujin_process_uptime_seconds', {}, Math.max(0, Math.round((Date.now() - m.startedAt) / 1000)));
}
