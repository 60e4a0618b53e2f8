// Another process on the same database file, as the sqlite3 shell, a backup
// or the import CLI would be: a child Node process with its own libSQL
// connection that takes and holds locks on command.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

const script = `
import Database from 'libsql';
import { createInterface } from 'node:readline';
const db = new Database(process.argv[1]);
db.exec('PRAGMA busy_timeout = 10000');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  try {
    if (line === 'write') db.exec('BEGIN IMMEDIATE');
    else if (line === 'read') { db.exec('BEGIN'); db.prepare('SELECT count(*) FROM areas').all(); }
    else if (line === 'release') { if (db.inTransaction) db.exec('COMMIT'); }
    else db.exec(line);
    process.stdout.write('ok\\n');
  } catch (e) {
    process.stdout.write('error ' + e.message + '\\n');
  }
}
`;

export interface Holder {
  /** Takes the write lock (BEGIN IMMEDIATE) and keeps it until release. */
  write(): Promise<void>;
  /** Opens a read transaction and keeps it (a long reader) until release. */
  read(): Promise<void>;
  release(): Promise<void>;
  /** Any SQL, run at once. */
  exec(sql: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startHolder(path: string): Promise<Holder> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--input-type=module', '-e', script, path], { cwd: root });
  let buffered = '';
  const waiting: Array<(line: string) => void> = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  const send = (cmd: string) =>
    new Promise<void>((ok, fail) => {
      waiting.push((line) => (line === 'ok' ? ok() : fail(new Error(`holder: ${line}`))));
      child.stdin.write(`${cmd}\n`);
    });
  return {
    write: () => send('write'),
    read: () => send('read'),
    release: () => send('release'),
    exec: (sql) => send(sql),
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.stdin.end();
      }),
  };
}
