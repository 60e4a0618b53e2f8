// Tokens an operator can manage: the CLI lists, revokes and creates tokens
// that expire; an expired or revoked token answers 401; a replaced
// JIUJIN_ADMIN_TOKEN ends the old one; failed console sign-ins are audited
// and throttled per address and per token prefix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.js';
import { prepareDatabase } from '../../src/bootstrap.js';
import { SIGN_IN_FAILURES_PER_ADDRESS, SIGN_IN_FAILURES_PER_PREFIX } from '../../src/services/console-sessions.js';
import { makeTestEnv } from '../helpers.js';
import { runScript } from '../server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'jiujin-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signIn = (env: Awaited<ReturnType<typeof makeTestEnv>>, token: string) =>
  env.app.request('/console/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next: '' }).toString(),
  });

describe('npm run token', () => {
  it('creates a token that expires, lists every token oldest first without secrets, and revokes one', async () => {
    const path = join(dir, 'cli.db');
    const env = await makeTestEnv(`file:${path}`);
    const dbEnv = { DATABASE_URL: `file:${path}` };
    try {
      const staff = await runScript('scripts/token.ts', ['create', '--role', 'staff', '--area', '532503', '--expires', '90d', '--label', '蒙自 staff'], dbEnv);
      expect(staff.status).toBe(0);
      const staffToken = staff.stdout.trim();
      expect(staffToken).toMatch(/^jj_/);
      const admin = await runScript('scripts/token.ts', ['create', '--role', 'admin'], dbEnv);
      const adminToken = admin.stdout.trim();
      expect((await env.request('GET', '/v1/stats', { token: staffToken })).status).toBe(200);

      const list = await runScript('scripts/token.ts', ['list'], dbEnv);
      expect(list.status).toBe(0);
      const lines = list.stdout.trim().split('\n');
      expect(lines).toHaveLength(3); // the test's admin, then the two made here
      const ids = lines.map((l) => Number(l.split('\t')[0]));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(list.stdout).not.toContain(staffToken);
      expect(list.stdout).not.toContain(adminToken);
      expect(list.stdout).not.toContain(env.adminToken);
      const staffLine = lines.find((l) => l.includes('532503'))!;
      expect(staffLine).toMatch(/\tstaff\t532503\t/);
      expect(staffLine).toMatch(/expires 20\d\d-/);

      const revoke = await runScript('scripts/token.ts', ['revoke', String(Number(staffLine.split('\t')[0]))], dbEnv);
      expect(revoke.status).toBe(0);
      expect((await env.request('GET', '/v1/stats', { token: staffToken })).status).toBe(401);
      expect((await runScript('scripts/token.ts', ['list'], dbEnv)).stdout).toMatch(/\tstaff\t532503\t.*revoked/);
      expect((await runScript('scripts/token.ts', ['revoke', '999999'], dbEnv)).status).toBe(1);
      expect((await runScript('scripts/token.ts', ['create', '--role', 'admin', '--expires', 'soon'], dbEnv)).status).toBe(2);
    } finally {
      env.close();
    }
  }, 120_000);
});

describe('token lifetimes', () => {
  it('an expired token answers 401, on the API and at the console', async () => {
    const env = await makeTestEnv();
    const soon = new Date(env.clock.now().getTime() + 3_600_000).toISOString();
    const token = await env.token({ role: 'staff', areaPrefix: '532503', expiresAt: soon });
    expect((await env.request('GET', '/v1/stats', { token })).status).toBe(200);
    const session = await signIn(env, token);
    expect(session.status).toBe(303);
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    env.clock.advanceDays(1 / 12);
    expect((await env.request('GET', '/v1/stats', { token })).status).toBe(401);
    const page = await env.app.request('/console/overview', { headers: { cookie } });
    expect(page.status).toBe(303); // back to sign-in: the session died with its token
    env.close();
  });

  it('a replaced JIUJIN_ADMIN_TOKEN stops the previous one', async () => {
    const env = await makeTestEnv();
    const before = env.adminToken;
    expect((await env.request('GET', '/v1/outbox', { token: before })).status).toBe(200);
    const next = 'the-next-admin-token-0123456789';
    await prepareDatabase(env.db, env.clock, { adminToken: next, generateAdminToken: false });
    expect((await env.request('GET', '/v1/outbox', { token: before })).status).toBe(401);
    expect((await env.request('GET', '/v1/outbox', { token: next })).status).toBe(200);
    // Starting again with the same one changes nothing.
    await prepareDatabase(env.db, env.clock, { adminToken: next, generateAdminToken: false });
    expect((await env.request('GET', '/v1/outbox', { token: next })).status).toBe(200);
    env.close();
  });
});

describe('console sign-in failures', () => {
  it('are audited, and a token prefix tried too often is refused with 429 even for the right token', async () => {
    const env = await makeTestEnv();
    const token = await env.token({ role: 'staff', areaPrefix: '532503' });
    const other = await env.token({ role: 'staff', areaPrefix: '532503' });
    for (let i = 0; i < SIGN_IN_FAILURES_PER_PREFIX; i++) {
      expect((await signIn(env, `${token.slice(0, 8)}wrong${i}`)).status).toBe(401);
    }
    const refused = await env.db.select().from(auditLog).where(and(eq(auditLog.action, 'console.sign_in'), eq(auditLog.outcome, 'refused:401')));
    expect(refused).toHaveLength(SIGN_IN_FAILURES_PER_PREFIX);
    expect(JSON.stringify(refused)).not.toContain(token.slice(0, 8));
    const throttled = await signIn(env, token);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('900');
    // Another prefix from the same address may still try.
    expect((await signIn(env, other)).status).toBe(303);
    // After the window, the right token gets in.
    env.clock.advanceDays(1 / 48);
    expect((await signIn(env, token)).status).toBe(303);
    env.close();
  });

  it('an address that fails too often is refused whatever it tries', async () => {
    const env = await makeTestEnv();
    const token = await env.token({ role: 'staff', areaPrefix: '532503' });
    for (let i = 0; i < SIGN_IN_FAILURES_PER_ADDRESS; i++) {
      expect((await signIn(env, `jj_guess${i}-${'x'.repeat(20)}`.replace('jj_guess', `g${i}uess`))).status).toBe(401);
    }
    expect((await signIn(env, token)).status).toBe(429);
    env.close();
  });
});
