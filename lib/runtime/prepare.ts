import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { isDatabaseUnavailable } from '../db/errors';
import { readRecordedMode, type StorageMode } from '../db/mode';
import { appliedMigrationVersions } from '../db/queries';
import { errorMessage } from '../db/rows';
import { log } from '../log';
import { countNodes } from '../nodes/queries';
import { migrate } from '../../drizzle/migrate';
import { migrations } from '../../drizzle/migrations';
import { seedDemo } from '../../drizzle/seed';

export class SchemaNotReadyError extends Error {
  override name = 'SchemaNotReadyError';
}

/**
 * What every process does before serving: migrate (when FIBER_AUTO_MIGRATE, the embedded
 * default) or check the schema is current, then seed the demo network into an empty embedded
 * database unless FIBER_DEMO=0. Returns the recorded storage mode.
 */
export async function prepareDatabase(database: Database, cfg: Config): Promise<StorageMode> {
  const logger = log().child({ logger: 'startup' });
  if (cfg.autoMigrate) {
    await migrate(database, { timescale: cfg.FIBER_TIMESCALE });
  } else {
    const applied = new Set(await appliedMigrationVersions(database.db));
    const pending = migrations.filter((m) => !applied.has(m.version)).map((m) => `${m.version}_${m.name}`);
    if (pending.length > 0) {
      throw new SchemaNotReadyError(
        `The database schema is not up to date (pending: ${pending.join(', ')}). ` +
          'Run `npm run db:migrate`, or set FIBER_AUTO_MIGRATE=1 to migrate at start-up.',
      );
    }
  }
  const mode = await readRecordedMode(database.db);
  if (!mode) throw new SchemaNotReadyError('The database has no recorded storage mode: run `npm run db:migrate`.');

  if (cfg.embedded && cfg.FIBER_DEMO && (await countNodes(database.db)) === 0) {
    logger.info('empty embedded database: seeding the demo network (set FIBER_DEMO=0 to skip)');
    await seedDemo(database, mode);
  }
  return mode;
}

/** The longest wait between two attempts to reach the database at start-up. */
const MAX_START_RETRY_MS = 30_000;

/**
 * prepareDatabase, waiting for a PostgreSQL server that cannot be reached yet (restarting, or
 * started after the app) rather than exiting into a supervisor's restart loop: it tries again
 * after 1, 2, 4 … up to 30 s, with one warning per attempt. Anything else (bad credentials, a
 * schema not migrated) is not waited out but thrown at once, to stop start-up with its reason.
 */
export async function prepareDatabaseWhenReachable(database: Database, cfg: Config): Promise<StorageMode> {
  for (let delayMs = 1_000; ; delayMs = Math.min(delayMs * 2, MAX_START_RETRY_MS)) {
    try {
      return await prepareDatabase(database, cfg);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      log()
        .child({ logger: 'startup' })
        .warn({ context: { database: database.location, error: errorMessage(err), retry_in_ms: delayMs } }, 'database unavailable at start-up; waiting for it');
      await sleep(delayMs);
    }
  }
}
