import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../context.js';
import { CARE_RULE } from '../domain/care-score.js';
import { describeRoute } from '../openapi/describe.js';
import { careCoverageResponse } from '../schemas/responses.js';
import { runRead } from '../services/read-pool/run.js';
import { areaCodeSchema, cursorSchema, decodeCursor, encodeCursor, isoDateSchema, limitSchema, validate } from '../validation.js';

const coverageQuery = z.strictObject({
  area: areaCodeSchema.optional(),
  asOf: isoDateSchema.optional(),
  cursor: cursorSchema.optional(),
  limit: limitSchema,
});
const coverageCursor = z.strictObject({ rank: z.number().int().min(0), asOf: isoDateSchema });

const coverageDoc = describeRoute({
  tag: 'counting',
  summary: 'Care coverage per village: where new serving posts would serve the most people and employ carers of that village',
  description:
    'Per village of the area, as of `asOf` (default today in China): the civil-affairs counts of left-behind elders, left-behind children and people with disabilities in difficulty (newest sheet on or before asOf), the slots of posts serving each (filled / open), the carers who cannot leave home and are not in work (by whom they care for), and the score with the numbers behind it. Ranked best first. ' +
    `Rule: ${CARE_RULE}.`,
  who: ['staff', 'admin'],
  whoNote: 'Staff see their own area (an area containing theirs answers theirs; another area is 403).',
  paginated: true,
  responses: { 200: { description: 'A page of the ranked villages', json: careCoverageResponse } },
  errors: [403, 422],
});

export const careRoutes = new Hono<AppEnv>().get('/', coverageDoc, validate('query', coverageQuery), async (c) => {
  const q = c.req.valid('query');
  // A cursor holds its date, so the pages of one ranking stay of one day.
  const after = q.cursor ? decodeCursor(q.cursor, coverageCursor) : undefined;
  const coverage = await runRead(c, 'careCoverage', { area: q.area, asOf: after?.asOf ?? q.asOf });
  const from = after?.rank ?? 0;
  const items = coverage.villages.slice(from, from + q.limit);
  const more = from + q.limit < coverage.villages.length;
  return c.json({
    area: coverage.area,
    asOf: coverage.asOf,
    totals: coverage.totals,
    rule: CARE_RULE,
    items,
    nextCursor: more ? encodeCursor({ rank: from + q.limit, asOf: coverage.asOf }) : null,
  });
});
