import { mkdir } from 'node:fs/promises';
import lockfile from 'proper-lockfile';

/**
 * PGlite has no cross-process locking, and a second process writing to a directory a running
 * server holds corrupts it (seen: `RuntimeError: Aborted()` on the next open). So the embedded
 * database takes an exclusive lock file beside its data directory before opening it.
 *
 * proper-lockfile keeps the lock fresh while we run and treats it as stale after `STALE_MS`
 * without an update, so a process killed with -9 blocks a restart for at most that long.
 */
const STALE_MS = 10_000;

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export async function lockDataDir(dir: string, onCompromised: (err: Error) => void): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const lockfilePath = `${dir}.lock`;
  try {
    return await lockfile.lock(dir, { lockfilePath, stale: STALE_MS, update: STALE_MS / 2, onCompromised });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new DataDirLockedError(
        `The embedded database in ${dir} is in use by another FiberStack process (lock: ${lockfilePath}). ` +
          'PGlite can only be opened by one process: stop the other one (the web server runs the worker ' +
          'in-process in this mode), or set FIBER_DATA_DIR to another directory. If that process was killed, ' +
          `the lock expires ${STALE_MS / 1000} s after it died.`,
      );
    }
    throw err;
  }
}
