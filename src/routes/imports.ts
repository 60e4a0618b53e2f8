import { Hono } from 'hono';
import { z } from 'zod';
import { type AppEnv, serviceCtx } from '../context.js';
import { AppError } from '../errors.js';
import { importFile, importKinds, importReportCsv, importSummary, parseMapping } from '../services/imports.js';
import { validate } from '../validation.js';

/** Uploads may be this large (app.ts applies it to this route instead of the 64 KB default). */
export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

const uploadBody = z.strictObject({
  kind: z.enum(importKinds),
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

export const importRoutes = new Hono<AppEnv>().post('/', validate('query', uploadQuery), validate('form', uploadBody), async (c) => {
  const form = c.req.valid('form');
  const result = await importFile(serviceCtx(c), {
    kind: form.kind,
    fileName: form.file.name || 'upload',
    data: new Uint8Array(await form.file.arrayBuffer()),
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
