import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { areaResponse, page } from '../schemas/responses.js';
import { getArea, listAreas, toAreaJson } from '../services/areas.js';
import { areaCodeSchema, cursorSchema, decodeCursor, encodeCursor, limitSchema, validate } from '../validation.js';

const listQuery = z.strictObject({
  parent: areaCodeSchema.optional(),
  cursor: cursorSchema.optional(),
  limit: limitSchema.optional().default(100),
});

const docs = {
  list: describeRoute({
    tag: 'areas',
    summary: 'List reference areas under a parent (provinces without one)',
    who: ['anyone'],
    paginated: true,
    responses: { 200: { description: 'A page of areas, by code', json: page(areaResponse) } },
  }),
  read: describeRoute({
    tag: 'areas',
    summary: 'Read one reference area',
    who: ['anyone'],
    responses: { 200: { description: 'The area', json: areaResponse } },
  }),
};

export const areaRoutes = new Hono<AppEnv>()
  .get('/', docs.list, validate('query', listQuery), async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor ? decodeCursor(q.cursor, z.string()) : undefined;
    const page = await listAreas(c.var.deps.db, { parent: q.parent, after, limit: q.limit });
    return c.json({ items: page.items.map(toAreaJson), nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null });
  })
  .get('/:code', docs.read, validate('param', z.strictObject({ code: areaCodeSchema })), async (c) => {
    const area = await getArea(c.var.deps.db, c.req.valid('param').code);
    return c.json(toAreaJson(area));
  });
