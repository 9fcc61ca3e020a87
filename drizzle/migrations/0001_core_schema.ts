import { sql } from 'drizzle-orm';
import type { Db } from '../../lib/db/client';
import { extensionAvailable, tryCreateExtension } from '../../lib/db/queries';
import { ensureMetricsPartitions } from '../../lib/maintenance/queries';
import {
  COMPRESS_AFTER_DAYS,
  DAILY_COLUMNS,
  HOURLY_COLUMNS,
  RAW_RETENTION_DAYS,
  ROLLUPS,
  columnNames,
} from '../../lib/maintenance/rollups';
import type { Migration, MigrationContext } from './types';

/** The spec's tables, indexes, constraints, comments, continuous aggregates and policies. */

const NODES = [
  `CREATE TABLE nodes (
    node_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    node_name VARCHAR(255) NOT NULL UNIQUE,
    display_name VARCHAR(255),
    country CHAR(2) NOT NULL,
    region VARCHAR(100) NOT NULL,
    city VARCHAR(100),
    latitude DECIMAL(9,6),
    longitude DECIMAL(9,6),
    is_active BOOLEAN DEFAULT true,
    last_seen_at TIMESTAMPTZ,
    probe_version VARCHAR(50),
    hardware_info JSONB,
    tags JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
  )`,
  `CREATE INDEX idx_nodes_country ON nodes(country)`,
  `CREATE INDEX idx_nodes_region ON nodes(region)`,
  `CREATE INDEX idx_nodes_active ON nodes(is_active) WHERE is_active = true`,
  `CREATE INDEX idx_nodes_last_seen ON nodes(last_seen_at DESC)`,
  `ALTER TABLE nodes ADD CONSTRAINT check_latitude CHECK (latitude BETWEEN -90 AND 90)`,
  `ALTER TABLE nodes ADD CONSTRAINT check_longitude CHECK (longitude BETWEEN -180 AND 180)`,
  `ALTER TABLE nodes ADD CONSTRAINT check_country_code CHECK (country ~ '^[A-Z]{2}$')`,
  `COMMENT ON TABLE nodes IS 'Metadata for all probe nodes in the FiberStack network'`,
  `COMMENT ON COLUMN nodes.node_id IS 'Unique identifier for the node (UUID)'`,
  `COMMENT ON COLUMN nodes.hardware_info IS 'JSON object with CPU, RAM, OS details'`,
  `COMMENT ON COLUMN nodes.tags IS 'JSON array of custom tags for filtering/grouping'`,
];

// uq_metrics_sample is ours, not the spec's: the queue delivers at least once, and this key
// (it must contain `time` to be allowed on a hypertable or partitioned table) makes the
// worker's INSERT … ON CONFLICT DO NOTHING idempotent.
const metricsTable = (partitioned: boolean) => `CREATE TABLE metrics (
    time TIMESTAMPTZ NOT NULL,
    node_id UUID NOT NULL REFERENCES nodes(node_id) ON DELETE CASCADE,
    latency_ms DECIMAL(10,2),
    uptime_pct DECIMAL(5,2),
    packet_loss DECIMAL(5,2),
    target_host VARCHAR(255),
    probe_type VARCHAR(50),
    metadata JSONB,
    CONSTRAINT check_latency CHECK (latency_ms >= 0 AND latency_ms < 10000),
    CONSTRAINT check_uptime CHECK (uptime_pct >= 0 AND uptime_pct <= 100),
    CONSTRAINT check_packet_loss CHECK (packet_loss >= 0 AND packet_loss <= 100),
    CONSTRAINT uq_metrics_sample UNIQUE NULLS NOT DISTINCT (node_id, time, probe_type, target_host)
  )${partitioned ? ' PARTITION BY RANGE (time)' : ''}`;

const METRICS_INDEXES_AND_COMMENTS = [
  `CREATE INDEX idx_metrics_node_time ON metrics (node_id, time DESC)`,
  `CREATE INDEX idx_metrics_time ON metrics (time DESC)`,
  `CREATE INDEX idx_metrics_metadata ON metrics USING GIN (metadata)`,
  `COMMENT ON TABLE metrics IS 'Raw time-series metrics from probe nodes'`,
  `COMMENT ON COLUMN metrics.time IS 'Timestamp when the metric was collected (UTC)'`,
  `COMMENT ON COLUMN metrics.latency_ms IS 'Round-trip latency in milliseconds'`,
  `COMMENT ON COLUMN metrics.uptime_pct IS 'Service uptime percentage (0-100)'`,
  `COMMENT ON COLUMN metrics.packet_loss IS 'Packet loss percentage (0-100)'`,
  `COMMENT ON COLUMN metrics.metadata IS 'Additional metric-specific data (JSON)'`,
];

const HOURLY_COMMENT = `'Hourly aggregated metrics for improved query performance'`;

/**
 * The spec's continuous aggregate, index and refresh policy. WITH NO DATA because a continuous
 * aggregate can only be filled outside a transaction: the worker's first refresh (and the demo
 * seed) fills it.
 */
function continuousAggregate(relation: string, bucket: string, columns: string, index: string, policy: string): string[] {
  return [
    `CREATE MATERIALIZED VIEW ${relation}
     WITH (timescaledb.continuous) AS
     SELECT time_bucket('${bucket}', time) AS time, node_id, ${columns}
     FROM metrics
     GROUP BY time_bucket('${bucket}', time), node_id
     WITH NO DATA`,
    `CREATE INDEX ${index} ON ${relation} (node_id, time DESC)`,
    `SELECT add_continuous_aggregate_policy('${relation}', ${policy})`,
  ];
}

const TIMESCALE = [
  // The spec's idx_metrics_time replaces TimescaleDB's default time index (it would be a twin).
  `SELECT create_hypertable('metrics', 'time', chunk_time_interval => INTERVAL '1 week', create_default_indexes => false)`,
  ...METRICS_INDEXES_AND_COMMENTS,
  `ALTER TABLE metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'node_id')`,
  `SELECT add_compression_policy('metrics', INTERVAL '${COMPRESS_AFTER_DAYS} days')`,
  ...continuousAggregate('aggregates_hourly', '1 hour', HOURLY_COLUMNS, 'idx_agg_hourly_node_time',
    `start_offset => INTERVAL '2 hours', end_offset => INTERVAL '0 hours', schedule_interval => INTERVAL '1 hour'`),
  // A continuous aggregate is a view to COMMENT ON (COMMENT ON MATERIALIZED VIEW fails on it).
  `COMMENT ON VIEW aggregates_hourly IS ${HOURLY_COMMENT}`,
  ...continuousAggregate('aggregates_daily', '1 day', DAILY_COLUMNS, 'idx_agg_daily_node_time',
    `start_offset => INTERVAL '2 days', end_offset => INTERVAL '0 days', schedule_interval => INTERVAL '1 day'`),
  `SELECT add_retention_policy('metrics', INTERVAL '${RAW_RETENTION_DAYS} days')`,
  `SELECT add_retention_policy('aggregates_hourly', INTERVAL '${ROLLUPS.hourly.retentionDays} days')`,
  `SELECT add_retention_policy('aggregates_daily', INTERVAL '${ROLLUPS.daily.retentionDays} days')`,
];

/** Plain mode: the rollups are tables with the continuous aggregates' columns and types. */
const ROLLUP_COLUMN_TYPES: Record<string, string> = {
  p50_latency_ms: 'DOUBLE PRECISION',
  p95_latency_ms: 'DOUBLE PRECISION',
  p99_latency_ms: 'DOUBLE PRECISION',
  sample_count: 'BIGINT',
  high_availability_count: 'BIGINT',
};
const rollupTable = (relation: string, columns: string) =>
  `CREATE TABLE ${relation} (
    time TIMESTAMPTZ NOT NULL,
    node_id UUID NOT NULL,
    ${columnNames(columns)
      .map((c) => `${c} ${ROLLUP_COLUMN_TYPES[c] ?? 'NUMERIC'}`)
      .join(',\n    ')}
  )`;

const PLAIN = [
  ...METRICS_INDEXES_AND_COMMENTS,
  rollupTable('aggregates_hourly', HOURLY_COLUMNS),
  `CREATE INDEX idx_agg_hourly_node_time ON aggregates_hourly (node_id, time DESC)`,
  `COMMENT ON TABLE aggregates_hourly IS ${HOURLY_COMMENT}`,
  rollupTable('aggregates_daily', DAILY_COLUMNS),
  `CREATE INDEX idx_agg_daily_node_time ON aggregates_daily (node_id, time DESC)`,
];

const ALERTS = [
  `CREATE TABLE alerts (
    alert_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    node_id UUID NOT NULL REFERENCES nodes(node_id),
    alert_type VARCHAR(50) NOT NULL,
    severity VARCHAR(20) NOT NULL,
    message TEXT NOT NULL,
    triggered_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    acknowledged_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    metric_value DECIMAL(10,2),
    threshold_value DECIMAL(10,2),
    metadata JSONB,
    status VARCHAR(20) DEFAULT 'open'
  )`,
  `CREATE INDEX idx_alerts_node ON alerts(node_id)`,
  `CREATE INDEX idx_alerts_status ON alerts(status) WHERE status != 'resolved'`,
  `CREATE INDEX idx_alerts_triggered ON alerts(triggered_at DESC)`,
];

/** Extensions the spec lists for the future (postgis) and for monitoring: used when the server has them. */
async function tryOptionalExtensions(tx: Db): Promise<void> {
  for (const name of ['postgis', 'pg_stat_statements']) {
    // A refusal (no permission, not preloaded) is fine: the product does not depend on them.
    if (await extensionAvailable(tx, name)) await tryCreateExtension(tx, name);
  }
}

async function run(tx: Db, statements: string[]): Promise<void> {
  for (const statement of statements) await tx.execute(sql.raw(statement));
}

export const coreSchema: Migration = {
  version: 1,
  name: 'core_schema',
  async up(tx: Db, ctx: MigrationContext) {
    await tryOptionalExtensions(tx);
    await run(tx, NODES);
    const timescale = ctx.mode === 'timescaledb';
    await run(tx, [metricsTable(!timescale)]);
    if (timescale) {
      await run(tx, TIMESCALE);
    } else {
      await run(tx, PLAIN);
      // Partitions for the whole raw retention window and four weeks ahead; the worker keeps
      // creating them ahead from then on.
      const day = 86_400_000;
      await ensureMetricsPartitions(
        tx,
        new Date(ctx.now.getTime() - (RAW_RETENTION_DAYS + 1) * day),
        new Date(ctx.now.getTime() + 28 * day),
      );
    }
    await run(tx, ALERTS);
  },
  async down(tx: Db, ctx: MigrationContext) {
    const views = ctx.mode === 'timescaledb' ? 'MATERIALIZED VIEW' : 'TABLE';
    await run(tx, [
      'DROP TABLE IF EXISTS alerts',
      `DROP ${views} IF EXISTS aggregates_daily`,
      `DROP ${views} IF EXISTS aggregates_hourly`,
      'DROP TABLE IF EXISTS metrics CASCADE',
      'DROP TABLE IF EXISTS nodes',
    ]);
  },
};
