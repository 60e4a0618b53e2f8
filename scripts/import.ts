// `npm run import -- households FILE [--mapping MAP.json] [--encoding gbk|utf-8]`
// `npm run import -- workers FILE …`
// `npm run import -- care FILE [--encoding gbk|utf-8]` (civil-affairs counts per village and date)
// Imports a provincial export (.xlsx or .csv) into DATABASE_URL as the system,
// writes the rejected rows to FILE.report.csv and prints the summary line.
// Safe to run again with the same file: records are keyed on the source's
// household and person numbers.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { loadNodeConfig } from '../src/config.js';
import { systemClock } from '../src/context.js';
import { openLocalDatabase } from '../src/node-db.js';
import { runTool, toolFailure } from './tool.js';
import { CARE_IMPORT_KIND, importCareCounts } from '../src/services/care/import.js';
import { importFile, importKinds, importReportCsv, importSummary, type ImportKind, parseMapping } from '../src/services/imports.js';

/** Between two written batches (about 0.1 s each): a serving API's waiting writes take the lock then. */
const PAUSE_BETWEEN_BATCHES_MS = 30;

const usage = `usage:
  npm run import -- households FILE [--mapping MAP.json] [--encoding gbk|utf-8]
  npm run import -- workers FILE [--mapping MAP.json] [--encoding gbk|utf-8]
  npm run import -- care FILE [--encoding gbk|utf-8]
FILE is .xlsx or .csv; see docs/import-mapping.md for the columns.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { mapping: { type: 'string' }, encoding: { type: 'string' }, quiet: { type: 'boolean' } },
  });
  const [kind, file] = positionals;
  if (!kind || !file || ![...importKinds, CARE_IMPORT_KIND].includes(kind as ImportKind) || positionals.length > 2) {
    console.error(usage);
    return 2;
  }
  if (values.encoding !== undefined && values.encoding !== 'gbk' && values.encoding !== 'utf-8') {
    console.error(`--encoding must be gbk or utf-8\n${usage}`);
    return 2;
  }
  if (kind === CARE_IMPORT_KIND && values.mapping !== undefined) {
    console.error(`--mapping is not used with care: its columns are fixed\n${usage}`);
    return 2;
  }
  const config = loadNodeConfig();
  const { client, db } = await openLocalDatabase(config, { tool: true });
  try {
    const mapping = values.mapping ? parseMapping(JSON.parse(readFileSync(values.mapping, 'utf8'))) : undefined;
    const data = new Uint8Array(readFileSync(file));
    const started = Date.now();
    const ctx = { db, clock: systemClock, actor: { role: 'system', name: 'import' } } as const;
    const encoding = values.encoding as 'gbk' | 'utf-8' | undefined;
    const result =
      kind === CARE_IMPORT_KIND
        ? await importCareCounts(ctx, { fileName: basename(file), data, encoding })
        : await importFile(
          ctx,
          {
            kind: kind as ImportKind,
            fileName: basename(file),
            data,
            mapping,
            encoding,
            onProgress: async ({ rowsDone, rowsTotal }) => {
              if (!values.quiet && process.stderr.isTTY) process.stderr.write(`\r${rowsDone} / ${rowsTotal} rows written`);
              // Let go of the file a moment between batches, so a server on the same file gets its writes in.
              await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
            },
          },
        );
    if (!values.quiet && process.stderr.isTTY) process.stderr.write('\n');
    const reportPath = `${file}.report.csv`;
    writeFileSync(reportPath, importReportCsv(result));
    const how = result.format === 'csv' ? `csv, ${result.encoding}` : `xlsx, sheet "${result.sheet}"`;
    console.log(`${file} (${how}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (result.ignoredColumns.length) console.log(`columns not read: ${result.ignoredColumns.join(', ')}`);
    console.log(`rejected rows: ${reportPath}`);
    console.log(importSummary(result));
    return 0;
  } catch (err) {
    const status = toolFailure(err, 'The rows written so far are whole; the same command finishes the import.');
    if (status !== null) return status;
    if (err instanceof SyntaxError && values.mapping) {
      console.error(`${values.mapping} is not valid JSON: ${err.message}`);
      return 1;
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error((err as Error).message);
      return 1;
    }
    console.error(err);
    console.error('The import stopped; the rows written so far are whole. Run the same command again to finish it.');
    return 1;
  } finally {
    client.close();
  }
}

process.exitCode = await runTool(() => main(process.argv.slice(2)));
