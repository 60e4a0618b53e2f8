// The zero-employment rule (零就业家庭) as a pure function of a household's
// records. A household is on the list on day d when:
//   - a member able to work is registered by d, and
//   - no member is in work on d (a placement with start <= d < end), and
//   - members worked fewer than 180 days in the 12 months up to d, and
//   - staff have not recorded income at or above the local minimum wage by d.
// (A member holding a contract of a year or more is in work, so that exit
// rule is covered by the second line.) The result is the list of periods, so
// "remaining as of any date" and "waiting since" are simple lookups.
import { dayNumber, isoDay } from './dates.js';

export const EXIT_DAYS_WORKED = 180;
export const WINDOW_DAYS = 365;
/** A zero-employment household with no placement this many days after joining the list is overdue. */
export const OVERDUE_DAYS = 15;

export interface MemberFacts {
  id?: number;
  ableToWork: boolean;
  /** Date the member was registered. */
  since: string;
  /** The day the member died (exclusive end of being a member able to work), when recorded. */
  until?: string | null;
}
export interface PlacementFacts {
  id?: number;
  startDate: string;
  endDate: string | null;
}
export interface HouseholdFacts {
  registeredOn: string;
  incomeAtMinimumSince: string | null;
  members: MemberFacts[];
  placements: PlacementFacts[];
}
export interface Period {
  startDate: string;
  /** Exclusive; null when still on the list. */
  endDate: string | null;
}

type Span = { s: number; e: number }; // [s, e) in day numbers, e = Infinity when open

export function zeroEmploymentPeriods(h: HouseholdFacts): Period[] {
  const able = h.members.filter((m) => m.ableToWork).map((m) => dayNumber(m.since));
  if (able.length === 0) return [];
  const first = Math.max(dayNumber(h.registeredOn), Math.min(...able));
  // The household has no member able to work from the day its last one died.
  const untils = h.members.filter((m) => m.ableToWork).map((m) => (m.until ? dayNumber(m.until) : Infinity));
  const lastAble = Math.max(...untils);
  const stop = Math.min(h.incomeAtMinimumSince ? dayNumber(h.incomeAtMinimumSince) : Infinity, lastAble);
  if (stop <= first) return [];
  const spans: Span[] = h.placements
    .map((p) => ({ s: dayNumber(p.startDate), e: p.endDate ? dayNumber(p.endDate) : Infinity }))
    .filter((p) => p.e > p.s);

  const working = (d: number) => spans.some((p) => p.s <= d && d < p.e);
  // Days worked in the window (d - 365, d], counting overlapping placements once each.
  const worked = (d: number) => {
    const lo = d - WINDOW_DAYS + 1;
    const hi = d + 1;
    let n = 0;
    for (const p of spans) n += Math.max(0, Math.min(p.e, hi) - Math.max(p.s, lo));
    return n;
  };
  const onList = (d: number) => d >= first && d < stop && !working(d) && worked(d) < EXIT_DAYS_WORKED;

  const breaks = new Set<number>([first]);
  for (const p of spans) {
    breaks.add(p.s);
    if (p.e !== Infinity) {
      breaks.add(p.e);
      breaks.add(p.e + WINDOW_DAYS);
    }
  }
  if (stop !== Infinity) breaks.add(stop);
  const points = [...breaks].filter((d) => d >= first).sort((a, b) => a - b);

  const out: Span[] = [];
  const push = (s: number, e: number) => {
    const last = out[out.length - 1];
    if (last && last.e === s) last.e = e;
    else out.push({ s, e });
  };
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1] ?? Infinity;
    if (a >= stop) break;
    const end = Math.min(b, stop);
    if (working(a)) continue;
    // Between breakpoints with nobody working, days worked in the window can
    // only fall, so the rule turns true at most once: find where by halving.
    if (onList(a)) {
      push(a, end);
      continue;
    }
    let lo = a;
    let hi = end === Infinity ? a + WINDOW_DAYS + 1 : end;
    if (!onList(hi - 1)) continue;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (onList(mid)) hi = mid;
      else lo = mid;
    }
    push(hi, end);
  }
  return out.map((p) => ({ startDate: isoDay(p.s), endDate: p.e === Infinity ? null : isoDay(p.e) }));
}

/** The period the household is in on that date, if it is on the list then. */
export function periodOn(periods: Period[], isoDate: string): Period | undefined {
  return periods.find((p) => p.startDate <= isoDate && (p.endDate === null || isoDate < p.endDate));
}
