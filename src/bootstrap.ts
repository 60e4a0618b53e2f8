// What both runtimes do before serving: migrations, reference areas, an admin
// token. Safe to run again: each step does only what is missing.
import type { Db } from '../db/client.js';
import { applyMigrations } from '../db/migrate.js';
import type { Clock } from './context.js';
import { loadReferenceAreas } from './services/areas.js';
import { ensureAdminToken } from './services/tokens.js';

export interface Prepared {
  migrationsApplied: string[];
  areasLoaded: number;
  /** A newly generated admin token, to be shown once; null when none was made. */
  generatedAdminToken: string | null;
}

export async function prepareDatabase(
  db: Db,
  clock: Clock,
  opts: { adminToken?: string; generateAdminToken: boolean },
): Promise<Prepared> {
  const migrationsApplied = await applyMigrations(db);
  const areasLoaded = await loadReferenceAreas(db);
  let generatedAdminToken: string | null = null;
  if (opts.adminToken || opts.generateAdminToken) {
    generatedAdminToken = await ensureAdminToken(db, clock, opts.adminToken);
  }
  return { migrationsApplied, areasLoaded, generatedAdminToken };
}
