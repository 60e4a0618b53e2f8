// Applies db/migrations on either runtime. It keeps wrangler's own
// `d1_migrations` table, so `wrangler d1 migrations apply` and this runner
// agree on what has been applied.
import { sql } from 'drizzle-orm';
import { batch, type Db } from './client.js';
import { migrations } from './migrations-bundle.js';

export async function applyMigrations(db: Db): Promise<string[]> {
  await db.run(
    sql.raw(
      'CREATE TABLE IF NOT EXISTS d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)',
    ),
  );
  const rows = await db.all<{ name: string }>(sql`SELECT name FROM d1_migrations`);
  const done = new Set(rows.map((r) => r.name));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    const statements = m.sql
      .split('--> statement-breakpoint')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    try {
      await batch(db, [
        ...statements.map((s) => db.run(sql.raw(s))),
        db.run(sql`INSERT INTO d1_migrations(name) VALUES (${m.name})`),
      ]);
    } catch (err) {
      // Another process may have applied it at the same moment.
      const again = await db.all<{ name: string }>(
        sql`SELECT name FROM d1_migrations WHERE name = ${m.name}`,
      );
      if (again.length === 0) throw err;
      continue;
    }
    applied.push(m.name);
  }
  return applied;
}
