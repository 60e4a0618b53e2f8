// `npm run backup -- FILE`
// Writes a consistent copy of the embedded database (DATABASE_URL) to FILE
// while the server goes on serving: SQLite's VACUUM INTO reads one snapshot
// (WAL: the server's writes go on meanwhile and are simply not in the copy)
// and writes it compacted, free pages left out. FILE must not exist yet.
// Restore: stop the server, move the copy to the database's path (removing
// the old file's -wal and -shm beside it), start the server.
import { existsSync, renameSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { isLocalUrl } from '../db/local-client.js';
import { loadNodeConfig } from '../src/config.js';
import { openLocalDatabase } from '../src/node-db.js';
import { runTool } from './tool.js';

const usage = `usage:
  npm run backup -- FILE      a consistent copy of the live database, written to FILE (which must not exist)`;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) {
    console.error(usage);
    return 2;
  }
  const target = resolve(positionals[0]!);
  if (existsSync(target)) {
    console.error(`${target} exists already; name a new file`);
    return 2;
  }
  if (!existsSync(dirname(target))) {
    console.error(`the folder ${dirname(target)} does not exist`);
    return 2;
  }
  const config = loadNodeConfig();
  if (!isLocalUrl(config.DATABASE_URL)) {
    console.error(`DATABASE_URL (${config.DATABASE_URL}) is not an embedded file: back up a remote libSQL server or D1 with its own tools`);
    return 2;
  }
  const { client, db } = await openLocalDatabase(config, { tool: true });
  // Written beside the target and renamed at the end: a copy cut short never looks whole.
  const partial = `${target}.partial`;
  try {
    const started = Date.now();
    await db.run(sql`VACUUM INTO ${partial}`);
    renameSync(partial, target);
    const bytes = statSync(target).size;
    console.log(`${target}: ${(bytes / 1024 / 1024).toFixed(1)} MB, consistent as of the moment it began, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    client.close();
  }
}

process.exitCode = await runTool(() => main(process.argv.slice(2)));
