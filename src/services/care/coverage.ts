// Care coverage (照料服务覆盖): per village of an area, as of a date, the
// civil-affairs counts (the newest sheet row on or before the date), the
// posts there that serve elders, children or disabled people (filled / open
// slots, by the rule of Stats.publicWelfarePosts, services/stats.ts
// postSlots), and the carers who cannot leave home and are not in work; each
// village scored and ranked by domain/care-score.ts.
//
// "As of D": counts of the newest row dated D or before (none: not counted);
// a carer registered by D (registered_on) and with no placement active on D.
// Whether a person cannot leave home, and whom they care for, is as the
// record says now (those facts have no history). The counts are per village:
// posts and carers registered at a township's own code are in the totals,
// not on a village's row.
//
// Four grouped queries, each on its own index (care_counts_area_date_uq,
// openings_serves_area_idx, workers_carers_idx with placements_worker_idx,
// areas' primary key), however many villages: a prefecture is 1,800 rows.
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import { areas, careCounts, households, openings, placements, workers } from '../../../db/schema.js';
import type { ServiceCtx } from '../../context.js';
import { type CareGroup, careGroups, careScore, type CareScore, compareCare } from '../../domain/care-score.js';
import { activeOn } from '../household-status.js';
import { today } from '../households.js';
import { areaPrefix } from '../sql.js';
import { postSlots, resolveStatsArea, type Stats, statsFor, type StatsQuery, targetOn } from '../stats.js';

export interface CareCoverageQuery {
  /** An area code; staff default to (and are held to) their own area. */
  area?: string;
  /** YYYY-MM-DD; defaults to today in China. */
  asOf?: string;
}

type Slots = { filled: number; open: number };
type CareForCounts = { elders: number; children: number; disabled: number; other: number };

export interface CareVillage {
  rank: number;
  areaCode: string;
  name: string;
  township: { code: string; name: string } | null;
  /** The civil-affairs counts in force on asOf and the date of their sheet; zeros and null when none. */
  counts: { elders: number; children: number; disabled: number; asOf: string | null };
  /** Slots of the posts here serving each group. */
  servingPosts: Record<CareGroup, Slots>;
  /** People here who cannot leave home and are not in work; `eligible`: of them, in a poverty-alleviated or monitored household. */
  carers: { notInWork: number; eligible: number; byCareFor: CareForCounts };
  score: number;
  /** The group a new post here should serve (the largest need per post); null when no need is counted. */
  suggestedServes: CareGroup | null;
  reason: CareScore;
}

export interface CareTotals {
  leftBehindElders: number;
  leftBehindChildren: number;
  disabledInDifficulty: number;
  /** Slots of all serving posts of the area (any kind), filled and open. */
  servingPosts: Slots;
  carersNotInWork: number;
  carersEligible: number;
}

export interface CareCoverage {
  area: string | null;
  asOf: string;
  totals: CareTotals;
  /** Every village with a count, a serving post or a carer, best place for a new post first. */
  villages: CareVillage[];
}

const num = (v: unknown) => Number(v ?? 0);
const zeroSlots = (): Record<CareGroup, Slots> => ({ elders: { filled: 0, open: 0 }, children: { filled: 0, open: 0 }, disabled: { filled: 0, open: 0 } });

/** The area's care coverage as of a date, villages ranked. */
export async function careCoverage(ctx: ServiceCtx, q: CareCoverageQuery): Promise<CareCoverage> {
  const prefix = await resolveStatsArea(ctx, q.area);
  const asOf = q.asOf ?? today(ctx);
  const db = ctx.db;

  const namesQ = db
    .select({ code: areas.code, name: areas.name, parent: areas.parent, level: areas.level })
    .from(areas)
    .where(and(areaPrefix(areas.code, prefix), inArray(areas.level, ['township', 'village'])));

  const [countRows, postRows, carerRows, nameRows] = await Promise.all([
    countsAsOf(db, prefix, asOf),
    servingPostsAsOf(db, prefix, asOf),
    carersAsOf(db, prefix, asOf),
    namesQ,
  ]);

  const totals: CareTotals = {
    leftBehindElders: 0,
    leftBehindChildren: 0,
    disabledInDifficulty: 0,
    servingPosts: { filled: 0, open: 0 },
    carersNotInWork: 0,
    carersEligible: 0,
  };
  const names = new Map(nameRows.map((a) => [a.code, a]));
  type Acc = Omit<CareVillage, 'rank' | 'score' | 'suggestedServes' | 'reason'>;
  const byVillage = new Map<string, Acc>();
  const village = (code: string): Acc | undefined => {
    const a = names.get(code);
    if (!a || a.level !== 'village') return undefined;
    let v = byVillage.get(code);
    if (!v) {
      const t = a.parent ? names.get(a.parent) : undefined;
      v = {
        areaCode: code,
        name: a.name,
        township: t ? { code: t.code, name: t.name } : null,
        counts: { elders: 0, children: 0, disabled: 0, asOf: null },
        servingPosts: zeroSlots(),
        carers: { notInWork: 0, eligible: 0, byCareFor: { elders: 0, children: 0, disabled: 0, other: 0 } },
      };
      byVillage.set(code, v);
    }
    return v;
  };
  for (const r of countRows) {
    totals.leftBehindElders += num(r.elders);
    totals.leftBehindChildren += num(r.children);
    totals.disabledInDifficulty += num(r.disabled);
    const v = village(r.areaCode);
    if (v) v.counts = { elders: num(r.elders), children: num(r.children), disabled: num(r.disabled), asOf: r.date };
  }
  for (const r of postRows) {
    const s = { filled: num(r.filled), open: num(r.open) };
    totals.servingPosts.filled += s.filled;
    totals.servingPosts.open += s.open;
    const v = village(r.areaCode);
    if (v && (careGroups as readonly string[]).includes(r.serves)) v.servingPosts[r.serves as CareGroup] = s;
  }
  for (const r of carerRows) {
    totals.carersNotInWork += num(r.notInWork);
    totals.carersEligible += num(r.eligible);
    const v = village(r.areaCode);
    if (v) v.carers = { notInWork: num(r.notInWork), eligible: num(r.eligible), byCareFor: { elders: num(r.elders), children: num(r.children), disabled: num(r.disabled), other: num(r.other) } };
  }

  const scored = [...byVillage.values()].map((v) => {
    const reason = careScore({
      people: { elders: v.counts.elders, children: v.counts.children, disabled: v.counts.disabled },
      servingPosts: {
        elders: v.servingPosts.elders.filled + v.servingPosts.elders.open,
        children: v.servingPosts.children.filled + v.servingPosts.children.open,
        disabled: v.servingPosts.disabled.filled + v.servingPosts.disabled.open,
      },
      carers: v.carers.eligible,
    });
    return { v, reason, peopleTotal: v.counts.elders + v.counts.children + v.counts.disabled };
  });
  scored.sort((a, b) => compareCare({ score: a.reason, peopleTotal: a.peopleTotal, areaCode: a.v.areaCode }, { score: b.reason, peopleTotal: b.peopleTotal, areaCode: b.v.areaCode }));
  const villages = scored.map(({ v, reason }, i) => ({ rank: i + 1, ...v, score: reason.score, suggestedServes: reason.serves, reason }));
  return { area: prefix || null, asOf, totals, villages };
}

type Db = ServiceCtx['db'];

/** The civil-affairs counts in force on asOf, per area: the newest row on or before it (care_counts_area_date_uq). */
function countsAsOf(db: Db, prefix: string, asOf: string) {
  // The newest row on or before asOf per village: SQLite takes the bare
  // columns of a max() group from the row holding the max.
  return db
    .select({
      areaCode: careCounts.areaCode,
      date: sql<string>`max(${careCounts.effectiveDate})`,
      elders: careCounts.elders,
      children: careCounts.children,
      disabled: careCounts.disabled,
    })
    .from(careCounts)
    .where(and(areaPrefix(careCounts.areaCode, prefix), lte(careCounts.effectiveDate, asOf)))
    .groupBy(careCounts.areaCode);
}

/** Slots of the area's serving posts on asOf, per area and what they serve (openings_serves_area_idx; the rule of postSlots). */
function servingPostsAsOf(db: Db, prefix: string, asOf: string) {
  const slot = postSlots(asOf);
  const posts = db
    .select({
      areaCode: openings.areaCode,
      serves: openings.serves,
      slots: openings.slots,
      standing: slot.standing.as('standing'),
      filled: slot.filled.as('filled'),
      promised: slot.promised.as('promised'),
    })
    .from(openings)
    .where(and(inArray(openings.serves, [...careGroups]), areaPrefix(openings.areaCode, prefix), slot.counted))
    .as('posts');
  return db
    .select({
      areaCode: posts.areaCode,
      serves: posts.serves,
      filled: sql<number>`coalesce(sum(${posts.filled}), 0)`,
      open: sql<number>`coalesce(sum(CASE WHEN ${posts.standing} THEN max(${posts.slots} - ${posts.filled} - ${posts.promised}, 0) ELSE 0 END), 0)`,
    })
    .from(posts)
    .groupBy(posts.areaCode, posts.serves);
}

/**
 * People who cannot leave home, registered by asOf and with no placement
 * active on it, per area: `eligible` of them in a poverty-alleviated or
 * monitored household on asOf, and by whom they care for. One entry of
 * workers_carers_idx each, with a seek for their placements and their
 * household: about 0.4 s for a prefecture's 210 k carers, so GET /v1/stats
 * leaves it out.
 */
function carersAsOf(db: Db, prefix: string, asOf: string) {
  // The partial index workers_carers_idx holds only people who cannot leave
  // home, are able to work and not erased: its WHERE is repeated word for word.
  const has = (g: string) => sql<number>`coalesce(sum(instr(${workers.careFor}, ${`"${g}"`}) > 0), 0)`;
  return db
    .select({
      areaCode: workers.areaCode,
      notInWork: sql<number>`count(*)`,
      eligible: sql<number>`coalesce(sum(${targetOn(asOf)}), 0)`,
      elders: has('elders'),
      children: has('children'),
      disabled: has('disabled'),
      other: has('other'),
    })
    .from(workers)
    .innerJoin(households, eq(households.id, workers.householdId))
    .where(
      and(
        sql`${workers.cannotLeaveHome} = 1 AND ${workers.erasedAt} IS NULL AND ${workers.ableToWork} = 1`,
        areaPrefix(workers.areaCode, prefix),
        lte(workers.registeredOn, asOf),
        sql`NOT EXISTS (SELECT 1 FROM ${placements} WHERE ${placements.workerId} = ${workers.id} AND ${activeOn(asOf)})`,
      ),
    )
    .groupBy(workers.areaCode);
}

/** The civil-affairs counts and the serving posts of an area as of a date: the care part of GET /v1/stats. */
export interface StatsCare {
  leftBehindElders: number;
  leftBehindChildren: number;
  disabledInDifficulty: number;
  servingPosts: Slots;
}

/**
 * Stats with the area's care counts and serving posts beside them (GET
 * /v1/stats, the overview): two small grouped queries. The carers are on
 * GET /v1/care-coverage (a prefecture's take longer than all of Stats).
 */
export async function statsWithCare(ctx: ServiceCtx, q: StatsQuery): Promise<Stats & { care: StatsCare }> {
  const stats = await statsFor(ctx, q);
  const prefix = stats.area ?? '';
  const [countRows, postRows] = await Promise.all([countsAsOf(ctx.db, prefix, stats.asOf), servingPostsAsOf(ctx.db, prefix, stats.asOf)]);
  const care: StatsCare = { leftBehindElders: 0, leftBehindChildren: 0, disabledInDifficulty: 0, servingPosts: { filled: 0, open: 0 } };
  for (const r of countRows) {
    care.leftBehindElders += num(r.elders);
    care.leftBehindChildren += num(r.children);
    care.disabledInDifficulty += num(r.disabled);
  }
  for (const r of postRows) {
    care.servingPosts.filled += num(r.filled);
    care.servingPosts.open += num(r.open);
  }
  return { ...stats, care };
}
