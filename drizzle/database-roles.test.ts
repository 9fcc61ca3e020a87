import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { config, parseConfig } from '../lib/config';
import { closeDatabase, getDatabase, getDatabaseFor, type Db } from '../lib/db/client';
import { queryRows } from '../lib/db/rows';
import { refreshRollup } from '../lib/maintenance/queries';
import { getRawMetrics, insertMetricBatch, type MetricSample } from '../lib/metrics/queries';
import { existingNodeIds, getNetworkKpis, insertMissingNodes, listNodesWithLatestSample, markNodesSeen } from '../lib/nodes/queries';
import { createMigratedDatabase, createTestDatabase, testDatabaseName, testNode, type TestDatabase } from '../lib/testing/databases';
import { migrate, rollback } from './migrate';
import { migrations } from './migrations';
import { expectDenied, onCluster } from '@/lib/testing/roles';

/**
 * Migration 5's roles, proven by logging in: on PostgreSQL 15 a throw-away LOGIN role per group
 * (trust auth on 127.0.0.1) reaches this file's database through DATABASE_READER_URL and
 * DATABASE_WORKER_URL, i.e. through getDatabaseFor; on PGlite + TimescaleDB (one user) by
 * SET ROLE. The roles themselves are cluster-wide and stay, as the migration's down leaves them.
 */
const READER = 'dashboard_reader';
const WRITER = 'etl_writer';
// Credentials and people (migration 5), and log lines (migration 6: user ids, request traces).
const READER_EXCLUDED = ['users', 'sessions', 'accounts', 'verifications', 'api_tokens', 'audit_log', 'app_secrets', 'probe_keys', 'logs', 'events'];
const ALL = migrations.map((m) => m.version);
/** Migration 5 and everything after it, reverted and re-applied together (later ones depend on the roles). */
const FROM_ROLES = ALL.filter((v) => v >= 5);

const base = parseConfig(process.env);
const DB_NAME = testDatabaseName();
const suffix = randomBytes(4).toString('hex');
const LOGINS = { reader: `fiber_test_web_${suffix}`, worker: `fiber_test_etl_${suffix}` };
const urlAs = (user: string, database: string) => {
  const url = new URL(base.FIBER_TEST_POSTGRES_URL);
  url.username = user;
  url.password = '';
  url.pathname = `/${database}`;
  return url.toString();
};
vi.stubEnv('DATABASE_URL', urlAs(new URL(base.FIBER_TEST_POSTGRES_URL).username, DB_NAME));
vi.stubEnv('DATABASE_READER_URL', urlAs(LOGINS.reader, DB_NAME));
vi.stubEnv('DATABASE_WORKER_URL', urlAs(LOGINS.worker, DB_NAME));

/** Every grant to the two roles in this database's schema, as "role PRIVILEGE relation[.column]". */
async function grantsInPublic(db: Db): Promise<string[]> {
  const rows = await queryRows<{ grant: string }>(
    db,
    sql`SELECT r.rolname || ' ' || p.privilege_type || ' ' || c.relname AS grant
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) p JOIN pg_roles r ON r.oid = p.grantee
        WHERE c.relnamespace = 'public'::regnamespace AND NOT c.relispartition AND r.rolname IN (${READER}, ${WRITER})
        UNION ALL
        SELECT r.rolname || ' ' || p.privilege_type || ' ' || c.relname || '.' || a.attname
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        CROSS JOIN LATERAL aclexplode(a.attacl) p JOIN pg_roles r ON r.oid = p.grantee
        WHERE c.relnamespace = 'public'::regnamespace AND r.rolname IN (${READER}, ${WRITER})`,
  );
  return rows.map((r) => r.grant).sort();
}

/** What the reader must be granted: SELECT on every relation of the schema but the excluded ones. */
async function expectedReaderGrants(db: Db): Promise<string[]> {
  const rows = await queryRows<{ relname: string }>(
    db,
    sql`SELECT relname FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm') AND NOT relispartition`,
  );
  return rows.filter((r) => !READER_EXCLUDED.includes(r.relname)).map((r) => `${READER} SELECT ${r.relname}`);
}

const WRITER_GRANTS = [`${WRITER} INSERT metrics`, `${WRITER} SELECT nodes`, `${WRITER} UPDATE nodes.last_seen_at`, `${WRITER} UPDATE nodes.probe_version`];

/** Privileges this database still holds for the roles, its own objects and the database itself. */
async function dependenciesHere(db: Db): Promise<number> {
  const rows = await queryRows<{ n: number | string }>(
    db,
    sql`SELECT count(*) AS n FROM pg_shdepend d
        WHERE d.refobjid IN (SELECT oid FROM pg_roles WHERE rolname IN (${READER}, ${WRITER}))
          AND (d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               OR (d.classid = 'pg_database'::regclass AND d.objid = (SELECT oid FROM pg_database WHERE datname = current_database())))`,
  );
  return Number(rows[0]?.n);
}

const sample = (nodeId: string, minutesAgo: number, latencyMs: number): MetricSample => ({
  time: new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000),
  nodeId,
  latencyMs,
  uptimePct: 100,
  packetLoss: 0,
  targetHost: '8.8.8.8',
  probeType: 'icmp',
  metadata: null,
});

/** The worker's ingest path (worker/consumer.ts): known nodes, then insert + last_seen in one transaction. */
async function ingest(db: Db, nodeId: string, samples: MetricSample[]): Promise<number> {
  expect(await existingNodeIds(db, [nodeId])).toEqual(new Set([nodeId]));
  return db.transaction(async (tx) => {
    const n = await insertMetricBatch(tx, samples);
    const newest = samples.reduce((a, b) => (a.time > b.time ? a : b));
    await markNodesSeen(tx, [{ nodeId, at: newest.time, probeVersion: '2.1.0' }]);
    return n;
  });
}

describe('database roles on PostgreSQL 15, logged in as each role', () => {
  let t: TestDatabase;
  let admin: Db;
  let reader: Db;
  let worker: Db;
  const node = testNode();

  beforeAll(async () => {
    expect(config().databaseUrls.reader).toContain(LOGINS.reader);
    t = await createTestDatabase('postgres', DB_NAME);
    await migrate(t.database, { timescale: 'auto' });
    await onCluster([`CREATE ROLE ${LOGINS.reader} LOGIN IN ROLE ${READER}`, `CREATE ROLE ${LOGINS.worker} LOGIN IN ROLE ${WRITER}`]);
    admin = (await getDatabaseFor('admin')).db;
    reader = (await getDatabaseFor('reader')).db;
    worker = (await getDatabaseFor('worker')).db;
    await insertMissingNodes(admin, [node]);
    await insertMetricBatch(admin, [sample(node.nodeId, 30, 12.5)]);
  });

  afterAll(async () => {
    await closeDatabase();
    await t?.cleanup();
    await onCluster([
      `REVOKE ${READER} FROM ${LOGINS.reader}`,
      `REVOKE ${WRITER} FROM ${LOGINS.worker}`,
      `DROP ROLE IF EXISTS ${LOGINS.reader}`,
      `DROP ROLE IF EXISTS ${LOGINS.worker}`,
    ]).catch(() => onCluster([`DROP ROLE IF EXISTS ${LOGINS.reader}`, `DROP ROLE IF EXISTS ${LOGINS.worker}`]));
  });

  it('getDatabaseFor opens a pool per own URL and shares getDatabase() for the rest', async () => {
    expect(getDatabaseFor('admin')).toBe(getDatabase());
    expect(getDatabaseFor('reader')).not.toBe(getDatabase());
    expect(getDatabaseFor('reader')).toBe(getDatabaseFor('reader'));
    const whoami = async (db: Db) => (await queryRows<{ u: string }>(db, sql`SELECT current_user AS u`))[0]!.u;
    expect([await whoami(admin), await whoami(reader), await whoami(worker)]).toEqual([
      new URL(base.FIBER_TEST_POSTGRES_URL).username,
      LOGINS.reader,
      LOGINS.worker,
    ]);
  });

  it('creates both roles without a login, and grants exactly the documented privileges', async () => {
    const roles = await queryRows(admin, sql`SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN (${READER}, ${WRITER}) ORDER BY 1`);
    expect(roles).toEqual([
      { rolname: READER, rolcanlogin: false },
      { rolname: WRITER, rolcanlogin: false },
    ]);
    expect(await grantsInPublic(admin)).toEqual([...(await expectedReaderGrants(admin)), ...WRITER_GRANTS].sort());
    expect(await grantsInPublic(admin)).toEqual(expect.arrayContaining([`${READER} SELECT metrics`, `${READER} SELECT aggregates_hourly`]));
  });

  it('the reader reads the monitoring data, as the dashboard does', async () => {
    const now = new Date();
    const nodes = await listNodesWithLatestSample(reader);
    expect(nodes.map((n) => n.nodeId)).toContain(node.nodeId);
    expect(await getRawMetrics(reader, node.nodeId, new Date(now.getTime() - 3_600_000), now)).toHaveLength(1);
    await getNetworkKpis(reader, now);
    for (const relation of ['aggregates_hourly', 'aggregates_daily', 'alerts', 'fiber_jobs']) {
      await queryRows(reader, sql`SELECT count(*) FROM ${sql.identifier(relation)}`);
    }
  });

  it('the reader cannot write anything', async () => {
    await expectDenied(insertMissingNodes(reader, [testNode()]));
    await expectDenied(reader.execute(sql`UPDATE nodes SET display_name = 'x'`));
    await expectDenied(reader.execute(sql`DELETE FROM nodes`));
    await expectDenied(insertMetricBatch(reader, [sample(node.nodeId, 5, 1)]));
    await expectDenied(reader.execute(sql`UPDATE metrics SET latency_ms = 0`));
    await expectDenied(reader.execute(sql`DELETE FROM metrics`));
    await expectDenied(reader.execute(sql`TRUNCATE metrics`));
    await expectDenied(reader.execute(sql`INSERT INTO aggregates_hourly (time, node_id) VALUES (now(), ${node.nodeId})`));
  });

  it('the reader cannot read credentials or people: password hashes, sessions, tokens, secrets, users, audit', async () => {
    for (const table of READER_EXCLUDED) await expectDenied(reader.execute(sql`SELECT * FROM ${sql.identifier(table)} LIMIT 1`));
  });

  it('the writer runs the worker ingest path: insert (idempotent) and last_seen, in one transaction', async () => {
    const batch = [sample(node.nodeId, 3, 20.25), sample(node.nodeId, 2, 21.5)];
    expect(await ingest(worker, node.nodeId, batch)).toBe(2);
    expect(await ingest(worker, node.nodeId, batch)).toBe(0);
    const [row] = await queryRows<{ last_seen_at: Date | string; probe_version: string }>(
      admin,
      sql`SELECT last_seen_at, probe_version FROM nodes WHERE node_id = ${node.nodeId}`,
    );
    expect(new Date(row!.last_seen_at)).toEqual(batch[1]!.time);
    expect(row!.probe_version).toBe('2.1.0');
    const stored = await queryRows(admin, sql`SELECT count(*)::int AS n FROM metrics WHERE node_id = ${node.nodeId}`);
    expect(stored).toEqual([{ n: 3 }]);
  });

  it('the writer cannot delete, truncate or rewrite samples, nor touch the rest', async () => {
    await expectDenied(worker.execute(sql`DELETE FROM metrics`));
    await expectDenied(worker.execute(sql`DELETE FROM nodes`));
    await expectDenied(worker.execute(sql`TRUNCATE metrics`));
    await expectDenied(worker.execute(sql`UPDATE metrics SET latency_ms = 0`));
    await expectDenied(worker.execute(sql`UPDATE nodes SET node_name = 'renamed', updated_at = now()`));
    await expectDenied(insertMissingNodes(worker, [testNode()]));
    await expectDenied(worker.execute(sql`SELECT * FROM metrics LIMIT 1`));
    await expectDenied(worker.execute(sql`SELECT * FROM accounts LIMIT 1`));
    await expectDenied(worker.execute(sql`INSERT INTO alerts (node_id, alert_type, severity, message) VALUES (${node.nodeId}, 'x', 'low', 'x')`));
    // Rollup refreshes, the late-data one included, belong to the admin connection (see the migration).
    const hour = 3_600_000;
    const to = new Date(Math.floor(Date.now() / hour) * hour - 3 * hour);
    await expectDenied(refreshRollup(worker, 'postgres', 'hourly', new Date(to.getTime() - 2 * hour), to));
  });

  it('tables created later by the owner are readable by the reader (default privileges)', async () => {
    await admin.execute(sql`CREATE TABLE fiber_test_later (x int)`);
    try {
      expect(await queryRows(reader, sql`SELECT count(*)::int AS n FROM fiber_test_later`)).toEqual([{ n: 0 }]);
      await expectDenied(worker.execute(sql`SELECT * FROM fiber_test_later`));
    } finally {
      await admin.execute(sql`DROP TABLE fiber_test_later`);
    }
  });

  it('more databases on the cluster migrate with the roles already there, at once, and roll back alone', async () => {
    const others = await Promise.all([createTestDatabase('postgres'), createTestDatabase('postgres')]);
    try {
      const results = await Promise.all(others.map((o) => migrate(o.database, { timescale: 'auto' })));
      expect(results.map((r) => r.applied)).toEqual([ALL, ALL]);
      const [a] = others.map((o) => o.database.db);
      expect(await grantsInPublic(a!)).toEqual([...(await expectedReaderGrants(a!)), ...WRITER_GRANTS].sort());

      // Down revokes this database's grants only: the roles and every other database's grants stay.
      expect((await rollback(others[0]!.database, { to: 4 })).reverted).toEqual([...FROM_ROLES].reverse());
      expect(await grantsInPublic(a!)).toEqual([]);
      expect(await dependenciesHere(a!)).toBe(0);
      expect(await queryRows(a!, sql`SELECT count(*)::int AS n FROM pg_roles WHERE rolname IN (${READER}, ${WRITER})`)).toEqual([{ n: 2 }]);
      expect((await listNodesWithLatestSample(reader)).map((n) => n.nodeId)).toContain(node.nodeId);
      expect(await grantsInPublic(admin)).toEqual([...(await expectedReaderGrants(admin)), ...WRITER_GRANTS].sort());

      expect((await migrate(others[0]!.database, { timescale: 'auto' })).applied).toEqual(FROM_ROLES);
      expect(await grantsInPublic(a!)).toEqual([...(await expectedReaderGrants(a!)), ...WRITER_GRANTS].sort());
    } finally {
      await Promise.all(others.map((o) => o.cleanup()));
    }
  });
});

describe('database roles on PGlite + TimescaleDB (one user: SET ROLE)', () => {
  let t: TestDatabase;
  const node = testNode();
  const as = <T>(db: Db, role: string, work: (tx: Db) => Promise<T>) =>
    db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL ROLE ${role}`));
      return work(tx);
    });

  beforeAll(async () => {
    t = await createMigratedDatabase('pglite');
    expect(t.mode).toBe('timescaledb');
    await insertMissingNodes(t.database.db, [node]);
  });
  afterAll(() => t?.cleanup());

  it('creates the roles and grants exactly the documented privileges, chunks included', async () => {
    const { db } = t.database;
    const roles = await queryRows(db, sql`SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN (${READER}, ${WRITER}) ORDER BY 1`);
    expect(roles).toEqual([
      { rolname: READER, rolcanlogin: false },
      { rolname: WRITER, rolcanlogin: false },
    ]);
    expect(await grantsInPublic(db)).toEqual([...(await expectedReaderGrants(db)), ...WRITER_GRANTS].sort());
    const checks = await queryRows(
      db,
      sql`SELECT has_table_privilege(${READER}, 'aggregates_hourly', 'SELECT') AS reader_hourly,
                 has_table_privilege(${READER}, 'accounts', 'SELECT') AS reader_accounts,
                 has_table_privilege(${READER}, 'app_secrets', 'SELECT') AS reader_secrets,
                 has_table_privilege(${WRITER}, 'metrics', 'INSERT') AS writer_insert,
                 has_table_privilege(${WRITER}, 'metrics', 'DELETE') AS writer_delete,
                 has_table_privilege(${WRITER}, 'metrics', 'TRUNCATE') AS writer_truncate,
                 has_column_privilege(${WRITER}, 'nodes', 'last_seen_at', 'UPDATE') AS writer_last_seen,
                 has_column_privilege(${WRITER}, 'nodes', 'node_name', 'UPDATE') AS writer_node_name`,
    );
    expect(checks).toEqual([
      {
        reader_hourly: true,
        reader_accounts: false,
        reader_secrets: false,
        writer_insert: true,
        writer_delete: false,
        writer_truncate: false,
        writer_last_seen: true,
        writer_node_name: false,
      },
    ]);
  });

  it('the writer ingests into the hypertable (new chunks too) and cannot delete; the reader reads it back', async () => {
    const { db } = t.database;
    const batch = [sample(node.nodeId, 2, 10), sample(node.nodeId, 60 * 24 * 30, 11)];
    expect(await as(db, WRITER, (tx) => ingest(tx, node.nodeId, batch))).toBe(2);
    expect(await as(db, WRITER, (tx) => ingest(tx, node.nodeId, batch))).toBe(0);
    await expectDenied(as(db, WRITER, (tx) => tx.execute(sql`DELETE FROM metrics`)));
    await expectDenied(as(db, WRITER, (tx) => tx.execute(sql`TRUNCATE metrics`)));
    await expectDenied(as(db, WRITER, (tx) => tx.execute(sql`UPDATE metrics SET latency_ms = 0`)));
    await expectDenied(as(db, WRITER, (tx) => tx.execute(sql`DELETE FROM nodes`)));
    const chunks = await queryRows<{ n: number | string }>(db, sql`SELECT count(*) AS n FROM show_chunks('metrics')`);
    expect(Number(chunks[0]!.n)).toBeGreaterThanOrEqual(2);
    // The chunks made by the writer's insert carry the hypertable's grants: the reader reads them.
    const read = await as(db, READER, (tx) => queryRows(tx, sql`SELECT count(*)::int AS n FROM metrics WHERE node_id = ${node.nodeId}`));
    expect(read).toEqual([{ n: 2 }]);
    await as(db, READER, (tx) => queryRows(tx, sql`SELECT count(*) FROM aggregates_hourly`));
    await expectDenied(as(db, READER, (tx) => tx.execute(sql`DELETE FROM metrics`)));
    await expectDenied(as(db, READER, (tx) => tx.execute(sql`SELECT * FROM accounts`)));
  });

  it('down revokes every grant of this database and leaves the roles; up grants again', async () => {
    const { database } = t;
    expect((await rollback(database, { to: 4 })).reverted).toEqual([...FROM_ROLES].reverse());
    expect(await grantsInPublic(database.db)).toEqual([]);
    expect(await dependenciesHere(database.db)).toBe(0);
    expect(await queryRows(database.db, sql`SELECT count(*)::int AS n FROM pg_roles WHERE rolname IN (${READER}, ${WRITER})`)).toEqual([{ n: 2 }]);
    expect((await migrate(database, { timescale: 'auto' })).applied).toEqual(FROM_ROLES);
    expect(await grantsInPublic(database.db)).toEqual([...(await expectedReaderGrants(database.db)), ...WRITER_GRANTS].sort());
  });
});
