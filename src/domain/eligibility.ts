// Who may take which opening, and who goes first. Pure rules over plain facts;
// the matching queries and the application verbs both call these.
import type { Availability } from '../../db/schema.js';

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
}

export interface OpeningFacts {
  kind: 'public_welfare' | 'workshop' | 'enterprise';
  povertyOnly: boolean;
  hours: Availability;
  skills: string[];
}

export type Ineligibility =
  | 'not_able_to_work'
  | 'erased'
  | 'poverty_only'
  | 'holds_public_welfare_post'
  | 'household_holds_public_welfare_post'
  | 'hours_do_not_fit';

const hoursLevel: Record<Availability, number> = { flexible: 0, part_day: 1, full_day: 2 };

/** A worker available for longer hours can also take shorter ones. */
export const hoursFit = (worker: Availability, opening: Availability) => hoursLevel[worker] >= hoursLevel[opening];

const ELIGIBLE: readonly Ineligibility[] = Object.freeze([]);

/** Why the worker may not take the opening; empty (one shared list, so the matcher's many calls allocate nothing) when they may. */
export function ineligibilities(w: WorkerFacts, o: OpeningFacts): readonly Ineligibility[] {
  let out: Ineligibility[] | null = null;
  if (!w.ableToWork) (out ??= []).push('not_able_to_work');
  if (w.erased) (out ??= []).push('erased');
  const povertyOnly = o.povertyOnly || o.kind === 'public_welfare';
  if (povertyOnly && !w.povertyAlleviated && !w.monitored) (out ??= []).push('poverty_only');
  if (o.kind === 'public_welfare') {
    if (w.holdsPublicWelfare) (out ??= []).push('holds_public_welfare_post');
    else if (w.householdHoldsPublicWelfare) (out ??= []).push('household_holds_public_welfare_post');
  }
  if (!hoursFit(w.availability, o.hours)) (out ??= []).push('hours_do_not_fit');
  return out ?? ELIGIBLE;
}

export const ineligibilityText: Record<Ineligibility, string> = {
  not_able_to_work: 'the person is recorded as not able to work',
  erased: 'the person\'s data was erased',
  poverty_only: 'only for poverty-alleviated or monitored households',
  holds_public_welfare_post: 'the person already holds a public-welfare post',
  household_holds_public_welfare_post: 'someone in the household already holds a public-welfare post',
  hours_do_not_fit: 'the hours do not fit the person\'s availability',
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
