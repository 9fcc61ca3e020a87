import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listJobStates } from '../lib/jobs/queries';
import { createTestDatabase, type TestDatabase } from '../lib/testing/databases';
import { runScript, startScript, waitFor } from '../lib/testing/processes';
import { TEST_REDIS_DB, freshTestRedis, testRedisUrl } from '../lib/testing/redis';
import { migrations } from '../drizzle/migrations';
import { heartbeatKey } from '../lib/queue/stream';

/** The standalone worker process (`npm run worker`) against PostgreSQL 15 and Redis, for real. */
describe('worker process', () => {
  let t: TestDatabase;
  let redis: Redis;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    redis = await freshTestRedis(TEST_REDIS_DB.workerProcess);
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.cleanup();
  });

  it('refuses to start on an unmigrated database unless told to migrate', async () => {
    const result = await runScript('worker/main.ts', [], { DATABASE_URL: t.url!, REDIS_URL: testRedisUrl(TEST_REDIS_DB.workerProcess) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`The database schema is not up to date (pending: ${migrations.map((m) => `${m.version}_${m.name}`).join(', ')})`);
    expect(result.stdout).toContain('npm run db:migrate');
  });

  it('migrates, runs its jobs, beats in Redis, answers /health, and exits cleanly on SIGTERM', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const workerId = `test-worker-${port}`;
    const child = startScript('worker/main.ts', [], {
      WORKER_ID: workerId,
      REDIS_URL: testRedisUrl(TEST_REDIS_DB.workerProcess),
      DATABASE_URL: t.url!,
      FIBER_AUTO_MIGRATE: '1',
      WORKER_TICK_SECONDS: '1',
      WORKER_HEALTH_PORT: String(port),
    });
    const key = heartbeatKey(workerId);
    try {
      const beat = await waitFor(() => redis.get(key).then((v) => v ?? undefined), 30_000, 'the heartbeat key');
      expect(JSON.parse(beat)).toMatchObject({ workerId, mode: 'postgres', engine: 'postgres' });
      expect(await redis.ttl(key)).toBeGreaterThan(0);

      const health = await waitFor(
        () => fetch(`http://127.0.0.1:${port}/health`).then((r) => (r.ok ? r.json() : undefined), () => undefined),
        10_000,
        '/health',
      );
      expect(health).toMatchObject({ status: 'ok', mode: 'postgres', lastTickOk: true });

      const states = await listJobStates(t.database.db);
      expect(states.map((s) => s.name).sort()).toEqual(['analyze', 'events:lifecycle', 'partitions:metrics', 'retention:logs', 'retention:rollups', 'rollup:daily', 'rollup:hourly']);
      expect(states.every((s) => s.lastStatus === 'succeeded')).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    const exit = await child.finished;
    expect(exit.code).toBe(0);
    const lines = exit.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => l.service === 'fiber-worker' && typeof l['@timestamp'] === 'string')).toBe(true);
    expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining(['worker started', 'worker stopped', 'shutdown complete']));
    expect(await redis.exists(key)).toBe(0);
  });
});
