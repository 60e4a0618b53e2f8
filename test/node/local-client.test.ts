// The embedded client (db/local-client.ts) answers as @libsql/client does:
// the same statements are run on both, each on a database of its own, and
// their answers compared.
import { type Client, createClient } from '@libsql/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDbClient, createLocalClient, isLocalUrl, localPath } from '../../db/local-client.js';
import { startHolder } from '../db-holder.js';

const dir = mkdtempSync(join(tmpdir(), 'jiujin-local-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const pair = (): [Client, Client] => {
  n++;
  return [createClient({ url: `file:${join(dir, `plain-${n}.db`)}` }), createLocalClient(`file:${join(dir, `local-${n}.db`)}`)];
};

/** What a caller can see of a result: rows by name and by index, counts. */
function seen(rs: Awaited<ReturnType<Client['execute']>>) {
  return {
    columns: rs.columns,
    rows: rs.rows.map((r) => ({ keys: Object.keys(r), named: { ...r }, indexed: Array.prototype.slice.call(r), json: JSON.stringify(r) })),
    rowsAffected: rs.rowsAffected,
    lastInsertRowid: rs.lastInsertRowid,
  };
}

async function both<T>(clients: [Client, Client], f: (c: Client) => Promise<T>): Promise<[T, T]> {
  return [await f(clients[0]), await f(clients[1])];
}

async function outcome<T>(p: Promise<T>): Promise<{ ok: T } | { error: string; code: unknown; name: string }> {
  try {
    return { ok: await p };
  } catch (err) {
    const e = err as { message: string; code?: unknown; name: string };
    return { error: e.message, code: e.code, name: e.name };
  }
}

describe('embedded libSQL client', () => {
  it('reads and writes like @libsql/client: rows by name and index, counts, ids, values of every type', async () => {
    const clients = pair();
    const [a, b] = await both(clients, async (c) => {
      const out = [];
      out.push(seen(await c.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, x REAL, flag INTEGER, note TEXT)')));
      out.push(seen(await c.execute({ sql: 'INSERT INTO t (name, x, flag, note) VALUES (?, ?, ?, ?)', args: ['甲', 1.5, true, null] })));
      out.push(seen(await c.execute({ sql: 'INSERT INTO t (name, x, flag, note) VALUES (:name, $x, @flag, :note)', args: { name: '乙', x: 2, flag: false, note: 'n' } })));
      out.push(seen(await c.execute({ sql: 'UPDATE t SET x = x + 1 WHERE x > ?', args: [0] })));
      out.push(seen(await c.execute('SELECT * FROM t ORDER BY id')));
      // Repeated column names: the first wins by name, both by index.
      out.push(seen(await c.execute('SELECT a.id, b.id, a.name FROM t a JOIN t b ON b.id <> a.id ORDER BY a.id')));
      out.push(seen(await c.execute({ sql: 'INSERT INTO t (name) VALUES (?) RETURNING id, name', args: ['丙'] })));
      out.push(seen(await c.execute('SELECT count(*) AS n, max(x) AS m, typeof(flag) AS tf FROM t')));
      out.push(seen(await c.execute('SELECT * FROM t WHERE id < 0')));
      return out;
    });
    expect(b).toEqual(a);
    expect(a[4]!.rows[0]!.named).toEqual({ id: 1, name: '甲', x: 2.5, flag: 1, note: null });
  });

  it('a batch is all or nothing, and reports the failure as @libsql/client does', async () => {
    const clients = pair();
    const [a, b] = await both(clients, async (c) => {
      await c.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
      const ok = await c.batch([
        { sql: 'INSERT INTO t (v) VALUES (?)', args: ['a'] },
        { sql: 'INSERT INTO t (v) VALUES (?) RETURNING id', args: ['b'] },
      ]);
      const failed = await outcome(
        c.batch([
          { sql: 'INSERT INTO t (v) VALUES (?)', args: ['c'] },
          { sql: 'INSERT INTO t (v) VALUES (?)', args: ['a'] },
        ]),
      );
      const rows = (await c.execute('SELECT v FROM t ORDER BY v')).rows.map((r) => r.v);
      // The connection is usable after the rollback.
      await c.batch([{ sql: 'INSERT INTO t (v) VALUES (?)', args: ['d'] }]);
      const after = (await c.execute('SELECT count(*) AS n FROM t')).rows[0]!.n;
      return { ok: ok.map(seen), failed, rows, after };
    });
    expect(b).toEqual(a);
    expect(a.rows).toEqual(['a', 'b']);
    expect(a.after).toBe(3);
    expect(a.failed).toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    expect((a.failed as { error: string }).error).toMatch(/UNIQUE constraint failed: t\.v/);
  });

  it('bad statements and values fail with the same errors', async () => {
    const clients = pair();
    const [a, b] = await both(clients, async (c) => {
      await c.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL CHECK (length(v) < 3))');
      return [
        await outcome(c.execute('SELEC 1')),
        await outcome(c.execute('SELECT * FROM missing')),
        await outcome(c.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: [null] })),
        await outcome(c.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['long'] })),
        await outcome(c.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: [Number.NaN] })),
        await outcome(c.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: [undefined as unknown as null] })),
      ].map((o) => ('error' in o ? { error: o.error, code: o.code } : o));
    });
    expect(b).toEqual(a);
    expect(a.every((o) => 'error' in o)).toBe(true);
  });

  it('a statement kept prepared sees the schema and the data as they are now', async () => {
    const c = createLocalClient(':memory:');
    await c.execute('CREATE TABLE t (a INTEGER)');
    await c.execute('INSERT INTO t VALUES (1)');
    expect((await c.execute('SELECT * FROM t')).rows.map((r) => ({ ...r }))).toEqual([{ a: 1 }]);
    await c.executeMultiple('ALTER TABLE t ADD COLUMN b TEXT DEFAULT \'x\'; INSERT INTO t VALUES (2, \'y\');');
    const again = await c.execute('SELECT * FROM t');
    expect(again.columns).toEqual(['a', 'b']);
    expect(again.rows.map((r) => ({ ...r }))).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
    // Hundreds of distinct statements: older ones are dropped, every answer still right.
    for (let i = 0; i < 700; i++) expect((await c.execute(`SELECT ${i} AS i`)).rows[0]!.i).toBe(i);
    expect((await c.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(2);
    c.close();
    expect(c.closed).toBe(true);
    await expect(c.execute('SELECT 1')).rejects.toThrow(/closed/);
  });

  it('two clients on one file see each other\'s committed writes and schema changes', async () => {
    const url = `file:${join(dir, 'shared.db')}`;
    const one = createLocalClient(url);
    const two = createLocalClient(url);
    await one.execute('CREATE TABLE t (v INTEGER)');
    const count = async () => (await two.execute('SELECT count(*) AS n FROM t')).rows[0]!.n;
    expect(await count()).toBe(0);
    await one.batch([{ sql: 'INSERT INTO t VALUES (?)', args: [1] }, { sql: 'INSERT INTO t VALUES (?)', args: [2] }]);
    expect(await count()).toBe(2);
    // A statement two keeps prepared, after one changed the table.
    const all = async () => (await two.execute('SELECT * FROM t ORDER BY v')).rows.map((r) => ({ ...r }));
    expect(await all()).toEqual([{ v: 1 }, { v: 2 }]);
    await one.execute("ALTER TABLE t ADD COLUMN w TEXT DEFAULT 'x'");
    expect(await all()).toEqual([{ v: 1, w: 'x' }, { v: 2, w: 'x' }]);
    one.close();
    two.close();
  });

  it('a statement left mid-run by another process\'s lock, or a read failing half-way, leaves the next batches working', async () => {
    const path = join(dir, 'poison.db');
    const c = createLocalClient(`file:${path}`, { busyWaitMs: 200 });
    await c.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    await c.batch([{ sql: 'INSERT INTO t (v) VALUES (?)', args: ['{"a":1}'] }, { sql: 'INSERT INTO t (v) VALUES (?)', args: ['not json'] }]);
    const holder = await startHolder(path);
    await holder.write();
    // A write on its own takes the lock first, and waits; past the wait, SQLITE_BUSY.
    await expect(c.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['x'] })).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    // A caller's own BEGIN: the INSERT meets the lock inside SQLite and is left mid-run there.
    await c.execute('BEGIN');
    await expect(c.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['y'] })).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    await holder.release();
    // Without a fresh connection, this COMMIT would fail: "cannot commit transaction - SQL statements in progress".
    await c.batch([{ sql: 'INSERT INTO t (v) VALUES (?)', args: ['{"a":2}'] }]);
    // A read failing half-way (the second row is not JSON), then reads and writes as before.
    await expect(c.execute("SELECT json_extract(v, '$.a') AS a FROM t ORDER BY id")).rejects.toThrow(/malformed JSON/);
    await c.batch([{ sql: 'INSERT INTO t (v) VALUES (?)', args: ['{"a":3}'] }]);
    expect((await c.execute('SELECT v FROM t ORDER BY id')).rows.map((r) => r.v)).toEqual(['{"a":1}', 'not json', '{"a":2}', '{"a":3}']);
    await holder.stop();
    c.close();
  });

  it('local URLs go to the embedded engine, others to the network client', () => {
    expect(isLocalUrl(':memory:')).toBe(true);
    expect(isLocalUrl('file:data/jiujin.db')).toBe(true);
    expect(isLocalUrl('libsql://127.0.0.1:8080')).toBe(false);
    expect(isLocalUrl('http://127.0.0.1:8080')).toBe(false);
    expect(localPath('file:data/jiujin.db')).toBe('data/jiujin.db');
    expect(localPath('file:///tmp/a%20b.db')).toBe('/tmp/a b.db');
    expect(localPath('file::memory:')).toBe(':memory:');
    expect(createDbClient({ url: 'http://127.0.0.1:9' }).protocol).toBe('http');
    const local = createDbClient({ url: ':memory:' });
    expect(local.protocol).toBe('file');
    local.close();
  });
});
