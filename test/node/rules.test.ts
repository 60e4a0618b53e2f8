// The pure rules, with plain objects: zero-employment periods, eligibility,
// priority, transfer scope, the application state machine, the grid, and
// matching (reach, score, reasons, order, the household rule).
import { describe, expect, it } from 'vitest';
import { attachRecords, type MovedRecord } from '../../src/counting/revision-records.js';
import { parseDateText } from '../../src/domain/dates.js';
import { canMove, moverMay, needsReason } from '../../src/domain/application-flow.js';
import {
  ageOn,
  eligibilityNotes,
  hoursFit,
  ineligibilities,
  OPENING_CLASSES,
  openingClass,
  type OpeningFacts,
  postDay,
  priorityTier,
  refusedClasses,
  type WorkerFacts,
} from '../../src/domain/eligibility.js';
import { addMonths } from '../../src/domain/dates.js';
import { HONGHE_POST_RULES } from '../../src/domain/post-rules.js';
import { boundingBox, distanceKm } from '../../src/domain/geo.js';
import { cellMinKm, cellRanges, gridCell, gridRings, reachBand } from '../../src/domain/grid.js';
import { periodOn, zeroEmploymentPeriods } from '../../src/domain/household-status.js';
import {
  areaNearness,
  compareCandidates,
  compareMatches,
  evaluate,
  householdRule,
  type Match,
  type MatchOpening,
  type MatchWorker,
  nearness,
  nearnessPoints,
  pointsBesideNearness,
  rankOnly,
  scoreBeyond,
} from '../../src/domain/matching.js';
import { transferScope } from '../../src/domain/transfer.js';

const VILLAGE = '532503001001';
const OTHER_VILLAGE_SAME_TOWNSHIP = '532503001002';
const OTHER_TOWNSHIP = '532503002001';
const OTHER_COUNTY = '532501001001';
const HOME = { lat: 23.4, lon: 103.38 };
/** The day the rules are checked on, with Honghe's ages (16 to 60). */
const ON = postDay('2026-06-01', HONGHE_POST_RULES);

const worker = (over: Partial<MatchWorker> = {}): MatchWorker => ({
  id: 1,
  householdId: 1,
  areaCode: VILLAGE,
  home: HOME,
  maxDistanceKm: 5,
  careFor: [],
  ableToWork: true,
  erased: false,
  availability: 'full_day',
  cannotLeaveHome: false,
  skills: [],
  povertyAlleviated: false,
  monitored: false,
  zeroEmployment: false,
  holdsPublicWelfare: false,
  householdHoldsPublicWelfare: false,
  birthDate: null,
  cadreHousehold: false,
  ...over,
});

const opening = (over: Partial<MatchOpening> = {}): MatchOpening => ({
  id: 1,
  areaCode: VILLAGE,
  point: { lat: 23.41, lon: 103.38 },
  kind: 'workshop',
  serves: 'none',
  hours: 'full_day',
  skills: [],
  povertyOnly: false,
  ...over,
});

/** A point `km` north of HOME. */
const north = (km: number) => ({ lat: HOME.lat + km / 111.195, lon: HOME.lon });

describe('zero-employment household rule', () => {
  const base = { registeredOn: '2026-01-01', incomeAtMinimumSince: null, placements: [] };

  it('a household with a member able to work and nobody in work is on the list from registration', () => {
    const periods = zeroEmploymentPeriods({ ...base, members: [{ ableToWork: true, since: '2026-01-01' }] });
    expect(periods).toEqual([{ startDate: '2026-01-01', endDate: null }]);
  });

  it('a household with nobody able to work is never on the list', () => {
    expect(zeroEmploymentPeriods({ ...base, members: [{ ableToWork: false, since: '2026-01-01' }] })).toEqual([]);
  });

  it('leaves the list while a member is in work and comes back when a short job ends', () => {
    const periods = zeroEmploymentPeriods({
      ...base,
      members: [{ ableToWork: true, since: '2026-01-01' }],
      placements: [{ startDate: '2026-02-01', endDate: '2026-03-01' }],
    });
    expect(periods).toEqual([
      { startDate: '2026-01-01', endDate: '2026-02-01' },
      { startDate: '2026-03-01', endDate: null },
    ]);
    expect(periodOn(periods, '2026-02-15')).toBeUndefined();
    expect(periodOn(periods, '2026-03-01')?.startDate).toBe('2026-03-01');
  });

  it('180 days of work in the last 12 months keep the household off the list until they fall out of the window', () => {
    const periods = zeroEmploymentPeriods({
      ...base,
      members: [{ ableToWork: true, since: '2026-01-01' }],
      placements: [{ startDate: '2026-01-01', endDate: '2026-07-01' }], // 181 days
    });
    // Back on the list once fewer than 180 of the last 365 days were worked:
    // on day d the window (d-365, d] holds 181 - (d - 2026-12-31) worked days.
    expect(periods).toEqual([{ startDate: '2027-01-02', endDate: null }]);
  });

  it('179 days of work do not keep the household off the list after the job ends', () => {
    const periods = zeroEmploymentPeriods({
      ...base,
      members: [{ ableToWork: true, since: '2026-01-01' }],
      placements: [{ startDate: '2026-01-01', endDate: '2026-06-29' }], // 179 days
    });
    expect(periods).toEqual([{ startDate: '2026-06-29', endDate: null }]);
  });

  it('income at or above the local minimum recorded by staff takes the household off the list', () => {
    const periods = zeroEmploymentPeriods({
      ...base,
      incomeAtMinimumSince: '2026-05-10',
      members: [{ ableToWork: true, since: '2026-01-01' }],
    });
    expect(periods).toEqual([{ startDate: '2026-01-01', endDate: '2026-05-10' }]);
  });
});

describe('eligibility and priority', () => {
  const facts = (over: Partial<WorkerFacts> = {}): WorkerFacts => ({ ...worker(), ...over });
  const post = (over: Partial<OpeningFacts> = {}): OpeningFacts => ({ kind: 'workshop', povertyOnly: false, hours: 'full_day', skills: [], areaCode: VILLAGE, ...over });

  it('poverty-only openings and every public-welfare post take only poverty-alleviated or monitored households', () => {
    expect(ineligibilities(facts(), post({ povertyOnly: true }), ON)).toEqual(['poverty_only']);
    expect(ineligibilities(facts(), post({ kind: 'public_welfare' }), ON)).toEqual(['poverty_only']);
    expect(ineligibilities(facts({ povertyAlleviated: true }), post({ kind: 'public_welfare' }), ON)).toEqual([]);
    expect(ineligibilities(facts({ monitored: true }), post({ povertyOnly: true }), ON)).toEqual([]);
    expect(ineligibilities(facts(), post(), ON)).toEqual([]);
  });

  it('no second public-welfare post for the person or for the household', () => {
    const pw = post({ kind: 'public_welfare' });
    expect(ineligibilities(facts({ povertyAlleviated: true, holdsPublicWelfare: true }), pw, ON)).toEqual(['holds_public_welfare_post']);
    expect(ineligibilities(facts({ povertyAlleviated: true, householdHoldsPublicWelfare: true }), pw, ON)).toEqual([
      'household_holds_public_welfare_post',
    ]);
    // A workshop job is still open to them.
    expect(ineligibilities(facts({ povertyAlleviated: true, holdsPublicWelfare: true }), post(), ON)).toEqual([]);
  });

  it('hours fit when the worker is available at least as long as the opening needs', () => {
    expect(hoursFit('full_day', 'part_day')).toBe(true);
    expect(hoursFit('part_day', 'flexible')).toBe(true);
    expect(hoursFit('flexible', 'full_day')).toBe(false);
    expect(hoursFit('part_day', 'full_day')).toBe(false);
    expect(ineligibilities(facts({ availability: 'flexible' }), post(), ON)).toEqual(['hours_do_not_fit']);
  });

  it('a public-welfare post goes to people of its village, or of its township for a township post', () => {
    const poor = facts({ povertyAlleviated: true });
    expect(ineligibilities(poor, post({ kind: 'public_welfare', areaCode: VILLAGE }), ON)).toEqual([]);
    expect(ineligibilities(facts({ povertyAlleviated: true, areaCode: OTHER_VILLAGE_SAME_TOWNSHIP }), post({ kind: 'public_welfare' }), ON)).toEqual([
      'outside_post_area',
    ]);
    // A township post (the post's area is the township) takes any village of it, not another township's.
    const township = post({ kind: 'public_welfare', areaCode: VILLAGE.slice(0, 9) });
    expect(ineligibilities(facts({ povertyAlleviated: true, areaCode: OTHER_VILLAGE_SAME_TOWNSHIP }), township, ON)).toEqual([]);
    expect(ineligibilities(facts({ povertyAlleviated: true, areaCode: OTHER_TOWNSHIP }), township, ON)).toEqual(['outside_post_area']);
    // A workshop job is not bound to the village.
    expect(ineligibilities(facts({ areaCode: OTHER_COUNTY }), post(), ON)).toEqual([]);
  });

  it('a public-welfare holder is 16 to 60 on the day (Honghe), counted to the birthday', () => {
    const pw = post({ kind: 'public_welfare' });
    const born = (birthDate: string) => ineligibilities(facts({ povertyAlleviated: true, birthDate }), pw, ON);
    expect(born('2010-06-02')).toEqual(['under_min_age']); // 15 until tomorrow
    expect(born('2010-06-01')).toEqual([]); // 16 today
    expect(born('1965-06-02')).toEqual([]); // 60, 61 tomorrow
    expect(born('1965-06-01')).toEqual(['over_max_age']); // 61 today
    expect(ageOn('2010-06-02', '2026-06-01')).toBe(15);
    expect(ageOn('2010-06-01', '2026-06-01')).toBe(16);
    // Another prefecture's bounds come from POST_RULES.
    expect(ineligibilities(facts({ povertyAlleviated: true, birthDate: '1970-01-01' }), pw, postDay('2026-06-01', { minAge: 18, maxAge: 55 }))).toEqual([
      'over_max_age',
    ]);
    // Someone born on 29 February turns 16 on 1 March in a common year.
    expect(ineligibilities(facts({ povertyAlleviated: true, birthDate: '2008-02-29' }), pw, postDay('2024-02-28', HONGHE_POST_RULES))).toEqual(['under_min_age']);
    expect(ineligibilities(facts({ povertyAlleviated: true, birthDate: '2008-02-29' }), pw, postDay('2024-02-29', HONGHE_POST_RULES))).toEqual([]);
    // Age is a post rule only: a workshop takes a 15-year-old's application as before.
    expect(ineligibilities(facts({ birthDate: '2010-06-02' }), post(), ON)).toEqual([]);
  });

  it('no birth date: not refused, but staff are told to check it', () => {
    const pw = post({ kind: 'public_welfare' });
    expect(ineligibilities(facts({ povertyAlleviated: true }), pw, ON)).toEqual([]);
    expect(eligibilityNotes(facts(), pw)).toEqual(['birth_date_not_recorded']);
    expect(eligibilityNotes(facts({ birthDate: '1980-01-01' }), pw)).toEqual([]);
    expect(eligibilityNotes(facts(), post())).toEqual([]);
  });

  it('never a village cadre household (村干部户), whatever else holds', () => {
    const pw = post({ kind: 'public_welfare' });
    expect(ineligibilities(facts({ povertyAlleviated: true, zeroEmployment: true, cadreHousehold: true }), pw, ON)).toEqual(['cadre_household']);
    expect(ineligibilities(facts({ cadreHousehold: true }), post(), ON)).toEqual([]);
  });

  it('an agreement of 12 months ends on the same day a year on (exclusive); a missing day is the month\'s last', () => {
    expect(addMonths('2026-01-15', 12)).toBe('2027-01-15');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
  });

  it('people unable to work or erased are not eligible', () => {
    expect(ineligibilities(facts({ ableToWork: false }), post(), ON)).toContain('not_able_to_work');
    expect(ineligibilities(facts({ erased: true }), post(), ON)).toContain('erased');
  });

  it('refusedClasses: an opening class is refused exactly when the rules refuse every opening of it, wherever it is', () => {
    // Every worker fact the rules read, every opening fact, every post area.
    const areas = [VILLAGE, VILLAGE.slice(0, 9), OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP, OTHER_COUNTY];
    const flags = [false, true];
    const classes = new Set<number>();
    let refusedSeen = 0;
    for (const kind of ['public_welfare', 'workshop', 'enterprise'] as const)
      for (const povertyOnly of flags)
        for (const hours of ['flexible', 'part_day', 'full_day'] as const) {
          const cls = openingClass({ kind, povertyOnly, hours });
          expect(cls).toBeGreaterThanOrEqual(0);
          expect(cls).toBeLessThan(OPENING_CLASSES);
          classes.add(cls);
          for (const availability of ['flexible', 'part_day', 'full_day'] as const)
            for (const poor of flags)
              for (const holds of flags)
                for (const householdHolds of flags)
                  for (const cadre of flags)
                    for (const birthDate of [null, '2015-01-01', '1980-01-01', '1950-01-01']) {
                      const w = facts({ availability, povertyAlleviated: poor, holdsPublicWelfare: holds, householdHoldsPublicWelfare: householdHolds, cadreHousehold: cadre, birthDate });
                      const refusedEverywhere = areas.every((areaCode) => ineligibilities(w, post({ kind, povertyOnly, hours, areaCode }), ON).length > 0);
                      expect(refusedClasses(w, ON)[cls]).toBe(refusedEverywhere ? 1 : 0);
                      if (refusedEverywhere) refusedSeen++;
                    }
        }
    // Eighteen classes, each its own number; both answers were reached.
    expect(classes.size).toBe(OPENING_CLASSES);
    expect(refusedSeen).toBeGreaterThan(0);
    expect(refusedClasses(facts(), ON).includes(0)).toBe(true);
  });

  it('priority: zero-employment household, then monitored, then poverty-alleviated, then everyone', () => {
    expect(priorityTier({ zeroEmployment: true, monitored: true, povertyAlleviated: true })).toBe(0);
    expect(priorityTier({ zeroEmployment: false, monitored: true, povertyAlleviated: true })).toBe(1);
    expect(priorityTier({ zeroEmployment: false, monitored: false, povertyAlleviated: true })).toBe(2);
    expect(priorityTier({ zeroEmployment: false, monitored: false, povertyAlleviated: false })).toBe(3);
  });
});

describe('transfer scope', () => {
  it('derives township, county, province and out-of-province from area codes', () => {
    expect(transferScope(VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP)).toBe('township');
    expect(transferScope(VILLAGE, OTHER_TOWNSHIP)).toBe('county');
    expect(transferScope(VILLAGE, OTHER_COUNTY)).toBe('province');
    expect(transferScope(VILLAGE, '530102')).toBe('province');
    expect(transferScope(VILLAGE, '44')).toBe('out_of_province');
    expect(transferScope(VILLAGE, '440305')).toBe('out_of_province');
  });

  it('a place known only to the home county counts as county', () => {
    expect(transferScope(VILLAGE, '532503')).toBe('county');
  });
});

describe('application state machine', () => {
  it('moves suggested → applied → offered → hired and ends from any open state', () => {
    expect(canMove('suggested', 'applied')).toBe(true);
    expect(canMove('applied', 'offered')).toBe(true);
    expect(canMove('offered', 'hired')).toBe(true);
    for (const from of ['suggested', 'applied', 'offered'] as const) {
      for (const to of ['declined', 'withdrawn', 'expired'] as const) expect(canMove(from, to)).toBe(true);
    }
  });

  it('refuses skipping steps and leaving an ending', () => {
    expect(canMove('suggested', 'hired')).toBe(false);
    expect(canMove('applied', 'hired')).toBe(false);
    expect(canMove('hired', 'declined')).toBe(false);
    expect(canMove('declined', 'applied')).toBe(false);
  });

  it('every ending but a hire needs a coded reason', () => {
    expect(needsReason('declined')).toBe(true);
    expect(needsReason('withdrawn')).toBe(true);
    expect(needsReason('expired')).toBe(true);
    expect(needsReason('hired')).toBe(false);
  });

  it('an employer offers, hires and declines but does not withdraw for the worker', () => {
    expect(moverMay('employer', 'applied', 'offered')).toBe(true);
    expect(moverMay('employer', 'offered', 'hired')).toBe(true);
    expect(moverMay('employer', 'offered', 'withdrawn')).toBe(false);
    expect(moverMay('employer', 'suggested', 'applied')).toBe(false);
  });
});

describe('grid', () => {
  it('the cells of a bounding box contain the cell of every point within the radius', () => {
    const box = boundingBox(HOME, 10);
    const ranges = cellRanges(box)!;
    const inRanges = (cell: number) => ranges.some(([a, b]) => cell >= a && cell <= b);
    for (let i = 0; i < 200; i++) {
      const angle = (i / 200) * 2 * Math.PI;
      const p = { lat: HOME.lat + (9.99 / 111.195) * Math.sin(angle), lon: HOME.lon + (9.99 / (111.195 * Math.cos((HOME.lat * Math.PI) / 180))) * Math.cos(angle) };
      expect(distanceKm(HOME, p)).toBeLessThanOrEqual(10);
      expect(inRanges(gridCell(p))).toBe(true);
    }
  });

  it('rings around a point cover the cells of its box once each, and no point of a ring or cell is nearer than said', () => {
    // A seeded walk over places, the antimeridian and high latitudes included.
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const places = [HOME, { lat: 23.4, lon: 179.95 }, { lat: -41.3, lon: -179.97 }, { lat: 64.1, lon: -21.9 }, { lat: -0.01, lon: 0.01 }];
    for (const p of places) {
      for (const km of [3, 25, 50]) {
        const box = boundingBox(p, km);
        const grid = gridRings(p, box);
        const seen: number[] = [];
        for (let k = 0; k < grid.rings; k++) {
          for (const cell of grid.ring(k)) {
            seen.push(cell);
            // Points of the cell (a cell is 1/50 degree square; cell = row * 100000 + column).
            const row = Math.floor(cell / 100_000);
            const col = cell % 100_000;
            for (let i = 0; i < 4; i++) {
              const q = { lat: (row + rand()) / 50 - 90, lon: (col + rand()) / 50 - 180 };
              expect(gridCell(q)).toBe(cell);
              const d = distanceKm(p, q);
              expect(cellMinKm(p, cell)).toBeLessThanOrEqual(d);
              expect(grid.ringMinKm(k)).toBeLessThanOrEqual(d);
            }
          }
        }
        const expected = cellRanges(box)!.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
        expect(new Set(seen).size).toBe(seen.length);
        expect([...seen].sort((a, b) => a - b)).toEqual([...new Set(expected)].sort((a, b) => a - b));
      }
    }
  });

  it('reach bands: 5 km, 10 km, 25 km and beyond', () => {
    expect(reachBand(3)).toBe(0);
    expect(reachBand(5)).toBe(0);
    expect(reachBand(5.5)).toBe(1);
    expect(reachBand(25)).toBe(2);
    expect(reachBand(1000)).toBe(5);
  });
});

describe('matching', () => {
  it('rankOnly gives evaluate\'s score and rank km without its reasons, and nothing beyond a distance outscores scoreBeyond there', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const codes = ['sewing', 'cooking', 'driving', 'elder_care'];
    const areas = [VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP, OTHER_COUNTY, '532503'];
    let accepted = 0;
    // The most seen besides nearness, by what the opening wants: each bound is reached, so none is loose.
    const bound = { theirs: 0, none: 0, others: 0 };
    for (let i = 0; i < 3000; i++) {
      const w = worker({
        areaCode: pick([VILLAGE, '532503001']),
        home: rand() < 0.8 ? HOME : null,
        maxDistanceKm: pick([5, 10, 25, 50]),
        cannotLeaveHome: rand() < 0.3,
        skills: codes.filter(() => rand() < 0.4),
        availability: pick(['full_day', 'part_day', 'flexible'] as const),
        povertyAlleviated: rand() < 0.5,
        holdsPublicWelfare: rand() < 0.1,
      });
      const o = opening({
        areaCode: pick(areas),
        point: rand() < 0.8 ? north(rand() * 60) : null,
        kind: pick(['workshop', 'enterprise', 'public_welfare'] as const),
        serves: pick(['none', 'elders', 'children'] as const),
        hours: pick(['full_day', 'part_day', 'flexible'] as const),
        skills: codes.filter(() => rand() < 0.3),
        povertyOnly: rand() < 0.2,
      });
      const e = evaluate(w, o, ON);
      const r = rankOnly(w, o, ON);
      if (!e.ok) {
        expect(r).toBeNull();
        continue;
      }
      accepted++;
      expect(r).toEqual({ score: e.match.score, rankKm: e.match.rankKm });
      expect(e.match.score).toBeCloseTo(nearnessPoints(e.match.rankKm) + pointsBesideNearness(w, o), 0);
      if (!e.match.servesOwnVillage) {
        const wanted = o.skills.length === 0 ? 'none' : o.skills.some((sk) => w.skills.includes(sk)) ? 'theirs' : 'others';
        expect(e.match.score).toBeLessThanOrEqual(scoreBeyond(e.match.rankKm, wanted) + 0.05);
        expect(e.match.score).toBeLessThanOrEqual(scoreBeyond(e.match.rankKm, w.skills.length > 0 ? 'theirs' : 'none') + 0.05);
        bound[wanted] = Math.max(bound[wanted], e.match.score - nearnessPoints(e.match.rankKm));
      }
    }
    expect(accepted).toBeGreaterThan(300);
    for (const wanted of ['theirs', 'none', 'others'] as const) expect(bound[wanted]).toBeCloseTo(scoreBeyond(0, wanted) - nearnessPoints(0), 0);
  });

  it('within reach by haversine distance from home, the exact formula deciding', () => {
    expect(nearness(worker(), opening({ point: north(4.9) }))).toMatchObject({ by: 'distance' });
    expect(nearness(worker(), opening({ point: north(5.1) }))).toBeNull();
    expect(nearness(worker({ maxDistanceKm: 10 }), opening({ point: north(5.1) }))).toMatchObject({ by: 'distance' });
  });

  it('falls back to administrative nearness when a point is missing', () => {
    expect(nearness(worker({ home: null }), opening({ areaCode: VILLAGE }))).toEqual({ by: 'area', level: 'village' });
    expect(nearness(worker(), opening({ point: null, areaCode: OTHER_VILLAGE_SAME_TOWNSHIP }))).toEqual({ by: 'area', level: 'township' });
    expect(nearness(worker({ home: null }), opening({ areaCode: OTHER_TOWNSHIP }))).toBeNull();
    expect(nearness(worker({ home: null, maxDistanceKm: 25 }), opening({ areaCode: OTHER_TOWNSHIP }))).toEqual({ by: 'area', level: 'county' });
    expect(areaNearness(VILLAGE, OTHER_COUNTY, 100)).toBeNull();
  });

  it('an ineligible or unreachable opening is refused with the reasons', () => {
    const e = evaluate(worker(), opening({ kind: 'public_welfare', point: north(20) }), ON);
    expect(e).toEqual({ ok: false, refusals: ['poverty_only', 'out_of_reach'] });
  });

  it('a match carries distance, skills, tier, hours and the carer reasons', () => {
    const e = evaluate(
      worker({ skills: ['sewing'], cannotLeaveHome: true, careFor: ['elders'], povertyAlleviated: true, zeroEmployment: true }),
      opening({ kind: 'public_welfare', serves: 'elders', skills: ['sewing', 'cooking'], point: north(1) }),
      ON,
    );
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    expect(e.match.distanceKm).toBeCloseTo(1, 1);
    expect(e.match.reasons).toEqual([
      { code: 'distance', km: e.match.distanceKm },
      { code: 'skills_met', skills: ['sewing'] },
      { code: 'skills_missing', skills: ['cooking'] },
      { code: 'priority_tier', tier: 'zero_employment' },
      { code: 'hours_fit', hours: 'full_day' },
      { code: 'cannot_leave_home' },
      { code: 'serves_own_village', serves: 'elders' },
    ]);
  });

  it('a post serving the carer’s own village ranks above an otherwise equal one elsewhere', () => {
    const carer = worker({ cannotLeaveHome: true, careFor: ['children'], povertyAlleviated: true });
    const own = evaluate(carer, opening({ id: 1, serves: 'children', point: north(2) }), ON);
    const elsewhere = evaluate(carer, opening({ id: 2, serves: 'children', areaCode: OTHER_VILLAGE_SAME_TOWNSHIP, point: north(2) }), ON);
    if (!own.ok || !elsewhere.ok) throw new Error('both should match');
    expect(own.match.servesOwnVillage).toBe(true);
    expect(elsewhere.match.servesOwnVillage).toBe(false);
    expect(own.match.score).toBeGreaterThan(elsewhere.match.score);
    // A worker who can leave home gets no such rank-up.
    const mobile = evaluate(worker(), opening({ serves: 'children', point: north(2) }), ON);
    expect(mobile.ok && mobile.match.servesOwnVillage).toBe(false);
  });

  it('nearer openings with the same fit rank first; skills met raise the score', () => {
    const w = worker({ skills: ['sewing'] });
    const list = [
      { id: 1, e: evaluate(w, opening({ id: 1, point: north(4) }), ON) },
      { id: 2, e: evaluate(w, opening({ id: 2, point: north(1) }), ON) },
      { id: 3, e: evaluate(w, opening({ id: 3, point: north(1), skills: ['sewing'] }), ON) },
    ].map(({ id, e }) => ({ id, match: (e as { ok: true; match: Match }).match }));
    expect(list.sort(compareMatches).map((m) => m.id)).toEqual([3, 2, 1]);
  });

  it('candidates: tier first, cannot-leave-home first within a tier, then nearer', () => {
    const cand = (id: number, over: Partial<MatchWorker>, km: number) => {
      const w = worker({ id, povertyAlleviated: true, ...over });
      const e = evaluate(w, opening({ kind: 'public_welfare', point: north(km) }), ON);
      if (!e.ok) throw new Error(`worker ${id} should match`);
      return { worker: w, match: e.match };
    };
    const ranked = [
      cand(1, {}, 0.5), // poverty-alleviated, near
      cand(2, { monitored: true }, 4), // monitored, far
      cand(3, { zeroEmployment: true }, 4.5), // zero-employment, farthest
      cand(4, { zeroEmployment: true, cannotLeaveHome: true, careFor: ['elders'] }, 4.8),
      cand(5, { zeroEmployment: true }, 1),
    ].sort(compareCandidates);
    expect(ranked.map((c) => c.worker.id)).toEqual([4, 5, 3, 2, 1]);
  });

  it('household rule: a household already in work is held back from a public-welfare post while a zero-employment one waits', () => {
    const c = (id: number, tier: 0 | 2, householdInWork: boolean) => ({
      worker: { id, cannotLeaveHome: false, householdInWork },
      match: { tier } as Match,
    });
    const all = [c(1, 0, false), c(2, 2, true), c(3, 2, false)];
    const pw = householdRule({ kind: 'public_welfare' }, all);
    expect(pw.kept.map((x) => x.worker.id)).toEqual([1, 3]);
    expect(pw.heldBack.map((x) => x.worker.id)).toEqual([2]);
    // Without a zero-employment household waiting, or for a workshop job, nobody is held back.
    expect(householdRule({ kind: 'public_welfare' }, [c(2, 2, true), c(3, 2, false)]).heldBack).toEqual([]);
    expect(householdRule({ kind: 'workshop' }, all).heldBack).toEqual([]);
  });
});

describe('which records account for which revision', () => {
  const rec = (kind: MovedRecord['kind'], detail: MovedRecord['detail'] = {}): MovedRecord => ({ kind, id: 1, change: `${kind}.x`, date: '2026-11-20', changedAt: '2026-12-03T02:00:00Z', changedBy: null, detail });
  const moved = (figure: string, records: MovedRecord[]) => attachRecords([{ figure, filed: 1, now: 2 }], records)[0]!.records.map((r) => `${r.kind}${r.detail.type ? `:${r.detail.type}` : ''}`);
  const all = [rec('placement', { type: 'migrant' }), rec('placement', { type: 'workshop' }), rec('placement', { type: 'public_welfare' }), rec('household'), rec('workshop'), rec('worker')];

  it('a figure lists only the kinds of record that can move it', () => {
    expect(moved('inWork.total', all)).toEqual(['placement:migrant', 'placement:workshop', 'placement:public_welfare']);
    expect(moved('publicWelfarePosts.open', all)).toEqual(['placement:public_welfare']);
    expect(moved('workshops.certified', all)).toEqual(['workshop']);
    expect(moved('workshops.povertyAlleviatedEmployed', all)).toEqual(['placement:workshop', 'household', 'workshop']);
    expect(moved('zeroEmployment.remaining', all)).toEqual(['placement:migrant', 'placement:workshop', 'placement:public_welfare', 'household', 'worker']);
    expect(moved('workersRegistered', all)).toEqual(['worker']);
  });
});

describe('dates as people write them', () => {
  it('reads the usual ways and refuses days that do not exist', () => {
    for (const t of ['2026-11-03', '2026/11/3', '2026.11.3', '2026年11月3日', '20261103', '２０２６－１１－０３']) expect(parseDateText(t), t).toEqual({ date: '2026-11-03' });
    expect(parseDateText('2026-02-29')).toHaveProperty('reason');
    expect(parseDateText('2024-02-29')).toEqual({ date: '2024-02-29' });
    expect(parseDateText('2026-13-01')).toHaveProperty('reason');
    expect(parseDateText('11/03/2026')).toHaveProperty('reason');
  });
});
