// `npm run bench:load` at a tiny scale for a few seconds: it builds a bench
// database, starts the service as `npm start` does, settles it, drives
// matches alone and the mix at two connection counts and reports. The shape
// of the report and zero 5xx / time-outs are asserted; no timing is (the
// machine may be busy).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScript } from '../server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'jiujin-bench-load-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Kind { n: number; p50: number; p99: number; max: number; s2xx: number; s4xx: number; s5xx: number; timeouts: number; errors: number }
interface Report {
  mix: Record<string, number>;
  scenarios: Array<{ name: 'matches' | 'mix'; connections: number; tool: string; report: { requests: number; rps: number; kinds: Record<string, Kind> } }>;
  botReplies: number;
  s5xx: number;
  timeouts: number;
  errors: number;
}

describe('npm run bench:load', () => {
  it('drives the started service with matches alone and the mix, answering every request without a 5xx or a time-out', async () => {
    const json = join(dir, 'report.json');
    const run = await runScript(
      'scripts/bench-load.ts',
      [`--db=${join(dir, 'bench.db')}`, '--scale=0.01', '--seconds=2', '--connections=1,4', `--json=${json}`],
      {},
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/mix: 70 % matches, 10 % registry, 10 % webhook, 5 % candidates, 4 % apply and hire, 1 % stats/);
    expect(run.stdout).toMatch(/matches alone, 4 connections, .* requests\/s/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.mix).toEqual({ matches: 70, registry: 10, webhook: 10, candidates: 5, apply_and_hire: 4, stats: 1 });
    expect(report.scenarios.map((s) => `${s.name}@${s.connections}`)).toEqual(['matches@1', 'matches@4', 'mix@1', 'mix@4']);
    for (const s of report.scenarios) {
      expect(s.report.requests).toBeGreaterThan(0);
      for (const k of Object.values(s.report.kinds)) {
        expect(k.n).toBe(k.s2xx + k.s4xx + k.s5xx + k.timeouts + k.errors);
        expect(k.p50).toBeLessThanOrEqual(k.p99);
        expect(k.p99).toBeLessThanOrEqual(k.max);
      }
    }
    const mix = report.scenarios.filter((s) => s.name === 'mix');
    const kinds = new Set(mix.flatMap((s) => Object.keys(s.report.kinds)));
    for (const k of ['matches', 'webhook']) expect(kinds).toContain(k);
    // Matches dominate the mix as weighted.
    for (const s of mix) {
      const n = (k: string) => s.report.kinds[k]?.n ?? 0;
      expect(n('matches')).toBeGreaterThan(n('webhook'));
    }
    // The webhook's updates were handled: the bot's replies reached the fake Bot API.
    expect(report.botReplies).toBeGreaterThan(0);
    expect({ s5xx: report.s5xx, timeouts: report.timeouts, errors: report.errors }).toEqual({ s5xx: 0, timeouts: 0, errors: 0 });
  }, 120_000);
});
