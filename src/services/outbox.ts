// Messages the service owes someone. A verb that causes a message adds
// owe(...) to the batch of its change, so the message exists exactly when the
// change does. The payload names records, not people: the text is rendered
// when the message is sent (bot/notices.ts), so an erasure in between leaves
// nothing of the person in a queued message.
import type { Db } from '../../db/client.js';
import { outbox } from '../../db/schema.js';
import { type Clock, nowIso } from '../context.js';

export type NoticeKind = 'new_applicant' | 'offer' | 'declined' | 'expired' | 'hired';

export interface Owed {
  kind: NoticeKind;
  to: { workerId: number } | { employerId: number } | { chatId: string };
  /** Names records only: an application, or a (worker, opening) pair, or an opening. */
  payload: { applicationId?: number; workerId?: number; openingId?: number };
  /** At most one message per key. */
  dedupeKey?: string;
  notBefore?: Date;
}

/** The insert, unawaited, to put into the causing change's batch. */
export function owe(db: Db, clock: Clock, m: Owed) {
  return db
    .insert(outbox)
    .values({
      kind: m.kind,
      workerId: 'workerId' in m.to ? m.to.workerId : null,
      employerId: 'employerId' in m.to ? m.to.employerId : null,
      chatId: 'chatId' in m.to ? m.to.chatId : null,
      dedupeKey: m.dedupeKey ?? null,
      payload: m.payload,
      notBefore: (m.notBefore ?? clock.now()).toISOString(),
      createdAt: nowIso(clock),
    })
    .onConflictDoNothing();
}
