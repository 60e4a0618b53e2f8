// One typed error for every rule a service can refuse, and the one table that
// maps its codes to HTTP statuses. The bot maps the same codes to texts.
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
