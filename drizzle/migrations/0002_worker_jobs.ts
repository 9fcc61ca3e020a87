import { sql } from 'drizzle-orm';
import type { Migration } from './types';

/**
 * The worker's job schedule, shared by every worker process: a job run is claimed by moving
 * next_run_at forward in one UPDATE, so N workers never run the same job at once, and the
 * schedule survives restarts (a stopped worker catches up with what fell due).
 */
export const workerJobs: Migration = {
  version: 2,
  name: 'worker_jobs',
  async up(tx) {
    await tx.execute(sql`
      CREATE TABLE fiber_jobs (
        name TEXT PRIMARY KEY,
        next_run_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_started_at TIMESTAMPTZ,
        last_finished_at TIMESTAMPTZ,
        last_status TEXT CHECK (last_status IN ('running', 'succeeded', 'failed')),
        last_error TEXT,
        last_duration_ms INTEGER,
        last_worker TEXT,
        runs BIGINT NOT NULL DEFAULT 0,
        failures BIGINT NOT NULL DEFAULT 0
      )`);
    await tx.execute(sql`COMMENT ON TABLE fiber_jobs IS 'Schedule and last outcome of the worker''s maintenance jobs'`);
  },
  async down(tx) {
    await tx.execute(sql`DROP TABLE IF EXISTS fiber_jobs`);
  },
};
