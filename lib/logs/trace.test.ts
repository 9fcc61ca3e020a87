import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlePush, type PushSettings } from '../ingest/push';
import { issueProbeKey } from '../keys/issue';
import { log } from '../log';
import { insertMissingNodes } from '../nodes/queries';
import { ETL_STREAM, heartbeatKey } from '../queue/stream';
import { healthReport } from '../health/status';
import { drainStream } from '../testing/consumer';
import { createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { TEST_REDIS_DB, freshTestRedis } from '../testing/redis';
import { handleLogSearch, type LogHitJson } from './api';
import { createPostgresLogStore } from './postgres-store';
import { startLogShipping, stopLogShipping, type LogShipper } from './shipper';
import type { LogStore, WriteResult } from './types';

/*
 * Issue 6 end to end on PostgreSQL 15 and a real Redis (logical db TEST_REDIS_DB.logsTrace only):
 * a push through handlePush, the real StreamConsumer, the process's shipper into the real
 * PostgreSQL log store, and the request-id search of GET /api/logs.
 */

const SETTINGS: PushSettings = { maxBodyBytes: 1024 * 1024, rateLimitPerMinute: 1_000_000, maxBacklog: 1_000_000 };
const MIN = 60_000;

describe('a push traced by its request id, from fiber-api to fiber-worker', () => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let redis: Redis;
  let store: LogStore;
  let nodeId: string;
  let key: string;
  let shipper: LogShipper;

  const push = (body: unknown, headers: Record<string, string> = {}) =>
    handlePush(
      new Request('http://test/api/push', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
      { db: t.database.db, redis, settings: SETTINGS },
    );
  let clock = Date.now() - 30 * MIN;
  const sample = () => ({ node_id: nodeId, country: 'GH', region: 'Ghana', timestamp: new Date((clock += 1000)).toISOString(), latency_ms: 12.5 });

  /** The real worker until the stream is empty. */
  async function drain(): Promise<void> {
    await drainStream(redis, t.database, t.mode, {
      consumer: 'trace-test',
      settings: { batchSize: 1000, blockMs: 50, claimIdleMs: 60_000, maxDeliveries: 5 },
      logger: log('fiber-worker').child({ logger: 'worker.etl' }),
    });
  }

  beforeAll(async () => {
    redis = await freshTestRedis(TEST_REDIS_DB.logsTrace);
    t = await createMigratedDatabase('postgres');
    const node = testNode();
    await insertMissingNodes(t.database.db, [node]);
    nodeId = node.nodeId;
    key = (await issueProbeKey(t.database.db, nodeId, 'trace')).key;
    store = createPostgresLogStore(t.database.db, t.mode);
    await store.setup();
    // The tests run with LOG_LEVEL=warn; the push and the worker log their trace at info.
    log('fiber-api').level = 'info';
    log('fiber-worker').level = 'info';
    shipper = startLogShipping({ store: async () => store, storeKind: 'postgres', intervalMs: 60_000, level: 'info' });
  });
  afterAll(async () => {
    await stopLogShipping(1_000);
    log('fiber-api').level = 'warn';
    log('fiber-worker').level = 'warn';
    await redis?.flushdb();
    redis?.disconnect();
    await t?.cleanup();
  });

  it('the request-id search returns the API line and the worker line together, in time order', async () => {
    const requestId = `trace-${randomUUID()}`;
    const res = await push({ samples: [sample(), sample()] }, { 'x-request-id': requestId });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    await drain();
    expect(await shipper.flush()).toBe(true);

    const search = await handleLogSearch(new Request(`http://test/api/logs?request_id=${requestId}&order=asc`), { store: async () => store });
    expect(search.status).toBe(200);
    const { hits } = (await search.json()) as { hits: LogHitJson[] };
    expect(hits.map((h) => [h.service, h.logger, h.message])).toEqual([
      ['fiber-api', 'api.routes.push', 'Metrics received from probe'],
      ['fiber-worker', 'worker.etl', 'samples stored'],
    ]);
    expect(hits.every((h) => h.request_id === requestId && h.node_id === nodeId)).toBe(true);
    expect(hits[0]!.context).toMatchObject({ accepted: 2, key_prefix: expect.stringMatching(/^fsp_/) });
    expect(hits[1]!.context).toMatchObject({ samples: 2, entry_ids: [expect.any(String), expect.any(String)] });
    expect(Date.parse(hits[0]!['@timestamp'])).toBeLessThanOrEqual(Date.parse(hits[1]!['@timestamp']));
    expect(JSON.stringify(hits)).not.toContain(key);
  });

  it('a dead-lettered entry becomes an ingest_dead_letter event with its request id and node', async () => {
    const requestId = `trace-dead-${randomUUID()}`;
    await redis.xadd(ETL_STREAM, '*', 'payload', JSON.stringify({ node_id: nodeId, latency_ms: 'fast' }), 'request_id', requestId);
    await drain();
    expect(await shipper.flush()).toBe(true);
    const events = await store.searchEvents({ from: new Date(Date.now() - MIN), to: new Date(Date.now() + MIN), eventTypes: ['ingest_dead_letter'], limit: 10 });
    expect(events.hits.map((h) => h.doc)).toEqual([
      expect.objectContaining({
        event_type: 'ingest_dead_letter',
        node_id: nodeId,
        severity: 'warning',
        message: expect.stringMatching(/^A pushed sample was dead-lettered: payload fails the push schema/),
        metadata: expect.objectContaining({ request_id: requestId, entry_id: expect.any(String) }),
      }),
    ]);
  });

  it('ingest keeps its pace while the log store hangs: pushes never wait on it, and the buffer stays bounded', async () => {
    const N = 150;
    const medianMs = async (): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < N; i += 1) {
        const started = performance.now();
        const res = await push(sample());
        times.push(performance.now() - started);
        expect(res.status).toBe(202);
      }
      return times.sort((a, b) => a - b)[Math.floor(N / 2)]!;
    };
    await stopLogShipping(1_000);
    await medianMs(); // warm-up
    const off = await medianMs();

    // A store that never answers: the worst case, worse than one that refuses at once.
    let writes = 0;
    const hanging: LogStore = {
      kind: 'postgres',
      setup: async () => {},
      writeLogs: () => (writes++, new Promise<WriteResult>(() => {})),
      writeEvents: () => new Promise<WriteResult>(() => {}),
      searchLogs: (q) => store.searchLogs(q),
      searchEvents: (q) => store.searchEvents(q),
      close: async () => {},
    };
    const down = startLogShipping({ store: async () => hanging, storeKind: 'postgres', bufferMax: 100, batchMax: 10, intervalMs: 10, level: 'info' });
    const withStoreDown = await medianMs();
    const offAgain = await (async () => {
      await stopLogShipping(50);
      return medianMs();
    })();
    const stats = down.stats();
    expect(writes).toBeGreaterThan(0);
    expect(stats.buffered).toBeLessThanOrEqual(100);
    expect(stats.dropped).toBeGreaterThanOrEqual(N - 100);
    const baseline = Math.max(off, offAgain);
    expect(withStoreDown, `median push: ${withStoreDown.toFixed(2)} ms with the store down, ${off.toFixed(2)} / ${offAgain.toFixed(2)} ms without shipping`).toBeLessThan(baseline * 2 + 2);
  });

  it('a standalone worker whose log store fails shows in /api/health through its heartbeat', async () => {
    const failing = { store: 'postgres', buffered: 42, shipped: 0, dropped: 0, rejected: 0, failing: true, lastError: 'ECONNREFUSED', lastShippedAt: null, lastDroppedAt: null };
    const beat = { workerId: 'trace-standalone', pid: process.pid + 100_000, logs: failing, at: new Date().toISOString() };
    await redis.set(heartbeatKey('trace-standalone'), JSON.stringify(beat), 'EX', 30);
    try {
      const report = await healthReport(async () => t.database, redis);
      expect(report.status).toBe('degraded');
      expect(report.problems).toContainEqual(expect.stringMatching(/^worker trace-standalone: log store \(postgres\) unavailable: 42 documents buffered/));
    } finally {
      await redis.del(heartbeatKey('trace-standalone'));
    }
  });
});
