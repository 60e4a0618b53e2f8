// What moved in a closed month's figures: the filed Stats against the same
// figures recomputed now, one entry per figure (a dotted path such as
// `inWork.byType.workshop`) whose number differs. Pure: no I/O.

export interface Revision {
  figure: string;
  filed: number;
  now: number;
}

/** Every number of a figures object by its dotted path (`area`, `asOf` and dates are not figures). */
export function figurePaths(figures: unknown, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  if (figures === null || typeof figures !== 'object') return out;
  for (const [key, value] of Object.entries(figures as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'number') out.set(path, value);
    else if (value && typeof value === 'object') for (const [p, n] of figurePaths(value, path)) out.set(p, n);
  }
  return out;
}

/**
 * The figures that moved, in the order of the filed object. A figure the
 * filing lacks (added to Stats later) is not a revision: it was never filed.
 */
export function revisionsBetween(filed: unknown, now: unknown): Revision[] {
  const a = figurePaths(filed);
  const b = figurePaths(now);
  const out: Revision[] = [];
  for (const [figure, was] of a) {
    const is = b.get(figure);
    if (is !== undefined && is !== was) out.push({ figure, filed: was, now: is });
  }
  return out;
}
