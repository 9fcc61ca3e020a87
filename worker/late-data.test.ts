import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, toNumber } from '../lib/db/rows';
import { issueProbeKey } from '../lib/keys/issue';
import { handlePush } from '../lib/ingest/push';
import { log } from '../lib/log';
import { insertMissingNodes } from '../lib/nodes/queries';
import { ETL_STREAM } from '../lib/queue/stream';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../lib/testing/databases';
import { TEST_REDIS_DB, freshTestRedis } from '../lib/testing/redis';
import { waitFor } from '../lib/testing/processes';
import { StreamConsumer } from './consumer';
import { refreshRollup } from '../lib/maintenance/queries';
import type { Redis } from 'ioredis';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Pushes the samples with the node's key through the push handler, then lets a consumer store them. */
async function pushAndStore(t: TestDatabase & { mode: 'timescaledb' | 'postgres' }, redis: Redis, key: string, samples: object[], consumerName: string): Promise<void> {
  const res = await handlePush(
    new Request('http://test/api/push', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ samples }),
    }),
    { db: t.database.db, redis, settings: { maxBodyBytes: 1 << 20, rateLimitPerMinute: 100, maxBacklog: 1000 } },
  );
  expect(res.status).toBe(202);
  const consumer = new StreamConsumer(t.database, t.mode, redis, consumerName, { batchSize: 100, blockMs: 100, claimIdleMs: 60_000, maxDeliveries: 5 }, log('fiber-worker'));
  consumer.start();
  try {
    await waitFor(async () => ((await redis.xlen(ETL_STREAM)) === 0 && consumer.stats.inserted === samples.length ? true : undefined), 20_000, 'the batch to be stored');
  } finally {
    await consumer.stop();
  }
}

/**
 * A probe that was offline catches up: its samples are older than the refresh policies'
 * windows (2 h hourly, 2 days daily), and the worker refreshes their buckets itself so the
 * hourly and daily views are complete without waiting for anything.
 */
describe.each(STORAGE_CASES)('late samples reach the aggregates: $name', ({ engine }) => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let redis: Redis;
  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    redis = await freshTestRedis(TEST_REDIS_DB.consumer);
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.cleanup();
  });

  it('refreshes the hourly and daily buckets of samples pushed hours and days late', async () => {
    const node = testNode({ nodeName: `probe-late-${engine}` });
    await insertMissingNodes(t.database.db, [node]);
    const { key } = await issueProbeKey(t.database.db, node.nodeId, 'late');
    const hourAgo5 = Math.floor((Date.now() - 5 * HOUR) / HOUR) * HOUR;
    const dayAgo4 = Math.floor((Date.now() - 4 * DAY) / DAY) * DAY + 3 * HOUR;
    const times = [hourAgo5 + 60_000, hourAgo5 + 120_000, dayAgo4, dayAgo4 + 60_000, dayAgo4 + 120_000];
    const samples = times.map((ms, i) => ({
      node_id: node.nodeId,
      country: 'GH',
      region: 'Ghana',
      timestamp: new Date(ms).toISOString(),
      latency_ms: 10 * (i + 1),
      uptime_pct: 100,
      packet_loss: 0,
    }));
    await pushAndStore(t, redis, key, samples, 'late-test');

    const hourly = await queryRows<{ time: Date; sample_count: string; avg_latency_ms: string }>(
      t.database.db,
      sql`SELECT time, sample_count, avg_latency_ms FROM aggregates_hourly WHERE node_id = ${node.nodeId} ORDER BY time`,
    );
    expect(hourly.map((r) => [new Date(r.time).getTime(), toNumber(r.sample_count), toNumber(r.avg_latency_ms)])).toEqual([
      [Math.floor(dayAgo4 / HOUR) * HOUR, 3, 40],
      [hourAgo5, 2, 15],
    ]);
    const daily = await queryRows<{ time: Date; sample_count: string }>(
      t.database.db,
      sql`SELECT time, sample_count FROM aggregates_daily WHERE node_id = ${node.nodeId} ORDER BY time`,
    );
    // The 5-hour-old samples are inside the daily policy's 2-day window: the policy will take them.
    expect(daily.map((r) => [new Date(r.time).getTime(), toNumber(r.sample_count)])).toEqual([[Math.floor(dayAgo4 / DAY) * DAY, 3]]);
  });
});

/**
 * Plain mode recomputes the late samples' nodes only: a probe catching up must not recompute its
 * window for the whole fleet (with 1,000 nodes that took seconds per batch). TimescaleDB refreshes
 * by time range whatever we do, so this is plain mode's alone.
 */
describe('late samples on PostgreSQL 15, plain mode: only their nodes are recomputed', () => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let redis: Redis;
  beforeAll(async () => {
    t = await createMigratedDatabase('postgres');
    redis = await freshTestRedis(TEST_REDIS_DB.consumer);
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.cleanup();
  });

  it("leaves another node's buckets of the same hours alone", async () => {
    expect(t.mode).toBe('postgres');
    const db = t.database.db;
    const [late, other] = [testNode({ nodeName: 'probe-late-catching-up' }), testNode({ nodeName: 'probe-late-bystander' })];
    await insertMissingNodes(db, [late, other]);
    const hour = Math.floor((Date.now() - 5 * HOUR) / HOUR) * HOUR;
    // The bystander's bucket, materialised, then marked: a recomputation would put 20 back.
    await db.execute(sql`INSERT INTO metrics (time, node_id, latency_ms, uptime_pct, packet_loss)
                         VALUES (${new Date(hour + 60_000).toISOString()}::timestamptz, ${other.nodeId}::uuid, 20, 100, 0)`);
    await refreshRollup(db, t.mode, 'hourly', new Date(hour), new Date(hour + HOUR));
    await db.execute(sql`UPDATE aggregates_hourly SET avg_latency_ms = 999 WHERE node_id = ${other.nodeId}::uuid`);

    const { key } = await issueProbeKey(db, late.nodeId, 'late');
    const samples = [hour + 120_000, hour + 180_000].map((ms) => ({
      node_id: late.nodeId,
      country: 'GH',
      region: 'Ghana',
      timestamp: new Date(ms).toISOString(),
      latency_ms: 30,
      uptime_pct: 100,
      packet_loss: 0,
    }));
    await pushAndStore(t, redis, key, samples, 'late-nodes-test');

    const buckets = await queryRows<{ node_id: string; sample_count: string; avg_latency_ms: string }>(
      db,
      sql`SELECT node_id::text, sample_count, avg_latency_ms FROM aggregates_hourly WHERE time = ${new Date(hour).toISOString()}::timestamptz`,
    );
    const byNode = new Map(buckets.map((b) => [b.node_id, [toNumber(b.sample_count), toNumber(b.avg_latency_ms)]]));
    expect(byNode.get(late.nodeId)).toEqual([2, 30]);
    expect(byNode.get(other.nodeId)).toEqual([1, 999]);
  });
});
