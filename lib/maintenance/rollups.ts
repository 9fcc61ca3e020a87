/**
 * The aggregate columns of the spec's aggregates_hourly and aggregates_daily, written once and
 * used both for the continuous aggregates (TimescaleDB mode) and for the incremental refresh of
 * the rollup tables (plain PostgreSQL mode), so both modes compute the same numbers.
 */
export const HOURLY_COLUMNS = `
    AVG(latency_ms) AS avg_latency_ms,
    MIN(latency_ms) AS min_latency_ms,
    MAX(latency_ms) AS max_latency_ms,
    PERCENTILE_CONT(0.50) WITHIN GROUP (ORDER BY latency_ms) AS p50_latency_ms,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_latency_ms,
    PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99_latency_ms,
    AVG(uptime_pct) AS avg_uptime_pct,
    MIN(uptime_pct) AS min_uptime_pct,
    AVG(packet_loss) AS avg_packet_loss,
    MAX(packet_loss) AS max_packet_loss,
    COUNT(*) AS sample_count`;

export const DAILY_COLUMNS = `
    AVG(latency_ms) AS avg_latency_ms,
    MIN(latency_ms) AS min_latency_ms,
    MAX(latency_ms) AS max_latency_ms,
    AVG(uptime_pct) AS avg_uptime_pct,
    AVG(packet_loss) AS avg_packet_loss,
    COUNT(*) AS sample_count,
    COUNT(*) FILTER (WHERE uptime_pct > 95.0) AS high_availability_count,
    (COUNT(*) FILTER (WHERE uptime_pct > 95.0)::DECIMAL / COUNT(*) * 100) AS availability_pct`;

export type Rollup = 'hourly' | 'daily';

export const ROLLUPS = {
  hourly: {
    relation: 'aggregates_hourly',
    bucket: '1 hour',
    bucketMs: 3_600_000,
    columns: HOURLY_COLUMNS,
    /** Spec refresh policy: every hour over the last 2 hours. */
    refreshWindowMs: 2 * 3_600_000,
    refreshEveryMs: 3_600_000,
    retentionDays: 90,
  },
  daily: {
    relation: 'aggregates_daily',
    bucket: '1 day',
    bucketMs: 86_400_000,
    columns: DAILY_COLUMNS,
    /** Spec refresh policy: every day over the last 2 days. */
    refreshWindowMs: 2 * 86_400_000,
    refreshEveryMs: 86_400_000,
    retentionDays: 365,
  },
} as const;

export const RAW_RETENTION_DAYS = 7;
export const COMPRESS_AFTER_DAYS = 3;
export const CHUNK_MS = 7 * 86_400_000;

/** Names of the aggregate output columns, in order, for INSERT … SELECT. */
export function columnNames(columns: string): string[] {
  return [...columns.matchAll(/ AS (\w+)/g)].map((m) => m[1]!);
}

export function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}
