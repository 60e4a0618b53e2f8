// The command-line tools on the file a running server serves (`npm start` in
// its own process, the bot's sender and clocks running): an import of 20,000
// people while the API takes writes, an online backup, tokens and exports.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBotApi, startFakeBotApi } from '../../bot/dev/fake-bot-api.js';
import { createLocalClient } from '../../db/local-client.js';
import { householdsCsv, workersCsv } from '../import-files.js';
import { runScript, type ServerProcess, startServer } from '../server-process.js';

const ADMIN = 'beside-server-admin-token-0001';
const dir = mkdtempSync(join(tmpdir(), 'jiujin-beside-'));
const dbPath = join(dir, 'live.db');
const env = { DATABASE_URL: `file:${dbPath}` };
let server: ServerProcess;
let fake: FakeBotApi;

beforeAll(async () => {
  fake = await startFakeBotApi();
  server = await startServer({
    ...env,
    JIUJIN_ADMIN_TOKEN: ADMIN,
    TELEGRAM_BOT_TOKEN: '1:beside',
    TELEGRAM_WEBHOOK_SECRET: 'beside-secret',
    TELEGRAM_API_ROOT: fake.url,
    QUIET_HOURS: 'off',
  });
});
afterAll(async () => {
  await server?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writers posting employers through the API until stopped: every status, and the names answered 201. */
function keepWriting(prefix: string, concurrency = 4) {
  let stop = false;
  const statuses: number[] = [];
  const created: string[] = [];
  const errors: string[] = [];
  const one = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const name = `${prefix}-${w}-${i}`;
      const res = await fetch(`${server.url}/v1/employers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, kind: 'workshop', areaCode: '532503', point: { lat: 23.4, lon: 103.38 } }),
      });
      statuses.push(res.status);
      const text = await res.text();
      if (res.status === 201) created.push(name);
      else errors.push(`${res.status} ${text}`);
    }
  };
  const running = Promise.all(Array.from({ length: concurrency }, (_, w) => one(w)));
  return {
    statuses,
    created,
    errors,
    stop: async () => {
      stop = true;
      await running;
    },
  };
}

const count = async (path: string, sql: string, args: unknown[] = []) => {
  const c = createLocalClient(`file:${path}`);
  try {
    return Number((await c.execute({ sql, args: args as never })).rows[0]![0]);
  } finally {
    c.close();
  }
};

describe('the tools beside a serving API', () => {
  it('an import of 20,000 people runs beside API writes, the sender and the clocks: every row in, no 5xx, no stack trace', async () => {
    const hFile = join(dir, 'households.csv');
    const wFile = join(dir, 'workers.csv');
    writeFileSync(hFile, householdsCsv('BS', 8000));
    writeFileSync(wFile, workersCsv('BS', 20_000, 8000));
    const writers = keepWriting('beside-import');
    const h = await runScript('scripts/import.ts', ['households', hFile, '--quiet'], env);
    const w = await runScript('scripts/import.ts', ['workers', wFile, '--quiet'], env);
    await writers.stop();
    expect(h.stderr).not.toMatch(/\n\s+at /);
    expect(w.stderr).not.toMatch(/\n\s+at /);
    expect([h.status, w.status]).toEqual([0, 0]);
    expect(h.stdout).toContain('read 8000, imported 8000, updated 0, rejected 0');
    expect(w.stdout).toContain('read 20000, imported 20000, updated 0, rejected 0');
    expect(writers.statuses.filter((s) => s >= 500)).toEqual([]);
    expect(writers.errors).toEqual([]);
    expect(writers.created.length).toBeGreaterThan(20);
    expect(await count(dbPath, "SELECT count(*) FROM workers WHERE source_id LIKE 'BSP%'")).toBe(20_000);
    expect(await count(dbPath, "SELECT count(*) FROM employers WHERE name LIKE 'beside-import-%'")).toBe(writers.created.length);
    // The server is still well after it.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 240_000);

  it('npm run backup copies the live database while it serves: the copy is whole and holds every row answered before it began', async () => {
    const writers = keepWriting('beside-backup');
    await new Promise((r) => setTimeout(r, 500));
    const before = [...writers.created];
    const copy = join(dir, 'copy.db');
    const b = await runScript('scripts/backup.ts', [copy], env);
    await writers.stop();
    expect(b.status).toBe(0);
    expect(b.stdout).toContain('consistent');
    expect(writers.statuses.filter((s) => s >= 500)).toEqual([]);
    expect(before.length).toBeGreaterThan(0);
    const c = createLocalClient(`file:${copy}`);
    try {
      expect((await c.execute('PRAGMA integrity_check')).rows[0]![0]).toBe('ok');
      const names = new Set((await c.execute("SELECT name FROM employers WHERE name LIKE 'beside-backup-%'")).rows.map((r) => String(r.name)));
      expect(before.filter((n) => !names.has(n))).toEqual([]);
      expect(Number((await c.execute("SELECT count(*) FROM workers WHERE source_id LIKE 'BSP%'")).rows[0]![0])).toBe(20_000);
    } finally {
      c.close();
    }
    // A second run refuses to overwrite the copy.
    expect((await runScript('scripts/backup.ts', [copy], env)).status).toBe(2);
  }, 120_000);

  it('a token made and an export written by the tools beside the server work at once', async () => {
    const t = await runScript('scripts/token.ts', ['create', '--role', 'staff', '--area', '532503'], env);
    expect(t.status).toBe(0);
    const token = t.stdout.trim();
    const res = await fetch(`${server.url}/v1/stats?area=532503`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const out = join(dir, 'report.csv');
    const e = await runScript('scripts/export.ts', ['monthly-report', '--area', '5325', '--month', '2026-11', '--format', 'csv', '--out', out], env);
    expect(e.status).toBe(0);
    expect(e.stdout).toContain(out);

    // Closing a county's month from the tool; the server sees it, the report marks it filed.
    const closed = await runScript('scripts/export.ts', ['close', '--area', '532503', '--month', '2026-11'], env);
    expect(closed.status, closed.stderr).toBe(0);
    expect(closed.stdout).toContain('closed 532503 2026-11 as of 2026-11-30');
    const again = await runScript('scripts/export.ts', ['close', '--area', '532503', '--month', '2026-11'], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('needs a reason');
    const view = await fetch(`${server.url}/v1/closings?area=532503&month=2026-11`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await view.json()) as any).closed).toBe(true);
    const e2 = await runScript('scripts/export.ts', ['monthly-report', '--area', '5325', '--month', '2026-11', '--format', 'csv', '--out', out], env);
    expect(e2.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('已报送 filed');
  }, 60_000);
});
