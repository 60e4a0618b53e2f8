// What a route calls for a verb of verbs.ts: through the read pool when the
// app has one (Node's servers, READ_THREADS), else in the request itself
// (Workers, tests without a pool).
import type { Context } from 'hono';
import { type AppEnv, serviceCtx } from '../../context.js';
import { type ReadArgs, type ReadResult, type ReadVerb, readVerbs } from './verbs.js';

export function runRead<V extends ReadVerb>(c: Context<AppEnv>, verb: V, args: ReadArgs<V>): Promise<ReadResult<V>> {
  const pool = c.var.deps.readPool;
  if (pool) return pool.run(verb, { actor: c.var.actor, clock: c.var.deps.clock, postRules: c.var.deps.config.POST_RULES }, args);
  return (readVerbs[verb] as (ctx: ReturnType<typeof serviceCtx>, a: ReadArgs<V>) => Promise<ReadResult<V>>)(serviceCtx(c), args);
}
