// One thread of the read pool (pool.ts): its own connection to the database
// file, and the verbs of verbs.ts answered one message at a time with the
// caller's actor, "now" and rules.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { libsqlDb } from '../../../db/client.js';
import { createDbClient } from '../../../db/local-client.js';
import type { ServiceCtx } from '../../context.js';
import { toAppError } from '../../errors.js';
import type { AnswerMessage, CallMessage, ReadyMessage, ThreadData, ThrownMessage } from './pool.js';
import { readVerbs } from './verbs.js';

const data = workerData as ThreadData;
try {
  // 0: this thread (nice is per thread on Linux), not the process.
  setPriority(0, data.nice);
} catch {
  // Not allowed here: the thread runs at the process's priority.
}
const db = libsqlDb(createDbClient({ url: data.url, busyWaitMs: data.busyWaitMs }));
parentPort!.postMessage({ ready: true } satisfies ReadyMessage);

function thrown(err: unknown): ThrownMessage {
  const app = toAppError(err);
  if (app) return { app: true, code: app.code, message: app.message, issues: app.issues };
  console.error('read pool: a call failed', err);
  return { app: false, name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) };
}

parentPort!.on('message', async (m: CallMessage) => {
  const now = new Date(m.now);
  const ctx: ServiceCtx = { db, clock: { now: () => now }, actor: m.actor, postRules: m.postRules };
  let answer: AnswerMessage;
  try {
    const verb = readVerbs[m.verb] as (ctx: ServiceCtx, args: unknown) => Promise<unknown>;
    answer = { id: m.id, ok: true, value: await verb(ctx, m.args) };
  } catch (err) {
    answer = { id: m.id, ok: false, error: thrown(err) };
  }
  try {
    parentPort!.postMessage(answer);
  } catch (err) {
    // An answer that cannot cross to the request's thread (a verb returned something not cloneable): a 500 there, not a dead thread.
    parentPort!.postMessage({ id: m.id, ok: false, error: thrown(err) } satisfies AnswerMessage);
  }
});
