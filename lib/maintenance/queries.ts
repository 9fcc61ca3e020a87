import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { StorageMode } from '../db/mode';
import { pgArray, queryRows, toNumber } from '../db/rows';
import { CHUNK_MS, ROLLUPS, columnNames, floorTo, type Rollup } from './rollups';

/*
 * Maintenance SQL for both storage modes: partitions, rollup refresh, retention, statistics,
 * and TimescaleDB's own policy jobs (which nothing runs on PGlite unless we do).
 */

// ---- plain PostgreSQL mode: weekly partitions of metrics -------------------------------------

/** Partitions start on the same epoch-aligned weeks as TimescaleDB's 1-week chunks (Thursdays, UTC). */
export function partitionName(weekStartMs: number): string {
  return `metrics_p${new Date(weekStartMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export async function ensureMetricsPartitions(db: Db, from: Date, to: Date): Promise<string[]> {
  const created: string[] = [];
  for (let start = floorTo(from.getTime(), CHUNK_MS); start < to.getTime(); start += CHUNK_MS) {
    const name = partitionName(start);
    const lower = new Date(start).toISOString();
    const upper = new Date(start + CHUNK_MS).toISOString();
    const exists = await queryRows(db, sql`SELECT 1 FROM pg_class WHERE relname = ${name} AND relkind = 'r'`);
    if (exists.length > 0) continue;
    await db.execute(
      sql.raw(`CREATE TABLE IF NOT EXISTS ${name} PARTITION OF metrics FOR VALUES FROM ('${lower}') TO ('${upper}')`),
    );
    created.push(name);
  }
  return created;
}

export async function listMetricsPartitions(db: Db): Promise<{ name: string; startMs: number }[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`SELECT c.relname AS name FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
          JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'metrics' ORDER BY c.relname`,
  );
  return rows
    .map((r) => ({ name: r.name, match: /^metrics_p(\d{4})(\d{2})(\d{2})$/.exec(r.name) }))
    .filter((r) => r.match)
    .map((r) => ({ name: r.name, startMs: Date.UTC(+r.match![1]!, +r.match![2]! - 1, +r.match![3]!) }));
}

/** Drops whole partitions that end before the cutoff, as TimescaleDB's drop_chunks does with chunks. */
export async function dropMetricsPartitionsBefore(db: Db, cutoff: Date): Promise<string[]> {
  const dropped: string[] = [];
  for (const p of await listMetricsPartitions(db)) {
    if (p.startMs + CHUNK_MS <= cutoff.getTime()) {
      await db.execute(sql.raw(`DROP TABLE IF EXISTS ${p.name}`));
      dropped.push(p.name);
    }
  }
  return dropped;
}

// ---- rollups -----------------------------------------------------------------------------------

/**
 * Recomputes the rollup's buckets that lie wholly inside [from, to), of every node or, in plain
 * mode, of `nodeIds` only. TimescaleDB mode asks the continuous aggregate to refresh (outside any
 * transaction, as TimescaleDB requires); plain mode replaces the buckets' rows in one transaction.
 */
export async function refreshRollup(db: Db, mode: StorageMode, rollup: Rollup, from: Date, to: Date, nodeIds?: readonly string[]): Promise<void> {
  const r = ROLLUPS[rollup];
  const start = new Date(Math.ceil(from.getTime() / r.bucketMs) * r.bucketMs);
  const end = new Date(floorTo(to.getTime(), r.bucketMs));
  if (end <= start || nodeIds?.length === 0) return;
  if (mode === 'timescaledb') {
    // By time range only: TimescaleDB re-materialises the invalidated buckets of the window.
    await db.execute(
      sql`CALL refresh_continuous_aggregate(${r.relation}::regclass, ${start.toISOString()}::timestamptz, ${end.toISOString()}::timestamptz)`,
    );
    return;
  }
  const names = ['time', 'node_id', ...columnNames(r.columns)].join(', ');
  // Only these nodes' buckets, when given: a probe catching up must not recompute the window for
  // the whole fleet (1,000 nodes: 1.8 s for 17 late hours and 1.4 s for 2 late days per batch,
  // against 11 ms each for the one node).
  const ofNodes = nodeIds ? sql` AND node_id = ANY(${pgArray([...nodeIds])}::uuid[])` : sql``;
  await db.transaction(async (tx) => {
    await tx.execute(sql`DELETE FROM ${sql.identifier(r.relation)}
                         WHERE time >= ${start.toISOString()}::timestamptz AND time < ${end.toISOString()}::timestamptz${ofNodes}`);
    await tx.execute(sql`
      INSERT INTO ${sql.identifier(r.relation)} (${sql.raw(names)})
      SELECT date_bin(${r.bucket}::interval, time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket, node_id,
             ${sql.raw(r.columns)}
      FROM metrics
      WHERE time >= ${start.toISOString()}::timestamptz AND time < ${end.toISOString()}::timestamptz${ofNodes}
      GROUP BY 1, 2`);
  });
}

/** Plain mode: rollup retention (TimescaleDB mode has retention policies on the continuous aggregates). */
export async function deleteRollupRowsBefore(db: Db, rollup: Rollup, cutoff: Date): Promise<number> {
  const rows = await queryRows<{ n: string | number }>(
    db,
    sql`WITH gone AS (DELETE FROM ${sql.identifier(ROLLUPS[rollup].relation)}
                      WHERE time < ${cutoff.toISOString()}::timestamptz RETURNING 1)
        SELECT count(*) AS n FROM gone`,
  );
  return toNumber(rows[0]?.n) ?? 0;
}

// ---- statistics ------------------------------------------------------------------------------

/** The spec's daily ANALYZE. Continuous aggregates are views: analyze their materialization tables. */
export async function analyzeTables(db: Db, mode: StorageMode): Promise<string[]> {
  const targets = ['metrics'];
  if (mode === 'timescaledb') {
    const rows = await queryRows<{ name: string }>(
      db,
      sql`SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS name
          FROM timescaledb_information.continuous_aggregates
          WHERE view_name IN ('aggregates_hourly', 'aggregates_daily') ORDER BY view_name DESC`,
    );
    targets.push(...rows.map((r) => r.name));
  } else {
    targets.push('aggregates_hourly', 'aggregates_daily');
  }
  for (const t of targets) await db.execute(sql.raw(`ANALYZE ${t}`));
  return targets;
}

// ---- TimescaleDB policy jobs -----------------------------------------------------------------

export interface TimescaleJob {
  jobId: number;
  procName: string;
  relation: string;
  scheduleIntervalMs: number;
}

export async function listTimescalePolicyJobs(db: Db): Promise<TimescaleJob[]> {
  const rows = await queryRows<{ job_id: number; proc_name: string; relation: string | null; seconds: string | number }>(
    db,
    sql`SELECT job_id, proc_name, hypertable_name AS relation, extract(epoch FROM schedule_interval) AS seconds
        FROM timescaledb_information.jobs
        WHERE job_id >= 1000 AND scheduled ORDER BY job_id`,
  );
  return rows.map((r) => ({
    jobId: Number(r.job_id),
    procName: r.proc_name,
    relation: r.relation ?? '',
    scheduleIntervalMs: (toNumber(r.seconds) ?? 3600) * 1000,
  }));
}

export async function runTimescaleJob(db: Db, jobId: number): Promise<void> {
  await db.execute(sql`CALL run_job(${jobId}::integer)`);
}

/** True when a TimescaleDB server runs its own policy scheduler (PGlite never does). */
export async function timescaleSchedulerRunning(db: Db): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`SELECT 1 FROM pg_stat_activity WHERE backend_type LIKE 'TimescaleDB Background Worker Scheduler%'
                                          OR application_name LIKE 'TimescaleDB Background Worker Scheduler%'`,
  );
  return rows.length > 0;
}
