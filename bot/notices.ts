// Messages the service sends on its own (the outbox), rendered when they are
// sent: in the recipient's language, from the records as they are then. A
// message whose subject is gone (an erased person, a closed opening) renders
// to null and is dropped.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { applications, botSessions, employers, openings, type outbox, workers } from '../db/schema.js';
import type { Button } from './flow.js';
import { type Lang, t } from './texts/index.js';

type OutboxRow = typeof outbox.$inferSelect;

export interface Rendered {
  text: string;
  buttons?: Button[][];
}

export async function languageOf(db: Db, chatId: string): Promise<Lang> {
  const [s] = await db.select({ language: botSessions.language }).from(botSessions).where(eq(botSessions.chatId, chatId));
  return s?.language ?? 'zh';
}

async function applicationFacts(db: Db, payload: Record<string, unknown>) {
  const id = Number(payload.applicationId);
  const pair = [Number(payload.workerId), Number(payload.openingId)];
  const which = Number.isInteger(id)
    ? eq(applications.id, id)
    : pair.every(Number.isInteger)
      ? and(eq(applications.workerId, pair[0]!), eq(applications.openingId, pair[1]!))
      : null;
  if (!which) return undefined;
  const [row] = await db
    .select({
      id: applications.id,
      state: applications.state,
      title: openings.title,
      openingStatus: openings.status,
      employerName: employers.name,
      name: workers.name,
      phone: workers.phone,
      erasedAt: workers.erasedAt,
    })
    .from(applications)
    .innerJoin(openings, eq(openings.id, applications.openingId))
    .innerJoin(employers, eq(employers.id, openings.employerId))
    .innerJoin(workers, eq(workers.id, applications.workerId))
    .where(which);
  return row;
}

export async function renderNotice(db: Db, row: OutboxRow, lang: Lang): Promise<Rendered | null> {
  const a = await applicationFacts(db, row.payload);
  if (!a || a.erasedAt) return null;
  const id = a.id;
  const g = (key: Parameters<typeof t>[1], action: string): Button => ({ text: t(lang, key), data: `g:${action}:${id}` });
  switch (row.kind) {
    case 'new_applicant':
      // Only while the applicant still waits for an answer.
      if (a.state !== 'applied') return null;
      return {
        text: t(lang, 'employer.applicant', { title: a.title, name: a.name ?? '', phone: a.phone ?? '—' }),
        buttons: [[g('employer.offer', 'offer'), g('employer.decline', 'decline')]],
      };
    case 'offer':
      if (a.state !== 'offered') return null;
      return {
        text: t(lang, 'offer.text', { title: a.title, employer: a.employerName }),
        buttons: [[g('offer.accept', 'accept'), g('offer.decline', 'refuse')]],
      };
    case 'declined':
      return { text: t(lang, 'declined.text', { title: a.title }) };
    case 'expired':
      return { text: t(lang, 'expired.text', { title: a.title }) };
    case 'hired':
      return { text: t(lang, 'employer.hired', { name: a.name ?? '', title: a.title }) };
    default:
      return null;
  }
}
