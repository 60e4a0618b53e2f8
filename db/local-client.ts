// Node only: the embedded database, through libSQL's own engine (the
// `libsql` package that @libsql/client runs on for `file:` URLs), without the
// general client's per-call costs. @libsql/client prepares every statement
// anew, asks twice for its columns and builds each row with
// Object.defineProperty per value; for the short indexed lookups the service
// makes, that was about half of a request's time in the database. This
// client keeps prepared statements by their text and builds rows from one
// class per column list, and answers like @libsql/client: the same rows
// (named, enumerable columns and numeric indexes), result sets, batches in
// one transaction, errors. Remote URLs keep using @libsql/client.
//
// Beside other processes (the import CLI, a backup, the sqlite3 shell) on the
// same file: the file runs in WAL (readers never wait for the writer), with
// synchronous=FULL and secure_delete. Every write takes the write lock first
// (`BEGIN IMMEDIATE`, run through exec so a refused one leaves no statement
// half-run behind), waiting for another process's lock a millisecond in
// SQLite and then asynchronously, so the event loop keeps serving while a
// write waits. A wait that runs out throws SQLITE_BUSY (the app answers 503
// with Retry-After). A prepared statement that met a lock is left mid-run by
// the engine (and would make every later COMMIT fail with "SQL statements in
// progress"): the connection is then opened afresh.
import { type Client, createClient, type InArgs, type InStatement, LibsqlBatchError, LibsqlError, type ResultSet } from '@libsql/client';
import Database from 'libsql';

type Native = InstanceType<typeof Database>;
type NativeStatement = ReturnType<Native['prepare']>;

/** Prepared statements kept per connection; the service's distinct statements number a few hundred. */
const STATEMENT_CACHE = 500;
const SCHEMA_CHANGE = /^\s*(CREATE|ALTER|DROP)\b/i;
/** Statements that change the database and so need the write lock (a WITH may end in a write). */
const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|ANALYZE|REINDEX)\b|^\s*WITH\b[\s\S]*\b(INSERT|UPDATE|DELETE|REPLACE)\b/i;
/**
 * How long SQLite itself waits for a lock per try. It blocks the event loop,
 * so 1 ms: in the mixed load (two serving processes and the primary writing)
 * 1 ms put the webhook's p99 at 34.9–37.2 ms and matches' at 32.5–38.7, 5 ms
 * at 43.2–49.9 and 41.3–48.2 (three pairs), 0 (straight to the asynchronous
 * wait) at 63.8 and 46.3.
 */
const BUSY_SYNC_MS = 1;
/** Between tries the wait is asynchronous: short, so a lock let go between another process's batches is caught. */
const RETRY_MIN_MS = 2;
const RETRY_MAX_MS = 10;
/** How long a statement waits for another connection's lock in all, by default. */
export const DEFAULT_BUSY_WAIT_MS = 5000;

export interface LocalClientOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY (default 5 s). */
  busyWaitMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock; trying again later may work. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** `file:` and `:memory:` URLs are served here; anything else needs the network client. */
export function isLocalUrl(url: string): boolean {
  return url === ':memory:' || url.startsWith('file:');
}

/** The file a local URL names ("file:x.db", "file:///abs/x.db", "file::memory:"). */
export function localPath(url: string): string {
  if (url === ':memory:' || url === 'file::memory:') return ':memory:';
  let path = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
  const q = path.indexOf('?');
  if (q >= 0) path = path.slice(0, q);
  return decodeURIComponent(path);
}

/** A client for any URL: the embedded engine for local ones, @libsql/client for remote servers. */
export function createDbClient(config: { url: string; authToken?: string } & LocalClientOptions): Client {
  return isLocalUrl(config.url) ? createLocalClient(config.url, config) : createClient({ url: config.url, authToken: config.authToken });
}

/**
 * A row: named columns as its own enumerable properties, and `row[i]` and
 * `row.length` from its class, which reads the values kept in a private
 * field (not copied by a spread, not seen by Object.keys or JSON).
 */
class RowBase {
  #values: unknown[];
  constructor(values: unknown[]) {
    this.#values = values;
  }
  static valueAt(row: RowBase, i: number): unknown {
    return row.#values[i];
  }
}
type RowClass = new (values: unknown[]) => Record<string, unknown>;

interface Prepared {
  stmt: NativeStatement;
  reader: boolean;
  columns: string[];
  columnTypes: string[];
  Row: RowClass;
  /** Positions of the first column of each name (a repeated name reads as its first, as in @libsql/client). */
  named: number[];
}

/** Rows read like @libsql/client's: `row.name`, `row[0]`, `row.length`; only names enumerable. */
function rowClass(columns: string[]): RowClass {
  const Row = class extends RowBase {};
  Object.defineProperty(Row.prototype, 'length', { value: columns.length });
  for (let i = 0; i < columns.length; i++) {
    Object.defineProperty(Row.prototype, i, {
      get(this: RowBase) {
        return RowBase.valueAt(this, i);
      },
    });
  }
  return Row as unknown as RowClass;
}

function toSqlValue(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError('Only finite numbers (not Infinity or NaN) can be passed as arguments');
      return value;
    case 'boolean':
      return value ? 1 : 0;
    case 'undefined':
      throw new TypeError('undefined cannot be passed as argument to the database');
    default:
      if (value instanceof Date) return value.valueOf();
      if (value instanceof ArrayBuffer) return Buffer.from(value);
      return value;
  }
}

function toArgs(args: InArgs | undefined): unknown[] | Record<string, unknown> {
  if (args === undefined) return [];
  if (Array.isArray(args)) return args.map(toSqlValue);
  const named: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) named[/^[@$:]/.test(name) ? name.slice(1) : name] = toSqlValue(value);
  return named;
}

/** SQLite's errors as @libsql/client reports them (LibsqlError, the SQLITE_* code, the engine's error as cause). */
function toLibsqlError(err: unknown): unknown {
  if (err instanceof LibsqlError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  const rawCode = (err as { rawCode?: number }).rawCode;
  return new LibsqlError(err.message, code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1'), code, rawCode, err);
}

class LocalResultSet implements ResultSet {
  constructor(
    readonly columns: string[],
    readonly columnTypes: string[],
    readonly rows: ResultSet['rows'],
    readonly rowsAffected: number,
    readonly lastInsertRowid: bigint | undefined,
  ) {}
  toJSON() {
    return {
      columns: this.columns,
      columnTypes: this.columnTypes,
      rows: this.rows.map((r) => Array.prototype.slice.call(r)),
      rowsAffected: this.rowsAffected,
      lastInsertRowid: this.lastInsertRowid === undefined ? null : String(this.lastInsertRowid),
    };
  }
}

class LocalClient {
  closed = false;
  readonly protocol = 'file';
  #path: string;
  #busyWaitMs: number;
  #db!: Native;
  #cache = new Map<string, Prepared>();
  /** A prepared statement met a lock and is left mid-run: open the connection afresh before going on. */
  #stale = false;

  constructor(path: string, opts: LocalClientOptions) {
    this.#path = path;
    this.#busyWaitMs = opts.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS;
    this.#open();
  }

  #open() {
    const db = new Database(this.#path);
    try {
      // Per connection. WAL is the file's own setting (kept once set); :memory: stays in memory.
      if (this.#path !== ':memory:') {
        db.exec(`PRAGMA busy_timeout = ${this.#busyWaitMs}`);
        db.exec('PRAGMA journal_mode = WAL');
      }
      db.exec(`PRAGMA busy_timeout = ${BUSY_SYNC_MS}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON`);
    } catch (err) {
      db.close();
      throw toLibsqlError(err);
    }
    this.#db = db;
    this.#cache.clear();
    this.#stale = false;
  }

  /** Drops every statement of the connection by closing it, and opens the file again. */
  #reopen() {
    if (this.#path === ':memory:') {
      // One connection owns a memory database: nothing else can hold its lock, so nothing is left mid-run.
      this.#stale = false;
      return;
    }
    try {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
    } catch {
      // Closing rolls back all the same.
    }
    this.#db.close();
    this.#open();
  }

  #prepare(sql: string): Prepared {
    const hit = this.#cache.get(sql);
    if (hit) {
      // Most recently used last, so the oldest is dropped first.
      this.#cache.delete(sql);
      this.#cache.set(sql, hit);
      return hit;
    }
    const stmt = this.#db.prepare(sql);
    const prepared = this.#describe(stmt);
    this.#cache.set(sql, prepared);
    if (this.#cache.size > STATEMENT_CACHE) this.#cache.delete(this.#cache.keys().next().value!);
    return prepared;
  }

  #describe(stmt: NativeStatement): Prepared {
    const reader = stmt.reader;
    let columns: string[] = [];
    let columnTypes: string[] = [];
    if (reader) {
      stmt.raw(true);
      const defs = stmt.columns();
      columns = defs.map((c) => c.name);
      columnTypes = defs.map((c) => c.type ?? '');
    }
    const named = columns.flatMap((c, i) => (columns.indexOf(c) === i ? [i] : []));
    return { stmt, reader, columns, columnTypes, Row: rowClass(columns), named };
  }

  #run(stmt: InStatement): ResultSet {
    const sql = typeof stmt === 'string' ? stmt : stmt.sql;
    const args = toArgs(typeof stmt === 'string' ? undefined : stmt.args);
    const p = this.#prepare(sql);
    try {
      return this.#step(sql, p, args);
    } catch (err) {
      if (isBusyError(err)) this.#stale = true;
      throw err;
    }
  }

  #step(sql: string, p: Prepared, args: unknown[] | Record<string, unknown>): ResultSet {
    if (!p.reader) {
      const info = p.stmt.run(args);
      // A kept statement's column list was read when it was prepared: after a
      // schema change, prepare afresh.
      if (SCHEMA_CHANGE.test(sql)) this.#cache.clear();
      return new LocalResultSet([], [], [], info.changes, BigInt(info.lastInsertRowid));
    }
    const values = p.stmt.all(args) as unknown[][];
    if (values.length > 0 && values[0]!.length !== p.columns.length) {
      // SQLite prepared it again after another connection changed the schema: read its columns again.
      this.#cache.delete(sql);
      Object.assign(p, this.#describe(p.stmt));
    }
    const { columns, Row, named } = p;
    const rows = new Array(values.length);
    for (let r = 0; r < values.length; r++) {
      const v = values[r]!;
      const row = new Row(v);
      for (const i of named) row[columns[i]!] = v[i];
      rows[r] = row;
    }
    return new LocalResultSet(columns, p.columnTypes, rows, 0, undefined);
  }

  #check() {
    if (this.closed) throw new LibsqlError('The client is closed', 'CLIENT_CLOSED');
  }

  /**
   * Runs `work` (synchronous: nothing interleaves inside it), and while it
   * meets another connection's lock, tries again after a short asynchronous
   * wait, until busyWaitMs has passed. Every try starts from a clean
   * connection: a statement left mid-run by a lock is cleared first.
   */
  async #retrying<T>(work: () => T): Promise<T> {
    this.#check();
    const deadline = Date.now() + this.#busyWaitMs;
    for (let attempt = 0; ; attempt++) {
      if (this.#stale) this.#reopen();
      let err: unknown;
      try {
        return work();
      } catch (e) {
        err = toLibsqlError(e);
      }
      if (!isBusyError(err)) throw err;
      const wait = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt) * (0.5 + Math.random());
      if (Date.now() + wait > deadline || this.closed) {
        const e = err as LibsqlError;
        throw new LibsqlError(
          `SQLITE_BUSY: the database is busy (another process holds its lock); waited ${this.#busyWaitMs} ms`,
          'SQLITE_BUSY',
          e.extendedCode,
          e.rawCode,
          e,
        );
      }
      await sleep(wait);
    }
  }

  async execute(stmtOrSql: InStatement, args?: InArgs): Promise<ResultSet> {
    const stmt = typeof stmtOrSql === 'string' ? { sql: stmtOrSql, args: args ?? [] } : stmtOrSql;
    return this.#retrying(() => {
      // A write on its own still takes the write lock first (see the header).
      if (WRITE.test(stmt.sql) && !this.#db.inTransaction) return this.#inTransaction('BEGIN IMMEDIATE', [stmt], false)[0]!;
      return this.#run(stmt);
    });
  }

  /** All statements in one transaction (one synchronous run: nothing interleaves), rolled back on any error. */
  async batch(stmts: Array<InStatement | [string, InArgs?]>, mode: 'write' | 'read' | 'deferred' = 'deferred'): Promise<ResultSet[]> {
    const list = stmts.map((s) => (Array.isArray(s) ? { sql: s[0], args: s[1] ?? [] } : typeof s === 'string' ? { sql: s, args: [] } : s));
    const writes = mode === 'write' || list.some((s) => WRITE.test(s.sql));
    return this.#retrying(() => this.#inTransaction(writes ? 'BEGIN IMMEDIATE' : 'BEGIN DEFERRED', list, true));
  }

  /** drizzle's migrator: a batch with foreign keys off. */
  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    this.#check();
    return this.#retrying(() => {
      this.#db.exec('PRAGMA foreign_keys = OFF');
      try {
        return this.#inTransaction('BEGIN IMMEDIATE', stmts, true);
      } finally {
        this.#db.exec('PRAGMA foreign_keys = ON');
      }
    });
  }

  /**
   * BEGIN, COMMIT and ROLLBACK go through exec, which finalizes what it runs:
   * a BEGIN refused for a lock leaves nothing behind.
   */
  #inTransaction(begin: string, stmts: InStatement[], asBatch: boolean): ResultSet[] {
    this.#db.exec(begin);
    const results: ResultSet[] = [];
    try {
      for (let i = 0; i < stmts.length; i++) {
        try {
          results.push(this.#run(stmts[i]!));
        } catch (err) {
          const e = toLibsqlError(err);
          if (!asBatch || !(e instanceof LibsqlError) || isBusyError(e)) throw e;
          throw new LibsqlBatchError(e.message, i, e.code, e.extendedCode, e.rawCode, e.cause instanceof Error ? e.cause : undefined);
        }
      }
      this.#db.exec('COMMIT');
      return results;
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      // "cannot commit - SQL statements in progress" is SQLITE_BUSY too: start afresh.
      if (isBusyError(err)) this.#stale = true;
      throw err;
    }
  }

  async executeMultiple(sql: string): Promise<void> {
    return this.#retrying(() => {
      try {
        this.#db.exec(sql);
        this.#cache.clear();
      } catch (err) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async transaction(): Promise<never> {
    // One connection shared by every request cannot hold a transaction open across awaits.
    throw new LibsqlError('Interactive transactions are not used by Jiujin; use a batch', 'TRANSACTION_UNSUPPORTED');
  }

  async sync(): Promise<undefined> {
    return undefined;
  }

  reconnect(): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#cache.clear();
    this.#db.close();
  }
}

/** The embedded engine behind a `file:` or `:memory:` URL, as a libSQL Client. */
export function createLocalClient(url: string, opts: LocalClientOptions = {}): Client {
  return new LocalClient(localPath(url), opts) as unknown as Client;
}
