import { Hono } from 'hono';
import * as z from 'zod';
import { type AppEnv, serviceCtx } from '../context.js';
import { AppError } from '../errors.js';
import { describeRoute } from '../openapi/describe.js';
import { importResponse } from '../schemas/responses.js';
import { CARE_IMPORT_KIND, importCareCounts } from '../services/care/import.js';
import { importFile, importKinds, importReportCsv, importSummary, parseMapping } from '../services/imports.js';
import { validate } from '../validation.js';

/** Uploads may be this large (app.ts applies it to this route instead of the 64 KB default). */
export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

const uploadBody = z.strictObject({
  kind: z.enum([...importKinds, CARE_IMPORT_KIND]),
  file: z.instanceof(File, { message: 'must be a file (multipart/form-data upload)' }),
  /** A mapping file (docs/import-mapping.md), uploaded or as JSON text. */
  mapping: z.union([z.string(), z.instanceof(File)]).optional(),
  encoding: z.enum(['utf-8', 'gbk']).optional(),
});

const uploadQuery = z.strictObject({ format: z.enum(['json', 'csv']).default('json') });

async function mappingOf(value: string | File | undefined) {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : await value.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('validation_failed', 'The mapping is not valid JSON', [{ path: 'mapping', message: 'must be JSON' }]);
  }
  return parseMapping(json);
}

const importDoc = describeRoute({
  tag: 'imports',
  summary: 'Import a provincial households or workers sheet, or a civil-affairs care-counts sheet (.xlsx or .csv, UTF-8 or GBK)',
  description:
    'Every row passes the rules of the API (the same shapes) or is listed with its line, column and reason. Records are keyed on the source numbers (户编号, 人员编号): a second run updates, never duplicates. Columns and the mapping file: docs/import-mapping.md. `kind=care`: the civil-affairs counts per village and date (村代码, 统计日期, 留守老人, 留守儿童, 困难残疾人; a later date supersedes, the same village and date corrects; see the README, Care coverage).',
  who: ['staff', 'admin'],
  whoNote: 'Staff import rows of their area only.',
  responses: {
    200: {
      description: 'The summary and every rejected row; with `format=csv` the report as CSV (header `X-Import-Summary`)',
      json: importResponse,
      text: 'text/csv',
    },
  },
  errors: [403, 422],
});

export const importRoutes = new Hono<AppEnv>().post('/', importDoc, validate('query', uploadQuery), validate('form', uploadBody), async (c) => {
  const form = c.req.valid('form');
  if (form.kind === CARE_IMPORT_KIND && form.mapping !== undefined) {
    throw new AppError('validation_failed', 'The civil-affairs import takes no mapping', [{ path: 'mapping', message: 'not used with kind care: its columns are fixed' }]);
  }
  const data = new Uint8Array(await form.file.arrayBuffer());
  const result =
    form.kind === CARE_IMPORT_KIND
      ? await importCareCounts(serviceCtx(c), { fileName: form.file.name || 'upload', data, encoding: form.encoding })
      : await importFile(serviceCtx(c), {
          kind: form.kind,
          fileName: form.file.name || 'upload',
          data,
          mapping: await mappingOf(form.mapping),
          encoding: form.encoding,
        });
  if (c.req.valid('query').format === 'csv') {
    return c.body(importReportCsv(result), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="import-report.csv"',
      'x-import-summary': importSummary(result),
    });
  }
  return c.json({ ...result, summary: importSummary(result) });
});
