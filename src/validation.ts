// Shared input shapes and the validator every route uses, so bad input always
// answers 400 with the field and the reason in the project's error shape.
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import * as z from 'zod';
import { dateOutOfRange } from './domain/dates.js';
import { occupationCodes } from './domain/occupations.js';
import { AppError, type Issue } from './errors.js';

export const pointSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const areaCodeSchema = z
  .string()
  .regex(/^\d{2,12}$/, 'must be an area code of 2 to 12 digits');

/** A date as YYYY-MM-DD within reason (domain/dates.ts: 2000-01-01 to five years from today). */
export const isoDateSchema = z.iso
  .date('must be a date as YYYY-MM-DD')
  .superRefine((d, ctx) => {
    const why = dateOutOfRange(d, new Date());
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });

export const skillsSchema = z
  .array(z.enum(occupationCodes, { error: 'is not a code from the occupation list' }))
  .max(20);

export const idSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const idParamSchema = z.strictObject({ id: idSchema });

export const limitSchema = z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Items per page, 1 to 100.' });

/** A list's position: the `nextCursor` of the page before. */
export const cursorSchema = z.string().meta({ description: 'The `nextCursor` of the previous page (opaque); leave out for the first page.' });

const yes = ['1', 'true', 'yes'];
const no = ['0', 'false', 'no'];
export const queryBoolSchema = z
  .string()
  .refine((v) => yes.includes(v) || no.includes(v), { message: 'must be true or false' })
  .transform((v) => yes.includes(v));

export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => {
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s): ${i.keys.join(', ')}`;
    return { path: i.path.map(String).join('.') || '(root)', message };
  });
}

const jsonType = /^application\/([\w.-]+\+)?json$/i;

/**
 * Where the OpenAPI document (src/openapi/) reads what a validator checks:
 * each middleware validate() returns carries its target and schema, so the
 * published request shapes are the very ones the routes enforce.
 */
export const validatesKey = Symbol.for('jiujin.validates');
export interface Validates {
  target: keyof ValidationTargets;
  schema: z.ZodType;
  /** The body may be left out (validated as this value). */
  optionalBody: boolean;
}

function tagged<M extends object>(mw: M, v: Validates): M {
  (mw as Record<symbol, unknown>)[validatesKey] = v;
  return mw;
}

/** zValidator with the project's error shape; JSON bodies must say they are JSON. */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
  options: { emptyBody?: unknown } = {},
) {
  const inner = zValidator(target, schema, (result) => {
    if (!result.success) {
      throw new AppError('validation_failed', `The ${target === 'json' ? 'body' : target} is not valid`, zodIssues(result.error as unknown as z.ZodError));
    }
  });
  if (target !== 'json') return tagged(inner, { target, schema, optionalBody: false });
  return tagged((async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
    if (options.emptyBody !== undefined && !type && !(await c.req.text())) {
      // A body-less POST where the body is optional: validate the default instead.
      const parsed = schema.safeParse(options.emptyBody);
      if (!parsed.success) throw new AppError('validation_failed', 'The body is not valid', zodIssues(parsed.error));
      (c.req as unknown as { addValidatedData: (t: string, d: unknown) => void }).addValidatedData(target, parsed.data);
      return next();
    }
    if (!jsonType.test(type)) {
      throw new AppError('validation_failed', 'The body must be JSON', [
        { path: '(body)', message: 'send Content-Type: application/json' },
      ]);
    }
    return inner(c, next);
  }) as typeof inner, { target, schema, optionalBody: options.emptyBody !== undefined });
}

// Opaque cursors: base64url of a small JSON value.
export function encodeCursor(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor<T>(cursor: string, shape: z.ZodType<T>): T {
  try {
    const bin = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const text = new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
    return shape.parse(JSON.parse(text));
  } catch {
    throw new AppError('invalid_cursor', 'The cursor is not valid', [
      { path: 'cursor', message: 'use the nextCursor of a previous page' },
    ]);
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
