// What a route or a page calls for a verb of verbs.ts: through the read pool
// when the context carries one (Node's servers, READ_THREADS), else in the
// caller's own thread (Workers, tests without a pool, and inside a read
// thread itself, whose context has none).
import type { Context } from 'hono';
import { type AppEnv, serviceCtx, type ServiceCtx } from '../../context.js';
import { type ReadArgs, type ReadResult, type ReadVerb, readVerbs } from './verbs.js';

export function readVia<V extends ReadVerb>(ctx: ServiceCtx, verb: V, args: ReadArgs<V>): Promise<ReadResult<V>> {
  if (ctx.readPool) return ctx.readPool.run(verb, { actor: ctx.actor, clock: ctx.clock, postRules: ctx.postRules }, args);
  return (readVerbs[verb] as (ctx: ServiceCtx, a: ReadArgs<V>) => Promise<ReadResult<V>>)(ctx, args);
}

/** readVia with the request's context. */
export const runRead = <V extends ReadVerb>(c: Context<AppEnv>, verb: V, args: ReadArgs<V>): Promise<ReadResult<V>> => readVia(serviceCtx(c), verb, args);
