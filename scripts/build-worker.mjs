// `npm run build:worker`: bundles the Worker as `wrangler deploy` would (a dry
// run, into dist/worker), then prints its size raw and gzipped — the figure
// Cloudflare's size limit applies to.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const outdir = 'dist/worker';
const run = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
let raw = 0;
let gzip = 0;
for (const file of readdirSync(outdir)) {
  if (!/\.(m?js|wasm)$/.test(file)) continue;
  const path = join(outdir, file);
  const bytes = readFileSync(path);
  raw += statSync(path).size;
  gzip += gzipSync(bytes, { level: 9 }).length;
}
console.log(`worker bundle: ${raw} bytes (${kb(raw)}), gzip ${gzip} bytes (${kb(gzip)})`);
