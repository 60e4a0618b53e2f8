// The service as `npm start` runs it (src/node.ts in its own process, on a
// database file), for tests that need a real second process beside it, a
// SIGKILL or a restart on the same file.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export interface ServerProcess {
  port: number;
  url: string;
  out: () => string;
  /** SIGTERM, then SIGKILL after 15 s; the exit code. */
  stop: () => Promise<number | null>;
  /** SIGKILL at once, as a power cut or the OOM killer would. */
  kill: () => Promise<void>;
}

/**
 * A port nothing listens on now, as the system hands one out: a random pick
 * can land on a port another test, or an outgoing connection in the
 * ephemeral range, holds.
 */
export const freePort = () =>
  new Promise<number>((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });

export async function startServer(env: Record<string, string>, opts: { port?: number } = {}): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    cwd: projectRoot,
    // One serving process unless a test asks for more (WEB_PROCESSES: "auto" by default).
    env: { ...process.env, PORT: String(port), WEB_PROCESSES: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('chat bot:') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes('chat bot:')) {
    child.kill('SIGKILL');
    throw new Error(`the server did not start:\n${out}`);
  }
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    out: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      // Never leave a server behind, even when it does not stop on its own.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Runs a project script (`npm run NAME -- …` without npm) to its end, without
 * blocking this process (its requests go on meanwhile): its status and output.
 */
export function runScript(file: string, args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((done) =>
    child.once('exit', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    }),
  );
}
