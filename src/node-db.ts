// Node-only helper for the embedded database file.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Creates the folder of a `file:` database URL so the first start just works. */
export function ensureFileDir(url: string) {
  if (!url.startsWith('file:')) return;
  const path = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
  if (path && path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
}
