import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows, toNumber } from '../db/rows';

/* The worker's shared job schedule (table fiber_jobs, migration 0002). */

export async function registerJob(db: Db, name: string): Promise<void> {
  await db.execute(sql`INSERT INTO fiber_jobs (name) VALUES (${name}) ON CONFLICT (name) DO NOTHING`);
}

/**
 * Claims a due run: moves next_run_at one interval ahead in a single UPDATE, so among any
 * number of workers exactly one gets the row back. A worker that dies mid-job simply leaves
 * the job to fall due again after the interval.
 */
export async function claimDueJob(db: Db, name: string, intervalMs: number, worker: string): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`UPDATE fiber_jobs
        SET next_run_at = now() + make_interval(secs => ${intervalMs / 1000}),
            last_started_at = now(), last_status = 'running', last_worker = ${worker}
        WHERE name = ${name} AND next_run_at <= now()
        RETURNING name`,
  );
  return rows.length > 0;
}

export async function recordJobSuccess(db: Db, name: string, durationMs: number): Promise<void> {
  await db.execute(sql`
    UPDATE fiber_jobs SET last_finished_at = now(), last_status = 'succeeded', last_error = NULL,
                          last_duration_ms = ${Math.round(durationMs)}, runs = runs + 1
    WHERE name = ${name}`);
}

/** A failed job is retried sooner than its interval, but not in a tight loop. */
export async function recordJobFailure(db: Db, name: string, durationMs: number, error: string, retryMs: number): Promise<void> {
  await db.execute(sql`
    UPDATE fiber_jobs SET last_finished_at = now(), last_status = 'failed', last_error = ${error.slice(0, 2000)},
                          last_duration_ms = ${Math.round(durationMs)}, runs = runs + 1, failures = failures + 1,
                          next_run_at = LEAST(next_run_at, now() + make_interval(secs => ${retryMs / 1000}))
    WHERE name = ${name}`);
}

export interface JobState {
  name: string;
  nextRunAt: Date;
  lastStatus: string | null;
  lastError: string | null;
  runs: number;
  failures: number;
}

export async function listJobStates(db: Db): Promise<JobState[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT name, next_run_at, last_status, last_error, runs, failures FROM fiber_jobs ORDER BY name`,
  );
  return rows.map((r) => ({
    name: String(r.name),
    nextRunAt: new Date(r.next_run_at as string | Date),
    lastStatus: (r.last_status as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    runs: toNumber(r.runs) ?? 0,
    failures: toNumber(r.failures) ?? 0,
  }));
}
