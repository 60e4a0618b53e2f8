import { Hono } from 'hono';
import * as z from 'zod';
import { hoursValues, openingKinds, servesValues, wagePeriods } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { isOccupationCode } from '../domain/occupations.js';
import { AppError } from '../errors.js';
import { describeRoute } from '../openapi/describe.js';
import { candidateResponse, openingResponse, page } from '../schemas/responses.js';
import {
  closeOpening,
  createOpening,
  getOpening,
  listOpenOpenings,
  toOpeningJson,
  updateOpening,
} from '../services/openings.js';
import { runRead } from '../services/read-pool/run.js';
import {
  areaCodeSchema,
  cursorSchema,
  decodeCursor,
  encodeCursor,
  idParamSchema,
  idSchema,
  isoDateSchema,
  limitSchema,
  pointSchema,
  skillsSchema,
  validate,
} from '../validation.js';

const wageSchema = z.strictObject({
  amount: z.number().min(0).max(1_000_000),
  period: z.enum(wagePeriods),
});

const fields = {
  title: z.string().trim().min(1).max(200),
  serves: z.enum(servesValues),
  areaCode: areaCodeSchema,
  slots: z.number().int().min(1).max(10_000),
  wage: wageSchema,
  hours: z.enum(hoursValues),
  skills: skillsSchema,
  povertyOnly: z.boolean(),
  startDate: isoDateSchema,
  closingDate: isoDateSchema,
};

const createBody = z.strictObject({
  ...fields,
  kind: z.enum(openingKinds),
  serves: fields.serves.default('none'),
  point: pointSchema.optional(),
  skills: fields.skills.default([]),
  povertyOnly: fields.povertyOnly.optional(),
  startDate: fields.startDate.optional(),
  closingDate: fields.closingDate.optional(),
  employerId: idSchema.optional(),
  status: z.enum(['draft', 'open']).optional(),
});

const patchBody = z
  .strictObject({
    ...fields,
    point: pointSchema.nullable(),
    startDate: fields.startDate.nullable(),
    closingDate: fields.closingDate.nullable(),
    status: z.enum(['draft', 'open']),
  })
  .partial();

const latLon = z
  .string()
  .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/, 'must be "lat,lon"')
  .transform((v) => {
    const [lat, lon] = v.split(',').map(Number) as [number, number];
    return { lat, lon };
  })
  .pipe(pointSchema);

const skillList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((list) => list.every(isOccupationCode), { message: 'lists a code that is not in the occupation list' });

const listQuery = z
  .strictObject({
    near: latLon.optional(),
    radiusKm: z.coerce.number().positive().max(100).optional(),
    kind: z.enum(openingKinds).optional(),
    serves: z.enum(servesValues).optional(),
    area: areaCodeSchema.optional(),
    skills: skillList.optional(),
    cursor: cursorSchema.optional(),
    limit: limitSchema,
  })
  .refine((q) => q.radiusKm === undefined || q.near !== undefined, {
    message: 'radiusKm needs near=lat,lon',
    path: ['radiusKm'],
  });

const cursorShape = z.strictObject({ id: z.number().int(), d: z.number().optional() });

const docs = {
  create: describeRoute({
    tag: 'openings',
    summary: 'Post an opening',
    who: ['employer', 'staff', 'admin'],
    whoNote: 'An employer posts for itself (not public-welfare posts); staff post public-welfare posts in their area with `employerId`.',
    responses: { 201: { description: 'The opening', json: openingResponse } },
    errors: [403, 422],
  }),
  list: describeRoute({
    tag: 'openings',
    summary: 'Open openings, nearest first with `distanceKm` when `near` is given',
    who: ['anyone'],
    paginated: true,
    responses: { 200: { description: 'A page of open openings', json: page(openingResponse) } },
  }),
  read: describeRoute({
    tag: 'openings',
    summary: 'Read one opening',
    who: ['anyone', 'employer', 'staff', 'admin'],
    whoNote: 'Anyone reads open ones; the owner and staff of the area read the others.',
    responses: { 200: { description: 'The opening with its employer\'s name', json: openingResponse } },
  }),
  candidates: describeRoute({
    tag: 'matching',
    summary: 'Eligible workers within reach of an opening, in priority order',
    who: ['staff', 'admin'],
    whoNote: 'Staff of the opening\'s area.',
    responses: { 200: { description: 'The candidates with tier, distance, score and reasons', json: z.object({ items: z.array(candidateResponse) }) } },
    errors: [403],
  }),
  update: describeRoute({
    tag: 'openings',
    summary: 'Change an opening',
    who: ['employer', 'staff', 'admin'],
    whoNote: 'The owner, staff of the area, admin.',
    responses: { 200: { description: 'The opening as changed', json: openingResponse } },
    errors: [403, 409, 422],
  }),
  close: describeRoute({
    tag: 'openings',
    summary: 'Close an opening (the body and its `reason` are optional)',
    who: ['employer', 'staff', 'admin'],
    whoNote: 'The owner, staff of the area, admin.',
    responses: { 200: { description: 'The closed opening', json: openingResponse } },
    errors: [403, 409],
  }),
};

export const openingRoutes = new Hono<AppEnv>()
  .post('/', docs.create, validate('json', createBody), async (c) => {
    const o = await createOpening(serviceCtx(c), c.req.valid('json'));
    return c.json(toOpeningJson(o), 201);
  })
  .get('/', docs.list, validate('query', listQuery), async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor ? decodeCursor(q.cursor, cursorShape) : undefined;
    if (after && (after.d !== undefined) !== (q.near !== undefined)) {
      throw new AppError('invalid_cursor', 'The cursor belongs to another query', [
        { path: 'cursor', message: 'use the nextCursor of the same query' },
      ]);
    }
    const page = await listOpenOpenings(serviceCtx(c), { ...q, radiusKm: q.radiusKm ?? 10, after });
    return c.json({
      items: page.items.map((i) =>
        toOpeningJson(i.opening, {
          employerName: i.employerName,
          ...(i.distanceKm !== undefined ? { distanceKm: i.distanceKm } : {}),
        }),
      ),
      nextCursor: page.last ? encodeCursor(page.last) : null,
    });
  })
  .get('/:id', docs.read, validate('param', idParamSchema), async (c) => {
    const o = await getOpening(serviceCtx(c), c.req.valid('param').id);
    return c.json(toOpeningJson(o, { employerName: o.employerName }));
  })
  .get('/:id/candidates', docs.candidates, validate('param', idParamSchema), validate('query', z.strictObject({ limit: limitSchema })), async (c) => {
    const items = await runRead(c, 'candidates', { openingId: c.req.valid('param').id, limit: c.req.valid('query').limit });
    return c.json({ items });
  })
  .patch('/:id', docs.update, validate('param', idParamSchema), validate('json', patchBody), async (c) => {
    const o = await updateOpening(serviceCtx(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(toOpeningJson(o));
  })
  .post(
    '/:id/close',
    docs.close,
    validate('param', idParamSchema),
    validate('json', z.strictObject({ reason: z.string().trim().max(500).optional() }), { emptyBody: {} }),
    async (c) => {
      const o = await closeOpening(serviceCtx(c), c.req.valid('param').id, c.req.valid('json').reason);
      return c.json(toOpeningJson(o));
    },
  );
