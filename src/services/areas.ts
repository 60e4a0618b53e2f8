// Reference areas: loading the committed subset and reading it back.
import { and, asc, count, eq, gt, inArray, isNull, type SQL } from 'drizzle-orm';
import { batch, type Db } from '../../db/client.js';
import { areas } from '../../db/schema.js';
import areaRows from '../../db/seed/areas.json' with { type: 'json' };
import type { ServiceCtx } from '../context.js';
import { pointOf } from '../domain/geo.js';
import { areaInScope } from '../domain/scope.js';
import { AppError, notFound, ruleBroken } from '../errors.js';
import type { Page } from '../validation.js';
import { areaPrefix, containsText } from './sql.js';

export type Area = typeof areas.$inferSelect;
type AreaRow = { code: string; name: string; parent: string | null; level: Area['level']; lat: number | null; lon: number | null };
const referenceAreas = areaRows as AreaRow[];

/** Loads the reference areas if they are not all there yet; returns how many were added. */
export async function loadReferenceAreas(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(areas);
  if ((row?.n ?? 0) >= referenceAreas.length) return 0;
  // D1 binds at most 100 parameters a statement: 6 columns x 16 rows.
  const chunks = [];
  for (let i = 0; i < referenceAreas.length; i += 16) {
    chunks.push(db.insert(areas).values(referenceAreas.slice(i, i + 16)).onConflictDoNothing());
  }
  await batch(db, chunks);
  const [after] = await db.select({ n: count() }).from(areas);
  return (after?.n ?? 0) - (row?.n ?? 0);
}

export function toAreaJson(a: Area) {
  return {
    code: a.code,
    name: a.name,
    level: a.level,
    parent: a.parent,
    point: pointOf(a.lat, a.lon),
  };
}

export async function findArea(db: Db, code: string): Promise<Area | undefined> {
  const [a] = await db.select().from(areas).where(eq(areas.code, code));
  return a;
}

export async function getArea(db: Db, code: string): Promise<Area> {
  const a = await findArea(db, code);
  if (!a) throw notFound(`Area ${code}`);
  return a;
}

/** The chain from the area up to its province, nearest first. */
export async function areaAncestry(db: Db, code: string): Promise<Area[]> {
  const chain: Area[] = [];
  let next: string | null = code;
  while (next) {
    const a = await findArea(db, next);
    if (!a) break;
    chain.push(a);
    next = a.parent;
  }
  return chain;
}

export async function listAreas(
  db: Db,
  q: { parent?: string; after?: string; limit: number },
): Promise<Page<Area>> {
  const conds: SQL[] = [q.parent ? eq(areas.parent, q.parent) : isNull(areas.parent)];
  if (q.after) conds.push(gt(areas.code, q.after));
  const rows = await db
    .select()
    .from(areas)
    .where(and(...conds))
    .orderBy(asc(areas.code))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit);
  return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.code : null };
}

/** An area the input names must exist and lie in the caller's scope. */
export async function requireAreaInScope(ctx: ServiceCtx, areaCode: string, path = 'areaCode'): Promise<Area> {
  const area = await findArea(ctx.db, areaCode);
  if (!area) throw ruleBroken(path, `Unknown area code ${areaCode}`);
  // An employer's own scope is itself, not an area: it may name any known area.
  if (ctx.actor.role !== 'employer' && !areaInScope(ctx.actor, areaCode)) {
    throw new AppError('forbidden', `Area ${areaCode} is outside your area`, [
      { path, message: 'outside your area' },
    ]);
  }
  return area;
}

/**
 * Areas under `prefix` (the caller's scope, or all for '') whose name contains
 * `q`, villages and townships first, then by code: what a staff member finds
 * by typing part of a village's name. An empty `q` finds nothing.
 */
export async function searchAreas(db: Db, q: { q: string; prefix: string; levels?: Area['level'][]; limit: number }): Promise<Area[]> {
  const text = q.q.trim();
  if (!text) return [];
  return db
    .select()
    .from(areas)
    .where(and(areaPrefix(areas.code, q.prefix), containsText(areas.name, text), q.levels ? inArray(areas.level, q.levels) : undefined))
    .orderBy(asc(areas.code))
    .limit(q.limit);
}
