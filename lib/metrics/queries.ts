import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { pgArray, queryRows, toDate, toNumber } from '../db/rows';
import { ROLLUPS, columnNames, type Rollup } from '../maintenance/rollups';

export interface MetricSample {
  time: Date;
  nodeId: string;
  latencyMs: number | null;
  uptimePct: number | null;
  packetLoss: number | null;
  targetHost: string | null;
  probeType: string | null;
  metadata: Record<string, unknown> | null;
}

/**
 * Inserts a batch in one statement (arrays through `unnest`), skipping samples already stored
 * (uq_metrics_sample), and returns how many rows were new. Each column is one array
 * parameter; numbers travel as text so DECIMAL precision is kept exactly.
 */
export async function insertMetricBatch(db: Db, samples: MetricSample[]): Promise<number> {
  if (samples.length === 0) return 0;
  const col = (pick: (s: MetricSample) => string | null) => pgArray(samples.map(pick));
  const num = (v: number | null) => (v === null ? null : String(v));
  const rows = await queryRows<{ inserted: string | number }>(
    db,
    sql`WITH ins AS (
          INSERT INTO metrics (time, node_id, latency_ms, uptime_pct, packet_loss, target_host, probe_type, metadata)
          SELECT * FROM unnest(
            ${col((s) => s.time.toISOString())}::timestamptz[],
            ${col((s) => s.nodeId)}::uuid[],
            ${col((s) => num(s.latencyMs))}::numeric[],
            ${col((s) => num(s.uptimePct))}::numeric[],
            ${col((s) => num(s.packetLoss))}::numeric[],
            ${col((s) => s.targetHost)}::varchar[],
            ${col((s) => s.probeType)}::varchar[],
            ${col((s) => (s.metadata === null ? null : JSON.stringify(s.metadata)))}::jsonb[])
          ON CONFLICT DO NOTHING
          RETURNING 1)
        SELECT count(*) AS inserted FROM ins`,
  );
  return toNumber(rows[0]?.inserted) ?? 0;
}

/** Raises each node's last_seen_at to its newest stored sample (never lowers it). */
export async function touchLastSeenFromMetrics(db: Db, since: Date): Promise<void> {
  await db.execute(sql`
    UPDATE nodes n SET last_seen_at = m.latest
    FROM (SELECT node_id, max(time) AS latest FROM metrics WHERE time >= ${since.toISOString()}::timestamptz GROUP BY node_id) m
    WHERE n.node_id = m.node_id AND (n.last_seen_at IS NULL OR n.last_seen_at < m.latest)`);
}

// ---- reading a node's series ------------------------------------------------------------------

export interface RawMetricRow {
  time: Date;
  latencyMs: number | null;
  uptimePct: number | null;
  packetLoss: number | null;
  targetHost: string | null;
  probeType: string | null;
}

const iso = (d: Date) => d.toISOString();

/** A node's raw samples with start <= time < end, oldest first (idx_metrics_node_time). */
export async function getRawMetrics(db: Db, nodeId: string, start: Date, end: Date): Promise<RawMetricRow[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT time, latency_ms, uptime_pct, packet_loss, target_host, probe_type FROM metrics
        WHERE node_id = ${nodeId}::uuid AND time >= ${iso(start)}::timestamptz AND time < ${iso(end)}::timestamptz
        ORDER BY time, probe_type, target_host`,
  );
  return rows.map(toRawMetricRow);
}

/** A `metrics` row as read (time, values, target_host, probe_type) in camelCase with numbers. */
export function toRawMetricRow(r: Record<string, unknown>): RawMetricRow {
  return {
    time: toDate(r.time)!,
    latencyMs: toNumber(r.latency_ms),
    uptimePct: toNumber(r.uptime_pct),
    packetLoss: toNumber(r.packet_loss),
    targetHost: (r.target_host as string | null) ?? null,
    probeType: (r.probe_type as string | null) ?? null,
  };
}

/** One bucket of aggregates_hourly, the spec's columns in camelCase. */
export interface HourlyAggregateRow {
  time: Date;
  avgLatencyMs: number | null;
  minLatencyMs: number | null;
  maxLatencyMs: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
  avgUptimePct: number | null;
  minUptimePct: number | null;
  avgPacketLoss: number | null;
  maxPacketLoss: number | null;
  sampleCount: number;
}

/** One bucket of aggregates_daily, the spec's columns in camelCase. */
export interface DailyAggregateRow {
  time: Date;
  avgLatencyMs: number | null;
  minLatencyMs: number | null;
  maxLatencyMs: number | null;
  avgUptimePct: number | null;
  avgPacketLoss: number | null;
  sampleCount: number;
  highAvailabilityCount: number;
  availabilityPct: number | null;
}

/**
 * A node's buckets of one rollup with start <= bucket < end, oldest first: the materialised rows
 * (an index-only scan of idx_agg_hourly_covering / idx_agg_daily_covering, migration 0008,
 * which carry every column selected here), then the buckets after the node's newest
 * materialised one computed from the raw samples with the very same column expressions, as
 * TimescaleDB's real-time aggregation would. Rollups are refreshed only for whole buckets that
 * have ended (and hourly only every hour), so without this the current hour or day, and up to two
 * hours in all, would be missing from every chart that ends now.
 */
async function readRollupBuckets(db: Db, rollup: Rollup, nodeId: string, start: Date, end: Date): Promise<Record<string, unknown>[]> {
  return queryRows<Record<string, unknown>>(db, rollupBucketsQuery(rollup, nodeId, start, end));
}

/** readRollupBuckets' statement, exported so a test can EXPLAIN it. */
export function rollupBucketsQuery(rollup: Rollup, nodeId: string, start: Date, end: Date): SQL {
  const r = ROLLUPS[rollup];
  const columns = columnNames(r.columns).join(', ');
  return sql`WITH stored AS (
          SELECT time, ${sql.raw(columns)} FROM ${sql.identifier(r.relation)}
          WHERE node_id = ${nodeId}::uuid AND time >= ${iso(start)}::timestamptz AND time < ${iso(end)}::timestamptz
        ), mark AS (
          SELECT max(time) + ${r.bucket}::interval AS after FROM stored
        )
        SELECT * FROM stored
        UNION ALL
        SELECT date_bin(${r.bucket}::interval, m.time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS time, ${sql.raw(r.columns)}
        FROM metrics m CROSS JOIN mark
        WHERE m.node_id = ${nodeId}::uuid
          AND m.time >= COALESCE(mark.after, ${iso(start)}::timestamptz)
          AND m.time >= ${iso(start)}::timestamptz AND m.time < ${iso(end)}::timestamptz
        GROUP BY 1
        ORDER BY time`;
}

/** A node's hourly buckets with start <= bucket < end, oldest first (see readRollupBuckets). */
export async function getHourlyAggregates(db: Db, nodeId: string, start: Date, end: Date): Promise<HourlyAggregateRow[]> {
  const rows = await readRollupBuckets(db, 'hourly', nodeId, start, end);
  return rows.map((r) => ({
    time: toDate(r.time)!,
    avgLatencyMs: toNumber(r.avg_latency_ms),
    minLatencyMs: toNumber(r.min_latency_ms),
    maxLatencyMs: toNumber(r.max_latency_ms),
    p50LatencyMs: toNumber(r.p50_latency_ms),
    p95LatencyMs: toNumber(r.p95_latency_ms),
    p99LatencyMs: toNumber(r.p99_latency_ms),
    avgUptimePct: toNumber(r.avg_uptime_pct),
    minUptimePct: toNumber(r.min_uptime_pct),
    avgPacketLoss: toNumber(r.avg_packet_loss),
    maxPacketLoss: toNumber(r.max_packet_loss),
    sampleCount: toNumber(r.sample_count) ?? 0,
  }));
}

/** A node's daily buckets with start <= bucket < end, oldest first (see readRollupBuckets). */
export async function getDailyAggregates(db: Db, nodeId: string, start: Date, end: Date): Promise<DailyAggregateRow[]> {
  const rows = await readRollupBuckets(db, 'daily', nodeId, start, end);
  return rows.map((r) => ({
    time: toDate(r.time)!,
    avgLatencyMs: toNumber(r.avg_latency_ms),
    minLatencyMs: toNumber(r.min_latency_ms),
    maxLatencyMs: toNumber(r.max_latency_ms),
    avgUptimePct: toNumber(r.avg_uptime_pct),
    avgPacketLoss: toNumber(r.avg_packet_loss),
    sampleCount: toNumber(r.sample_count) ?? 0,
    highAvailabilityCount: toNumber(r.high_availability_count) ?? 0,
    availabilityPct: toNumber(r.availability_pct),
  }));
}
