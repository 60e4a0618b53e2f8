// The server killed with SIGKILL (a power cut, the OOM killer) in the middle
// of its work, then started again on the same file: nothing answered is lost,
// nothing is half-written, no slot is sold twice, an import run again
// completes without duplicates, and an outbox drain cut short loses no
// message and repeats each at most once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeBotApi } from '../../bot/dev/fake-bot-api.js';
import { LEASE_MS } from '../../bot/sender.js';
import { createLocalClient } from '../../db/local-client.js';
import { workers } from '../../db/schema.js';
import { owe } from '../../src/services/outbox.js';
import { householdsCsv, workersCsv } from '../import-files.js';
import { makeEmployer, makeHousehold, makeOpening, makeTestEnv, makeWorker } from '../helpers.js';
import { runScript, startServer } from '../server-process.js';

const ADMIN = 'crash-test-admin-token-00001';
const dir = mkdtempSync(join(tmpdir(), 'jiujin-crash-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function query(path: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const c = createLocalClient(`file:${path}`);
  try {
    return (await c.execute(sql)).rows.map((r) => ({ ...r }));
  } finally {
    c.close();
  }
}

const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the server killed mid-work and started again', () => {
  it('during a burst of hires for the last slots: no slot oversold, one placement per hire, every answered hire kept', async () => {
    const path = join(dir, 'hires.db');
    // Six one-slot openings, eight offered applicants each.
    const setup = await makeTestEnv(`file:${path}`);
    const employer = await makeEmployer(setup);
    const apps: number[] = [];
    for (let o = 0; o < 6; o++) {
      const opening = await makeOpening(setup, employer.id, { slots: 1 });
      for (let i = 0; i < 8; i++) {
        const h = await makeHousehold(setup);
        const w = await makeWorker(setup, h.id);
        const a = await setup.request('POST', '/v1/applications', { token: setup.adminToken, body: { workerId: w.id, openingId: opening.id } });
        expect((await setup.request('POST', `/v1/applications/${a.body.id}/transitions`, { token: setup.adminToken, body: { to: 'offered' } })).status).toBe(200);
        apps.push(a.body.id);
      }
    }
    setup.close();

    const env = { DATABASE_URL: `file:${path}`, JIUJIN_ADMIN_TOKEN: ADMIN };
    const server = await startServer(env);
    const answered: Array<{ id: number; status: number }> = [];
    let first!: () => void;
    const firstAnswer = new Promise<void>((r) => (first = r));
    const burst = apps.map((id) =>
      post(server.url, `/v1/applications/${id}/transitions`, { to: 'hired' })
        .then((res) => {
          answered.push({ id, status: res.status });
          first();
        })
        .catch(() => undefined), // cut off by the kill: not answered
    );
    await firstAnswer;
    await server.kill();
    await Promise.all(burst);

    const again = await startServer(env);
    try {
      expect((await fetch(`${again.url}/health`)).status).toBe(200);
      const hired = await query(path, "SELECT id, opening_id AS openingId FROM applications WHERE state = 'hired'");
      const hiredIds = new Set(hired.map((a) => Number(a.id)));
      // Every hire answered 200 is there; every other answer was a refusal, never a 5xx.
      for (const a of answered) {
        expect(a.status).toBeLessThan(500);
        if (a.status === 200) expect(hiredIds.has(a.id)).toBe(true);
      }
      expect(answered.some((a) => a.status === 200)).toBe(true);
      // At most one hire per one-slot opening, and the opening's count agrees.
      const perOpening = await query(
        path,
        "SELECT o.id, o.slots_filled AS filled, (SELECT count(*) FROM applications a WHERE a.opening_id = o.id AND a.state = 'hired') AS hires FROM openings o",
      );
      for (const o of perOpening) {
        expect(Number(o.hires)).toBeLessThanOrEqual(1);
        expect(Number(o.filled)).toBe(Number(o.hires));
      }
      // One placement per hire, none without one.
      const placements = await query(path, 'SELECT application_id AS app, count(*) AS n FROM placements WHERE application_id IS NOT NULL GROUP BY application_id');
      expect(placements.map((p) => Number(p.app)).sort()).toEqual([...hiredIds].sort());
      expect(placements.every((p) => Number(p.n) === 1)).toBe(true);
    } finally {
      await again.stop();
    }
  }, 120_000);

  it('during an import through the API: the file imported again completes, every person once', async () => {
    const path = join(dir, 'import.db');
    const env = { DATABASE_URL: `file:${path}`, JIUJIN_ADMIN_TOKEN: ADMIN };
    const hFile = join(dir, 'households.csv');
    const wFile = join(dir, 'workers.csv');
    writeFileSync(hFile, householdsCsv('CR', 8000));
    writeFileSync(wFile, workersCsv('CR', 20_000, 8000));
    const server = await startServer(env);
    expect((await runScript('scripts/import.ts', ['households', hFile, '--quiet'], env)).status).toBe(0);
    const form = new FormData();
    form.set('kind', 'workers');
    form.set('file', new Blob([readFileSync(wFile)], { type: 'text/csv' }), 'workers.csv');
    const upload = fetch(`${server.url}/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: form }).catch(() => null);
    const imported = async () => Number((await query(path, "SELECT count(*) AS n FROM workers WHERE source_id LIKE 'CRP%'"))[0]!.n);
    const deadline = Date.now() + 60_000;
    while ((await imported()) < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await server.kill();
    const cut = await upload;
    const partial = await imported();
    // Killed part-way: some batches are in, whole, and the upload got no answer.
    expect(cut).toBeNull();
    expect(partial).toBeGreaterThanOrEqual(2000);
    expect(partial).toBeLessThan(20_000);
    expect(partial % 1000).toBe(0);

    const again = await startServer(env);
    try {
      const rerun = await runScript('scripts/import.ts', ['workers', wFile, '--quiet'], env);
      expect(rerun.status).toBe(0);
      expect(rerun.stdout).toContain(`read 20000, imported ${20_000 - partial}, updated ${partial}, rejected 0`);
      expect(await imported()).toBe(20_000);
      const [dupes] = await query(path, "SELECT count(*) - count(DISTINCT name) AS n FROM workers WHERE source_id LIKE 'CRP%'");
      expect(Number(dupes!.n)).toBe(0);
    } finally {
      await again.stop();
    }
  }, 180_000);

  it('during an outbox drain: after the restart every message owed is sent, none more than once more', async () => {
    const path = join(dir, 'outbox.db');
    const setup = await makeTestEnv(`file:${path}`); // no bot here: nothing is sent while owing
    const at = { lat: 24.9, lon: 103.9 };
    const employer = await makeEmployer(setup);
    const chats: string[] = [];
    const ws: number[] = [];
    for (let i = 0; i < 40; i++) {
      const w = await makeWorker(setup, (await makeHousehold(setup)).id, { home: at, skills: [] });
      ws.push(w.id);
      chats.push(String(7_300_000 + i));
      await setup.db.update(workers).set({ telegramChatId: chats[i]! }).where(eq(workers.id, w.id));
    }
    const os = [];
    for (let i = 0; i < 3; i++) os.push(await makeOpening(setup, employer.id, { point: at, title: `drain-${i}` }));
    for (const o of os) for (const w of ws) await owe(setup.db, setup.clock, { kind: 'opening_alert', to: { workerId: w }, payload: { openingId: o.id, workerId: w } });
    setup.close();
    const total = ws.length * os.length; // 120

    const fake = await startFakeBotApi();
    const mine = () => fake.calls.filter((c) => c.method === 'sendMessage' && chats.includes(String(c.body.chat_id)));
    const env = { DATABASE_URL: `file:${path}`, JIUJIN_ADMIN_TOKEN: ADMIN, TELEGRAM_BOT_TOKEN: '1:drain', TELEGRAM_WEBHOOK_SECRET: 'drain-secret', TELEGRAM_API_ROOT: fake.url, QUIET_HOURS: 'off' };
    try {
      const server = await startServer(env);
      const killAt = Date.now() + 60_000;
      while (mine().length < 30 && Date.now() < killAt) await new Promise((r) => setTimeout(r, 10));
      await server.kill();
      const before = mine().length;
      expect(before).toBeGreaterThanOrEqual(30);
      expect(before).toBeLessThan(total);

      // The messages the killed process held come back when its leases run out.
      const again = await startServer(env);
      try {
        const pairs = () => new Set(mine().map((c) => `${c.body.chat_id}|${/drain-\d/.exec(String(c.body.text))?.[0]}`));
        const deadline = Date.now() + LEASE_MS + 60_000;
        while (pairs().size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(pairs().size).toBe(total);
        const counts = new Map<string, number>();
        for (const c of mine()) {
          const key = `${c.body.chat_id}|${/drain-\d/.exec(String(c.body.text))?.[0]}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
        // And the outbox says so.
        const settled = Date.now() + 10_000;
        let open = 1;
        while (open > 0 && Date.now() < settled) {
          open = Number((await query(path, "SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')"))[0]!.n);
          if (open > 0) await new Promise((r) => setTimeout(r, 200));
        }
        expect(open).toBe(0);
      } finally {
        await again.stop();
      }
    } finally {
      await fake.close();
    }
  }, 240_000);
});
