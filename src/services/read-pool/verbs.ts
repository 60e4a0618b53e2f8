// The heavy read-only verbs a request may hand to the read pool (see
// pool.ts): each takes the service context and plain, cloneable arguments and
// answers plain data, so it runs the same in the request's own thread
// (Workers, tests, READ_THREADS=0) and in a pool thread on its own connection.
// Only verbs that never write belong here: a pool thread's answer must be what
// the same call would have answered in-process, and a write there would take
// the write lock outside the request's batch.
import type { ServiceCtx } from '../../context.js';
import { careCoverage, type CareCoverageQuery } from '../care/coverage.js';
import { candidatesForOpening } from '../matching.js';
import { type StatsQuery, statsFor } from '../stats.js';

export const readVerbs = {
  candidates: (ctx: ServiceCtx, a: { openingId: number; limit: number }) => candidatesForOpening(ctx, a.openingId, { limit: a.limit }),
  stats: (ctx: ServiceCtx, q: StatsQuery) => statsFor(ctx, q),
  /** Many areas' or days' figures as one call (a page's table): one place in a thread's queue, not one each. */
  statsMany: (ctx: ServiceCtx, qs: StatsQuery[]) => Promise.all(qs.map((q) => statsFor(ctx, q))),
  careCoverage: (ctx: ServiceCtx, q: CareCoverageQuery) => careCoverage(ctx, q),
};

export type ReadVerb = keyof typeof readVerbs;
export type ReadArgs<V extends ReadVerb> = Parameters<(typeof readVerbs)[V]>[1];
export type ReadResult<V extends ReadVerb> = Awaited<ReturnType<(typeof readVerbs)[V]>>;
