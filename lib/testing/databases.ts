import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { config } from '../config';
import { openDatabase, type Database } from '../db/client';
import type { StorageMode, TimescaleSetting } from '../db/mode';
import { nodeInput } from '../nodes/input';
import type { NodeInput } from '../nodes/queries';
import { migrate } from '../../drizzle/migrate';

/**
 * Real engines for tests: PGlite + TimescaleDB in memory, and a fresh database on the local
 * PostgreSQL 15 server, created per call and dropped afterwards.
 */
export type TestEngine = 'pglite' | 'postgres';

export interface TestDatabase {
  database: Database;
  /** Set after `migrate`, when requested. */
  mode?: StorageMode;
  url?: string;
  cleanup(): Promise<void>;
}

/** The two storage modes, each on the engine that has it here. */
export const STORAGE_CASES = [
  { name: 'PGlite + TimescaleDB', engine: 'pglite', mode: 'timescaledb' },
  { name: 'PostgreSQL 15, plain mode', engine: 'postgres', mode: 'postgres' },
] as const;

/** A node with only the required columns set; unique name and id, overridable. */
export function testNode(overrides: Partial<NodeInput> = {}): NodeInput {
  const nodeId = overrides.nodeId ?? randomUUID();
  return nodeInput({ nodeId, nodeName: `probe-test-${nodeId.slice(0, 8)}`, country: 'GH', region: 'Ghana', ...overrides });
}

/** A fresh random name for a test database on the PostgreSQL server. */
export function testDatabaseName(): string {
  return `fiber_test_${randomBytes(6).toString('hex')}`;
}

/** `name` (PostgreSQL only) lets a test point DATABASE_URL at the database before creating it. */
export async function createTestDatabase(engine: TestEngine, name: string = testDatabaseName()): Promise<TestDatabase> {
  if (engine === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory://' });
    return { database, cleanup: () => database.close() };
  }
  await asAdmin((admin) => admin.unsafe(`CREATE DATABASE ${name}`));
  const url = new URL(config().FIBER_TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolMax: 4 });
  return {
    database,
    url: url.toString(),
    async cleanup() {
      await database.close();
      await asAdmin((admin) => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export async function createMigratedDatabase(
  engine: TestEngine,
  timescale: TimescaleSetting = 'auto',
  now?: Date,
): Promise<TestDatabase & { mode: StorageMode }> {
  const t = await createTestDatabase(engine);
  try {
    const { mode } = await migrate(t.database, { timescale, now });
    return { ...t, mode };
  } catch (err) {
    await t.cleanup();
    throw err;
  }
}

/** Ends every connection to a PostgreSQL test database, as a server restart would. */
export async function terminateConnections(databaseUrl: string): Promise<void> {
  await asAdmin((admin) => admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${databaseNameOf(databaseUrl)} AND pid <> pg_backend_pid()`);
}

/**
 * A PostgreSQL test database going away and coming back: `false` refuses new connections and
 * drops the open ones, `true` takes connections again.
 */
export async function setDatabaseConnectionsAllowed(databaseUrl: string, allowed: boolean): Promise<void> {
  await asAdmin((admin) => admin.unsafe(`ALTER DATABASE ${databaseNameOf(databaseUrl)} ALLOW_CONNECTIONS ${allowed ? 'true' : 'false'}`));
  if (!allowed) await terminateConnections(databaseUrl);
}

const databaseNameOf = (databaseUrl: string) => new URL(databaseUrl).pathname.slice(1);

/** One statement batch on the test server's admin connection, opened and closed around it. */
async function asAdmin(run: (admin: postgres.Sql) => Promise<unknown>): Promise<void> {
  const admin = postgres(config().FIBER_TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await run(admin);
  } finally {
    await admin.end();
  }
}
