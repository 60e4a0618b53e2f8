// Database handles for both runtimes. Every query in the project is written
// against `Db`, which libSQL (Node, remote) and D1 (Workers) both satisfy.
import type { Client } from '@libsql/client';
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

/** A D1 binding (typed loosely so Node code need not load Workers types). */
export function d1Db(binding: unknown): Db {
  return drizzleD1(binding as Parameters<typeof drizzleD1>[0], { schema }) as unknown as Db;
}

type Batchable = { batch: (items: readonly BatchItem<'sqlite'>[]) => Promise<unknown[]> };

/**
 * Runs the statements as one atomic unit on either driver (libSQL runs a batch
 * in a transaction, D1 likewise). Interactive transactions are not used: D1
 * has none.
 */
export async function batch(db: Db, items: BatchItem<'sqlite'>[]): Promise<unknown[]> {
  if (items.length === 0) return [];
  return (db as unknown as Batchable).batch(items);
}
