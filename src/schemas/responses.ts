// The shapes the API answers with, as zod schemas: the OpenAPI document
// (src/openapi/) publishes them and the contract check in test/helpers.ts
// validates every response of the API tests against what is published. They
// mirror the services' to*Json / *View functions; a field added there and not
// here fails the contract check (objects are closed: additionalProperties false).
import * as z from 'zod';
import {
  agreementExitReasons,
  agreementStatuses,
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
import { type EligibilityNote, tierNames } from '../domain/eligibility.js';
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
    cadreHousehold: z.boolean().meta({ description: '村干部户: no member may hold a public-welfare post.' }),
    cadreSince: date.nullable().meta({ description: 'When the current cadreHousehold took effect; null: since registration.' }),
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
    birthDate: date.nullable().meta({ description: 'Date of birth, when recorded (staff only).' }),
    deceasedOn: date.nullable().meta({ description: 'The day the person died, when recorded (an agreement\'s `died` exit): the day after the last day worked.' }),
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
    notes: z
      .array(z.enum(['birth_date_not_recorded'] satisfies EligibilityNote[]))
      .meta({ description: 'What staff should check before picking: `birth_date_not_recorded` (a public-welfare post\'s age rule could not be applied).' }),
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

export const agreementResponse = z
  .object({
    id,
    placementId: id,
    workerId: id,
    householdId: id,
    openingId: id.nullable(),
    homeAreaCode: z.string(),
    startDate: date,
    endDate: date.meta({ description: 'The first day the agreement no longer covers (exclusive): start + POST_RULES.agreementMonths.' }),
    status: z.enum(agreementStatuses),
    previousId: id.nullable().meta({ description: 'The agreement this one renews.' }),
    exitReason: z.enum(agreementExitReasons).nullable(),
    lastDayWorked: date.nullable().meta({ description: 'Inclusive: the placement ended the day after.' }),
    closedAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    worker: z.object({ id, name: z.string().nullable(), areaCode: z.string() }),
    opening: z.object({ id, title: z.string(), areaCode: z.string() }).nullable(),
  })
  .meta({ id: 'Agreement' });

/** What an employer sees of its hire's placement. */
export const placementForEmployer = z
  .object({ id, workerId: id, type: z.enum(placementTypes), openingId: id.nullable(), startDate: date, endDate: date.nullable() })
  .meta({ id: 'PlacementForEmployer' });

export const transitionResponse = applicationResponse
  .extend({ placement: z.union([placementResponse, placementForEmployer]).nullable() })
  .meta({ id: 'ApplicationTransition' });

const byType = z.object(Object.fromEntries(placementTypes.map((t) => [t, z.number().int()])) as Record<(typeof placementTypes)[number], z.ZodNumber>);
const byScope = z.object(Object.fromEntries(transferScopes.map((t) => [t, z.number().int()])) as Record<(typeof transferScopes)[number], z.ZodNumber>);

const slots = z.object({ filled: z.number().int(), open: z.number().int() });
const careGroup = z.enum(['elders', 'children', 'disabled']);

export const careTotals = z
  .object({
    leftBehindElders: z.number().int(),
    leftBehindChildren: z.number().int(),
    disabledInDifficulty: z.number().int(),
    servingPosts: slots.meta({ description: 'Slots of the posts serving elders, children or disabled people, filled and open.' }),
    carersNotInWork: z.number().int().meta({ description: 'People who cannot leave home and are not in work.' }),
    carersEligible: z.number().int().meta({ description: 'Of them, in a poverty-alleviated or monitored household.' }),
  })
  .meta({ id: 'CareTotals' });

export const careCoverageResponse = z
  .object({
    area: z.string().nullable(),
    asOf: date,
    totals: careTotals,
    rule: z.string().meta({ description: 'The ranking rule in words.' }),
    items: z.array(
      z.object({
        rank: z.number().int(),
        areaCode: z.string(),
        name: z.string(),
        township: z.object({ code: z.string(), name: z.string() }).nullable(),
        counts: z.object({
          elders: z.number().int(),
          children: z.number().int(),
          disabled: z.number().int(),
          asOf: date.nullable().meta({ description: 'The date of the civil-affairs sheet in force; null when none.' }),
        }),
        servingPosts: z.object({ elders: slots, children: slots, disabled: slots }),
        carers: z.object({
          notInWork: z.number().int(),
          eligible: z.number().int(),
          byCareFor: z.object({ elders: z.number().int(), children: z.number().int(), disabled: z.number().int(), other: z.number().int() }),
        }),
        score: z.number(),
        suggestedServes: careGroup.nullable(),
        reason: z.object({
          score: z.number(),
          serves: careGroup.nullable(),
          people: z.number().int(),
          servingPosts: z.number().int(),
          peoplePerPost: z.number(),
          carers: z.number().int(),
          carersCounted: z.number().int(),
          text: z.string(),
        }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'CareCoverage' });

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
    care: careTotals
      .pick({ leftBehindElders: true, leftBehindChildren: true, disabledInDifficulty: true, servingPosts: true })
      .optional()
      .meta({ description: 'The civil-affairs counts in force and the serving posts of the area (the carers are on GET /v1/care-coverage); absent from figures filed in a month closing.' }),
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

const movedRecord = z
  .object({
    kind: z.enum(['placement', 'household', 'workshop', 'worker']),
    id,
    change: z
      .enum(['placement.recorded', 'placement.ended', 'household.status', 'workshop.certification', 'worker.registered'])
      .meta({ description: 'A placement recorded after the filing (starting by the month\'s end) or ended after it (end date by then); a household\'s status, a workshop\'s certification changed after it taking effect by then; a person registered after it with a registration date by then.' }),
    date: date.meta({ description: 'The date the change takes effect in the figures (start, exclusive end, status or registration date).' }),
    changedAt: timestamp.meta({ description: 'When it was recorded.' }),
    changedBy: z
      .object({ role: z.string(), tokenId: id.nullable(), action: z.string() })
      .nullable()
      .meta({ description: 'As the audit log says (the record\'s own row, or the import run that wrote it); null when the log has none.' }),
    detail: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .meta({ description: 'What the record says now: codes and dates (a placement\'s type, scope, dates and lastDayWorked; a household\'s flags and source id), nothing personal.' }),
  })
  .meta({ id: 'MovedRecord' });

const revision = z.object({
  figure: z.string().meta({ description: 'The figure\'s path in Stats, e.g. `inWork.total`.' }),
  filed: z.number().int(),
  now: z.number().int(),
  records: z.array(movedRecord).meta({ description: 'The records that can account for the difference: changed after the filing, dated on or before the month\'s last day.' }),
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
    kind: z.enum(['households', 'workers', 'care']),
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
      meaning: z.enum(['interested', 'still_working', 'stopped', 'opt_out', 'other']),
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
    areaCode: z.string().meta({ description: 'The holder\'s home area when the month was recorded: the area whose sheet lists it' }),
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
