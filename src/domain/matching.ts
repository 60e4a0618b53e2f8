// Matching rules over plain facts: who is within reach of what (by distance,
// or by administrative nearness when a point is missing), how well an opening
// fits a worker, why, and in which order. The services only narrow rows with
// indexes and hand them here; these functions decide.
import type { CareFor } from '../../db/schema.js';
import {
  hoursFit,
  type Ineligibility,
  ineligibilities,
  type OpeningFacts,
  type PostDay,
  type PriorityTier,
  priorityTier,
  tierNames,
  type WorkerFacts,
} from './eligibility.js';
import { distanceKm, type Point, roundKm } from './geo.js';

export interface MatchWorker extends WorkerFacts {
  id: number;
  householdId: number;
  /** The household's village (12 digits) or township (9 digits). */
  areaCode: string;
  home: Point | null;
  maxDistanceKm: number;
  careFor: CareFor[];
  /** Someone in the household is in work today (any placement); only the candidates list needs it. */
  householdInWork?: boolean;
}

export interface MatchOpening extends OpeningFacts {
  id: number;
  /** Any level: village, township, county… */
  areaCode: string;
  point: Point | null;
  serves: 'none' | 'elders' | 'children' | 'disabled';
}

export type AreaLevel = 'village' | 'township' | 'county';

/** How a worker reaches an opening: measured, or judged from area codes when a point is missing. */
export type Nearness = { by: 'distance'; km: number } | { by: 'area'; level: AreaLevel };

/** Without points, the same county counts as within reach only for workers who go this far. */
export const COUNTY_REACH_KM = 25;

/**
 * Stand-in distances for administrative nearness, used to rank and score it
 * against measured distances: a village is a few km across, a township a
 * walk or a bus ride, a county a day trip.
 */
export const NOMINAL_KM: Record<AreaLevel, number> = { village: 2, township: 6, county: 20 };

/** Digits of an area code at each level. */
export const AREA_CODE_DIGITS: Record<AreaLevel, number> = { village: 12, township: 9, county: 6 };

const sameArea = (a: string, b: string, digits: number) =>
  a.length >= digits && b.length >= digits && a.slice(0, digits) === b.slice(0, digits);

/** The closest administrative level two places share that counts as within this worker's reach. */
export function areaNearness(workerArea: string, openingArea: string, maxDistanceKm: number): AreaLevel | null {
  if (sameArea(workerArea, openingArea, AREA_CODE_DIGITS.village)) return 'village';
  if (sameArea(workerArea, openingArea, AREA_CODE_DIGITS.township)) return 'township';
  if (maxDistanceKm >= COUNTY_REACH_KM && sameArea(workerArea, openingArea, AREA_CODE_DIGITS.county)) return 'county';
  return null;
}

/** Within reach by haversine km from home when both points are known, else by area codes; null when out of reach. */
export function nearness(
  w: Pick<MatchWorker, 'home' | 'areaCode' | 'maxDistanceKm'>,
  o: Pick<MatchOpening, 'point' | 'areaCode'>,
): Nearness | null {
  if (w.home && o.point) {
    const km = distanceKm(w.home, o.point);
    return km <= w.maxDistanceKm ? { by: 'distance', km } : null;
  }
  const level = areaNearness(w.areaCode, o.areaCode, w.maxDistanceKm);
  return level ? { by: 'area', level } : null;
}

/** Km to rank by: measured, or the stand-in of the shared area. */
export const rankKm = (n: Nearness) => (n.by === 'distance' ? n.km : NOMINAL_KM[n.level]);

/** Someone who cannot leave home, registered in a village: a post serving that village's people suits them best. */
export const isVillageCarer = (w: Pick<MatchWorker, 'cannotLeaveHome' | 'areaCode'>) =>
  w.cannotLeaveHome && w.areaCode.length === AREA_CODE_DIGITS.village;

/** A carer who cannot leave home, and a post serving people of their own village. */
export function servesOwnVillage(
  w: Pick<MatchWorker, 'cannotLeaveHome' | 'areaCode'>,
  o: Pick<MatchOpening, 'serves' | 'areaCode'>,
): boolean {
  return isVillageCarer(w) && o.serves !== 'none' && o.areaCode === w.areaCode;
}

export function skillsMatch(has: readonly string[], wants: readonly string[]) {
  const own = new Set(has);
  return { met: wants.filter((s) => own.has(s)), missing: wants.filter((s) => !own.has(s)) };
}

export type TierName = (typeof tierNames)[number];

/** Structured, so the bot and the web render them in any language. */
export type Reason =
  | { code: 'distance'; km: number }
  | { code: 'same_village' }
  | { code: 'same_township' }
  | { code: 'same_county' }
  | { code: 'skills_met'; skills: string[] }
  | { code: 'skills_missing'; skills: string[] }
  | { code: 'no_skills_needed' }
  | { code: 'priority_tier'; tier: TierName }
  | { code: 'hours_fit'; hours: OpeningFacts['hours'] }
  | { code: 'cannot_leave_home' }
  | { code: 'serves_own_village'; serves: Exclude<MatchOpening['serves'], 'none'> };

/** The most each part adds to a score (out of 100). */
export const SCORE_POINTS = { nearness: 40, skills: 30, hours: 10, servesOwnVillage: 20 } as const;

/** Nearness points halve at 5 km and fall off slowly after. */
export const nearnessPoints = (km: number) => (SCORE_POINTS.nearness * 5) / (5 + km);

/**
 * An opening's points for a worker besides nearness: skills met (every wanted
 * skill counts alike; half when none is wanted), hours (exactly the worker's
 * availability fits better than shorter), serving the carer's own village.
 */
export function pointsBesideNearness(w: MatchWorker, o: MatchOpening): number {
  let met = 0; // as skillsMatch counts them, without its lists
  for (const s of o.skills) if (w.skills.includes(s)) met++;
  return (
    (o.skills.length === 0 ? SCORE_POINTS.skills / 2 : (SCORE_POINTS.skills * met) / o.skills.length) +
    (o.hours === w.availability ? SCORE_POINTS.hours : SCORE_POINTS.hours / 2) +
    (servesOwnVillage(w, o) ? SCORE_POINTS.servesOwnVillage : 0)
  );
}

/** The score, rounded to 0.1, from the rank km and pointsBesideNearness: the one formula evaluate() and rankOnly() share. */
const scoreFrom = (km: number, beside: number) => Math.round((nearnessPoints(km) + beside) * 10) / 10;

/** What an opening wants of a worker's skills: one of theirs, no skill at all, or only skills they lack. */
export type SkillsWanted = 'theirs' | 'none' | 'others';

/**
 * The most an opening at `km` or beyond (measured) can score, unless it
 * serves a carer's own village: nearness there, and the most of
 * pointsBesideNearness for what it wants of the worker's skills.
 */
export function scoreBeyond(km: number, wanted: SkillsWanted): number {
  const skills = wanted === 'theirs' ? SCORE_POINTS.skills : wanted === 'none' ? SCORE_POINTS.skills / 2 : 0;
  return nearnessPoints(km) + skills + SCORE_POINTS.hours;
}

export interface Match {
  /** Haversine km rounded to 10 m; null when the reach was judged by area. */
  distanceKm: number | null;
  nearness: Nearness;
  rankKm: number;
  tier: PriorityTier;
  servesOwnVillage: boolean;
  score: number;
  reasons: Reason[];
}

export type Refusal = Ineligibility | 'out_of_reach';

export type Evaluation = { ok: true; match: Match } | { ok: false; refusals: Refusal[] };

/** Whether the opening suits the worker on `on.day`, and if it does how well and why. */
export function evaluate(w: MatchWorker, o: MatchOpening, on: PostDay): Evaluation {
  const refusals: Refusal[] = [...ineligibilities(w, o, on)];
  const near = nearness(w, o);
  if (!near) refusals.push('out_of_reach');
  if (refusals.length > 0 || !near) return { ok: false, refusals };

  const km = rankKm(near);
  const tier = priorityTier(w);
  const skills = skillsMatch(w.skills, o.skills);
  const own = servesOwnVillage(w, o);

  const reasons: Reason[] = [
    near.by === 'distance' ? { code: 'distance', km: roundKm(near.km) } : { code: `same_${near.level}` },
  ];
  if (o.skills.length === 0) reasons.push({ code: 'no_skills_needed' });
  if (skills.met.length > 0) reasons.push({ code: 'skills_met', skills: skills.met });
  if (skills.missing.length > 0) reasons.push({ code: 'skills_missing', skills: skills.missing });
  reasons.push({ code: 'priority_tier', tier: tierNames[tier] });
  if (hoursFit(w.availability, o.hours)) reasons.push({ code: 'hours_fit', hours: o.hours });
  if (w.cannotLeaveHome) reasons.push({ code: 'cannot_leave_home' });
  if (own) reasons.push({ code: 'serves_own_village', serves: o.serves as Exclude<MatchOpening['serves'], 'none'> });

  return {
    ok: true,
    match: {
      distanceKm: near.by === 'distance' ? roundKm(near.km) : null,
      nearness: near,
      rankKm: km,
      tier,
      servesOwnVillage: own,
      score: scoreFrom(km, pointsBesideNearness(w, o)),
      reasons,
    },
  };
}

/**
 * The score and rank km evaluate() gives, without building its reasons, or
 * null where it refuses: to rank many openings and evaluate only the best.
 */
export function rankOnly(w: MatchWorker, o: MatchOpening, on: PostDay): { score: number; rankKm: number } | null {
  if (ineligibilities(w, o, on).length > 0) return null;
  return rankEligible(w, o, pointsBesideNearness(w, o));
}

/**
 * rankOnly() for an opening ineligibilities() accepts, given its
 * pointsBesideNearness (a ranking that has them asks neither again): null
 * out of reach.
 */
export function rankEligible(w: MatchWorker, o: MatchOpening, beside: number): { score: number; rankKm: number } | null {
  const near = nearness(w, o);
  if (!near) return null;
  const km = rankKm(near);
  return { score: scoreFrom(km, beside), rankKm: km };
}

/** A worker's openings: best score first, then nearer, then the older opening. */
export function compareMatches(
  a: { id: number; match: Pick<Match, 'score' | 'rankKm'> },
  b: { id: number; match: Pick<Match, 'score' | 'rankKm'> },
): number {
  return b.match.score - a.match.score || a.match.rankKm - b.match.rankKm || a.id - b.id;
}

export interface RankedCandidate {
  worker: Pick<MatchWorker, 'id' | 'cannotLeaveHome' | 'householdInWork'>;
  match: Match;
}

/**
 * An opening's candidates, when places are scarce: zero-employment households
 * first, then monitored, then other poverty-alleviated, then everyone; within
 * a tier those who cannot leave home, among them carers for a post serving
 * their own village, then nearer; the earlier registration last.
 */
export function compareCandidates(a: RankedCandidate, b: RankedCandidate): number {
  return (
    a.match.tier - b.match.tier ||
    Number(b.worker.cannotLeaveHome) - Number(a.worker.cannotLeaveHome) ||
    Number(b.match.servesOwnVillage) - Number(a.match.servesOwnVillage) ||
    a.match.rankKm - b.match.rankKm ||
    a.worker.id - b.worker.id
  );
}

/**
 * Allocation aims at households: for a public-welfare post, while an eligible
 * zero-employment household within reach has no post, no household that
 * already has someone in work gets one. Takes every eligible candidate within
 * reach (or at least all that decide the answer) and says who stays listed.
 */
export function householdRule<T extends RankedCandidate>(
  opening: Pick<MatchOpening, 'kind'>,
  candidates: T[],
): { kept: T[]; heldBack: T[] } {
  const applies = opening.kind === 'public_welfare' && candidates.some((c) => c.match.tier === 0);
  if (!applies) return { kept: candidates, heldBack: [] };
  const kept: T[] = [];
  const heldBack: T[] = [];
  for (const c of candidates) (c.worker.householdInWork ? heldBack : kept).push(c);
  return { kept, heldBack };
}
