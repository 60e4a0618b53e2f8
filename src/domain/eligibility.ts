// Who may take which opening, and who goes first. Pure rules over plain facts;
// the matching queries and the application verbs both call these.
//
// A public-welfare post (乡村公益性岗位) takes, as the provincial rules say
// (DESIGN.md): a person registered in the post's area (a village post: of that
// village; a township post: of that township — the household's home area
// code begins with the post's), aged POST_RULES minAge to maxAge on the day
// (the hire's start, a renewal's date, today for matching), able to work, of
// a poverty-alleviated or monitored household, never of a cadre household
// (村干部户), and only while neither the person nor anyone of the household
// holds another. A person whose birth date is not recorded is not refused for
// it (most records come from sheets without one) but every list staff pick
// from says "birth date not recorded" (eligibilityNotes), so they check it.
import { type Availability, openingKinds } from '../../db/schema.js';
import type { PostRules } from './post-rules.js';

export interface WorkerFacts {
  ableToWork: boolean;
  erased: boolean;
  availability: Availability;
  cannotLeaveHome: boolean;
  skills: string[];
  povertyAlleviated: boolean;
  monitored: boolean;
  /** The household is on the zero-employment list today. */
  zeroEmployment: boolean;
  /** The person holds a public-welfare post now. */
  holdsPublicWelfare: boolean;
  /** Someone in the household holds a public-welfare post now. */
  householdHoldsPublicWelfare: boolean;
  /** The household's home area: a village (12 digits) or a township (9). */
  areaCode: string;
  /** YYYY-MM-DD, or null when not recorded. */
  birthDate: string | null;
  /** The household is a village cadre's (村干部户) on the day. */
  cadreHousehold: boolean;
}

export interface OpeningFacts {
  kind: 'public_welfare' | 'workshop' | 'enterprise';
  povertyOnly: boolean;
  hours: Availability;
  skills: string[];
  /** The post's area: for a public-welfare post, who may hold it lives there (a village, a township…). */
  areaCode: string;
}

/**
 * The age bounds of POST_RULES turned into birth dates for one day, once per
 * call rather than once per pair: a person born on or before `bornBy` is
 * minAge or older on `day`; one born on or before `tooOldBy` is past maxAge
 * (maxAge + 1 or older). Dates compare as strings; a shifted 29 February
 * that does not exist still sorts between the 28th and 1 March.
 */
export interface PostDay {
  day: string;
  bornBy: string;
  tooOldBy: string;
}

const yearsBefore = (day: string, years: number) => `${String(Number(day.slice(0, 4)) - years).padStart(4, '0')}${day.slice(4, 10)}`;

export function postDay(day: string, rules: Pick<PostRules, 'minAge' | 'maxAge'>): PostDay {
  return { day, bornBy: yearsBefore(day, rules.minAge), tooOldBy: yearsBefore(day, rules.maxAge + 1) };
}

/** Whole years of age on `day` of a person born on `birthDate`. */
export function ageOn(birthDate: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return day.slice(5, 10) >= birthDate.slice(5, 10) ? years : years - 1;
}

/** A public-welfare post goes to people of its area: the household's home area lies within the post's. */
export const inPostArea = (workerArea: string, postArea: string) => workerArea.startsWith(postArea);

export type Ineligibility =
  | 'not_able_to_work'
  | 'erased'
  | 'poverty_only'
  | 'holds_public_welfare_post'
  | 'household_holds_public_welfare_post'
  | 'outside_post_area'
  | 'under_min_age'
  | 'over_max_age'
  | 'cadre_household'
  | 'hours_do_not_fit';

const hoursLevel: Record<Availability, number> = { flexible: 0, part_day: 1, full_day: 2 };

/** A worker available for longer hours can also take shorter ones. */
export const hoursFit = (worker: Availability, opening: Availability) => hoursLevel[worker] >= hoursLevel[opening];

const ELIGIBLE: readonly Ineligibility[] = Object.freeze([]);

/**
 * Why the worker may not take the opening on `on.day`; empty (one shared
 * list, so the matcher's many calls allocate nothing) when they may.
 */
export function ineligibilities(w: WorkerFacts, o: OpeningFacts, on: PostDay): readonly Ineligibility[] {
  let out: Ineligibility[] | null = null;
  if (!w.ableToWork) (out ??= []).push('not_able_to_work');
  if (w.erased) (out ??= []).push('erased');
  const povertyOnly = o.povertyOnly || o.kind === 'public_welfare';
  if (povertyOnly && !w.povertyAlleviated && !w.monitored) (out ??= []).push('poverty_only');
  if (o.kind === 'public_welfare') {
    if (w.holdsPublicWelfare) (out ??= []).push('holds_public_welfare_post');
    else if (w.householdHoldsPublicWelfare) (out ??= []).push('household_holds_public_welfare_post');
    if (!inPostArea(w.areaCode, o.areaCode)) (out ??= []).push('outside_post_area');
    if (w.birthDate !== null) {
      if (w.birthDate > on.bornBy) (out ??= []).push('under_min_age');
      else if (w.birthDate <= on.tooOldBy) (out ??= []).push('over_max_age');
    }
    if (w.cadreHousehold) (out ??= []).push('cadre_household');
  }
  if (!hoursFit(w.availability, o.hours)) (out ??= []).push('hours_do_not_fit');
  return out ?? ELIGIBLE;
}

const availabilities = Object.keys(hoursLevel) as Availability[];

/**
 * The facts of an opening that ineligibilities() reads besides its area
 * (kind, poverty-only, hours), as one small number below OPENING_CLASSES:
 * the rules refuse two openings of one class alike, but for the post's area.
 */
export const openingClass = (o: Pick<OpeningFacts, 'kind' | 'povertyOnly' | 'hours'>) =>
  ((openingKinds as readonly string[]).indexOf(o.kind) * 2 + (o.povertyOnly ? 1 : 0)) * availabilities.length + hoursLevel[o.hours];
export const OPENING_CLASSES = openingKinds.length * 2 * availabilities.length;

/**
 * For each opening class, 1 when the rules refuse the worker every opening
 * of it, wherever it is: asked of ineligibilities() with the post's area
 * set to the worker's own, the one area whose rule never refuses them. A
 * ranking reading hundreds of openings passes those over by their class
 * alone (the rules still have the last word on the rest).
 */
export function refusedClasses(w: WorkerFacts, on: PostDay): Uint8Array {
  const refused = new Uint8Array(OPENING_CLASSES);
  for (const kind of openingKinds) {
    for (const povertyOnly of [false, true]) {
      for (const hours of availabilities) {
        const o = { kind, povertyOnly, hours, skills: [], areaCode: w.areaCode };
        refused[openingClass(o)] = ineligibilities(w, o, on).length > 0 ? 1 : 0;
      }
    }
  }
  return refused;
}

export const ineligibilityText: Record<Ineligibility, string> = {
  not_able_to_work: 'the person is recorded as not able to work',
  erased: 'the person\'s data was erased',
  poverty_only: 'only for poverty-alleviated or monitored households',
  holds_public_welfare_post: 'the person already holds a public-welfare post',
  household_holds_public_welfare_post: 'someone in the household already holds a public-welfare post',
  outside_post_area: 'the person is not registered in the post\'s village or township',
  under_min_age: 'the person is younger than the minimum age for a public-welfare post on the day',
  over_max_age: 'the person is older than the maximum age for a public-welfare post on the day',
  cadre_household: 'the household is a village cadre\'s household (村干部户)',
  hours_do_not_fit: 'the hours do not fit the person\'s availability',
};

export type EligibilityNote = 'birth_date_not_recorded';

const NO_NOTES: readonly EligibilityNote[] = Object.freeze([]);

/** What staff should check by hand before they pick an eligible person (a rule that could not be applied). */
export function eligibilityNotes(w: Pick<WorkerFacts, 'birthDate'>, o: Pick<OpeningFacts, 'kind'>): readonly EligibilityNote[] {
  return o.kind === 'public_welfare' && w.birthDate === null ? ['birth_date_not_recorded'] : NO_NOTES;
}

export const eligibilityNoteText: Record<EligibilityNote, string> = {
  birth_date_not_recorded: 'birth date not recorded: check the age before the hire',
};

/** 0 = zero-employment household, 1 = monitored, 2 = other poverty-alleviated, 3 = everyone else. */
export type PriorityTier = 0 | 1 | 2 | 3;
export const tierNames = ['zero_employment', 'monitored', 'poverty_alleviated', 'general'] as const;

export function priorityTier(w: Pick<WorkerFacts, 'zeroEmployment' | 'monitored' | 'povertyAlleviated'>): PriorityTier {
  if (w.zeroEmployment) return 0;
  if (w.monitored) return 1;
  if (w.povertyAlleviated) return 2;
  return 3;
}
