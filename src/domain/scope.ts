// Who may see and touch what: staff see their area code prefix, an employer
// only itself, an admin everything. Objects outside scope answer 404, so their
// existence does not leak.
import type { Actor, Role } from '../context.js';
import { AppError } from '../errors.js';

export function areaInScope(actor: Actor, areaCode: string): boolean {
  if (actor.role === 'admin' || actor.role === 'system') return true;
  if (actor.role === 'staff') return areaCode.startsWith(actor.areaPrefix);
  return false;
}

export function requireRole<R extends Role>(
  actor: Actor,
  ...roles: R[]
): asserts actor is Extract<Actor, { role: R }> {
  if (actor.role === 'anonymous') {
    throw new AppError('unauthorized', 'A bearer token is required');
  }
  if (!(roles as Role[]).includes(actor.role)) {
    throw new AppError('forbidden', `The ${actor.role} role may not do this`);
  }
}

/** Narrows an area filter to the caller's scope; a filter outside it is refused. */
export function scopedAreaPrefix(actor: Actor, requested: string | undefined): string {
  if (actor.role === 'staff') {
    if (requested === undefined) return actor.areaPrefix;
    if (requested.startsWith(actor.areaPrefix)) return requested;
    if (actor.areaPrefix.startsWith(requested)) return actor.areaPrefix;
    throw new AppError('forbidden', `Area ${requested} is outside your area ${actor.areaPrefix}`);
  }
  return requested ?? '';
}
