// Care coverage (照料服务覆盖): per village of an area, as of a date, the
// civil-affairs counts (the newest sheet row on or before the date), the
// posts there that serve elders, children or disabled people (filled / open
// slots of public-welfare posts, by the rule of Stats.publicWelfarePosts,
// counting/post-slots.ts), and the carers who cannot leave home and are not in work; each
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
// openings_kind_area_idx, workers_carers_idx with placements_worker_idx,
// areas' primary key), however many villages: a prefecture is 1,800 rows.
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import { areas, households, placements, workers } from '../../../db/schema.js';
import type { ServiceCtx } from '../../context.js';
import { type CareGroup, careGroups, careScore, type CareScore, compareCare } from '../../domain/care-score.js';
import { activeOn } from '../household-status.js';
import { today } from '../households.js';
import { areaPrefix } from '../sql.js';
import { servingPostsAsOf } from '../../counting/post-slots.js';
import { careCountsAsOf, resolveStatsArea, targetOn } from '../stats.js';

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
  /** Slots of the public-welfare posts of the area serving elders, children or disabled people, filled and open. */
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
    careCountsAsOf(db, prefix, asOf),
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

/**
 * People who cannot leave home, registered by asOf and with no placement
 * active on it, per area: `eligible` of them in a poverty-alleviated or
 * monitored household on asOf, and by whom they care for. One entry of
 * workers_carers_idx each, with a seek for their placements and their
 * household: about 0.4 s for a prefecture's 210 k carers, so Stats (GET /v1/stats)
 * leaves it out.
 */
export function carersAsOf(db: Db, prefix: string, asOf: string) {
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
