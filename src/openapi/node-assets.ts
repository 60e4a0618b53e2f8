// Node only: the docs page's Swagger UI files, read from the installed
// swagger-ui-dist package once and kept (about 2 MB).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type DocsAssets, docsAssetTypes } from './routes.js';

export function nodeDocsAssets(): DocsAssets {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const kept = new Map<string, Promise<Uint8Array | null>>();
  return (file) => {
    if (!(file in docsAssetTypes)) return Promise.resolve(null);
    let bytes = kept.get(file);
    if (!bytes) {
      bytes = readFile(join(dir, file)).then((b) => new Uint8Array(b), () => null);
      kept.set(file, bytes);
    }
    return bytes;
  };
}
