import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { pgArray, queryRows, toNumber } from '../db/rows';

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
