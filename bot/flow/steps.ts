// The order of the sign-up, the groups a registered person edits, and the
// fixed choices the steps offer.
import type { Availability, CareFor } from '../../db/schema.js';
import type { Draft, EditGroup, EndingReason, PlacementType, Session, Step } from './types.js';

/**
 * The sign-up, shortest first: the place of home comes by the village (a
 * location can be sent later, from 改资料), whether one can go out and whom
 * one cares for is one question, and there is no confirmation step — the
 * summary follows and every fact can be changed.
 */
export const SIGNUP: Step[] = ['name', 'phone', 'county', 'township', 'village', 'leave_home', 'skills', 'hours', 'distance'];

export const GROUPS: Record<EditGroup, Step[]> = {
  name: ['name'],
  phone: ['phone'],
  village: ['county', 'township', 'village'],
  home: ['location'],
  care: ['leave_home', 'care_for'],
  skills: ['skills'],
  hours: ['hours'],
  distance: ['distance'],
};
export const EDIT_GROUPS = Object.keys(GROUPS) as EditGroup[];

export const AREA_PAGE = 8;
export const MATCH_PAGE = 3;
export const CARE: CareFor[] = ['elders', 'children', 'disabled', 'other'];
export const HOURS: Availability[] = ['full_day', 'part_day', 'flexible'];
export const DISTANCES = [5, 10, 25];
export const WITHDRAW_REASONS: EndingReason[] = ['chose_other', 'hours_do_not_fit', 'wage', 'not_mobile', 'other'];
export const EMPLOYER_REASONS: EndingReason[] = ['not_reachable', 'hours_do_not_fit', 'not_eligible', 'other'];
/** Provinces most migrant workers go to (Guangdong, Zhejiang, Fujian, Jiangsu, Shanghai, …), listed first. */
export const COMMON_DESTINATIONS = ['44', '33', '35', '32', '31', '11', '51', '52', '45'];
export const FOUND_TYPES: PlacementType[] = ['workshop', 'enterprise', 'public_welfare', 'self_employed', 'migrant'];

/** Steps a draft skips: whom one cares for only after "cannot go out", and only when editing (sign-up asks it in one tap). */
function applies(step: Step, d: Draft, editing: boolean): boolean {
  if (step === 'care_for') return editing && d.cannotLeaveHome === true;
  return true;
}

const sequence = (s: Session) => (s.editing ? GROUPS[s.editing] : SIGNUP);

export const inSignup = (s: Session) => s.editing === null && SIGNUP.includes(s.step);

/** The next step of the sign-up (or of the group being edited), or null when it is done. */
export function nextStep(s: Session): Step | null {
  const seq = sequence(s);
  for (let i = seq.indexOf(s.step) + 1; i < seq.length; i++) if (applies(seq[i]!, s.draft, s.editing !== null)) return seq[i]!;
  return null;
}

export function previousStep(s: Session): Step | null {
  const seq = sequence(s);
  for (let i = seq.indexOf(s.step) - 1; i >= 0; i--) if (applies(seq[i]!, s.draft, s.editing !== null)) return seq[i]!;
  return null;
}

/** A draft that holds something the person typed or picked (worth asking before throwing it away). */
export const draftStarted = (d: Draft) => Object.values(d).some((v) => v !== undefined);

/** YYYY-MM of `months` months before the month of an ISO date. */
export function monthBefore(isoDate: string, months: number): string {
  const y = Number(isoDate.slice(0, 4));
  const m = Number(isoDate.slice(5, 7)) - 1 - months;
  const d = new Date(Date.UTC(y, m, 1));
  return d.toISOString().slice(0, 7);
}
