// Node-only: the embedded database file, opened and prepared the same way
// by `npm start` and every script.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { libsqlDb } from '../db/client.js';
import { createDbClient, DEFAULT_BUSY_WAIT_MS, isLocalUrl, localPath } from '../db/local-client.js';
import { prepareDatabase } from './bootstrap.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './context.js';

/** A command-line tool beside a serving API waits this long for its lock. */
export const TOOL_BUSY_WAIT_MS = 30_000;

/** Creates the folder of a `file:` database URL so the first start just works. */
export function ensureFileDir(url: string) {
  if (!isLocalUrl(url)) return;
  const path = localPath(url);
  if (path && path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
}

/**
 * Opens DATABASE_URL (creating a file's folder), applies the migrations and
 * loads the reference areas: what `npm start` and the scripts all need first.
 */
export async function openLocalDatabase(
  config: Config,
  opts: { generateAdminToken?: boolean; clock?: Clock; /** The tools beside a server wait longer than a request may. */ tool?: boolean } = {},
) {
  ensureFileDir(config.DATABASE_URL);
  const busyWaitMs = config.DATABASE_BUSY_WAIT_MS ?? (opts.tool ? TOOL_BUSY_WAIT_MS : DEFAULT_BUSY_WAIT_MS);
  const client = createDbClient({ url: config.DATABASE_URL, busyWaitMs });
  const db = libsqlDb(client);
  try {
    const prepared = await prepareDatabase(db, opts.clock ?? systemClock, {
      adminToken: config.JIUJIN_ADMIN_TOKEN,
      generateAdminToken: opts.generateAdminToken ?? false,
    });
    return { client, db, prepared };
  } catch (err) {
    client.close();
    throw err;
  }
}
