import type { Logger } from 'pino';
import type { Db } from '../lib/db/client';
import { errorMessage } from '../lib/db/rows';
import { claimDueJob, recordJobFailure, recordJobSuccess, registerJob } from '../lib/jobs/queries';
import type { JobDefinition } from './jobs';

const RETRY_AFTER_FAILURE_MS = 5 * 60_000;

export interface TickResult {
  ran: string[];
  failed: string[];
}

/**
 * Runs the jobs that are due, one at a time. Claims go through fiber_jobs, so several workers
 * share one schedule and each job run happens once.
 */
export class JobScheduler {
  private registered = false;

  constructor(
    private readonly db: Db,
    private readonly jobs: JobDefinition[],
    private readonly workerId: string,
    private readonly logger: Logger,
  ) {}

  get jobNames(): string[] {
    return this.jobs.map((j) => j.name);
  }

  /** Runs every due job; `shouldStop` is checked between jobs so shutdown waits for one job at most. */
  async runDue(shouldStop: () => boolean = () => false): Promise<TickResult> {
    if (!this.registered) {
      for (const job of this.jobs) await registerJob(this.db, job.name);
      this.registered = true;
    }
    const result: TickResult = { ran: [], failed: [] };
    for (const job of this.jobs) {
      if (shouldStop()) break;
      if (!(await claimDueJob(this.db, job.name, job.intervalMs, this.workerId))) continue;
      const started = performance.now();
      try {
        const facts = await job.run();
        const ms = performance.now() - started;
        await recordJobSuccess(this.db, job.name, ms);
        this.logger.info({ context: { job: job.name, duration_ms: Math.round(ms), ...facts } }, 'job succeeded');
        result.ran.push(job.name);
      } catch (err) {
        const ms = performance.now() - started;
        const message = errorMessage(err);
        this.logger.error({ context: { job: job.name, duration_ms: Math.round(ms), error: message } }, 'job failed');
        await recordJobFailure(this.db, job.name, ms, message, Math.min(job.intervalMs, RETRY_AFTER_FAILURE_MS)).catch(() => {});
        result.failed.push(job.name);
      }
    }
    return result;
  }
}
