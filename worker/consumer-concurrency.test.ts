import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageMode } from '../lib/db/mode';
import { queryRows, toNumber } from '../lib/db/rows';
import type { PushSample } from '../lib/ingest/schemas';
import { log } from '../lib/log';
import { insertMissingNodes } from '../lib/nodes/queries';
import { ETL_GROUP, ETL_STREAM, enqueueSamples } from '../lib/queue/stream';
import { drainStream } from '../lib/testing/consumer';
import { createMigratedDatabase, testNode, type TestDatabase } from '../lib/testing/databases';
import { TEST_REDIS_DB, freshTestRedis } from '../lib/testing/redis';

/**
 * WORKER_CONCURRENCY: several batches of one consumer in flight at once, each its own
 * transaction on PostgreSQL 15. Overlapping nodes in every batch (the last_seen_at update) and
 * repeated samples across batches must give no deadlock, no loss and no duplicate.
 */
describe('one consumer with several batches in flight', () => {
  let t: TestDatabase & { mode: StorageMode };
  let redis: Redis;
  const nodes = Array.from({ length: 20 }, (_, i) => testNode({ nodeName: `concurrency-${i}` }));

  beforeAll(async () => {
    redis = await freshTestRedis(TEST_REDIS_DB.consumerConcurrency);
    t = await createMigratedDatabase('postgres');
    await insertMissingNodes(t.database.db, nodes);
  }, 600_000);

  afterAll(async () => {
    await t?.cleanup();
    await redis?.flushdb();
    redis?.disconnect();
  });

  it('drains 4,000 entries (500 of them repeats) with 4 batches in flight: each sample stored once, nodes seen at their newest sample', async () => {
    const base = Date.now() - 3_600_000;
    const unique: PushSample[] = Array.from({ length: 3500 }, (_, i) => ({
      node_id: nodes[i % nodes.length]!.nodeId,
      country: 'GH',
      region: 'Ghana',
      timestamp: new Date(base + i * 1000).toISOString(),
      latency_ms: (i % 500) / 10,
    }));
    // Repeats of samples from all over the backlog, enqueued last: they land in other batches
    // than their originals, some of them committing at the same time.
    const repeats = Array.from({ length: 500 }, (_, i) => unique[(i * 7) % unique.length]!);
    const all = [...unique, ...repeats];
    for (let i = 0; i < all.length; i += 250) {
      await enqueueSamples(redis, all.slice(i, i + 250), { requestId: `batch-${i}`, keyPrefix: 'fsp_test0000', probeVersion: null, receivedAt: new Date().toISOString() });
    }

    let sawBatchInFlight = false;
    const stats = await drainStream(redis, t.database, t.mode, {
      consumer: 'concurrency-test',
      settings: { batchSize: 100, blockMs: 50, claimIdleMs: 60_000, maxDeliveries: 5, concurrency: 4 },
      logger: log('fiber-worker'),
      timeoutMs: 120_000,
      until: (s) => {
        if (s.oldestBatchStartedAt !== null) sawBatchInFlight = true;
        return s.processed >= all.length;
      },
    });

    expect(stats.lastError).toBeNull();
    expect(stats.peakInFlight).toBeGreaterThan(1);
    expect(stats.peakInFlight).toBeLessThanOrEqual(4);
    expect(stats.processed).toBe(4000);
    expect(stats.inserted).toBe(3500);
    expect(stats.duplicates).toBe(500);
    expect(stats.deadLettered).toBe(0);
    // What the liveness check reads (worker/health.ts): set while batches were in flight,
    // cleared once every one has settled.
    expect(sawBatchInFlight).toBe(true);
    expect(stats.oldestBatchStartedAt).toBeNull();

    const [counts] = await queryRows<{ n: unknown; distinct_samples: unknown }>(
      t.database.db,
      sql`SELECT count(*) AS n, count(DISTINCT (node_id, time)) AS distinct_samples FROM metrics`,
    );
    expect(toNumber(counts!.n)).toBe(3500);
    expect(toNumber(counts!.distinct_samples)).toBe(3500);

    const seen = await queryRows<{ node_id: string; last_seen_at: Date | string }>(t.database.db, sql`SELECT node_id, last_seen_at FROM nodes`);
    for (const node of nodes) {
      const newest = Math.max(...unique.filter((s) => s.node_id === node.nodeId).map((s) => Date.parse(s.timestamp)));
      const row = seen.find((r) => r.node_id === node.nodeId);
      expect(new Date(row!.last_seen_at).getTime(), node.nodeName).toBe(newest);
    }
    const pending = (await redis.xpending(ETL_STREAM, ETL_GROUP)) as [number, ...unknown[]];
    expect(Number(pending[0])).toBe(0);
  }, 180_000);
});
