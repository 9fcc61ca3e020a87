import type { Database } from '../lib/db/client';
import { readRecordedMode, recordMode, resolveMode, type StorageMode, type TimescaleSetting } from '../lib/db/mode';
import {
  appliedMigrationVersions,
  ensureBookkeepingTables,
  forgetMigration,
  recordMigration,
  takeMigrationLock,
} from '../lib/db/queries';
import { log } from '../lib/log';
import { migrations as allMigrations, type Migration } from './migrations';

/**
 * Applies and reverts migrations. Everything happens in one transaction holding an advisory
 * lock, so concurrent starters (N web replicas, a worker) serialise, the second finds nothing
 * left to do, and a failure leaves the schema as it was.
 */

export interface MigrateResult {
  mode: StorageMode;
  applied: number[];
}

export async function migrate(
  database: Database,
  options: { timescale: TimescaleSetting; migrations?: Migration[]; now?: Date },
): Promise<MigrateResult> {
  const list = options.migrations ?? allMigrations;
  const logger = log().child({ logger: 'db.migrate' });
  const result = await database.db.transaction(async (tx) => {
    await takeMigrationLock(tx);
    await ensureBookkeepingTables(tx);
    const mode = await resolveMode(tx, options.timescale);
    await recordMode(tx, mode);
    const done = new Set(await appliedMigrationVersions(tx));
    const applied: number[] = [];
    for (const m of list) {
      if (done.has(m.version)) continue;
      await m.up(tx, { mode, engine: database.engine, now: options.now ?? new Date() });
      await recordMigration(tx, m.version, m.name);
      applied.push(m.version);
    }
    const known = new Set(list.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      logger.warn({ context: { versions: unknown } }, 'database has migrations this build does not know: is this build older than the database?');
    }
    return { mode, applied };
  });
  logger.info({ context: { ...result, database: database.location } }, result.applied.length ? 'migrations applied' : 'schema up to date');
  return result;
}

/** Reverts the newest migration, or every migration above `to` (0 = all). */
export async function rollback(
  database: Database,
  options: { to?: number; migrations?: Migration[] } = {},
): Promise<{ reverted: number[] }> {
  const list = options.migrations ?? allMigrations;
  const logger = log().child({ logger: 'db.migrate' });
  const reverted = await database.db.transaction(async (tx) => {
    await takeMigrationLock(tx);
    await ensureBookkeepingTables(tx);
    const mode = await readRecordedMode(tx);
    const done = await appliedMigrationVersions(tx);
    if (!mode || done.length === 0) return [];
    const targets = options.to === undefined ? done.slice(-1) : done.filter((v) => v > options.to!);
    const out: number[] = [];
    for (const version of [...targets].sort((a, b) => b - a)) {
      const m = list.find((x) => x.version === version);
      if (!m) throw new Error(`Cannot roll back migration ${version}: this build does not contain it.`);
      await m.down(tx, { mode, engine: database.engine, now: new Date() });
      await forgetMigration(tx, version);
      out.push(version);
    }
    // With no schema left, the mode is undecided again: the next migrate detects it afresh.
    if ((await appliedMigrationVersions(tx)).length === 0) await recordMode(tx, undefined);
    return out;
  });
  logger.info({ context: { reverted, database: database.location } }, reverted.length ? 'migrations reverted' : 'nothing to roll back');
  return { reverted };
}
