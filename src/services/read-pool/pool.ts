// The read pool (Node): a few worker threads, each with its own connection to
// the embedded database file, that answer the heavy read-only verbs of
// verbs.ts (candidates, stats, care coverage). On the synchronous driver such
// a call holds its thread for 25–200 ms at prefecture scale; run on the
// request's event loop it makes every request behind it wait, which is what
// made matches and the webhook slow in the mixed load (README, "Under load").
// In a pool thread it holds only that thread, on its own WAL read connection,
// while the event loop goes on answering.
//
// The threads run at a lower CPU priority (nice +10, a per-thread attribute
// on Linux): when both cores are busy, the event loops' short requests get
// the CPU first and the heavy reads take what is left, instead of sharing it
// evenly and making every short request wait for a time slice.
//
// A call answers exactly as in-process: the thread maps what the verb threw
// with the same toAppError, and the pool rebuilds the AppError (same code,
// message and issues: the same HTTP status); anything else becomes a plain
// Error (a 500, as it would be in-process). A thread that dies is replaced
// (a second later when it died before it was ready, or just after:
// RESTART_AFTER_MS); the calls it held answer 503 `unavailable` (safe to
// retry: reads), as does a call finding every thread holding
// MAX_WAITING_PER_THREAD.
import { Worker } from 'node:worker_threads';
import type { Actor, Clock } from '../../context.js';
import type { PostRules } from '../../domain/post-rules.js';
import { AppError, type ErrorCode, type Issue } from '../../errors.js';
import type { ReadArgs, ReadResult, ReadVerb } from './verbs.js';

/** What a thread is told at start. */
export interface ThreadData {
  url: string;
  busyWaitMs?: number;
  nice: number;
}

/** One call: the verb, who asks, the request's "now", the deployment's rules and the arguments. */
export interface CallMessage {
  id: number;
  verb: ReadVerb;
  actor: Actor;
  now: string;
  postRules?: PostRules;
  args: unknown;
}

export type ThrownMessage = { app: true; code: ErrorCode; message: string; issues: Issue[] } | { app: false; name: string; message: string };
export type AnswerMessage = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThrownMessage };
/** What a thread sends once its connection is open, before any answer. */
export type ReadyMessage = { ready: true };

/**
 * A thread that ends before it was ready (it could not open the file, say),
 * or sooner than this after, is replaced this much later, not in a tight
 * loop. Readiness is the thread's own word, not a time since its start: on a
 * loaded machine starting a thread alone can take longer than this.
 */
const RESTART_AFTER_MS = 1000;

/** Lower CPU priority of the pool's threads than the event loop's (0). */
export const READ_THREAD_NICE = 10;

/**
 * Calls a thread may hold waiting at once. Past it a call answers 503
 * `unavailable` at once (safe to retry: a read) instead of joining a queue
 * that would answer it seconds later and hold its arguments meanwhile. At 64,
 * 64 connections to a serving process never meet it (each holds one request
 * at a time; a console page three calls, see statsMany), and the last in the
 * queue waits about 1–3 s at prefecture scale (README, "Under load").
 */
export const MAX_WAITING_PER_THREAD = 64;

export interface ReadPool {
  readonly size: number;
  run<V extends ReadVerb>(verb: V, who: { actor: Actor; clock: Clock; postRules?: PostRules }, args: ReadArgs<V>): Promise<ReadResult<V>>;
  /** The threads serving now (a replaced one is gone from the list): for what watches the pool, and the tests. */
  threads(): readonly Worker[];
  /** Calls answered by a thread so far (a value or a refusal). */
  answered(): number;
  /** Ends every thread; calls in flight answer 503. */
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  /** Ended, its replacement not started yet. */
  dead: boolean;
  /** When it said it was ready (ReadyMessage); null before. */
  readyAt: number | null;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>;
}

const ENTRY = new URL('./thread-entry.mjs', import.meta.url);

export function createReadPool(opts: { url: string; size: number; busyWaitMs?: number; nice?: number; maxWaiting?: number }): ReadPool {
  if (!(Number.isInteger(opts.size) && opts.size >= 1)) throw new RangeError(`a read pool needs at least one thread, not ${opts.size}`);
  const data: ThreadData = { url: opts.url, busyWaitMs: opts.busyWaitMs, nice: opts.nice ?? READ_THREAD_NICE };
  let nextId = 1;
  let answered = 0;
  let closed = false;
  const slots: Slot[] = [];

  const stopped = (slot: Slot, why: string) => {
    for (const p of slot.pending.values()) p.reject(new AppError('unavailable', `The read thread answering this stopped (${why}); try again`));
    slot.pending.clear();
  };
  const start = (i: number) => {
    const worker = new Worker(ENTRY, { workerData: data });
    // The pool never keeps the process alive on its own: stopping the server is what ends it.
    worker.unref();
    const slot: Slot = { worker, dead: false, readyAt: null, pending: new Map() };
    worker.on('message', (m: AnswerMessage | ReadyMessage) => {
      if ('ready' in m) {
        slot.readyAt = Date.now();
        return;
      }
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      answered++;
      if (m.ok) p.resolve(m.value);
      else p.reject(m.error.app ? new AppError(m.error.code, m.error.message, m.error.issues) : Object.assign(new Error(m.error.message), { name: m.error.name }));
    });
    worker.on('error', (err) => console.error('read pool: a thread failed', err));
    worker.on('exit', (code) => {
      slot.dead = true;
      stopped(slot, `exit ${code}`);
      if (closed || slots[i] !== slot) return;
      if (slot.readyAt === null || Date.now() - slot.readyAt < RESTART_AFTER_MS) setTimeout(() => !closed && slots[i] === slot && start(i), RESTART_AFTER_MS).unref();
      else start(i);
    });
    slots[i] = slot;
  };
  for (let i = 0; i < opts.size; i++) start(i);

  return {
    size: opts.size,
    run(verb, who, args) {
      if (closed) return Promise.reject(new AppError('unavailable', 'The server is stopping; try again'));
      // The live thread with the fewest calls waiting.
      const live = slots.filter((s) => !s.dead);
      if (live.length === 0) return Promise.reject(new AppError('unavailable', 'No read thread is running just now; try again'));
      const slot = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      if (slot.pending.size >= (opts.maxWaiting ?? MAX_WAITING_PER_THREAD)) {
        return Promise.reject(new AppError('unavailable', 'The server is busy with other counts and lists just now; try again in a moment'));
      }
      const id = nextId++;
      const msg: CallMessage = { id, verb, actor: who.actor, now: who.clock.now().toISOString(), postRules: who.postRules, args };
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        slot.worker.postMessage(msg);
      });
    },
    threads: () => slots.filter((s) => !s.dead).map((s) => s.worker),
    answered: () => answered,
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
