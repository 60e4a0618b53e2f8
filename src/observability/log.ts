// Structured logs: one JSON object a line ({"time","level","msg",…fields}),
// on stdout on Node and in the Workers' logs. Fields are scalars only, so a
// request body or a record cannot be dumped into a line by accident; what a
// request line holds is decided in request.ts, and it never holds a token, a
// name, a phone or a body.
import type { Clock } from '../context.js';

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Where lines go: console.log for debug and info, console.error for warn and error. */
export type LogSink = (line: string, level: Exclude<LogLevel, 'silent'>) => void;

const consoleSink: LogSink = (line, level) => {
  if (level === 'warn' || level === 'error') console.error(line);
  else console.log(line);
};

/** The process on Node (several may serve one PORT, see src/node.ts); none in workerd. */
const PID = (globalThis as { process?: { pid?: number } }).process?.pid;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Whether a logger at `level` writes lines of level `at`. */
export const writes = (level: LogLevel, at: LogLevel) => at !== 'silent' && rank[at] >= rank[level];

export function createLogger(level: LogLevel, opts: { sink?: LogSink; clock?: Clock } = {}): Logger {
  const sink = opts.sink ?? consoleSink;
  const emit = (at: Exclude<LogLevel, 'silent'>) => (msg: string, fields: LogFields = {}) => {
    if (!writes(level, at)) return;
    const time = (opts.clock?.now() ?? new Date()).toISOString();
    const line: Record<string, unknown> = { time, level: at, msg };
    if (PID !== undefined) line.pid = PID;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) line[k] = v;
    sink(JSON.stringify(line), at);
  };
  return { level, debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** An error as log fields: its name, message and (at debug or on a 5xx) the stack. */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? err.cause.message : undefined;
    return { error: `${err.name}: ${err.message}`, cause, stack: err.stack?.split('\n').slice(1, 6).join(' | ').replace(/\s+/g, ' ') };
  }
  return { error: String(err) };
}

const defaults = new Map<LogLevel, Logger>();

/** The deps' logger, or one on the console at the configured LOG_LEVEL. */
export function loggerOf(deps: { log?: Logger; config: { LOG_LEVEL: LogLevel } }): Logger {
  if (deps.log) return deps.log;
  let log = defaults.get(deps.config.LOG_LEVEL);
  if (!log) defaults.set(deps.config.LOG_LEVEL, (log = createLogger(deps.config.LOG_LEVEL)));
  return log;
}

/** A fresh id for a request or a scheduled run. */
export const newRunId = () => crypto.randomUUID();
