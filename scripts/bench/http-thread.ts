// The service over HTTP for the bench, on a thread of its own: the same app
// (the benchmark's clock, the matcher's catalogue read first, as `npm start`
// does) on its own connection to the bench's database, serving on
// 127.0.0.1 (and the bare round trip, measure.ts withPing). The measuring thread's HTTP client then runs beside it as
// PostgreSQL's client runs beside its server, instead of both sharing one
// event loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { libsqlDb } from '../../db/client.js';
import { createDbClient } from '../../db/local-client.js';
import { createApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { openingCatalogue } from '../../src/services/opening-catalogue.js';
import { withPing } from './measure.js';
import { clock } from './options.js';

const { url } = workerData as { url: string };
const db = libsqlDb(createDbClient({ url }));
await openingCatalogue(db);
const app = createApp({ db, clock, config: parseConfig({ LOG_LEVEL: 'warn' }) });
const server = serve({ fetch: withPing(app.fetch), port: 0, hostname: '127.0.0.1' }, () => {
  parentPort!.postMessage({ port: (server.address() as AddressInfo).port });
});
parentPort!.on('message', (msg: unknown) => {
  if (msg === 'close') server.close(() => process.exit(0));
});
