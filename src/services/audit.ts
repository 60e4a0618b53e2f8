// The audit trail: who did what to which object, when, and how it ended.
// Successful writes add their row in the same batch as the change; refused
// writes are recorded by the app's audit middleware.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditLog } from '../../db/schema.js';
import { type Actor, type Clock, nowIso } from '../context.js';

export interface AuditEntry {
  action: string;
  objectType?: string;
  /** 'inserted': the row the same batch inserted just before (last_insert_rowid). */
  objectId?: string | number | null | 'inserted';
  outcome?: string;
  /** Field names and codes only; never a person's values. */
  detail?: Record<string, unknown>;
}

function actorFields(actor: Actor) {
  return {
    actorTokenId: 'tokenId' in actor ? actor.tokenId : null,
    actorRole: actor.role === 'system' ? `system:${actor.name}` : actor.role,
  };
}

/** The insert, unawaited, to put into a service's batch. */
export function auditInsert(db: Db, clock: Clock, actor: Actor, e: AuditEntry) {
  return db.insert(auditLog).values({
    at: nowIso(clock),
    ...actorFields(actor),
    action: e.action,
    objectType: e.objectType ?? null,
    objectId:
      e.objectId === 'inserted'
        ? sql`CAST(last_insert_rowid() AS TEXT)`
        : e.objectId == null
          ? null
          : String(e.objectId),
    outcome: e.outcome ?? 'ok',
    detail: e.detail ?? null,
  });
}

/** Whether writes by this actor are audited (staff, employers and admins). */
export const isAudited = (actor: Actor) =>
  actor.role === 'staff' || actor.role === 'employer' || actor.role === 'admin';
