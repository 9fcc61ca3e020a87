import { sql } from 'drizzle-orm';
import type { Db, Engine } from '../../lib/db/client';
import { queryRows } from '../../lib/db/rows';
import type { Migration } from './types';

/**
 * The spec's database roles (data-model.md, Security) as NOLOGIN groups: a password never lives
 * in a migration, so an operator gives each one a login (README, "Database roles") and points
 * DATABASE_READER_URL / DATABASE_WORKER_URL at it. The owner of the tables, which runs the
 * migrations, stays the admin role (DATABASE_ADMIN_URL).
 *
 * dashboard_reader reads the monitoring data: SELECT on every table of the schema, now and,
 * through default privileges, those the migrating role creates later, except the accounts
 * domain and probe keys (READER_EXCLUDED): password hashes, session and verification tokens,
 * the session-signing secret, hashes of API tokens and probe keys, and the people (emails in
 * users and audit_log). None of that is dashboard data, and a leaked reader password must not
 * lead to an account. So sign-in, sessions, token and probe-key checks and the account pages
 * run on the admin connection (better-auth writes sessions anyway). A later migration adding
 * such a table must revoke it from dashboard_reader, as the default privileges grant it.
 *
 * etl_writer holds what the worker's ingest path (worker/consumer.ts) executes, nothing more:
 * SELECT on nodes (existingNodeIds, and the reads of markNodesSeen's UPDATE … FROM), INSERT on
 * metrics (insertMetricBatch: ON CONFLICT DO NOTHING and RETURNING 1 need no more, and the
 * foreign key check runs as the owner of nodes), UPDATE of nodes.last_seen_at and probe_version
 * (markNodesSeen; pg_advisory_xact_lock is PUBLIC). No DELETE, TRUNCATE or UPDATE of samples:
 * a stolen worker password can add samples but not erase history. What else the worker does
 * needs the tables' owner and runs on the admin connection: retention, compression,
 * partitions, ANALYZE, policy jobs and rollup refreshes, including the late-data refresh after
 * a batch (DELETE + INSERT on the rollup tables in plain mode; refresh_continuous_aggregate
 * requires the owner in TimescaleDB mode).
 *
 * In TimescaleDB mode the extension carries each GRANT and REVOKE on a hypertable or continuous
 * aggregate over to its chunks, compressed chunks and materialization, existing or future.
 *
 * Roles belong to the cluster, not the database: other databases (staging beside production,
 * one per test file) share them and may grant to them. So `up` creates a role only when it is
 * missing, and `down` revokes this database's grants but leaves the roles, which dropping them
 * would need every other database to have done first.
 */

const READER = 'dashboard_reader';
const WRITER = 'etl_writer';

const READER_EXCLUDED = ['users', 'sessions', 'accounts', 'verifications', 'api_tokens', 'audit_log', 'app_secrets', 'probe_keys'];

async function run(tx: Db, statements: string[]): Promise<void> {
  for (const statement of statements) await tx.execute(sql.raw(statement));
}

/**
 * Two databases migrating at once both see the role missing; the second CREATE ROLE then waits
 * for the first and fails with a duplicate, which only means the role is there now.
 */
const createRole = (role: string) => `
  DO $$
  BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
      CREATE ROLE ${role} NOLOGIN;
    END IF;
  EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'creating the role ${role} needs CREATEROLE, which % lacks', current_user
        USING HINT = 'Have a superuser run CREATE ROLE ${role} NOLOGIN; once, then migrate again.';
  END $$`;

/**
 * CONNECT (PUBLIC holds it unless an operator hardened the database) and USAGE on the schema
 * can only be granted by their owner; a migrator that does not own them leaves them to PUBLIC.
 * PGlite has no connections to allow, and fails to update pg_database in place
 * ("tuple concurrently deleted"), so it gets only the schema.
 */
const databaseAndSchema = (verb: 'GRANT' | 'REVOKE', roles: string, engine: Engine) => {
  const to = verb === 'GRANT' ? 'TO' : 'FROM';
  const connect = `
    IF has_database_privilege(current_database(), 'CONNECT WITH GRANT OPTION') THEN
      EXECUTE format('${verb} CONNECT ON DATABASE %I ${to} ${roles}', current_database());
    END IF;`;
  return `
  DO $$
  BEGIN${engine === 'postgres' ? connect : ''}
    IF has_schema_privilege('public', 'USAGE WITH GRANT OPTION') THEN
      ${verb} USAGE ON SCHEMA public ${to} ${roles};
    END IF;
  END $$`;
};

export const databaseRoles: Migration = {
  version: 5,
  name: 'database_roles',
  async up(tx, ctx) {
    await run(tx, [createRole(READER), createRole(WRITER), databaseAndSchema('GRANT', `${READER}, ${WRITER}`, ctx.engine)]);
    await run(tx, [
      `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER}`,
      `REVOKE ALL ON ${READER_EXCLUDED.join(', ')} FROM ${READER}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${READER}`,
      `GRANT SELECT ON nodes TO ${WRITER}`,
      `GRANT UPDATE (last_seen_at, probe_version) ON nodes TO ${WRITER}`,
      `GRANT INSERT ON metrics TO ${WRITER}`,
    ]);
  },
  async down(tx, ctx) {
    // An operator may have dropped a role meanwhile: REVOKE … FROM a missing role is an error.
    const rows = await queryRows<{ rolname: string }>(tx, sql`SELECT rolname FROM pg_roles WHERE rolname IN (${READER}, ${WRITER})`);
    const present = rows.map((r) => r.rolname);
    if (present.length === 0) return;
    const roles = present.join(', ');
    await run(tx, [
      ...(present.includes(READER) ? [`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM ${READER}`] : []),
      `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${roles}`,
      databaseAndSchema('REVOKE', roles, ctx.engine),
    ]);
  },
};
