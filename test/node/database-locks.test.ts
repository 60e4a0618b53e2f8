// The embedded file with another process on it (db/local-client.ts): the
// sqlite3 shell, a backup or an import holding a lock. Writes wait without
// freezing the server and then succeed, or answer 503 with Retry-After; a
// long reader never stops a write (WAL); nothing that met a lock poisons the
// connection for the requests after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { like } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { employers } from '../../db/schema.js';
import { type Holder, startHolder } from '../db-holder.js';
import { makeTestEnv, type TestEnv, unique } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'jiujin-locks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function fileEnv(busyWaitMs?: number): Promise<{ env: TestEnv; path: string; holder: Holder; done: () => Promise<void> }> {
  const path = join(dir, `db-${++n}.db`);
  const env = await makeTestEnv(`file:${path}`, { busyWaitMs });
  const holder = await startHolder(path);
  return {
    env,
    path,
    holder,
    done: async () => {
      await holder.stop();
      env.close();
    },
  };
}

const employerBody = (name: string) => ({ name, kind: 'workshop', areaCode: '532503', point: { lat: 23.4, lon: 103.38 } });

describe('the database file shared with another process', () => {
  it('runs in WAL with synchronous FULL, foreign keys and secure_delete on', async () => {
    const { env, done } = await fileEnv();
    const pragma = async (name: string) => Object.values((await env.db.all<Record<string, unknown>>(`PRAGMA ${name}` as never))[0]!)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(2);
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('secure_delete')).toBe(1);
    await done();
  });

  it('20 writes during another process’s write lock wait without freezing the server, then all succeed', async () => {
    const { env, holder, done } = await fileEnv();
    await holder.write();
    const prefix = unique('locked');
    let answered = 0;
    const writes = Array.from({ length: 20 }, (_, i) =>
      env.request('POST', '/v1/employers', { token: env.adminToken, body: employerBody(`${prefix}-${i}`) }).finally(() => answered++),
    );
    // While they wait, the server still answers: a read comes back with the lock still held.
    const read = await env.request('GET', '/v1/areas/532503');
    expect(read.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(0);
    await holder.release();
    const results = await Promise.all(writes);
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(await env.db.$count(employers, like(employers.name, `${prefix}-%`))).toBe(20);
    await done();
  });

  it('a write that waits past the limit answers 503 busy with Retry-After, writes nothing, and the next writes work', async () => {
    const { env, holder, done } = await fileEnv(300);
    await holder.write();
    const name = unique('refused');
    const refused = await env.request('POST', '/v1/employers', { token: env.adminToken, body: employerBody(name) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.body.error).toMatchObject({ code: 'busy', issues: [] });
    const health = await env.request('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.error.code).toBe('busy');
    await holder.release();
    expect(await env.db.$count(employers, like(employers.name, name))).toBe(0);
    // The connection is not left broken: writes, batches and the health check all work again.
    expect((await env.request('GET', '/health')).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const ok = await env.request('POST', '/v1/employers', { token: env.adminToken, body: employerBody(`${name}-after-${i}`) });
      expect(ok.status).toBe(201);
    }
    const household = await env.request('POST', '/v1/households', { token: env.adminToken, body: { areaCode: '532503001001', povertyAlleviated: true, monitored: false } });
    expect(household.status).toBe(201);
    await done();
  });

  it('a long reader in another process stops no write (WAL)', async () => {
    const { env, holder, done } = await fileEnv(300);
    await holder.read();
    const prefix = unique('beside-reader');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => env.request('POST', '/v1/employers', { token: env.adminToken, body: employerBody(`${prefix}-${i}`) })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    await holder.release();
    await done();
  });
});
