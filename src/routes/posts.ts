// The public-welfare post's month and its checks: monthly assessments and the
// subsidy (/v1/assessments), the ghost-post worklist (/v1/post-checks).
// Validation here; the rules in src/services/posts/ and src/domain/subsidy.ts.
import { Hono } from 'hono';
import * as z from 'zod';
import { postCheckKinds } from '../../db/schema.js';
import { type AppEnv, serviceCtx } from '../context.js';
import { describeRoute } from '../openapi/describe.js';
import { assessmentImportResponse, assessmentResponse, holderMonthResponse, page, postCheckResponse } from '../schemas/responses.js';
import { importAssessments } from '../services/posts/assessment-import.js';
import { getAssessment, markAssessmentPaid, monthHolders, recordAssessment, tellAssessment } from '../services/posts/assessments.js';
import { listPostChecks, resolvePostCheck, toPostCheckItem } from '../services/posts/checks.js';
import { areaCodeSchema, cursorSchema, decodeCursor, encodeCursor, idParamSchema, idSchema, limitSchema, queryBoolSchema, validate } from '../validation.js';

const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM');
const score = (max: string) => z.number().min(0).max(100).nullable().optional().meta({ description: `Points, 0 to ${max}.` });

const assessmentBody = z.strictObject({
  placementId: idSchema.optional().meta({ description: 'The holder\'s public-welfare placement; or give `workerId`.' }),
  workerId: idSchema.optional().meta({ description: 'The holder; their public-welfare placement in work that month is meant.' }),
  month: monthSchema,
  daysWorked: z.number().int().min(0).max(31),
  attendance: score('the attendance weight (POST_RULES, Honghe 30)'),
  township: score('the township weight (Honghe 50)'),
  appraisal: score('the appraisal weight (Honghe 20)'),
  total: z.number().min(0).max(100).nullable().optional().meta({ description: 'One total, 0 to 100, instead of the three scores.' }),
});

const importBody = z.strictObject({
  month: monthSchema,
  file: z.instanceof(File, { message: 'must be a file (multipart/form-data upload)' }),
  encoding: z.enum(['utf-8', 'gbk']).optional(),
});

const listQuery = z.strictObject({ area: areaCodeSchema.optional(), month: monthSchema, limit: limitSchema, cursor: cursorSchema.optional() });
const tellBody = z.strictObject({
  how: z.enum(['message', 'in_person']).meta({ description: '`message`: the amount and any deduction are sent (chat, WeChat or SMS); `in_person`: you told the holder yourself.' }),
});
const checksQuery = z.strictObject({
  area: areaCodeSchema.optional(),
  kind: z.enum(postCheckKinds).optional(),
  resolved: queryBoolSchema.optional().meta({ description: 'true: resolved flags; default the open ones.' }),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});
const resolveBody = z.strictObject({
  resolution: z.enum(['confirmed', 'cleared']).meta({ description: '`confirmed`: it is what it looked like (end the post through its agreement); `cleared`: it is not.' }),
  note: z.string().trim().min(1).max(1000).meta({ description: 'What was found, and how.' }),
});

const staff = { who: ['staff', 'admin'] as ('staff' | 'admin')[], whoNote: 'Staff of the holder\'s area (village, township or county), admins.' };

const docs = {
  put: describeRoute({
    tag: 'posts',
    summary: 'Record a public-welfare post holder\'s month (月度考核); the subsidy follows from POST_RULES',
    description:
      'Days worked and the three scores (attendance, township, appraisal, each within its weight) or one total. The band is the first whose minimum the total reaches; the amount is the standard × the band\'s share × days / fullMonthDays (a full month at most), with the deduction and its reason. Recording again changes the month (and needs telling again) until it is paid (409 after). Audited.',
    ...staff,
    responses: { 200: { description: 'The month, recorded again', json: assessmentResponse }, 201: { description: 'The month, recorded', json: assessmentResponse } },
    errors: [403, 404, 409, 422],
  }),
  import: describeRoute({
    tag: 'posts',
    summary: 'Import a month\'s assessment sheet (.xlsx or .csv): 人员编号 or 就近人员号, 出勤天数, 考勤 / 乡镇考核 / 群众评议 or 考核得分',
    description: 'Each row passes the rules of PUT /v1/assessments or is listed with its line and reason; the rows that pass are recorded (audited). The payment list the export writes is such a sheet.',
    ...staff,
    responses: { 200: { description: 'What was recorded and every rejected row', json: assessmentImportResponse } },
    errors: [403, 413, 422],
  }),
  list: describeRoute({
    tag: 'posts',
    summary: 'An area\'s public-welfare post holders of a month, each with their assessment or null',
    ...staff,
    responses: { 200: { description: 'Holders by placement id', json: page(holderMonthResponse) } },
    errors: [403, 422],
  }),
  read: describeRoute({ tag: 'posts', summary: 'Read one month\'s assessment', ...staff, responses: { 200: { description: 'The month', json: assessmentResponse } } }),
  tell: describeRoute({
    tag: 'posts',
    summary: 'Tell the holder the month\'s amount and deduction before payment: a message, or record that you told them',
    description: '`message` is refused (422) when the person has no chat, WeChat or phone. Audited.',
    ...staff,
    responses: { 200: { description: 'The month', json: assessmentResponse } },
    errors: [403, 404, 409, 422],
  }),
  paid: describeRoute({
    tag: 'posts',
    summary: 'Mark the month paid: only after it has ended and the holder was told this amount (409 otherwise)',
    ...staff,
    responses: { 200: { description: 'The month, paid', json: assessmentResponse } },
    errors: [403, 404, 409, 422],
  }),
  checks: describeRoute({
    tag: 'posts',
    summary: 'Flags on public-welfare post holders that may be ghost posts (虚设岗位), newest first',
    description:
      'Raised monthly: concurrent_placement (detail.outOfCounty), deceased, erased, two_in_household, cadre_household, no_assessment; and from the sampled check-in checkin_no and checkin_no_answer.',
    ...staff,
    responses: { 200: { description: 'Flags', json: page(postCheckResponse) } },
    errors: [403],
  }),
  resolve: describeRoute({
    tag: 'posts',
    summary: 'Resolve a flag with a note (confirmed or cleared); audited',
    ...staff,
    responses: { 200: { description: 'The resolved flag', json: postCheckResponse } },
    errors: [403, 404, 409, 422],
  }),
};

export const assessmentRoutes = new Hono<AppEnv>()
  .put('/', docs.put, validate('json', assessmentBody), async (c) => {
    const r = await recordAssessment(serviceCtx(c), c.req.valid('json'));
    return c.json(r.assessment, r.created ? 201 : 200);
  })
  .post('/import', docs.import, validate('form', importBody), async (c) => {
    const form = c.req.valid('form');
    return c.json(
      await importAssessments(serviceCtx(c), {
        month: form.month,
        fileName: form.file.name || 'upload',
        data: new Uint8Array(await form.file.arrayBuffer()),
        encoding: form.encoding,
      }),
    );
  })
  .get('/', docs.list, validate('query', listQuery), async (c) => {
    const q = c.req.valid('query');
    const afterPlacementId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
    const p = await monthHolders(serviceCtx(c), { area: q.area, month: q.month, afterPlacementId, limit: q.limit });
    return c.json({ items: p.items, nextCursor: p.lastId ? encodeCursor(p.lastId) : null });
  })
  .get('/:id', docs.read, validate('param', idParamSchema), async (c) => c.json(await getAssessment(serviceCtx(c), c.req.valid('param').id)))
  .post('/:id/tell', docs.tell, validate('param', idParamSchema), validate('json', tellBody), async (c) =>
    c.json(await tellAssessment(serviceCtx(c), c.req.valid('param').id, c.req.valid('json').how)),
  )
  
  .post('/:id/paid', docs.paid, validate('param', idParamSchema), validate('json', z.strictObject({}), { emptyBody: {} }), async (c) => c.json(await markAssessmentPaid(serviceCtx(c), c.req.valid('param').id)));

export const postCheckRoutes = new Hono<AppEnv>()
  .get('/', docs.checks, validate('query', checksQuery), async (c) => {
    const q = c.req.valid('query');
    const beforeId = q.cursor ? decodeCursor(q.cursor, z.number().int()) : undefined;
    const p = await listPostChecks(serviceCtx(c), { area: q.area, kind: q.kind, resolved: q.resolved, beforeId, limit: q.limit });
    return c.json({ items: p.items, nextCursor: p.lastId ? encodeCursor(p.lastId) : null });
  })
  .post('/:id/resolve', docs.resolve, validate('param', idParamSchema), validate('json', resolveBody), async (c) => {
    const ctx = serviceCtx(c);
    const row = await resolvePostCheck(ctx, c.req.valid('param').id, c.req.valid('json'));
    return c.json(await toPostCheckItem(ctx, row));
  });
