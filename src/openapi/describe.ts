// What a route says about itself for the OpenAPI document: who may call it and
// what it answers. `describeRoute(doc)` is a middleware that does nothing but
// carry `doc`; the document (document.ts) finds it, and the validators'
// schemas, by walking the app's routes — so a route and its description are
// one line apart and a route without one fails the completeness test.
import type { MiddlewareHandler } from 'hono';
import type * as z from 'zod';

/** Who may call: `anyone` needs no token; the roles are the token roles. */
export type Caller = 'anyone' | 'admin' | 'staff' | 'employer';

export interface ResponseDoc {
  description: string;
  /** A JSON body of this shape. */
  json?: z.ZodType;
  /** Another media type (or several), a plain string body (e.g. text/csv, text/plain). */
  text?: string | string[];
}

export interface RouteDoc {
  summary: string;
  description?: string;
  /** The group the docs page shows it in. */
  tag: string;
  who: Caller[];
  /** How the role limits what the caller may see or do (scope), when it does. */
  whoNote?: string;
  /** Success responses by status. */
  responses: Record<number, ResponseDoc>;
  /**
   * Error statuses beyond the ones every route of its kind can answer
   * (400 for bad input, 401 for a bad token, 404 for an unknown id, 409 for a
   * reused Idempotency-Key, 413 for a large body, 503 without a database).
   */
  errors?: number[];
  /** A list answering `{items, nextCursor}`, read page by page with `cursor`. */
  paginated?: boolean;
}

export const docKey = Symbol.for('jiujin.route-doc');

export function describeRoute(doc: RouteDoc): MiddlewareHandler {
  const mw: MiddlewareHandler = async (_c, next) => {
    await next();
  };
  (mw as unknown as Record<symbol, unknown>)[docKey] = doc;
  return mw;
}
