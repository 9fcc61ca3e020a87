import type { Db } from './client';
import { readMeta, tryCreateExtension, writeMeta } from './queries';
import { log } from '../log';

/**
 * Storage mode: TimescaleDB (hypertable, continuous aggregates, policies) or plain PostgreSQL
 * (weekly partitions, rollup tables, worker jobs). Detected once, on the first migration, and
 * recorded in fiber_meta: the schema's shape depends on it, so it never changes silently.
 */
export type StorageMode = 'timescaledb' | 'postgres';
export type TimescaleSetting = 'auto' | 'require' | 'off';

const MODE_KEY = 'storage_mode';

export class ModeError extends Error {
  override name = 'ModeError';
}

export async function readRecordedMode(db: Db): Promise<StorageMode | undefined> {
  const value = await readMeta(db, MODE_KEY);
  return value === 'timescaledb' || value === 'postgres' ? value : undefined;
}

export async function recordMode(tx: Db, mode: StorageMode | undefined): Promise<void> {
  await writeMeta(tx, MODE_KEY, mode);
}

/** Must run inside the migration transaction (it may CREATE EXTENSION). */
export async function resolveMode(tx: Db, setting: TimescaleSetting): Promise<StorageMode> {
  const recorded = await readRecordedMode(tx);
  if (recorded) {
    const wanted = setting === 'require' ? 'timescaledb' : setting === 'off' ? 'postgres' : recorded;
    if (wanted !== recorded) {
      throw new ModeError(
        `FIBER_TIMESCALE=${setting}, but this database was initialised in ${describe(recorded)} mode. ` +
          `The mode is fixed once the schema exists; use a new database for ${describe(wanted)} mode.`,
      );
    }
    return recorded;
  }
  if (setting === 'off') return 'postgres';

  // Tried even when pg_available_extensions does not list it: PGlite lists a bundled extension
  // only once it has been created.
  const refusal = await tryCreateExtension(tx, 'timescaledb');
  if (refusal === undefined) return 'timescaledb';
  const reason = `CREATE EXTENSION timescaledb failed: ${refusal}`;
  if (setting === 'require') throw new ModeError(`FIBER_TIMESCALE=require, but ${reason}.`);
  log().child({ logger: 'db.mode' }).warn({ context: { reason } }, 'TimescaleDB unavailable: using plain PostgreSQL mode');
  return 'postgres';
}

function describe(mode: StorageMode): string {
  return mode === 'timescaledb' ? 'TimescaleDB' : 'plain PostgreSQL';
}
