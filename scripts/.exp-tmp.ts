import { createClient } from '@libsql/client';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { libsqlDb } from '../db/client.js';
import { prepareDatabase } from '../src/bootstrap.js';
import { importFile } from '../src/services/imports.js';
import { toCsv } from '../src/lib/csv.js';
const dir = '/tmp/exp';
const clock = { now: () => new Date('2026-11-20T02:00:00Z') };
rmSync(`${dir}/p.db`, { force: true }); rmSync(`${dir}/p.db-wal`, { force: true }); rmSync(`${dir}/p.db-shm`, { force: true });rmSync(`${dir}/p.db-journal`, { force: true });
const client = createClient({ url: `file:${dir}/p.db` });
const db = libsqlDb(client);
await prepareDatabase(db, clock, { generateAdminToken: false });
for (const p of (process.env.PRAGMAS ?? '').split(';').filter(Boolean)) console.log(p, (await client.execute(`PRAGMA ${p}`)).rows);
const chunkSize = Number(process.env.CHUNK ?? 1000);
for (const [k, f] of [['households', 'households.csv'], ['workers', 'workers.csv']] as const) {
  const t = performance.now();
  let last = t;
  const r = await importFile({ db, clock, actor: { role: 'system', name: 'p' } }, { kind: k, fileName: f, chunkSize, data: new Uint8Array(readFileSync(`${dir}/${f}`)),
    onProgress: ({ rowsDone }) => { if (rowsDone % 20000 === 0) { const n = performance.now(); console.log('  ', rowsDone, ((n - last) / 1000).toFixed(1)); last = n; } } });
  console.log(k, ((performance.now() - t) / 1000).toFixed(1), r.read);
}
