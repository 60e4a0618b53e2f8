// The one schema both runtimes share (libSQL on Node, D1 or remote libSQL on
// Workers). Migrations in db/migrations are generated from this file by
// drizzle-kit; never edit a generated migration by hand.
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

const createdAt = () => text('created_at').notNull();
const updatedAt = () => text('updated_at').notNull();
const bool = (name: string) => integer(name, { mode: 'boolean' });
const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();

/**
 * Grid cell of a point, computed by the database from the row's own lat/lon
 * so no writer can forget it: row * 100000 + column, cells of 1/50 degree
 * (about 2.2 km). Must stay the formula of gridCell() in src/domain/grid.ts.
 * Null when the point is missing.
 */
const gridCell = (name: string, lat: string, lon: string) =>
  integer(name).generatedAlwaysAs(
    sql.raw(`CAST((${lat} + 90) * 50 AS INTEGER) * 100000 + CAST((${lon} + 180) * 50 AS INTEGER)`),
    { mode: 'virtual' },
  );

/** Administrative divisions (GB/T 2260-style codes); reference data. */
export const areas = sqliteTable(
  'areas',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    parent: text('parent'),
    level: text('level', {
      enum: ['province', 'prefecture', 'county', 'township', 'village'],
    }).notNull(),
    lat: real('lat'),
    lon: real('lon'),
  },
  (t) => [index('areas_parent_idx').on(t.parent, t.code)],
);

export const households = sqliteTable(
  'households',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    areaCode: text('area_code')
      .notNull()
      .references(() => areas.code),
    povertyAlleviated: bool('poverty_alleviated').notNull().default(false),
    monitored: bool('monitored').notNull().default(false),
    /** The provincial system's household number (户编号), for re-imports. */
    sourceId: text('source_id'),
    /** Since when staff recorded household income at or above the local minimum wage (an exit rule). */
    incomeAtMinimumSince: text('income_at_minimum_since'),
    /**
     * The China date the current povertyAlleviated / monitored took effect
     * (given by staff or the import, default today); null: since the
     * household was registered. Earlier states are in household_status_history.
     */
    statusSince: text('status_since'),
    /**
     * 村干部户: a village cadre or a member of a cadre's household lives here;
     * no member may hold a public-welfare post. Staff-set; `cadreSince` is the
     * China date the current value took effect (null: since registration),
     * earlier values are in household_cadre_history (kept by a trigger).
     */
    cadreHousehold: bool('cadre_household').notNull().default(false),
    cadreSince: text('cadre_since'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('households_source_id_uq').on(t.sourceId),
    index('households_area_idx').on(t.areaCode),
  ],
);

export type CareFor = 'elders' | 'children' | 'disabled' | 'other';
export type Availability = 'full_day' | 'part_day' | 'flexible';

export const workers = sqliteTable(
  'workers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
    /** Home area, copied from the household so area scoping needs no join. */
    areaCode: text('area_code')
      .notNull()
      .references(() => areas.code),
    name: text('name'),
    phone: text('phone'),
    homeLat: real('home_lat'),
    homeLon: real('home_lon'),
    maxDistanceKm: real('max_distance_km').notNull().default(5),
    /** Grid cell of the home point (generated; see gridCell). */
    cell: gridCell('cell', 'home_lat', 'home_lon'),
    /** Band of maxDistanceKm (generated; must stay reachBand() in src/domain/grid.ts). */
    reachBand: integer('reach_band').generatedAlwaysAs(
      sql.raw(
        'CASE WHEN max_distance_km <= 5 THEN 0 WHEN max_distance_km <= 10 THEN 1 WHEN max_distance_km <= 25 THEN 2 WHEN max_distance_km <= 50 THEN 3 WHEN max_distance_km <= 100 THEN 4 ELSE 5 END',
      ),
      { mode: 'virtual' },
    ),
    cannotLeaveHome: bool('cannot_leave_home').notNull().default(false),
    careFor: json<CareFor[]>('care_for').notNull().default([]),
    skills: json<string[]>('skills').notNull().default([]),
    availability: text('availability', {
      enum: ['full_day', 'part_day', 'flexible'],
    })
      .notNull()
      .default('full_day'),
    languages: json<string[]>('languages').notNull().default([]),
    ableToWork: bool('able_to_work').notNull().default(true),
    telegramChatId: text('telegram_chat_id'),
    /** The person's openid at the WeChat Official Account, when they linked or signed up there. */
    wechatOpenid: text('wechat_openid'),
    /** When the person last wrote on WeChat: customer-service messages may be sent for 48 hours after. */
    wechatLastSeenAt: text('wechat_last_seen_at'),
    /** When the person replied TD (退订) to an SMS: no more SMS. */
    smsOptOutAt: text('sms_opt_out_at'),
    language: text('language', { enum: ['zh', 'en'] })
      .notNull()
      .default('zh'),
    alertsEnabled: bool('alerts_enabled').notNull().default(true),
    unreachable: bool('unreachable').notNull().default(false),
    consentAt: text('consent_at'),
    sensitiveConsentAt: text('sensitive_consent_at'),
    sourceId: text('source_id'),
    /**
     * The China date the person was registered (given by staff, default the
     * day the record is made; set from created_at by a trigger when absent):
     * "workers registered as of D" and a member's zero-employment count from it.
     */
    registeredOn: text('registered_on'),
    /** Date of birth (YYYY-MM-DD), staff-set; public-welfare posts check the age on the day from it. */
    birthDate: text('birth_date'),
    /**
     * The China date the person died, when recorded (a public-welfare
     * agreement's `died` exit sets it to the day after the last day worked):
     * from that day the person is no member able to work.
     */
    deceasedOn: text('deceased_on'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Set when the person's data was erased; the row stays for the counts. */
    erasedAt: text('erased_at'),
    /**
     * 1 when the household has any zero-employment period at all (kept by the
     * triggers of migration 0010): a superset of "on the list today" that
     * needs no date, so candidates' zero-employment pass scans only these
     * workers (workers_zero_grid_idx) and checks the date exactly.
     */
    zeroListed: bool('zero_listed').notNull().default(false),
    /**
     * The household's priority tier leaving the zero-employment list aside:
     * 1 monitored, 2 other poverty-alleviated, 3 everyone else (kept by the
     * triggers of migration 0020 from households' flags). Candidates read one
     * tier, and within it carers who cannot leave home first, at a time from
     * workers_tier_grid_idx, stopping once the list is full, instead of
     * ranking every worker in reach.
     */
    statusTier: integer('status_tier').notNull().default(3),
  },
  (t) => [
    index('workers_household_idx').on(t.householdId),
    // Area scoping, and the count of workers registered by a date (stats).
    index('workers_area_idx').on(t.areaCode, t.registeredOn),
    // Workers registered after a date, per area (stats: counting what is not counted).
    index('workers_registered_idx').on(t.registeredOn, t.areaCode),
    index('workers_home_idx').on(t.homeLat, t.homeLon),
    // Candidates near a point: one priority tier (and cannot-leave-home or
    // not) and one reach band at a time (a 5 km worker is only looked for
    // within 5 km), covering what the ranking query reads so the scan needs
    // no table lookups (erased_at and able_to_work are constant here, but
    // SQLite reads the terms that say so from the index, not from the
    // partial WHERE).
    index('workers_tier_grid_idx')
      .on(
        t.statusTier,
        t.cannotLeaveHome,
        t.reachBand,
        t.cell,
        t.areaCode,
        t.homeLat,
        t.homeLon,
        t.maxDistanceKm,
        t.householdId,
        t.availability,
        t.zeroListed,
        t.erasedAt,
        t.ableToWork,
      )
      .where(sql`erased_at IS NULL AND able_to_work = 1`),
    // Candidates' zero-employment pass near a point: only workers of households ever on the list.
    index('workers_zero_grid_idx')
      .on(t.reachBand, t.cell, t.householdId, t.areaCode, t.homeLat, t.homeLon, t.maxDistanceKm, t.cannotLeaveHome, t.availability)
      .where(sql`zero_listed = 1 AND erased_at IS NULL AND able_to_work = 1`),
    // Matching by area when a point is missing (administrative nearness).
    index('workers_tier_area_idx')
      .on(t.statusTier, t.reachBand, t.areaCode)
      .where(sql`erased_at IS NULL AND able_to_work = 1`),
    // Care coverage: the carers who cannot leave home, by village (services/care/coverage.ts).
    index('workers_carers_idx')
      .on(t.areaCode, t.registeredOn, t.careFor, t.householdId)
      .where(sql`cannot_leave_home = 1 AND erased_at IS NULL AND able_to_work = 1`),
    uniqueIndex('workers_telegram_uq').on(t.telegramChatId),
    uniqueIndex('workers_wechat_uq').on(t.wechatOpenid),
    uniqueIndex('workers_source_id_uq').on(t.sourceId),
    check('workers_max_distance_ck', sql`${t.maxDistanceKm} > 0`),
  ],
);

export const employerKinds = ['workshop', 'cooperative', 'enterprise', 'public_body'] as const;

export const employers = sqliteTable(
  'employers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    kind: text('kind', { enum: employerKinds }).notNull(),
    areaCode: text('area_code')
      .notNull()
      .references(() => areas.code),
    lat: real('lat'),
    lon: real('lon'),
    contact: json<{ name?: string; phone?: string; email?: string }>('contact')
      .notNull()
      .default({}),
    verified: bool('verified').notNull().default(false),
    certified: bool('certified').notNull().default(false),
    certifiedAt: text('certified_at'),
    /**
     * The China date the current `certified` took effect (certified or
     * decertified; given by staff, default today); null before any change
     * through the service. Earlier states are in employer_certifications.
     */
    certifiedSince: text('certified_since'),
    telegramChatId: text('telegram_chat_id'),
    wechatOpenid: text('wechat_openid'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('employers_area_idx').on(t.areaCode),
    uniqueIndex('employers_telegram_uq').on(t.telegramChatId),
    uniqueIndex('employers_wechat_uq').on(t.wechatOpenid),
  ],
);

export const openingKinds = ['public_welfare', 'workshop', 'enterprise'] as const;
export const servesValues = ['none', 'elders', 'children', 'disabled'] as const;
export const hoursValues = ['full_day', 'part_day', 'flexible'] as const;
export const wagePeriods = ['month', 'day', 'piece'] as const;
export const openingStatuses = ['draft', 'open', 'filled', 'closed', 'expired'] as const;

export const openings = sqliteTable(
  'openings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    employerId: integer('employer_id')
      .notNull()
      .references(() => employers.id),
    title: text('title').notNull(),
    kind: text('kind', { enum: openingKinds }).notNull(),
    serves: text('serves', { enum: servesValues }).notNull().default('none'),
    areaCode: text('area_code')
      .notNull()
      .references(() => areas.code),
    lat: real('lat'),
    lon: real('lon'),
    /** Grid cell of the place (generated; see gridCell). */
    cell: gridCell('cell', 'lat', 'lon'),
    slots: integer('slots').notNull(),
    slotsFilled: integer('slots_filled').notNull().default(0),
    wageAmount: real('wage_amount').notNull(),
    wagePeriod: text('wage_period', { enum: wagePeriods }).notNull(),
    hours: text('hours', { enum: hoursValues }).notNull(),
    skills: json<string[]>('skills').notNull().default([]),
    povertyOnly: bool('poverty_only').notNull().default(false),
    startDate: text('start_date'),
    closingDate: text('closing_date'),
    status: text('status', { enum: openingStatuses }).notNull().default('open'),
    /**
     * Set by the change that makes alerts owed (the opening opened or gained
     * slots), cleared by the step that writes them (src/services/alerts.ts);
     * the scheduler finishes any step a crash interrupted.
     */
    alertsPendingAt: text('alerts_pending_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('openings_alerts_pending_idx').on(t.alertsPendingAt).where(sql`alerts_pending_at IS NOT NULL`),
    index('openings_status_point_idx').on(t.status, t.lat, t.lon),
    // A new Workers isolate's first matches, before its catalogue is warm: the open openings in a worker's grid cells (services/opening-catalogue.ts).
    index('openings_status_cell_idx').on(t.status, t.cell),
    // Stats: an area's public-welfare posts, covering what is counted of them.
    // (serves too: the serving posts of Stats.care and care coverage are counted in the same pass.)
    index('openings_kind_area_idx').on(t.kind, t.areaCode, t.createdAt, t.status, t.updatedAt, t.closingDate, t.slots, t.serves),
    index('openings_area_idx').on(t.areaCode),
    index('openings_employer_idx').on(t.employerId),
    // The clocks: openings past their closing date, and open ones idle for long (read by index, not by a scan).
    index('openings_status_closing_idx').on(t.status, t.closingDate),
    index('openings_status_updated_idx').on(t.status, t.updatedAt),
    // Two hires racing for the last slot: the second breaks this and rolls back.
    check('openings_slots_ck', sql`${t.slots} >= 1 AND ${t.slotsFilled} >= 0 AND ${t.slotsFilled} <= ${t.slots}`),
  ],
);

/**
 * Every change to an opening (or to its employer's name), in commit order:
 * appended by the triggers of migration 0012 (never written by the
 * service), so each process's catalogue of open openings
 * (services/opening-catalogue.ts) re-reads only the openings changed since
 * it last looked, whichever connection changed them.
 */
export const openingChanges = sqliteTable('opening_changes', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  openingId: integer('opening_id').notNull(),
});

export const applicationStates = [
  'suggested',
  'applied',
  'offered',
  'hired',
  'declined',
  'withdrawn',
  'expired',
] as const;
export const endingReasons = [
  'not_reachable',
  'not_mobile',
  'hours_do_not_fit',
  'wage',
  'chose_other',
  'not_eligible',
  'expired',
  'other',
] as const;

export const applications = sqliteTable(
  'applications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    workerId: integer('worker_id')
      .notNull()
      .references(() => workers.id),
    openingId: integer('opening_id')
      .notNull()
      .references(() => openings.id),
    state: text('state', { enum: applicationStates }).notNull(),
    reason: text('reason', { enum: endingReasons }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('applications_worker_opening_uq').on(t.workerId, t.openingId),
    index('applications_opening_idx').on(t.openingId, t.state),
    index('applications_state_updated_idx').on(t.state, t.updatedAt),
  ],
);

export const placementTypes = [
  'public_welfare',
  'workshop',
  'enterprise',
  'self_employed',
  'migrant',
] as const;
export const transferScopes = ['township', 'county', 'province', 'out_of_province'] as const;

export const placements = sqliteTable(
  'placements',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    workerId: integer('worker_id')
      .notNull()
      .references(() => workers.id),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
    /** The worker's home area when the placement was made: counts are by home area. */
    homeAreaCode: text('home_area_code').notNull(),
    openingId: integer('opening_id').references(() => openings.id),
    applicationId: integer('application_id').references(() => applications.id),
    type: text('type', { enum: placementTypes }).notNull(),
    /** Where the work is: an area code (any level, another province's 2 digits is enough). */
    areaCode: text('area_code'),
    lat: real('lat'),
    lon: real('lon'),
    scope: text('scope', { enum: transferScopes }).notNull(),
    startDate: text('start_date').notNull(),
    endDate: text('end_date'),
    endReason: text('end_reason'),
    /** Contract length in months, when known (a year or more clears a household). */
    contractMonths: integer('contract_months'),
    /** When the worker was last asked (monthly check-in) whether they are still in this work. */
    checkedInAt: text('checked_in_at'),
    /**
     * The China date from which the monthly check-in is owed (30 days after
     * the start, then after each question or answer): the scheduler reads
     * the few due today by index instead of every active placement. Set on
     * insert by a trigger (migration 0016).
     */
    checkinDue: text('checkin_due'),
    /**
     * 1 when another placement of the same worker and home area overlaps this
     * one in time (set by the triggers of migration 0007, never cleared: a
     * shortened placement may keep it). Stats look for people holding two
     * placements at once among these few rows only.
     */
    overlaps: integer('overlaps').notNull().default(0),
    /**
     * The household's status as households carries it (kept by triggers,
     * migration 0025, never written by the service): 1 when
     * poverty-alleviated or monitored now, and since when (households.status_since).
     * A workshop's poverty-alleviated employees are counted from
     * placements_opening_idx alone, not a household read per employee.
     */
    householdTarget: integer('household_target').notNull().default(0),
    householdStatusSince: text('household_status_since'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('placements_worker_idx').on(t.workerId, t.endDate),
    index('placements_household_idx').on(t.householdId, t.endDate),
    // The monthly check-in: active placements by the date it is owed from.
    index('placements_checkin_due_idx').on(t.checkinDue).where(sql`end_date IS NULL`),
    // Stats: people in work are (home area, worker) groups, streamed in this order.
    index('placements_home_area_idx').on(t.homeAreaCode, t.workerId, t.startDate, t.endDate, t.type, t.scope),
    // Stats: the few placements that overlap another of their (home area, worker) group.
    index('placements_overlaps_idx')
      .on(t.homeAreaCode, t.workerId, t.startDate, t.endDate, t.type, t.scope)
      .where(sql`overlaps = 1`),
    // Stats: placements in work by type and scope, one seek per pair.
    index('placements_type_scope_idx').on(t.type, t.scope, t.homeAreaCode, t.startDate, t.endDate),
    // Stats: placements started / ended in a month, by type and scope.
    index('placements_start_idx').on(t.startDate, t.homeAreaCode, t.endDate, t.type, t.scope),
    index('placements_end_idx').on(t.endDate, t.homeAreaCode, t.startDate, t.type, t.scope),
    // An opening's placements (posts filled, workshops' employees): covers
    // both counts, the people and their households' status included.
    index('placements_opening_idx').on(t.openingId, t.startDate, t.endDate, t.householdId, t.workerId, t.householdTarget, t.householdStatusSince),
    // Stats: the slots taken at public-welfare posts on a day, from the
    // placements not ended by then (ended ones are passed by one seek).
    index('placements_post_taken_idx')
      .on(t.endDate, t.startDate, t.openingId, t.createdAt)
      .where(sql`type = 'public_welfare' AND opening_id IS NOT NULL`),
    uniqueIndex('placements_application_uq').on(t.applicationId),
    // One public-welfare post per person and per household at a time.
    uniqueIndex('placements_one_pw_per_worker_uq')
      .on(t.workerId)
      .where(sql`type = 'public_welfare' AND end_date IS NULL`),
    uniqueIndex('placements_one_pw_per_household_uq')
      .on(t.householdId)
      .where(sql`type = 'public_welfare' AND end_date IS NULL`),
  ],
);

/**
 * Placements started less placements ended, by the county of the home area,
 * month, type and scope: kept by the triggers of migration 0014 (never
 * written by the service). People in work as of a day, for a county or
 * more, are these months before the day's month plus that month's own
 * starts and ends (services/stats.ts), not a count of every placement.
 * A placement ending before it starts is never in work and not counted.
 */
export const placementMonths = sqliteTable(
  'placement_months',
  {
    county: text('county').notNull(),
    /** YYYY-MM */
    month: text('month').notNull(),
    type: text('type', { enum: placementTypes }).notNull(),
    scope: text('scope', { enum: transferScopes }).notNull(),
    delta: integer('delta').notNull(),
  },
  (t) => [primaryKey({ columns: [t.county, t.month, t.type, t.scope] })],
);

/**
 * When each household was on the zero-employment list (零就业家庭): derived
 * from its members and placements by domain/household-status.ts, rewritten in
 * the same batch as every change to them, so counts as of any date are one
 * indexed range query. `endDate` is exclusive; null while still on the list.
 */
export const zeroEmploymentPeriods = sqliteTable(
  'zero_employment_periods',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
    areaCode: text('area_code').notNull(),
    startDate: text('start_date').notNull(),
    endDate: text('end_date'),
    /**
     * The household's current status, copied by triggers (migration 0017) on
     * insert and whenever the household's status changes, so counting the
     * clearance target reads this index alone: 1 when poverty-alleviated or
     * monitored now; `statusSince` as households.status_since (before it,
     * stats read household_status_history).
     */
    target: integer('target').notNull().default(0),
    statusSince: text('status_since'),
  },
  (t) => [
    index('zero_periods_household_idx').on(t.householdId),
    index('zero_periods_area_idx').on(t.areaCode, t.startDate, t.endDate, t.target, t.statusSince),
  ],
);

export const roles = ['admin', 'staff', 'employer'] as const;

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** SHA-256 of the token, hex; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    role: text('role', { enum: roles }).notNull(),
    areaPrefix: text('area_prefix'),
    employerId: integer('employer_id').references(() => employers.id),
    label: text('label'),
    /** A staff member's chat, linked by a one-time code: where their digests and notices go. */
    telegramChatId: text('telegram_chat_id'),
    createdAt: createdAt(),
    revokedAt: text('revoked_at'),
    /** After this instant the token answers 401 (null: it does not expire). */
    expiresAt: text('expires_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_uq').on(t.tokenHash),
    uniqueIndex('api_tokens_telegram_uq').on(t.telegramChatId),
    check(
      'api_tokens_scope_ck',
      sql`(${t.role} = 'admin') OR (${t.role} = 'staff' AND ${t.areaPrefix} IS NOT NULL) OR (${t.role} = 'employer' AND ${t.employerId} IS NOT NULL)`,
    ),
  ],
);

/** Append-only: migration 0001 adds triggers that refuse UPDATE and DELETE. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    actorTokenId: integer('actor_token_id'),
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    objectType: text('object_type'),
    objectId: text('object_id'),
    outcome: text('outcome').notNull(),
    /** Field names and codes only, never personal values (erasure must not need to touch it). */
    detail: json<Record<string, unknown>>('detail'),
  },
  (t) => [index('audit_object_idx').on(t.objectType, t.objectId), index('audit_at_idx').on(t.at)],
);

/** The senders an outbox row can be owed to (outbox.channel). */
export const outboxChannels = ['telegram', 'wechat', 'sms'] as const;

export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    chatId: text('chat_id'),
    workerId: integer('worker_id').references(() => workers.id),
    employerId: integer('employer_id').references(() => employers.id),
    staffTokenId: integer('staff_token_id').references(() => apiTokens.id),
    kind: text('kind').notNull(),
    /** At most one message per key (e.g. one alert per worker per opening). */
    dedupeKey: text('dedupe_key'),
    payload: json<Record<string, unknown>>('payload').notNull(),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'dead', 'cancelled'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    notBefore: text('not_before').notNull(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: text('sent_at'),
    /**
     * Which sender reaches the recipient, while the row is pending or being
     * sent: `wechat` (a worker or employer with an openid and no Telegram
     * chat), `sms` (a worker with a phone and neither), else `telegram`
     * (which also cancels what reaches nobody). Kept by triggers (migration
     * 0026) as people link or change chats, never written by the service, so
     * each sender claims its own rows by outbox_channel_due_idx instead of
     * passing over every other sender's backlog.
     */
    channel: text('channel', { enum: outboxChannels }).notNull().default('telegram'),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_uq').on(t.dedupeKey),
    index('outbox_due_idx').on(t.status, t.notBefore),
    // The admin's list of dead messages, by id.
    index('outbox_status_id_idx').on(t.status, t.id),
    // A sender's due rows, oldest first; and a recipient's live rows, for the triggers.
    index('outbox_channel_due_idx').on(t.channel, t.notBefore, t.id).where(sql`status IN ('pending', 'sending')`),
    index('outbox_live_worker_idx').on(t.workerId).where(sql`status IN ('pending', 'sending')`),
    index('outbox_live_employer_idx').on(t.employerId).where(sql`status IN ('pending', 'sending')`),
  ],
);

export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    actor: text('actor').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    bodyHash: text('body_hash').notNull(),
    status: integer('status'),
    response: text('response'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.actor, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

export const telegramUpdates = sqliteTable(
  'telegram_updates',
  {
    updateId: integer('update_id').primaryKey(),
    chatId: text('chat_id'),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['received', 'handled', 'failed'] })
      .notNull()
      .default('received'),
    receivedAt: text('received_at').notNull(),
    handledAt: text('handled_at'),
  },
  (t) => [index('telegram_updates_chat_idx').on(t.chatId, t.status, t.updateId)],
);

/**
 * WeChat messages received, keyed by MsgId (or sender and CreateTime for an
 * event): WeChat re-sends a message it got no answer to within 5 s, up to 3
 * times, and a copy is handled once.
 */
export const wechatMessages = sqliteTable('wechat_messages', {
  key: text('key').primaryKey(),
  openid: text('openid').notNull(),
  receivedAt: text('received_at').notNull(),
  /** The passive reply given, answered again to a copy that arrives after it. */
  reply: text('reply'),
});

/** Each SMS handed to the provider, with its delivery receipt when one came. */
export const smsMessages = sqliteTable(
  'sms_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    outboxId: integer('outbox_id').references(() => outbox.id),
    workerId: integer('worker_id').references(() => workers.id),
    phone: text('phone').notNull(),
    kind: text('kind').notNull(),
    /** What a reply of "1" is about: the application (an offer) or the opening (a new one). */
    applicationId: integer('application_id'),
    openingId: integer('opening_id'),
    /** The provider's id (Aliyun's BizId), which its receipts name. */
    bizId: text('biz_id'),
    status: text('status', { enum: ['sent', 'delivered', 'failed'] }).notNull().default('sent'),
    error: text('error'),
    sentAt: text('sent_at').notNull(),
    reportedAt: text('reported_at'),
  },
  (t) => [index('sms_messages_phone_idx').on(t.phone, t.sentAt), index('sms_messages_biz_idx').on(t.bizId)],
);

/** Replies to SMS the provider forwarded: TD opts out, 1 is interest that staff see, 1 or 2 answers a check-in. */
export const smsReplies = sqliteTable(
  'sms_replies',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    workerId: integer('worker_id').references(() => workers.id),
    phone: text('phone').notNull(),
    content: text('content').notNull(),
    /** interested: a 1 to an opening or an offer; still_working / stopped: a 1 / a 2 to a check-in. */
    meaning: text('meaning', { enum: ['interested', 'still_working', 'stopped', 'opt_out', 'other'] }).notNull(),
    applicationId: integer('application_id'),
    openingId: integer('opening_id'),
    /** The provider's id of the reply: a copy sent again is kept once. */
    sequenceId: text('sequence_id').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [uniqueIndex('sms_replies_seq_uq').on(t.sequenceId), index('sms_replies_worker_idx').on(t.workerId)],
);

export const botSessions = sqliteTable('bot_sessions', {
  chatId: text('chat_id').primaryKey(),
  state: json<Record<string, unknown>>('state').notNull(),
  language: text('language', { enum: ['zh', 'en'] }),
  /** While set in the future, one request is handling this chat's updates (they are handled in order). */
  lockedUntil: text('locked_until'),
  updatedAt: updatedAt(),
});

/** One-time codes staff read out so a person links a chat to an existing record. */
export const linkCodes = sqliteTable(
  'link_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    workerId: integer('worker_id').references(() => workers.id),
    employerId: integer('employer_id').references(() => employers.id),
    staffTokenId: integer('staff_token_id').references(() => apiTokens.id),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
    createdAt: createdAt(),
    /** The code's first four digits, unique among live codes: which code a try is against. */
    handle: text('handle'),
    /** Wrong tries against this code's handle, from any chat; at LINK_CODE_MAX_WRONG the code dies. */
    wrongTries: integer('wrong_tries').notNull().default(0),
  },
  (t) => [index('link_codes_handle_idx').on(t.handle)],
);

/**
 * Signed-in sessions of the staff console: the cookie holds a random id, only
 * its SHA-256 is stored (Workers keep nothing between requests). Who acts is
 * the token the person signed in with, read again on every request so a
 * revoked token ends its sessions at once.
 */
export const consoleSessions = sqliteTable(
  'console_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    tokenId: integer('token_id')
      .notNull()
      .references(() => apiTokens.id),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
    endedAt: text('ended_at'),
  },
  (t) => [index('console_sessions_token_idx').on(t.tokenId)],
);

export const publicNoticeStatuses = ['open', 'finalised', 'withdrawn'] as const;

/**
 * A public notice (公示) of the people proposed for a public-welfare post:
 * their applications wait in `offered` until the notice has run its days,
 * then staff finalise the hires. The id is random: it is the public page's address.
 */
export const publicNotices = sqliteTable(
  'public_notices',
  {
    id: text('id').primaryKey(),
    openingId: integer('opening_id')
      .notNull()
      .references(() => openings.id),
    /** The post's area, for scoping. */
    areaCode: text('area_code').notNull(),
    /** First day shown, and the first day the hires may be finalised. */
    startDate: text('start_date').notNull(),
    endDate: text('end_date').notNull(),
    status: text('status', { enum: publicNoticeStatuses }).notNull().default('open'),
    createdByTokenId: integer('created_by_token_id').references(() => apiTokens.id),
    createdAt: createdAt(),
    finalisedAt: text('finalised_at'),
  },
  (t) => [index('public_notices_opening_idx').on(t.openingId, t.status), index('public_notices_area_idx').on(t.areaCode, t.status)],
);

/** The people on a notice; their application is (worker, the notice's opening). */
export const publicNoticeEntries = sqliteTable(
  'public_notice_entries',
  {
    noticeId: text('notice_id')
      .notNull()
      .references(() => publicNotices.id),
    workerId: integer('worker_id')
      .notNull()
      .references(() => workers.id),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
  },
  (t) => [primaryKey({ columns: [t.noticeId, t.workerId] }), index('public_notice_entries_household_idx').on(t.householdId)],
);

/**
 * A county's figures for a month as filed (月报报送): statsFor as of the
 * month's last day, stored when county staff close the month, with who and
 * when. Never updated: closing again (with a reason) adds a row, and the
 * newest row of an (area, month) is the filing in force.
 */
export const closings = sqliteTable(
  'closings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The county's code (6 digits). */
    areaCode: text('area_code').notNull(),
    /** YYYY-MM */
    month: text('month').notNull(),
    /** The month's last day: the figures are as of it. */
    asOf: text('as_of').notNull(),
    /** The Stats object as GET /v1/stats gave it. */
    figures: json<Record<string, unknown>>('figures').notNull(),
    closedByRole: text('closed_by_role').notNull(),
    closedByTokenId: integer('closed_by_token_id'),
    closedAt: text('closed_at').notNull(),
    /** Why the month was closed again; null on the first closing. */
    reason: text('reason'),
  },
  (t) => [index('closings_area_month_idx').on(t.areaCode, t.month, t.id)],
);

/**
 * Every state a household's status has had and the date it took effect:
 * written by a trigger on households (migration 0017) whenever
 * poverty_alleviated or monitored changes, whichever code or tool changes
 * them — the state before the first change too. Stats as of a date before
 * households.status_since read the newest row on or before that date.
 */
export const householdStatusHistory = sqliteTable(
  'household_status_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    householdId: integer('household_id').notNull(),
    effectiveDate: text('effective_date').notNull(),
    povertyAlleviated: bool('poverty_alleviated').notNull(),
    monitored: bool('monitored').notNull(),
  },
  (t) => [index('household_status_history_idx').on(t.householdId, t.effectiveDate, t.id)],
);

/**
 * Every certification state of an employer and the date it took effect:
 * written by triggers on employers (migration 0017) when `certified`
 * changes, the state before the first change too. Certified workshops as of
 * a date are those whose newest row on or before it is certified.
 */
export const employerCertifications = sqliteTable(
  'employer_certifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    employerId: integer('employer_id').notNull(),
    effectiveDate: text('effective_date').notNull(),
    certified: bool('certified').notNull(),
  },
  (t) => [index('employer_certifications_idx').on(t.employerId, t.effectiveDate, t.id)],
);

/**
 * Every cadre-household state of a household and the date it took effect:
 * written by a trigger on households (migration 0020) when cadre_household
 * changes, the state before the first change too, as household_status_history.
 */
export const householdCadreHistory = sqliteTable(
  'household_cadre_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    householdId: integer('household_id').notNull(),
    effectiveDate: text('effective_date').notNull(),
    cadreHousehold: bool('cadre_household').notNull(),
  },
  (t) => [index('household_cadre_history_idx').on(t.householdId, t.effectiveDate, t.id)],
);

export const agreementStatuses = ['active', 'renewed', 'ended', 'exited'] as const;
export const agreementExitReasons = [
  'resigned',
  'failed_assessment',
  'no_longer_eligible',
  'found_other_work',
  'moved',
  'died',
] as const;

/**
 * 聘用协议: a public-welfare post holder's term. A hire into a public-welfare
 * post makes the first (same batch as the placement); a renewal closes one
 * (`renewed`) and makes the next from its end; an exit (`exited`, with a
 * coded reason and the last day worked) or the end reached without renewal
 * (`ended`, by the clock) ends the placement too. `endDate` is exclusive, as
 * every end date: the first day not covered.
 */
export const agreements = sqliteTable(
  'agreements',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    placementId: integer('placement_id')
      .notNull()
      .references(() => placements.id),
    workerId: integer('worker_id')
      .notNull()
      .references(() => workers.id),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
    openingId: integer('opening_id').references(() => openings.id),
    /** The holder's home area (as the placement's): staff scope and the renewal list by it. */
    homeAreaCode: text('home_area_code').notNull(),
    startDate: text('start_date').notNull(),
    endDate: text('end_date').notNull(),
    status: text('status', { enum: agreementStatuses }).notNull().default('active'),
    /** The agreement this one renews. */
    previousId: integer('previous_id'),
    exitReason: text('exit_reason', { enum: agreementExitReasons }),
    /** The last day the holder worked (inclusive); the placement ends the day after. */
    lastDayWorked: text('last_day_worked'),
    closedAt: text('closed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('agreements_placement_idx').on(t.placementId, t.status),
    index('agreements_worker_idx').on(t.workerId),
    // The renewal list: an area's active agreements by end date.
    index('agreements_area_due_idx').on(t.homeAreaCode, t.endDate).where(sql`status = 'active'`),
    // The clock: active agreements whose end has come, read by index.
    index('agreements_due_idx').on(t.endDate).where(sql`status = 'active'`),
    // One running agreement per placement.
    uniqueIndex('agreements_one_active_uq').on(t.placementId).where(sql`status = 'active'`),
    check('agreements_dates_ck', sql`${t.endDate} > ${t.startDate}`),
  ],
);

/**
 * 月度考核: a public-welfare post holder's month (one per placement and
 * month), recorded by staff through the API, the console's sheet or its
 * import, and the subsidy (岗位补贴) that follows from it by POST_RULES
 * (src/domain/subsidy.ts), kept as it was computed when recorded. The holder
 * is told the amount (a `subsidy_notice` through the outbox, or staff record
 * they told them in person) before the month may be marked paid; a month
 * recorded again after telling must be told again (`revision`). Nothing
 * here is a bank account: the paid list is exported.
 */
export const assessments = sqliteTable(
  'assessments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    placementId: integer('placement_id')
      .notNull()
      .references(() => placements.id),
    workerId: integer('worker_id')
      .notNull()
      .references(() => workers.id),
    householdId: integer('household_id').notNull(),
    openingId: integer('opening_id'),
    /** The holder's home area (the placement's): staff scope by it. */
    homeAreaCode: text('home_area_code').notNull(),
    /** YYYY-MM */
    month: text('month').notNull(),
    daysWorked: integer('days_worked').notNull(),
    attendanceScore: real('attendance_score'),
    townshipScore: real('township_score'),
    appraisalScore: real('appraisal_score'),
    totalScore: real('total_score').notNull(),
    bandLabel: text('band_label').notNull(),
    amountFen: integer('amount_fen').notNull(),
    deductionFen: integer('deduction_fen').notNull(),
    deductionReason: text('deduction_reason'),
    /** Why short of the standard, as codes (domain/subsidy.ts DeductionCode): `score_band`, `days_short`. */
    deductions: json<string[]>('deductions').notNull().default([]),
    /** 1 on the first recording, one more each time the month is recorded again. */
    revision: integer('revision').notNull().default(1),
    recordedByTokenId: integer('recorded_by_token_id'),
    recordedAt: text('recorded_at').notNull(),
    /** How the holder was told this revision's amount: `message` (the outbox) or `in_person` (staff say so). */
    toldHow: text('told_how', { enum: ['message', 'in_person'] }),
    toldAt: text('told_at'),
    /** The revision that was told; told only while it is the current one. */
    toldRevision: integer('told_revision'),
    paidAt: text('paid_at'),
    paidByTokenId: integer('paid_by_token_id'),
  },
  (t) => [
    uniqueIndex('assessments_placement_month_uq').on(t.placementId, t.month),
    // An area's month (the sheet, the payment list).
    index('assessments_area_month_idx').on(t.homeAreaCode, t.month),
    check('assessments_days_ck', sql`${t.daysWorked} >= 0 AND ${t.daysWorked} <= 31`),
  ],
);

export const postCheckKinds = [
  'concurrent_placement',
  'deceased',
  'erased',
  'two_in_household',
  'cadre_household',
  'no_assessment',
  'checkin_no',
  'checkin_no_answer',
] as const;

/**
 * Flags on public-welfare post holders that may be ghost posts (虚设岗位) or
 * abuse, raised by the monthly checks (src/services/posts/checks.ts) or by a
 * holder's "no" to the sampled check-in; at most one per kind, placement and
 * month. Staff of the holder's area resolve each with a note (audited).
 */
export const postChecks = sqliteTable(
  'post_checks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: postCheckKinds }).notNull(),
    placementId: integer('placement_id')
      .notNull()
      .references(() => placements.id),
    workerId: integer('worker_id').notNull(),
    homeAreaCode: text('home_area_code').notNull(),
    /** YYYY-MM: the month whose check raised it. */
    month: text('month').notNull(),
    /** Codes and record ids only (the other placement, its scope), never a person's values. */
    detail: json<Record<string, unknown>>('detail').notNull().default({}),
    raisedAt: text('raised_at').notNull(),
    resolvedAt: text('resolved_at'),
    resolvedByTokenId: integer('resolved_by_token_id'),
    resolution: text('resolution', { enum: ['confirmed', 'cleared'] }),
    note: text('note'),
  },
  (t) => [
    uniqueIndex('post_checks_kind_placement_month_uq').on(t.kind, t.placementId, t.month),
    // The worklist: an area's open flags, newest first.
    index('post_checks_open_idx').on(t.homeAreaCode, t.id).where(sql`resolved_at IS NULL`),
    index('post_checks_area_idx').on(t.homeAreaCode, t.month),
  ],
);

/**
 * The sampled check-in (抽查回访): holders asked in the chat "这个月您在做
 * <岗位> 吗？" in a month, and their answer. No answer by `answerDue`
 * raises a `checkin_no_answer` flag (the clock reads the due ones by index).
 */
export const postCheckins = sqliteTable(
  'post_checkins',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    placementId: integer('placement_id')
      .notNull()
      .references(() => placements.id),
    workerId: integer('worker_id').notNull(),
    homeAreaCode: text('home_area_code').notNull(),
    month: text('month').notNull(),
    askedAt: text('asked_at').notNull(),
    /** The first China date on which a missing answer is flagged. */
    answerDue: text('answer_due').notNull(),
    answer: text('answer', { enum: ['yes', 'no'] }),
    answeredAt: text('answered_at'),
    /** Set when the missing answer was flagged. */
    flaggedAt: text('flagged_at'),
  },
  (t) => [
    uniqueIndex('post_checkins_placement_month_uq').on(t.placementId, t.month),
    index('post_checkins_due_idx').on(t.answerDue).where(sql`answer IS NULL AND flagged_at IS NULL`),
  ],
);

/**
 * How far each month's checks have gone: the holders (active public-welfare
 * placements) are walked by worker id in slices across clock runs, so a
 * month's checks never read every holder at once and a run cut short goes on.
 */
export const postCheckRuns = sqliteTable('post_check_runs', {
  month: text('month').primaryKey(),
  /** The last worker id checked (holders are walked by placements_one_pw_per_worker_uq). */
  afterWorkerId: integer('after_worker_id').notNull().default(0),
  doneAt: text('done_at'),
});

/**
 * Civil-affairs counts (民政) per village and date: left-behind elders
 * (留守老人), left-behind children (留守儿童) and people with disabilities
 * in difficulty (困难残疾人) — counts only, never who. A sheet's date is the
 * day its counts took effect; a later date supersedes an earlier one and the
 * earlier rows stay, so a figure as of a past date reads the newest row on
 * or before it. Importing the same village and date again corrects that row.
 */
export const careCounts = sqliteTable(
  'care_counts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    areaCode: text('area_code')
      .notNull()
      .references(() => areas.code),
    effectiveDate: text('effective_date').notNull(),
    elders: integer('elders').notNull(),
    children: integer('children').notNull(),
    disabled: integer('disabled').notNull(),
    /** The sheet it came from (file name), for the record. */
    source: text('source'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // One row per village and date; as of D, the newest on or before D by this index.
    uniqueIndex('care_counts_area_date_uq').on(t.areaCode, t.effectiveDate),
    check('care_counts_ck', sql`${t.elders} >= 0 AND ${t.children} >= 0 AND ${t.disabled} >= 0`),
  ],
);
