import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listJobStates } from '../lib/jobs/queries';
import { log } from '../lib/log';
import { createMigratedDatabase, type TestDatabase } from '../lib/testing/databases';
import { jobsFor, type JobDefinition } from './jobs';
import { JobScheduler } from './scheduler';

const logger = log('fiber-worker');

describe.each(['pglite', 'postgres'] as const)('job scheduler on %s', (engine) => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
  });
  afterAll(() => t?.cleanup());

  it("runs each of the mode's jobs once when due, then none until their interval passes", async () => {
    const jobs = await jobsFor(t.database, t.mode);
    const expected =
      t.mode === 'timescaledb'
        ? [
            'analyze',
            'events:lifecycle',
            'retention:logs',
            'timescaledb:policy_compression:metrics',
            'timescaledb:policy_refresh_continuous_aggregate:aggregates_daily',
            'timescaledb:policy_refresh_continuous_aggregate:aggregates_hourly',
            'timescaledb:policy_retention:aggregates_daily',
            'timescaledb:policy_retention:aggregates_hourly',
            'timescaledb:policy_retention:metrics',
          ]
        : ['analyze', 'events:lifecycle', 'partitions:metrics', 'retention:logs', 'retention:rollups', 'rollup:daily', 'rollup:hourly'];
    expect(jobs.map((j) => j.name).sort()).toEqual(expected);

    const scheduler = new JobScheduler(t.database.db, jobs, 'test-worker', logger);
    const first = await scheduler.runDue();
    expect(first.failed).toEqual([]);
    expect(first.ran.sort()).toEqual(expected);
    expect(await scheduler.runDue()).toEqual({ ran: [], failed: [] });

    const states = await listJobStates(t.database.db);
    for (const s of states) {
      expect(s.lastStatus).toBe('succeeded');
      expect(s.runs).toBe(1);
      // Not before its interval (or half an hour, for the daily and hourly jobs) has passed.
      const intervalMs = jobs.find((j) => j.name === s.name)!.intervalMs;
      expect(s.nextRunAt.getTime(), s.name).toBeGreaterThan(Date.now() + Math.min(30 * 60_000, intervalMs - 10_000));
    }
  });

  it('records a failing job, keeps running the others, and retries it sooner than its interval', async () => {
    let okRuns = 0;
    const jobs: JobDefinition[] = [
      { name: `test:fails:${engine}`, intervalMs: 86_400_000, run: async () => Promise.reject(new Error('disk on fire')) },
      { name: `test:ok:${engine}`, intervalMs: 86_400_000, run: async () => void okRuns++ },
    ];
    const result = await new JobScheduler(t.database.db, jobs, 'test-worker', logger).runDue();
    expect(result).toEqual({ ran: [`test:ok:${engine}`], failed: [`test:fails:${engine}`] });
    expect(okRuns).toBe(1);
    const failed = (await listJobStates(t.database.db)).find((s) => s.name === `test:fails:${engine}`)!;
    expect(failed.lastStatus).toBe('failed');
    expect(failed.lastError).toBe('disk on fire');
    expect(failed.failures).toBe(1);
    expect(failed.nextRunAt.getTime()).toBeLessThanOrEqual(Date.now() + 5 * 60_000 + 1_000);
  });

  it('stops between jobs when asked, leaving the rest due', async () => {
    const ran: string[] = [];
    let stop = false;
    const jobs: JobDefinition[] = ['a', 'b', 'c'].map((n) => ({
      name: `test:stop:${engine}:${n}`,
      intervalMs: 60_000,
      run: async () => {
        ran.push(n);
        stop = true;
      },
    }));
    const scheduler = new JobScheduler(t.database.db, jobs, 'test-worker', logger);
    await scheduler.runDue(() => stop);
    expect(ran).toEqual(['a']);
    stop = false;
    await scheduler.runDue(() => false);
    expect(ran).toEqual(['a', 'b', 'c']);
  });
});

describe('several workers share one schedule (PostgreSQL 15)', () => {
  it('each due job runs exactly once across concurrent schedulers', async () => {
    const t = await createMigratedDatabase('postgres');
    try {
      const counts = new Map<string, number>();
      const jobs: JobDefinition[] = Array.from({ length: 8 }, (_, i) => ({
        name: `test:shared:${i}`,
        intervalMs: 3_600_000,
        run: async () => {
          counts.set(`test:shared:${i}`, (counts.get(`test:shared:${i}`) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 20));
        },
      }));
      const schedulers = ['w1', 'w2', 'w3'].map((id) => new JobScheduler(t.database.db, jobs, id, logger));
      const results = await Promise.all(schedulers.map((s) => s.runDue()));
      expect(results.flatMap((r) => r.ran).sort()).toEqual(jobs.map((j) => j.name).sort());
      expect([...counts.values()]).toEqual(Array(8).fill(1));
    } finally {
      await t.cleanup();
    }
  });
});
