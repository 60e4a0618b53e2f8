// The input shapes of households and workers, in one place: the API routes
// validate request bodies with them and the bulk import validates each
// spreadsheet row with them, so a row is accepted exactly when the same
// record sent to the API would be.
import * as z from 'zod';
import { areaCodeSchema, idSchema, isoDateSchema, pointSchema, skillsSchema } from '../validation.js';

/** The China date a fact took effect: on or before today; the service defaults it to today. */
export const effectiveDateSchema = isoDateSchema.meta({ description: 'The date the change took effect (on or before today in China); default today.' });

/** A record's number in the provincial system (户编号, 人员编号), the key of re-imports. */
export const sourceIdSchema = z.string().trim().min(1).max(64);

export const householdCreateSchema = z.strictObject({
  areaCode: areaCodeSchema,
  povertyAlleviated: z.boolean(),
  monitored: z.boolean(),
  sourceId: sourceIdSchema.optional(),
  cadreHousehold: z.boolean().optional().meta({ description: '村干部户: a village cadre or a cadre\'s household member lives here; no member may hold a public-welfare post. Default false.' }),
});

export const householdPatchSchema = z
  .strictObject({
    areaCode: areaCodeSchema,
    povertyAlleviated: z.boolean(),
    monitored: z.boolean(),
    incomeAtMinimum: z.boolean(),
    /** When the povertyAlleviated / monitored given here took effect; used only when they change. */
    statusSince: effectiveDateSchema,
    cadreHousehold: z.boolean().meta({ description: '村干部户: no member may hold a public-welfare post.' }),
    /** When the cadreHousehold given here took effect; used only when it changes. */
    cadreSince: effectiveDateSchema.meta({ description: 'The date the cadreHousehold given took effect (on or before today in China); default today; used only when it changes.' }),
  })
  .partial();

/** A date of birth: a real date (before 2000 too); not after today and not before 1900, checked by the service (birthDateProblem). */
export const birthDateSchema = z.iso.date('must be a date as YYYY-MM-DD').meta({ description: 'Date of birth (YYYY-MM-DD); public-welfare posts check the age on the day from it (POST_RULES minAge to maxAge).' });

export const phoneSchema = z.string().trim().regex(/^\+?[0-9][0-9 -]{4,19}$/, 'must be a phone number');
export const careForSchema = z.array(z.enum(['elders', 'children', 'disabled', 'other'])).max(4);
export const languagesSchema = z.array(z.string().trim().min(2).max(20)).max(10);

export const workerFields = {
  name: z.string().trim().min(1).max(100),
  maxDistanceKm: z.number().positive().max(200),
  cannotLeaveHome: z.boolean(),
  careFor: careForSchema,
  skills: skillsSchema,
  availability: z.enum(['full_day', 'part_day', 'flexible']),
  ableToWork: z.boolean(),
  languages: languagesSchema,
  sourceId: sourceIdSchema,
};

export const workerCreateSchema = z
  .strictObject({
    ...workerFields,
    householdId: idSchema,
    phone: phoneSchema,
    home: pointSchema,
    registeredOn: effectiveDateSchema.meta({ description: 'The date the person was registered (on or before today in China); default today.' }),
    birthDate: birthDateSchema,
  })
  .partial()
  .required({ householdId: true, name: true });

export const workerPatchSchema = z
  .strictObject({ ...workerFields, phone: phoneSchema.nullable(), home: pointSchema.nullable(), birthDate: birthDateSchema.nullable() })
  .partial();
