// How the public-welfare posts of an area stand on a day (the rule of
// Stats.publicWelfarePosts, shared with care coverage):
//
// - a post is counted when it was created by the end of asOf and is not a
//   draft; it stands when it was not closed or expired by then (a closed or
//   expired opening is never updated again, so its updated_at is when it
//   closed) and its closing date is not before asOf;
// - `filled`: its placements active on asOf;
// - a slot is taken by such a placement or by a hire recorded by then whose
//   placement starts later (promised);
// - `open`: max(slots - taken, 0) of each standing post.
//
// Counted in two reads, neither a look at every post's placements: the
// standing slots of the area's posts (openings_kind_area_idx covers them),
// less, for the few posts that have a slot taken, min(taken, slots). Those
// come from the placements at posts not ended by asOf
// (placements_post_taken_idx: ended ones are passed by one seek, so the
// years of ended placements are not read).
import { and, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { openings, placements, servesValues } from '../../db/schema.js';
import { chinaDayEnd } from '../domain/dates.js';
import { areaPrefix } from '../services/sql.js';

type Serves = (typeof servesValues)[number];

export interface PostSlotRow {
  /** The post's area; null unless counted by area. */
  areaCode: string | null;
  serves: Serves;
  filled: number;
  open: number;
}

/**
 * The area's posts on `asOf` by what they serve (and by area with
 * `byArea`), optionally only posts serving one of `serves`.
 */
export async function postSlotTotals(
  db: Db,
  prefix: string,
  asOf: string,
  opts: { byArea?: boolean; serves?: readonly Serves[] } = {},
): Promise<PostSlotRow[]> {
  const end = chinaDayEnd(asOf);
  const counted = and(
    eq(openings.kind, 'public_welfare'),
    areaPrefix(openings.areaCode, prefix),
    lt(openings.createdAt, end),
    sql`${openings.status} <> 'draft'`,
    opts.serves ? inArray(openings.serves, [...opts.serves]) : undefined,
  )!;
  const standing: SQL<number> = sql`(NOT (${openings.status} IN ('closed', 'expired') AND ${openings.updatedAt} < ${end})
    AND (${openings.closingDate} IS NULL OR ${openings.closingDate} >= ${asOf}))`;
  // One row (or one per area, in the index's order): a sum per value of
  // `serves`, not a group of each, which would sort every post.
  const kinds = opts.serves ?? servesValues;
  const area = opts.byArea ? openings.areaCode : sql<string | null>`NULL`;
  // `name k` for each value k of `serves`: the sum of `value` over its posts.
  const perServes = (name: string, value: SQL) =>
    Object.fromEntries(kinds.map((k) => [`${name} ${k}`, sql<number>`coalesce(sum(CASE WHEN ${openings.serves} = ${k} THEN ${value} END), 0)`]));

  const slotsQ = db
    .select({
      areaCode: area,
      ...perServes('slots', sql`CASE WHEN ${standing} THEN ${openings.slots} ELSE 0 END`),
      // By area, which values each area has posts of (only those get a row).
      ...(opts.byArea ? perServes('posts', sql`1`) : {}),
    })
    .from(openings)
    .where(counted);

  // A post's placements not ended by asOf: in work on it (started by then)
  // or promised (recorded by then, starting later). The partial index is
  // named so both arms seek it; its WHERE is spelled out for SQLite to
  // accept it.
  const notEnded = (ends: SQL) => sql`SELECT ${placements.openingId} AS opening_id, ${placements.startDate} AS start_date
    FROM ${placements} INDEXED BY placements_post_taken_idx
    WHERE ${placements.type} = 'public_welfare' AND ${placements.openingId} IS NOT NULL AND ${ends}
      AND (${placements.startDate} <= ${asOf} OR ${placements.createdAt} < ${end})`;
  const taken = sql`(SELECT opening_id, sum(start_date <= ${asOf}) AS filled, count(*) AS taken FROM (
      ${notEnded(sql`${placements.endDate} IS NULL`)}
      UNION ALL
      ${notEnded(sql`${placements.endDate} > ${asOf}`)}
    ) GROUP BY opening_id) AS taken`;
  const takenQ = db
    .select({
      areaCode: area,
      ...perServes('filled', sql`taken.filled`),
      ...perServes('held', sql`CASE WHEN ${standing} THEN min(taken.taken, ${openings.slots}) ELSE 0 END`),
    })
    .from(openings)
    .innerJoin(taken, sql`taken.opening_id = ${openings.id}`)
    .where(counted);

  const [slotRows, takenRows] = await Promise.all(opts.byArea ? [slotsQ.groupBy(openings.areaCode), takenQ.groupBy(openings.areaCode)] : [slotsQ, takenQ]);
  const rows = new Map<string, PostSlotRow>();
  for (const r of slotRows as Array<Record<string, unknown>>) {
    for (const k of kinds) {
      // By area, only what the area has posts of; in all, every value.
      if (opts.byArea && !Number(r[`posts ${k}`])) continue;
      rows.set(`${r.areaCode ?? ''}\u0000${k}`, { areaCode: (r.areaCode as string | null) ?? null, serves: k, filled: 0, open: Number(r[`slots ${k}`] ?? 0) });
    }
  }
  for (const r of takenRows as Array<Record<string, unknown>>) {
    for (const k of kinds) {
      const row = rows.get(`${r.areaCode ?? ''}\u0000${k}`);
      if (!row) continue; // every taken row's post is among slotRows' (the same posts)
      row.filled += Number(r[`filled ${k}`] ?? 0);
      row.open -= Number(r[`held ${k}`] ?? 0);
    }
  }
  return [...rows.values()];
}

/** Slots of the area's posts serving elders, children or disabled people on asOf, per area and what they serve. */
export async function servingPostsAsOf(db: Db, prefix: string, asOf: string) {
  const rows = await postSlotTotals(db, prefix, asOf, { byArea: true, serves: ['elders', 'children', 'disabled'] });
  return rows.map((r) => ({ ...r, areaCode: r.areaCode as string }));
}
