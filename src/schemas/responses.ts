// The shapes the API answers with, as zod schemas: the OpenAPI document
// (src/openapi/) publishes them and the contract check in test/helpers.ts
// validates every response of the API tests against what is published. They
// mirror the services' to*Json / *View functions; a field added there and not
// here fails the contract check (objects are closed: additionalProperties false).
import * as z from 'zod';
import {
  applicationStates,
  employerKinds,
  endingReasons,
  hoursValues,
  openingKinds,
  openingStatuses,
  placementTypes,
  servesValues,
  transferScopes,
  wagePeriods,
} from '../../db/schema.js';
import { tierNames } from '../domain/eligibility.js';
import { errorStatus } from '../errors.js';

const point = z.object({ lat: z.number(), lon: z.number() });
const timestamp = z.string().meta({ format: 'date-time' });
const date = z.string().meta({ format: 'date' });
const id = z.number().int();

/** A page of a list: at most `limit` (≤ 100) items and the cursor of the next page (null on the last). */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });

export const errorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorStatus) as [keyof typeof errorStatus, ...(keyof typeof errorStatus)[]]).or(z.literal('internal')),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .meta({ id: 'Error' });

export const areaResponse = z
  .object({
    code: z.string(),
    name: z.string(),
    level: z.enum(['province', 'prefecture', 'county', 'township', 'village']),
    parent: z.string().nullable(),
    point: point.nullable(),
  })
  .meta({ id: 'Area' });

export const employerResponse = z
  .object({
    id,
    name: z.string(),
    kind: z.enum(employerKinds),
    areaCode: z.string(),
    point: point.nullable(),
    contact: z.object({ name: z.string().optional(), phone: z.string().optional(), email: z.string().optional() }),
    verified: z.boolean(),
    certified: z.boolean(),
    certifiedAt: timestamp.nullable(),
    certifiedSince: date.nullable().meta({ description: 'When the current `certified` took effect (null before any change).' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Employer' });

export const openingResponse = z
  .object({
    id,
    status: z.enum(openingStatuses),
    title: z.string(),
    kind: z.enum(openingKinds),
    serves: z.enum(servesValues),
    employerId: id,
    employerName: z.string().optional(),
    areaCode: z.string(),
    point: point.nullable(),
    slots: z.number().int(),
    slotsFilled: z.number().int(),
    wage: z.object({ amount: z.number(), period: z.enum(wagePeriods) }),
    hours: z.enum(hoursValues),
    skills: z.array(z.string()),
    povertyOnly: z.boolean(),
    startDate: date.nullable(),
    closingDate: date.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    distanceKm: z.number().nullable().optional().meta({ description: 'With `near` only: great-circle km from that point.' }),
  })
  .meta({ id: 'Opening' });

const zeroEmploymentStatus = z.object({
  onList: z.boolean(),
  since: date.nullable(),
  daysWaiting: z.number().int().nullable(),
  overdue: z.boolean(),
});

export const householdResponse = z
  .object({
    id,
    areaCode: z.string(),
    povertyAlleviated: z.boolean(),
    monitored: z.boolean(),
    sourceId: z.string().nullable(),
    incomeAtMinimumSince: date.nullable(),
    statusSince: date.nullable().meta({ description: 'When the current povertyAlleviated / monitored took effect; null: since registration.' }),
    createdAt: timestamp,
    updatedAt: timestamp,
    members: z.array(
      z.object({
        id,
        name: z.string().nullable(),
        ableToWork: z.boolean(),
        cannotLeaveHome: z.boolean(),
        erased: z.boolean(),
        inWork: z.enum(placementTypes).nullable(),
      }),
    ),
    zeroEmployment: zeroEmploymentStatus,
  })
  .meta({ id: 'Household' });

const careFor = z.array(z.enum(['elders', 'children', 'disabled', 'other']));
const availability = z.enum(['full_day', 'part_day', 'flexible']);

export const workerResponse = z
  .object({
    id,
    householdId: id,
    areaCode: z.string(),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    home: point.nullable(),
    maxDistanceKm: z.number(),
    cannotLeaveHome: z.boolean(),
    careFor,
    skills: z.array(z.string()),
    availability,
    ableToWork: z.boolean(),
    languages: z.array(z.string()),
    sourceId: z.string().nullable(),
    alertsEnabled: z.boolean(),
    linkedToChat: z.boolean(),
    household: z.object({ povertyAlleviated: z.boolean(), monitored: z.boolean(), zeroEmployment: z.boolean() }).nullable(),
    erased: z.boolean(),
    registeredOn: date.nullable().meta({ description: 'The date the person was registered (China time).' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Worker' });

/**
 * What a repeat of a registration (same Idempotency-Key) answers once the
 * person was erased: the stored answer is cut down to name no one.
 */
export const erasedWorkerReplay = z
  .object({ id, householdId: id, areaCode: z.string(), erased: z.literal(true) })
  .meta({ id: 'ErasedWorkerReplay' });

export const reason = z
  .discriminatedUnion('code', [
    z.object({ code: z.literal('distance'), km: z.number() }),
    z.object({ code: z.enum(['same_village', 'same_township', 'same_county', 'no_skills_needed', 'cannot_leave_home']) }),
    z.object({ code: z.enum(['skills_met', 'skills_missing']), skills: z.array(z.string()) }),
    z.object({ code: z.literal('priority_tier'), tier: z.enum(tierNames) }),
    z.object({ code: z.literal('hours_fit'), hours: z.enum(hoursValues) }),
    z.object({ code: z.literal('serves_own_village'), serves: z.enum(['elders', 'children', 'disabled']) }),
  ])
  .meta({ id: 'MatchReason' });

export const matchResponse = z
  .object({ opening: openingResponse, distanceKm: z.number().nullable(), score: z.number(), reasons: z.array(reason) })
  .meta({ id: 'Match' });

export const candidateResponse = z
  .object({
    /** The household's status, for staff weighing the candidate (candidates are staff-only). */
    household: z.object({ povertyAlleviated: z.boolean(), monitored: z.boolean() }),
    worker: z.object({
      id,
      householdId: id,
      name: z.string().nullable(),
      phone: z.string().nullable(),
      areaCode: z.string(),
      cannotLeaveHome: z.boolean(),
      careFor,
      skills: z.array(z.string()),
      availability,
      maxDistanceKm: z.number(),
    }),
    tier: z.enum(tierNames),
    distanceKm: z.number().nullable(),
    score: z.number(),
    reasons: z.array(reason),
  })
  .meta({ id: 'Candidate' });

export const applicationResponse = z
  .object({
    id,
    workerId: id,
    openingId: id,
    state: z.enum(applicationStates),
    reason: z.enum(endingReasons).nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    applicant: z
      .object({ name: z.string().nullable(), phone: z.string().nullable() })
      .optional()
      .meta({ description: 'In lists and reads; an employer sees it only once the person applied.' }),
  })
  .meta({ id: 'Application' });

export const placementResponse = z
  .object({
    id,
    workerId: id,
    type: z.enum(placementTypes),
    openingId: id.nullable(),
    applicationId: id.nullable(),
    areaCode: z.string().nullable(),
    point: point.nullable(),
    scope: z.enum(transferScopes),
    startDate: date,
    endDate: date.nullable().meta({ description: 'The first day no longer in work (exclusive); null while in work.' }),
    endReason: z.string().nullable(),
    contractMonths: z.number().int().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Placement' });

/** What an employer sees of its hire's placement. */
export const placementForEmployer = z
  .object({ id, workerId: id, type: z.enum(placementTypes), openingId: id.nullable(), startDate: date, endDate: date.nullable() })
  .meta({ id: 'PlacementForEmployer' });

export const transitionResponse = applicationResponse
  .extend({ placement: z.union([placementResponse, placementForEmployer]).nullable() })
  .meta({ id: 'ApplicationTransition' });

const byType = z.object(Object.fromEntries(placementTypes.map((t) => [t, z.number().int()])) as Record<(typeof placementTypes)[number], z.ZodNumber>);
const byScope = z.object(Object.fromEntries(transferScopes.map((t) => [t, z.number().int()])) as Record<(typeof transferScopes)[number], z.ZodNumber>);

export const statsResponse = z
  .object({
    area: z.string().nullable(),
    asOf: date,
    workersRegistered: z.number().int(),
    inWork: z.object({ total: z.number().int(), byType, byScope, inProvince: z.number().int(), outOfProvince: z.number().int() }),
    publicWelfarePosts: z.object({ open: z.number().int(), filled: z.number().int() }),
    workshops: z.object({ certified: z.number().int(), povertyAlleviatedEmployed: z.number().int() }),
    zeroEmployment: z.object({ remaining: z.number().int(), overdue: z.number().int(), allHouseholds: z.number().int() }),
    placementsThisMonth: z.object({ from: date, to: date, started: z.number().int(), ended: z.number().int() }),
  })
  .meta({ id: 'Stats' });

const filing = z
  .object({
    area: z.string(),
    month: z.string(),
    asOf: date,
    figures: statsResponse,
    closedBy: z.object({ role: z.string(), tokenId: id.nullable() }),
    closedAt: timestamp,
    reason: z.string().nullable().meta({ description: 'Why the month was closed again; null on the first closing.' }),
  })
  .meta({ id: 'Filing' });

export const filingResponse = filing;

const revision = z.object({
  figure: z.string().meta({ description: 'The figure\'s path in Stats, e.g. `inWork.total`.' }),
  filed: z.number().int(),
  now: z.number().int(),
});

export const closingsResponse = z
  .union([
    z
      .object({
        level: z.literal('county'),
        area: z.string(),
        month: z.string(),
        asOf: date,
        closed: z.boolean(),
        filed: filing.nullable().meta({ description: 'The filing in force (the newest); null when not closed.' }),
        now: statsResponse.meta({ description: 'The same figures recomputed now.' }),
        revisions: z.array(revision).meta({ description: 'One entry per figure that moved since the filing.' }),
        history: z.array(filing),
      })
      .meta({ id: 'CountyClosing' }),
    z
      .object({
        level: z.literal('counties'),
        area: z.string(),
        month: z.string(),
        asOf: date,
        counties: z.array(
          z.object({ area: z.string(), name: z.string(), closed: z.boolean(), closedAt: timestamp.nullable(), revisions: z.number().int() }),
        ),
      })
      .meta({ id: 'CountiesClosing' }),
  ])
  .meta({ id: 'Closings' });

export const worklistResponse = z
  .object({
    area: z.string().nullable(),
    asOf: date,
    items: z.array(
      z.object({
        householdId: id,
        areaCode: z.string(),
        povertyAlleviated: z.boolean(),
        monitored: z.boolean(),
        since: date,
        daysWaiting: z.number().int(),
        overdue: z.boolean(),
        members: z.array(z.object({ id, name: z.string().nullable(), ableToWork: z.boolean(), cannotLeaveHome: z.boolean(), erased: z.boolean() })),
        eligibleOpenings: z.object({ count: z.number().int(), capped: z.boolean() }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'ZeroEmploymentWorklist' });

export const importResponse = z
  .object({
    kind: z.enum(['households', 'workers']),
    fileName: z.string(),
    format: z.enum(['xlsx', 'csv']),
    encoding: z.enum(['utf-8', 'gbk', 'utf-16le', 'utf-16be']).nullable(),
    sheet: z.string().nullable(),
    read: z.number().int(),
    imported: z.number().int(),
    updated: z.number().int(),
    rejected: z.number().int(),
    rejects: z.array(z.object({ line: z.number().int(), column: z.string(), value: z.string().nullable(), reason: z.string() })),
    ignoredColumns: z.array(z.string()),
    summary: z.string().meta({ description: '"read N, imported N, updated N, rejected N"' }),
  })
  .meta({ id: 'ImportResult' });

export const outboxItemResponse = z
  .object({
    id,
    kind: z.string(),
    recipientKind: z.enum(['worker', 'employer', 'staff', 'chat']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'OutboxItem' });

export const linkCodeResponse = z
  .object({ code: z.string().regex(/^\d{8}$/), expiresAt: timestamp })
  .meta({ id: 'LinkCode' });

export const healthResponse = z.object({ status: z.literal('ok') });
export const readyResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    migrations: z.object({ ok: z.boolean(), applied: z.number().int(), expected: z.number().int() }),
    write: z.object({ ok: z.boolean() }),
  }),
});
export const webhookResponse = z.object({ ok: z.literal(true), receipt: z.string() });

export const smsCallbackResponse = z.object({ code: z.literal(0), msg: z.string() });
export const smsReplyList = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      workerId: z.number().int().nullable(),
      workerName: z.string().nullable(),
      content: z.string(),
      meaning: z.enum(['interested', 'opt_out', 'other']),
      applicationId: z.number().int().nullable(),
      openingId: z.number().int().nullable(),
      receivedAt: z.string(),
    }),
  ),
});

/** A post holder's month (services/posts/assessments.ts toAssessmentView). */
export const assessmentResponse = z
  .object({
    id,
    placementId: id,
    workerId: id,
    month: z.string(),
    daysWorked: z.number().int(),
    attendance: z.number().nullable(),
    township: z.number().nullable(),
    appraisal: z.number().nullable(),
    total: z.number(),
    band: z.string(),
    amountYuan: z.number(),
    deductionYuan: z.number(),
    deductionReason: z.string().nullable(),
    revision: z.number().int(),
    recordedAt: timestamp,
    toldHow: z.enum(['message', 'in_person']).nullable(),
    told: z.boolean(),
    paidAt: timestamp.nullable(),
  })
  .meta({ id: 'Assessment' });

export const holderMonthResponse = z.object({
  placementId: id,
  workerId: id,
  name: z.string().nullable(),
  sourceId: z.string().nullable(),
  homeAreaCode: z.string(),
  openingId: id.nullable(),
  post: z.string().nullable(),
  startDate: date,
  endDate: date.nullable(),
  daysHeld: z.number().int(),
  assessment: assessmentResponse.nullable(),
});

export const postCheckResponse = z
  .object({
    id,
    kind: z.string(),
    placementId: id,
    workerId: id,
    name: z.string().nullable(),
    homeAreaCode: z.string(),
    post: z.string().nullable(),
    month: z.string(),
    detail: z.record(z.string(), z.unknown()),
    raisedAt: timestamp,
    resolvedAt: timestamp.nullable(),
    resolution: z.enum(['confirmed', 'cleared']).nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'PostCheck' });

export const assessmentImportResponse = z
  .object({
    fileName: z.string(),
    month: z.string(),
    read: z.number().int(),
    recorded: z.number().int(),
    rejected: z.number().int(),
    rejects: z.array(z.object({ line: z.number().int(), column: z.string(), reason: z.string() })),
  })
  .meta({ id: 'AssessmentImportResult' });
