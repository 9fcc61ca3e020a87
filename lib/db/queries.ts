import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { errorMessage, queryRows } from './rows';

/* Bookkeeping SQL of the migration runner and mode detection. */

/** Arbitrary but fixed: every migrator of this product serialises on it. */
const MIGRATION_LOCK_KEY = 4_721_001;

export async function takeMigrationLock(tx: Db): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
}

export async function ensureBookkeepingTables(tx: Db): Promise<void> {
  await tx.execute(sql`
    CREATE TABLE IF NOT EXISTS fiber_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
  await tx.execute(sql`
    CREATE TABLE IF NOT EXISTS fiber_meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
}

export async function bookkeepingExists(db: Db): Promise<boolean> {
  const rows = await queryRows<{ ok: boolean }>(db, sql`SELECT to_regclass('public.fiber_migrations') IS NOT NULL AS ok`);
  return rows[0]?.ok === true;
}

export async function appliedMigrationVersions(db: Db): Promise<number[]> {
  if (!(await bookkeepingExists(db))) return [];
  const rows = await queryRows<{ version: number }>(db, sql`SELECT version FROM fiber_migrations ORDER BY version`);
  return rows.map((r) => Number(r.version));
}

export async function recordMigration(tx: Db, version: number, name: string): Promise<void> {
  await tx.execute(sql`INSERT INTO fiber_migrations (version, name) VALUES (${version}, ${name})`);
}

export async function forgetMigration(tx: Db, version: number): Promise<void> {
  await tx.execute(sql`DELETE FROM fiber_migrations WHERE version = ${version}`);
}

export async function readMeta(db: Db, key: string): Promise<string | undefined> {
  const exists = await queryRows<{ ok: boolean }>(db, sql`SELECT to_regclass('public.fiber_meta') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) return undefined;
  const rows = await queryRows<{ value: string }>(db, sql`SELECT value FROM fiber_meta WHERE key = ${key}`);
  return rows[0]?.value;
}

export async function writeMeta(tx: Db, key: string, value: string | undefined): Promise<void> {
  if (value === undefined) {
    await tx.execute(sql`DELETE FROM fiber_meta WHERE key = ${key}`);
    return;
  }
  await tx.execute(sql`
    INSERT INTO fiber_meta (key, value) VALUES (${key}, ${value})
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`);
}

export async function extensionAvailable(db: Db, name: string): Promise<boolean> {
  const rows = await queryRows(db, sql`SELECT 1 FROM pg_available_extensions WHERE name = ${name}`);
  return rows.length > 0;
}

/** CREATE EXTENSION in a savepoint, so a refusal leaves the surrounding transaction usable. */
export async function tryCreateExtension(tx: Db, name: string): Promise<string | undefined> {
  try {
    await tx.transaction(async (sp) => {
      await sp.execute(sql`CREATE EXTENSION IF NOT EXISTS ${sql.identifier(name)}`);
    });
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`SELECT 1`);
}
