// Employers: workshops, cooperatives, firms and public bodies that post work.
import { and, asc, count, desc, eq, gt, lt, or, type SQL, sql } from 'drizzle-orm';
import { batch } from '../../db/client.js';
import { employers, type employerKinds } from '../../db/schema.js';
import { nowIso, type ServiceCtx } from '../context.js';
import { areaInScope, requireRole, scopedAreaPrefix } from '../domain/scope.js';
import { todayInChina } from '../domain/dates.js';
import { AppError, notFound, ruleBroken } from '../errors.js';
import { type Point, pointOf } from '../domain/geo.js';
import { auditInsert } from './audit.js';
import { requireAreaInScope } from './areas.js';
import { areaPrefix, containsText } from './sql.js';

export type Employer = typeof employers.$inferSelect;
type Contact = Employer['contact'];

export interface EmployerInput {
  name: string;
  kind: (typeof employerKinds)[number];
  areaCode: string;
  point?: Point | null;
  contact?: Contact;
}

export interface EmployerPatch extends Partial<EmployerInput> {
  verified?: boolean;
  certified?: boolean;
  /** The date a change of `certified` took effect (default today in China). */
  certifiedSince?: string;
}

export function toEmployerJson(e: Employer) {
  return {
    id: e.id,
    name: e.name,
    kind: e.kind,
    areaCode: e.areaCode,
    point: pointOf(e.lat, e.lon),
    contact: e.contact,
    verified: e.verified,
    certified: e.certified,
    certifiedAt: e.certifiedAt,
    certifiedSince: e.certifiedSince,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

export async function createEmployer(ctx: ServiceCtx, input: EmployerInput): Promise<Employer> {
  requireRole(ctx.actor, 'staff', 'admin');
  await requireAreaInScope(ctx, input.areaCode);
  const now = nowIso(ctx.clock);
  const [rows] = (await batch(ctx.db, [
    ctx.db
      .insert(employers)
      .values({
        name: input.name,
        kind: input.kind,
        areaCode: input.areaCode,
        lat: input.point?.lat ?? null,
        lon: input.point?.lon ?? null,
        contact: input.contact ?? {},
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'employer.create',
      objectType: 'employer',
      objectId: 'inserted',
      detail: { kind: input.kind, areaCode: input.areaCode },
    }),
  ])) as [Employer[]];
  return rows[0]!;
}

/** The employer as the caller may see it; outside scope is "not found". */
export async function getEmployer(ctx: ServiceCtx, id: number): Promise<Employer> {
  requireRole(ctx.actor, 'staff', 'admin', 'employer');
  const [e] = await ctx.db.select().from(employers).where(eq(employers.id, id));
  if (!e) throw notFound(`Employer ${id}`);
  const visible =
    ctx.actor.role === 'employer' ? ctx.actor.employerId === e.id : areaInScope(ctx.actor, e.areaCode);
  if (!visible) throw notFound(`Employer ${id}`);
  return e;
}

export async function updateEmployer(ctx: ServiceCtx, id: number, patch: EmployerPatch): Promise<Employer> {
  const current = await getEmployer(ctx, id);
  if (ctx.actor.role === 'employer' && (patch.verified !== undefined || patch.certified !== undefined)) {
    throw new AppError('forbidden', 'Only labour bureau staff verify or certify an employer', [
      { path: patch.certified !== undefined ? 'certified' : 'verified', message: 'staff only' },
    ]);
  }
  if (ctx.actor.role === 'employer' && (patch.areaCode !== undefined || patch.kind !== undefined)) {
    throw new AppError('forbidden', 'Only labour bureau staff change an employer\'s kind or area', [
      { path: patch.areaCode !== undefined ? 'areaCode' : 'kind', message: 'staff only' },
    ]);
  }
  if (patch.areaCode !== undefined) await requireAreaInScope(ctx, patch.areaCode);
  const kind = patch.kind ?? current.kind;
  const certified = patch.certified ?? current.certified;
  if (certified && kind !== 'workshop') {
    throw ruleBroken('certified', 'Only an employment-support workshop can be certified');
  }
  const now = nowIso(ctx.clock);
  const set: Partial<typeof employers.$inferInsert> = { updatedAt: now };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.kind !== undefined) set.kind = patch.kind;
  if (patch.areaCode !== undefined) set.areaCode = patch.areaCode;
  if (patch.point !== undefined) {
    set.lat = patch.point?.lat ?? null;
    set.lon = patch.point?.lon ?? null;
  }
  if (patch.contact !== undefined) set.contact = patch.contact;
  if (patch.verified !== undefined) set.verified = patch.verified;
  if (patch.certifiedSince !== undefined && patch.certifiedSince > todayInChina(ctx.clock)) throw ruleBroken('certifiedSince', 'must be today or earlier');
  if (patch.certified !== undefined && patch.certified !== current.certified) {
    // Kept with its history by the employers_certification_history trigger.
    set.certifiedSince = patch.certifiedSince ?? todayInChina(ctx.clock);
  }
  if (patch.certified !== undefined) {
    set.certified = patch.certified;
    set.certifiedAt = patch.certified ? (current.certified ? current.certifiedAt : now) : null;
  }
  const [rows] = (await batch(ctx.db, [
    ctx.db.update(employers).set(set).where(eq(employers.id, id)).returning(),
    auditInsert(ctx.db, ctx.clock, ctx.actor, {
      action: 'employer.update',
      objectType: 'employer',
      objectId: id,
      detail: { fields: Object.keys(patch) },
    }),
  ])) as [Employer[]];
  return rows[0]!;
}

export async function listEmployers(
  ctx: ServiceCtx,
  q: { area?: string; kind?: Employer['kind']; certified?: boolean; afterId?: number; limit: number },
): Promise<{ items: Employer[]; lastId: number | null }> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const conds: SQL[] = [];
  const inArea = areaPrefix(employers.areaCode, prefix);
  if (inArea) conds.push(inArea);
  if (q.kind) conds.push(eq(employers.kind, q.kind));
  if (q.certified !== undefined) conds.push(eq(employers.certified, q.certified));
  if (q.afterId) conds.push(gt(employers.id, q.afterId));
  const rows = await ctx.db
    .select()
    .from(employers)
    .where(and(...conds))
    .orderBy(asc(employers.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit);
  return { items, lastId: rows.length > q.limit ? items[items.length - 1]!.id : null };
}

/** Employers of the caller's area whose name or contact phone contains `q`: staff and admins. */
export async function searchEmployers(
  ctx: ServiceCtx,
  q: { area?: string; q: string; kind?: Employer['kind']; limit: number },
): Promise<Employer[]> {
  return (await searchEmployersPage(ctx, q)).items;
}

/** One page of searchEmployers after the cursor (an employer id), with how many match in all. */
export async function searchEmployersPage(
  ctx: ServiceCtx,
  q: { area?: string; q: string; kind?: Employer['kind']; beforeId?: number; limit: number },
): Promise<{ items: Employer[]; total: number; nextBeforeId: number | null }> {
  requireRole(ctx.actor, 'staff', 'admin');
  const prefix = scopedAreaPrefix(ctx.actor, q.area);
  const text = q.q.trim();
  const match = text
    ? or(containsText(employers.name, text), containsText(sql`json_extract(${employers.contact}, '$.phone')`, text.replace(/[\s-]/g, '')))
    : undefined;
  const where = and(areaPrefix(employers.areaCode, prefix), q.kind ? eq(employers.kind, q.kind) : undefined, match);
  const [rows, [total]] = await Promise.all([
    ctx.db
      .select()
      .from(employers)
      .where(and(where, q.beforeId !== undefined ? lt(employers.id, q.beforeId) : undefined))
      .orderBy(desc(employers.id))
      .limit(q.limit + 1),
    ctx.db.select({ n: count() }).from(employers).where(where),
  ]);
  const items = rows.slice(0, q.limit);
  return { items, total: total?.n ?? 0, nextBeforeId: rows.length > q.limit ? items[items.length - 1]!.id : null };
}
