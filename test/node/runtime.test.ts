// Start-up and runtime behaviour on Node: migrations, reference data, the
// admin token, health when the database is gone, the scheduled job.
import { readdirSync, readFileSync } from 'node:fs';
import { createClient } from '@libsql/client';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { libsqlDb } from '../../db/client.js';
import { migrations } from '../../db/migrations-bundle.js';
import { apiTokens, openings } from '../../db/schema.js';
import { prepareDatabase } from '../../src/bootstrap.js';
import { runScheduledJobs } from '../../src/scheduler.js';
import { sha256Hex } from '../../src/services/tokens.js';
import { parseConfig } from '../../src/config.js';
import { makeEmployer, makeTestEnv, openingBody, TestClock } from '../helpers.js';
import { freePort, runScript, startServer } from '../server-process.js';

describe('start-up', () => {
  it('the migration bundle the Workers build uses matches db/migrations exactly', () => {
    const dir = new URL('../../db/migrations/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
    expect(migrations.map((m) => m.name)).toEqual(files);
    for (const m of migrations) expect(m.sql).toBe(readFileSync(new URL(m.name, dir), 'utf8'));
  });

  it('a fresh database gets every migration, the reference areas and one generated admin token; a second start changes nothing', async () => {
    const client = createClient({ url: ':memory:' });
    const db = libsqlDb(client);
    const clock = new TestClock();
    const first = await prepareDatabase(db, clock, { generateAdminToken: true });
    expect(first.migrationsApplied).toEqual(migrations.map((m) => m.name));
    expect(first.areasLoaded).toBeGreaterThan(1500);
    expect(first.generatedAdminToken).toMatch(/^jj_[A-Za-z0-9_-]{40,}$/);
    const stored = await db.select().from(apiTokens);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).toBe(await sha256Hex(first.generatedAdminToken!));
    expect(JSON.stringify(stored)).not.toContain(first.generatedAdminToken!);
    const second = await prepareDatabase(db, clock, { generateAdminToken: true });
    expect(second).toEqual({ migrationsApplied: [], areasLoaded: 0, generatedAdminToken: null });
    client.close();
  });

  it('JIUJIN_ADMIN_TOKEN becomes an admin token and no other is generated', async () => {
    const client = createClient({ url: ':memory:' });
    const db = libsqlDb(client);
    const prepared = await prepareDatabase(db, new TestClock(), { adminToken: 'configured-admin-token-123', generateAdminToken: true });
    expect(prepared.generatedAdminToken).toBeNull();
    const rows = await db.select().from(apiTokens);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: 'admin', tokenHash: await sha256Hex('configured-admin-token-123') });
    client.close();
  });
});

describe('database unavailable', () => {
  it('health answers 503 and a request answers 503, not 500, when the database is gone', async () => {
    const env = await makeTestEnv();
    const emp = await makeEmployer(env);
    env.close();
    const health = await env.request('GET', '/health');
    expect(health.status).toBe(503);
    const list = await env.request('GET', '/v1/openings');
    expect(list.status).toBe(503);
    expect(list.body.error.code).toBe('unavailable');
    const write = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody() });
    expect(write.status).toBe(503);
  });
});

describe('scheduled job', () => {
  it('openings past their closing date expire; others stay open', async () => {
    const env = await makeTestEnv();
    const emp = await makeEmployer(env);
    const soon = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ closingDate: '2026-11-25' }) });
    const later = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody({ closingDate: '2026-12-31' }) });
    const none = await env.request('POST', '/v1/openings', { token: emp.token, body: openingBody() });
    expect(await runScheduledJobs(env.deps)).toMatchObject({ openingsExpired: 0 });
    env.clock.set('2026-11-26T01:00:00Z');
    expect(await runScheduledJobs(env.deps)).toMatchObject({ openingsExpired: 1 });
    const status = async (id: number) =>
      (await env.db.select({ s: openings.status }).from(openings).where(eq(openings.id, id)))[0]!.s;
    expect(await status(soon.body.id)).toBe('expired');
    expect(await status(later.body.id)).toBe('open');
    expect(await status(none.body.id)).toBe('open');
    const pub = await env.request('GET', `/v1/openings/${soon.body.id}`);
    expect(pub.status).toBe(404);
    await env.db.run(sql`SELECT 1`);
    env.close();
  });
});

describe('npm start', () => {
  async function start(env: Record<string, string>) {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'jiujin-start-'));
    return startServer({ DATABASE_URL: `file:${join(dir, 'j.db')}`, ...env });
  }

  it('serves the API on PORT with the embedded database, says the bot is off without a token, and stops cleanly on SIGTERM', async () => {
    const s = await start({ JIUJIN_ADMIN_TOKEN: 'start-test-admin-token-1234' });
    try {
      expect(s.out()).toContain(`listening on http://localhost:${s.port}`);
      expect(s.out()).toContain('chat bot: off');
      expect(s.out()).toContain('WeChat: off (WECHAT_TOKEN is not set)');
      expect(s.out()).toContain('SMS: off');
      const res = await fetch(`http://127.0.0.1:${s.port}/health`);
      expect(await res.json()).toEqual({ status: 'ok' });
      const webhook = await fetch(`http://127.0.0.1:${s.port}/telegram/webhook`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(webhook.status).toBe(404);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('WEB_PROCESSES=2: two processes serve PORT, the clocks run in the primary alone, SIGTERM stops them all', async () => {
    const s = await start({ JIUJIN_ADMIN_TOKEN: 'cluster-test-admin-token-1234', WEB_PROCESSES: '2' });
    const { request } = await import('node:http');
    // New connections each (no keep-alive), so the primary hands them to both servers.
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: s.port, path, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    let exited = false;
    try {
      expect(s.out()).toContain('2 processes serving');
      const statuses = await Promise.all(Array.from({ length: 40 }, () => get('/v1/areas/5325')));
      expect(statuses).toEqual(Array(40).fill(200));
      const lines = () =>
        s
          .out()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { msg: string; pid: number });
      const servers = new Set(lines().filter((l) => l.msg === 'request').map((l) => l.pid));
      expect(servers.size).toBe(2);
      const schedulers = new Set(lines().filter((l) => l.msg === 'scheduler run').map((l) => l.pid));
      expect(schedulers.size).toBe(1);
      for (const pid of schedulers) expect(servers.has(pid)).toBe(false);
      expect(await s.stop()).toBe(0);
      exited = true;
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      expect([...servers].filter(alive)).toEqual([]);
    } finally {
      if (!exited) await s.stop();
    }
  });

  it('WEB_PROCESSES defaults to auto: one serving process per core, one alone for an in-memory database; above 1 there is refused', async () => {
    const { availableParallelism } = await import('node:os');
    expect(parseConfig({}).WEB_PROCESSES).toBe(0);
    const cores = availableParallelism();
    const s = await start({ JIUJIN_ADMIN_TOKEN: 'auto-test-admin-token-12345', WEB_PROCESSES: 'auto' });
    try {
      if (cores > 1) expect(s.out()).toContain(`${cores} processes serving`);
      else expect(s.out()).not.toContain('processes serving');
      expect((await fetch(`http://127.0.0.1:${s.port}/health`)).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    const memory = await startServer({ DATABASE_URL: ':memory:', JIUJIN_ADMIN_TOKEN: 'auto-test-admin-token-12345', WEB_PROCESSES: 'auto' });
    try {
      expect(memory.out()).toContain(`listening on http://localhost:${memory.port}`);
      expect(memory.out()).not.toContain('processes serving');
    } finally {
      expect(await memory.stop()).toBe(0);
    }
    const refused = await runScript('src/node.ts', [], { DATABASE_URL: ':memory:', WEB_PROCESSES: '2', PORT: String(await freePort()) });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('WEB_PROCESSES: 2 processes cannot share an in-memory database');
  });

  it('says the bot is on when it has a token, and which of WeChat and SMS are on', async () => {
    const s = await start({
      TELEGRAM_BOT_TOKEN: '1:abc',
      TELEGRAM_WEBHOOK_SECRET: 'secret-secret',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
      WECHAT_TOKEN: 'wx-start-token',
      WECHAT_API_ROOT: 'http://127.0.0.1:9',
      SMS_ACCESS_KEY_ID: 'id',
      SMS_ACCESS_KEY_SECRET: 'secret-secret',
      SMS_SIGN_NAME: '就近',
      SMS_API_ROOT: 'http://127.0.0.1:9',
      SMS_TEMPLATES: 'opening=SMS_1',
    });
    try {
      expect(s.out()).toContain('chat bot: on');
      expect(s.out()).toContain('WeChat: on at /wechat, plain mode only');
      expect(s.out()).toContain('alerts off (WECHAT_APP_ID or WECHAT_APP_SECRET not set)');
      expect(s.out()).toContain('SMS: on (templates for opening; no SMS_CALLBACK_TOKEN');
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});
