import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGliteThread } from './pglite-thread-client';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { config, type DatabasePurpose } from '../config';
import { log } from '../log';
import { redactQueryErrors } from './errors';
import { lockDataDir } from './lock';
import { schema } from './schema';

/** A drizzle handle on either engine; transactions are the same type, so queries accept both. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type Engine = 'pglite' | 'postgres';

export interface Database {
  engine: Engine;
  db: Db;
  /** Where it is, without credentials: safe to log. */
  location: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent, embedded PGlite in `dataDir`. */
  url?: string;
  /** Embedded data directory, or `memory://` for a throw-away in-memory database (tests). */
  dataDir?: string;
  poolMax?: number;
  /** Embedded only: the database thread died (after it is logged). Every later query fails. */
  onEmbeddedStop?: (err: Error) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  // No failed query may carry its bound values (session tokens, hashes) into a log line.
  redactQueryErrors();
  return options.url ? openPostgres(options.url, options.poolMax ?? 10) : openPglite(options.dataDir ?? 'memory://', options.onEmbeddedStop);
}

function openPostgres(url: string, max: number): Database {
  const logger = log().child({ logger: 'db' });
  const client = postgres(url, {
    max,
    // A dropped connection is reopened when a query needs it, after a pause that grows with each
    // failed attempt (a count shared by the pool, reset by any success). postgres.js's default
    // (0.03 s × 3ⁿ, up to 20 s) left queries waiting 10–20 s for a connection after PostgreSQL came
    // back from a restart or a burst of dropped connections; 50 ms doubling to 2 s reconnects within
    // about 2 s while still not hammering a server that is away. Jittered so a pool spreads out.
    backoff: (attempt) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** attempt, 2),
    onnotice: (notice) => logger.debug({ context: { notice: notice.message } }, 'postgres notice'),
    connection: { application_name: 'fiberstack' },
  });
  const parsed = new URL(url);
  return {
    engine: 'postgres',
    db: drizzlePostgres(client, { schema }) as unknown as Db,
    location: `postgres://${parsed.host}${parsed.pathname}`,
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string, onStop: (err: Error) => void = () => {}): Promise<Database> {
  // Loaded only for the embedded mode; PGlite itself loads only on its own thread, so a
  // process that merely imports this module (e.g. a worker on PostgreSQL) does not carry it.
  const [{ PGliteThread }, { drizzle: drizzlePglite }] = await Promise.all([import('./pglite-thread-client'), import('drizzle-orm/pglite')]);
  const logger = log().child({ logger: 'db' });
  const inMemory = dataDir.startsWith('memory://');
  const dir = inMemory ? dataDir : path.resolve(dataDir);
  const unlock = inMemory
    ? async () => {}
    : await lockDataDir(dir, (err) => logger.fatal({ exception: err }, 'lost the lock on the embedded data directory'));
  let client: PGliteThread;
  try {
    client = await PGliteThread.open(inMemory ? undefined : dir, (err) => {
      logger.fatal({ exception: err }, 'the embedded database thread stopped: every query now fails until the process is restarted');
      onStop(err);
    });
  } catch (err) {
    await unlock();
    throw err;
  }
  let closed = false;
  return {
    engine: 'pglite',
    // drizzle's pglite driver uses query() and transaction() only, which the thread's client has.
    db: drizzlePglite(client as unknown as PGlite, { schema }) as unknown as Db,
    location: inMemory ? 'pglite (in memory)' : `pglite ${dir}`,
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      await unlock();
    },
  };
}

const globalForDb = globalThis as unknown as {
  fiberDatabase?: Promise<Database>;
  /** getDatabaseFor's own pools, by URL. */
  fiberPurposeDatabases?: Map<string, Promise<Database>>;
};

/**
 * The process's database, from configuration. Kept on globalThis because Next evaluates modules
 * once for instrumentation.ts and again for each route bundle: a second PGlite on the same
 * directory in one process would corrupt it just like a second process would.
 */
export function getDatabase(): Promise<Database> {
  if (!globalForDb.fiberDatabase) {
    const cfg = config();
    const dataDir = path.join(cfg.FIBER_DATA_DIR, 'pg');
    // The owner's connection (DATABASE_ADMIN_URL, default DATABASE_URL): migrations, jobs,
    // accounts, admin writes and the push path's key checks.
    globalForDb.fiberDatabase = openDatabase({
      url: cfg.databaseUrls.admin,
      dataDir,
      poolMax: cfg.DATABASE_POOL_MAX,
      // The process's own embedded database cannot come back by itself: the server shuts down
      // cleanly with exit code 1 (its SIGTERM handler, lib/runtime/boot.ts), so a supervisor
      // restarts it rather than leaving a server that answers 503 forever; a command-line run
      // simply ends.
      onEmbeddedStop: () => {
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM');
      },
    });
    // A failed open must not be cached forever: the next caller retries (e.g. the lock was freed).
    globalForDb.fiberDatabase.catch(() => {
      globalForDb.fiberDatabase = undefined;
    });
  }
  return globalForDb.fiberDatabase;
}

/**
 * The database for one purpose (config().databaseUrls): web reads, the worker's ingest, or
 * admin writes, so that each can log in as a role holding only what it needs. A purpose without
 * a URL of its own shares getDatabase(), so a default install keeps one pool (and the embedded
 * mode its one PGlite); purposes with the same URL share a pool.
 */
export function getDatabaseFor(purpose: DatabasePurpose): Promise<Database> {
  const cfg = config();
  const url = cfg.databaseUrls[purpose];
  if (url === undefined || url === cfg.databaseUrls.admin) return getDatabase();
  const pools = (globalForDb.fiberPurposeDatabases ??= new Map());
  let pending = pools.get(url);
  if (!pending) {
    pending = openDatabase({ url, poolMax: cfg.DATABASE_POOL_MAX });
    pools.set(url, pending);
    pending.catch(() => {
      if (pools.get(url) === pending) pools.delete(url);
    });
  }
  return pending;
}

export async function closeDatabase(): Promise<void> {
  const pending = [globalForDb.fiberDatabase, ...(globalForDb.fiberPurposeDatabases?.values() ?? [])];
  globalForDb.fiberDatabase = undefined;
  globalForDb.fiberPurposeDatabases = undefined;
  await Promise.all(pending.map(async (p) => (await p?.catch(() => undefined))?.close()));
}
