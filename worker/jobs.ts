import type { Database } from '../lib/db/client';
import type { StorageMode } from '../lib/db/mode';
import {
  analyzeTables,
  deleteRollupRowsBefore,
  dropMetricsPartitionsBefore,
  ensureMetricsPartitions,
  listTimescalePolicyJobs,
  refreshRollup,
  runTimescaleJob,
  timescaleSchedulerRunning,
} from '../lib/maintenance/queries';
import { RAW_RETENTION_DAYS, ROLLUPS, floorTo } from '../lib/maintenance/rollups';
import { logStoreMaintenanceJob } from '../lib/logs/postgres-store';
import { lifecycleEventsJob } from '../lib/logs/lifecycle';

export interface JobDefinition {
  name: string;
  intervalMs: number;
  /** Returns facts worth logging (rows deleted, partitions created, …). */
  run(): Promise<Record<string, unknown> | void>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface JobsContext {
  /** When this worker's stream consumer last failed (the node_down grace, lib/logs/lifecycle.ts). */
  ingestFailedAt?: () => Date | undefined;
}

/**
 * The maintenance jobs of this deployment's mode:
 * - TimescaleDB with its own background scheduler: nothing but ANALYZE (TimescaleDB runs its policies);
 * - TimescaleDB without one (PGlite, or max_background_workers = 0): each policy via CALL run_job;
 * - plain PostgreSQL: rollup refresh, partitions ahead, retention — the same windows as the policies.
 */
export async function jobsFor(database: Database, mode: StorageMode, context: JobsContext = {}): Promise<JobDefinition[]> {
  const { db } = database;
  const jobs: JobDefinition[] = [
    { name: 'analyze', intervalMs: DAY, run: async () => ({ tables: await analyzeTables(db, mode) }) },
    // Every mode: the log store's retention is this job, not a TimescaleDB policy.
    logStoreMaintenanceJob(database, mode),
    // Every mode: node_down / node_up and admin-change events, claimed once across workers.
    lifecycleEventsJob(db, { ingestFailedAt: context.ingestFailedAt }),
  ];
  if (mode === 'timescaledb') {
    const ownScheduler = database.engine === 'postgres' && (await timescaleSchedulerRunning(db));
    if (!ownScheduler) {
      for (const job of await listTimescalePolicyJobs(db)) {
        jobs.push({
          name: `timescaledb:${job.procName}:${job.relation}`,
          intervalMs: job.scheduleIntervalMs,
          run: async () => {
            await runTimescaleJob(db, job.jobId);
            return { jobId: job.jobId };
          },
        });
      }
    }
    return jobs;
  }
  for (const rollup of ['hourly', 'daily'] as const) {
    const r = ROLLUPS[rollup];
    jobs.push({
      name: `rollup:${rollup}`,
      intervalMs: r.refreshEveryMs,
      run: async () => {
        const now = Date.now();
        // Start on a bucket boundary so the oldest bucket of the window is recomputed whole.
        await refreshRollup(db, mode, rollup, new Date(floorTo(now - r.refreshWindowMs, r.bucketMs)), new Date(now));
      },
    });
  }
  jobs.push(
    {
      name: 'partitions:metrics',
      intervalMs: HOUR,
      run: async () => {
        const now = Date.now();
        // From the start of raw retention: a late sample that ingest still accepts always has a partition.
        const created = await ensureMetricsPartitions(db, new Date(now - (RAW_RETENTION_DAYS + 1) * DAY), new Date(now + 28 * DAY));
        const dropped = await dropMetricsPartitionsBefore(db, new Date(now - RAW_RETENTION_DAYS * DAY));
        return { created, dropped };
      },
    },
    {
      name: 'retention:rollups',
      intervalMs: HOUR,
      run: async () => {
        const now = Date.now();
        return {
          hourlyDeleted: await deleteRollupRowsBefore(db, 'hourly', new Date(now - ROLLUPS.hourly.retentionDays * DAY)),
          dailyDeleted: await deleteRollupRowsBefore(db, 'daily', new Date(now - ROLLUPS.daily.retentionDays * DAY)),
        };
      },
    },
  );
  return jobs;
}
