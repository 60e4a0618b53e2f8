import { Hono } from 'hono';
import { z } from 'zod';
import { hoursValues, openingKinds, servesValues, wagePeriods } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { isOccupationCode } from '../domain/occupations.js';
import { AppError } from '../errors.js';
import {
  closeOpening,
  createOpening,
  getOpening,
  listOpenOpenings,
  toOpeningJson,
  updateOpening,
} from '../services/openings.js';
import { candidatesForOpening } from '../services/matching.js';
import {
  areaCodeSchema,
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
    cursor: z.string().optional(),
    limit: limitSchema,
  })
  .refine((q) => q.radiusKm === undefined || q.near !== undefined, {
    message: 'radiusKm needs near=lat,lon',
    path: ['radiusKm'],
  });

const cursorShape = z.strictObject({ id: z.number().int(), d: z.number().optional() });

export const openingRoutes = new Hono<AppEnv>()
  .post('/', validate('json', createBody), async (c) => {
    const o = await createOpening(serviceCtx(c), c.req.valid('json'));
    return c.json(toOpeningJson(o), 201);
  })
  .get('/', validate('query', listQuery), async (c) => {
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
  .get('/:id', validate('param', idParamSchema), async (c) => {
    const o = await getOpening(serviceCtx(c), c.req.valid('param').id);
    return c.json(toOpeningJson(o, { employerName: o.employerName }));
  })
  .get('/:id/candidates', validate('param', idParamSchema), validate('query', z.strictObject({ limit: limitSchema })), async (c) => {
    const items = await candidatesForOpening(serviceCtx(c), c.req.valid('param').id, c.req.valid('query'));
    return c.json({ items });
  })
  .patch('/:id', validate('param', idParamSchema), validate('json', patchBody), async (c) => {
    const o = await updateOpening(serviceCtx(c), c.req.valid('param').id, c.req.valid('json'));
    return c.json(toOpeningJson(o));
  })
  .post(
    '/:id/close',
    validate('param', idParamSchema),
    validate('json', z.strictObject({ reason: z.string().trim().max(500).optional() }), { emptyBody: {} }),
    async (c) => {
      const o = await closeOpening(serviceCtx(c), c.req.valid('param').id, c.req.valid('json').reason);
      return c.json(toOpeningJson(o));
    },
  );
