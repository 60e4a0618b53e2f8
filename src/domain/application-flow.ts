// The application state machine: suggested → applied → offered → hired |
// declined | withdrawn | expired. Every ending but a hire carries a coded reason.
import type { applicationStates, endingReasons } from '../../db/schema.js';

export type ApplicationState = (typeof applicationStates)[number];
export type EndingReason = (typeof endingReasons)[number];

const next: Record<ApplicationState, ApplicationState[]> = {
  suggested: ['applied', 'declined', 'withdrawn', 'expired'],
  applied: ['offered', 'declined', 'withdrawn', 'expired'],
  offered: ['hired', 'declined', 'withdrawn', 'expired'],
  hired: [],
  declined: [],
  withdrawn: [],
  expired: [],
};

export const openStates: ApplicationState[] = ['suggested', 'applied', 'offered'];
export const isEnding = (s: ApplicationState) => next[s].length === 0;
export const needsReason = (to: ApplicationState) => to === 'declined' || to === 'withdrawn' || to === 'expired';
export const canMove = (from: ApplicationState, to: ApplicationState) => next[from].includes(to);
export const allowedFrom = (from: ApplicationState) => next[from];

/** Applications idle this many days expire with reason `expired`. */
export const APPLICATION_IDLE_DAYS = 60;

/** Who may make which move: an employer acts on its own openings, the worker's side (staff or the person) on the rest. */
export function moverMay(role: 'employer' | 'worker_side', from: ApplicationState, to: ApplicationState): boolean {
  if (role === 'employer') {
    return (from === 'applied' && (to === 'offered' || to === 'declined')) || (from === 'offered' && (to === 'hired' || to === 'declined'));
  }
  return true;
}
