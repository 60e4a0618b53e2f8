// What every command-line tool does with a failure: a rule broken is printed
// as its message and fields; a database held by another process (the server
// writing, a backup) past the wait is said plainly, with what to do; anything
// else is a bug and keeps its stack.
import { AppError, errorLines, toAppError } from '../src/errors.js';

/** Exit status for "try again later" (sysexits' EX_TEMPFAIL). */
export const EXIT_BUSY = 75;

export function toolFailure(err: unknown, what = 'Nothing was half-written.'): number | null {
  const appErr = toAppError(err);
  if (appErr?.code === 'busy') {
    console.error(`The database is busy: another program (the server, a backup or an import) kept its write lock too long. ${what}`);
    console.error('Run the same command again; set DATABASE_BUSY_WAIT_MS (milliseconds) to wait longer.');
    return EXIT_BUSY;
  }
  if (err instanceof AppError) {
    for (const line of errorLines(err)) console.error(line);
    return 1;
  }
  return null;
}

/** Runs a tool's main, turning a failure into its exit status (see toolFailure). */
export async function runTool(main: () => Promise<number>): Promise<number> {
  try {
    return await main();
  } catch (err) {
    const status = toolFailure(err);
    if (status !== null) return status;
    throw err;
  }
}
