import { sql } from 'drizzle-orm';
import type { Db } from '../../lib/db/client';
import { DAY_MS, INDEXED_CHARS, ensureDailyPartitions } from '../../lib/logs/queries';
import type { Migration } from './types';

/**
 * The PostgreSQL log store (issue 6): the spec's fiber-logs-* and fiber-events-* documents as
 * the `logs` and `events` tables, for when no Elasticsearch is configured.
 *
 * - `time` is the document's @timestamp. `id` (an identity) makes every row addressable and
 *   orders rows of the same instant for keyset pagination; the key is (time, id) because a
 *   hypertable's or partitioned table's unique index must contain the partitioning column.
 * - Keyword fields are TEXT: `node_id` included, which is whatever a caller logged (a UUID
 *   mostly, but a log line must never be refused for an odd one).
 * - `search` is a generated tsvector with the 'simple' configuration: lower-cased words, no
 *   stemming or stop words, so any language is found as written. Only the first 64 Ki
 *   characters are indexed, which keeps a huge message under the tsvector's 1 MB limit.
 * - TimescaleDB mode: hypertables with 1-day chunks; plain mode: range partitions by UTC day
 *   (the same days), a week ahead here and then by the worker, and by writers for the days of
 *   their batch. Retention (30 / 90 days) is the worker's `retention:logs` job in both modes
 *   (PostgresLogStore.applyRetention), not add_retention_policy: one path, and the spec's
 *   policy list stays the spec's.
 * - dashboard_reader gets no SELECT (the default privileges of migration 5 would grant it): log
 *   lines carry user ids and request traces, and the search API runs on the owner's connection.
 */

const searchColumn = (source: string) =>
  `search TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', ${source})) STORED`;

const logsTable = (partitioned: boolean) => `CREATE TABLE logs (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    time TIMESTAMPTZ NOT NULL,
    service TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    logger TEXT,
    request_id TEXT,
    node_id TEXT,
    user_id TEXT,
    exception_type TEXT,
    exception_message TEXT,
    exception_stacktrace TEXT,
    context JSONB,
    ${searchColumn(`left(message, ${INDEXED_CHARS}) || ' ' || left(coalesce(exception_message, ''), ${INDEXED_CHARS})`)},
    CONSTRAINT logs_pkey PRIMARY KEY (time, id),
    CONSTRAINT check_logs_level CHECK (level IN ('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'))
  )${partitioned ? ' PARTITION BY RANGE (time)' : ''}`;

const eventsTable = (partitioned: boolean) => `CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    time TIMESTAMPTZ NOT NULL,
    event_type TEXT NOT NULL,
    node_id TEXT,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    metadata JSONB,
    ${searchColumn(`left(message, ${INDEXED_CHARS})`)},
    CONSTRAINT events_pkey PRIMARY KEY (time, id),
    CONSTRAINT check_events_severity CHECK (severity IN ('info', 'warning', 'critical'))
  )${partitioned ? ' PARTITION BY RANGE (time)' : ''}`;

// Each filter's index ends in time, so "newest first within the range" reads it in order.
// Optional fields are indexed only where present: most lines have no user, many no request.
const INDEXES = [
  `CREATE INDEX idx_logs_search ON logs USING GIN (search)`,
  `CREATE INDEX idx_logs_request_time ON logs (request_id, time DESC) WHERE request_id IS NOT NULL`,
  `CREATE INDEX idx_logs_node_time ON logs (node_id, time DESC) WHERE node_id IS NOT NULL`,
  `CREATE INDEX idx_logs_user_time ON logs (user_id, time DESC) WHERE user_id IS NOT NULL`,
  `CREATE INDEX idx_logs_service_level_time ON logs (service, level, time DESC)`,
  `CREATE INDEX idx_logs_level_time ON logs (level, time DESC)`,
  `CREATE INDEX idx_events_search ON events USING GIN (search)`,
  `CREATE INDEX idx_events_type_time ON events (event_type, time DESC)`,
  `CREATE INDEX idx_events_node_time ON events (node_id, time DESC) WHERE node_id IS NOT NULL`,
  `CREATE INDEX idx_events_severity_time ON events (severity, time DESC)`,
];

const COMMENTS = [
  `COMMENT ON TABLE logs IS 'Application logs (the spec''s fiber-logs-* documents) when no Elasticsearch is configured'`,
  `COMMENT ON TABLE events IS 'System events (the spec''s fiber-events-* documents) when no Elasticsearch is configured'`,
  `COMMENT ON COLUMN logs.time IS 'The document''s @timestamp'`,
  `COMMENT ON COLUMN logs.node_id IS 'As logged: TEXT, not a reference to nodes (any value a caller passes)'`,
  `COMMENT ON COLUMN logs.search IS 'Full-text index of message and exception message (simple configuration)'`,
  `COMMENT ON COLUMN events.time IS 'The document''s @timestamp'`,
];

const NO_READER = `DO $$
  BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'dashboard_reader') THEN
      REVOKE ALL ON logs, events FROM dashboard_reader;
    END IF;
  END $$`;

async function run(tx: Db, statements: string[]): Promise<void> {
  for (const statement of statements) await tx.execute(sql.raw(statement));
}

export const logsEvents: Migration = {
  version: 6,
  name: 'logs_events',
  async up(tx, ctx) {
    const timescale = ctx.mode === 'timescaledb';
    await run(tx, [logsTable(!timescale), eventsTable(!timescale)]);
    if (timescale) {
      // The primary key (time, id) serves time order: TimescaleDB's default time index would be its twin.
      await run(tx, [
        `SELECT create_hypertable('logs', 'time', chunk_time_interval => INTERVAL '1 day', create_default_indexes => false)`,
        `SELECT create_hypertable('events', 'time', chunk_time_interval => INTERVAL '1 day', create_default_indexes => false)`,
      ]);
    }
    await run(tx, [...INDEXES, ...COMMENTS, NO_READER]);
    if (!timescale) {
      const from = new Date(ctx.now.getTime() - DAY_MS);
      const to = new Date(ctx.now.getTime() + 8 * DAY_MS);
      await ensureDailyPartitions(tx, 'logs', from, to);
      await ensureDailyPartitions(tx, 'events', from, to);
    }
  },
  async down(tx) {
    // Partitions and chunks go with their table, the identity sequences with their column.
    await run(tx, ['DROP TABLE IF EXISTS events CASCADE', 'DROP TABLE IF EXISTS logs CASCADE']);
  },
};
