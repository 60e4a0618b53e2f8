// One typed error for every rule a service can refuse, and the one table that
// maps its codes to HTTP statuses, and toAppError for anything else thrown.
// The bot maps the same codes to texts.
import { HTTPException } from 'hono/http-exception';

export type Issue = { path: string; message: string };

export const errorStatus = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_key_reused: 409,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  rule_broken: 422,
  not_eligible: 422,
  no_slots: 409,
  invalid_transition: 409,
  rate_limited: 429,
  unavailable: 503,
  busy: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[];
  constructor(code: ErrorCode, message: string, issues: Issue[] = []) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.issues = issues;
  }
  get status(): (typeof errorStatus)[ErrorCode] {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

/** A rule broken by otherwise well-formed input: 422 naming the field. */
export const ruleBroken = (path: string, message: string) =>
  new AppError('rule_broken', message, [{ path, message }]);

/** The error as lines for a terminal: the message, then each field and its reason. */
export function errorLines(err: AppError): string[] {
  return [err.message, ...err.issues.map((i) => `  ${i.path}: ${i.message}`)];
}

export function errorBody(err: AppError) {
  return { error: { code: err.code, message: err.message, issues: err.issues } };
}

export const MAX_BODY_BYTES = 64 * 1024;

const unavailablePattern = /SQLITE_CANTOPEN|unable to open database|ECONNREFUSED|fetch failed|CLIENT_CLOSED|SERVER_ERROR|HRANA/i;
const constraintPattern = /(UNIQUE|CHECK|FOREIGN KEY|NOT NULL) constraint failed/i;
/** Another process holds the database's lock past the wait (db/local-client.ts): try again shortly. */
const busyPattern = /SQLITE_BUSY|SQLITE_LOCKED|database is locked|database is busy/i;
/** Seconds a client is told to wait after a 503. */
export const RETRY_AFTER_SECONDS = 2;

function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.message === 'string') parts.push(e.message);
    if (typeof (e as { code?: unknown }).code === 'string') parts.push(String((e as { code: string }).code));
  }
  return parts.join(' | ');
}

/** Maps anything thrown to the project's error shape; a stack trace never leaves the server. */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new AppError('payload_too_large', `The body is larger than ${MAX_BODY_BYTES} bytes`);
    if (err.status === 400) return new AppError('invalid_json', 'The body is not valid JSON', [{ path: '(body)', message: err.message }]);
    return null;
  }
  const text = messages(err);
  if (constraintPattern.test(text)) {
    return new AppError('conflict', 'The change conflicts with the current records; reload and try again');
  }
  if (busyPattern.test(text)) return new AppError('busy', `The database is busy with another task; try again in ${RETRY_AFTER_SECONDS} seconds`);
  if (unavailablePattern.test(text)) return new AppError('unavailable', 'The database is not reachable; try again soon');
  return null;
}

