// Database handles for both runtimes. Every query in the project is written
// against `Db`, which libSQL (Node, remote) and D1 (Workers) both satisfy.
import type { Client } from '@libsql/client';
import { entityKind } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { drizzle as drizzleD1 } from 'drizzle-orm/d1';
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as schema from './schema.js';

export { schema };
export type Schema = typeof schema;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = BaseSQLiteDatabase<'async', any, Schema>;

export function libsqlDb(client: Client): Db {
  return drizzleLibsql(client, { schema }) as unknown as Db;
}

/** D1 handles, with their binding: their batches need raw statements prepared (see batch). */
const d1Bindings = new WeakMap<object, D1Binding>();
type D1Binding = { prepare(sql: string): unknown };

/** A D1 binding (typed loosely so Node code need not load Workers types). */
export function d1Db(binding: unknown): Db {
  const db = drizzleD1(binding as Parameters<typeof drizzleD1>[0], { schema }) as unknown as Db;
  d1Bindings.set(db, binding as D1Binding);
  return db;
}

/**
 * drizzle's D1 batch binds a statement's parameters to `prepared.stmt`,
 * which a raw statement (`db.run(sql`…`)`) does not have: give it one, so a
 * raw statement with bound values runs in a D1 batch as it does on libSQL.
 */
function preparedForD1(binding: D1Binding, item: BatchItem<'sqlite'>): BatchItem<'sqlite'> {
  // drizzle's SQLiteRaw (not exported): known by its entity kind.
  if ((item.constructor as unknown as Record<symbol, unknown>)[entityKind] !== 'SQLiteRaw') return item;
  const raw = item as unknown as {
    getQuery(): { sql: string; params: unknown[] };
    mapResult(result: unknown, fromBatch?: boolean): unknown;
  };
  return {
    _prepare: () => {
      const query = raw.getQuery();
      return { getQuery: () => query, stmt: binding.prepare(query.sql), mapResult: (r: unknown, fromBatch?: boolean) => raw.mapResult(r, fromBatch) };
    },
  } as unknown as BatchItem<'sqlite'>;
}

type Batchable = { batch: (items: readonly BatchItem<'sqlite'>[]) => Promise<unknown[]> };

/**
 * Runs the statements as one atomic unit on either driver (libSQL runs a batch
 * in a transaction, D1 likewise). Interactive transactions are not used: D1
 * has none.
 */
export async function batch(db: Db, items: BatchItem<'sqlite'>[]): Promise<unknown[]> {
  if (items.length === 0) return [];
  const binding = d1Bindings.get(db);
  return (db as unknown as Batchable).batch(binding ? items.map((item) => preparedForD1(binding, item)) : items);
}

/** Rows a `db.run` changed, on either driver (libSQL says rowsAffected, D1 meta.changes). */
export function rowsAffected(res: unknown): number {
  const r = res as { rowsAffected?: number; meta?: { changes?: number } };
  return r.rowsAffected ?? r.meta?.changes ?? 0;
}

/** Queries built once per database handle (see prepared). */
const preparedQueries = new WeakMap<Db, Map<string, unknown>>();

/**
 * A query built once per database handle and run with values: building a
 * select's SQL costs drizzle about as much as SQLite takes to answer an
 * indexed lookup, so the lookups every request makes (the caller's token, a
 * worker by id…) are built with `sql.placeholder` and `.prepare()` the first
 * time and reused. `name` must say everything `build` depends on.
 */
export function prepared<T>(db: Db, name: string, build: (db: Db) => T): T {
  let cache = preparedQueries.get(db);
  if (!cache) {
    cache = new Map();
    preparedQueries.set(db, cache);
  }
  let query = cache.get(name) as T | undefined;
  if (query === undefined) {
    query = build(db);
    cache.set(name, query);
  }
  return query;
}
