import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConsumerSettings } from '../../worker/consumer';
import type { Database } from '../db/client';
import type { StorageMode } from '../db/mode';
import { queryRows, toNumber } from '../db/rows';
import { clearProbeKeyCache } from '../keys/authenticate';
import { issueProbeKey } from '../keys/issue';
import { revokeProbeKey } from '../keys/queries';
import { generateProbeKey } from '../keys/tokens';
import { log } from '../log';
import { insertMissingNodes } from '../nodes/queries';
import { DEAD_LETTER_STREAM, ETL_GROUP, ETL_STREAM } from '../queue/stream';
import { createRedis, whenReady } from '../redis';
import { settlesWithin } from '../testing/processes';
import { startTcpProxy } from '../testing/tcp-proxy';
import { drainStream } from '../testing/consumer';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { TEST_REDIS_DB, freshTestRedis, testRedisUrl } from '../testing/redis';
import { handlePush, type PushSettings } from './push';

/**
 * Contract of POST /api/push (issue 3) through handlePush with real Request objects, a real
 * Redis (logical db 10 only) and a real migrated database; accepted samples are followed through
 * the real StreamConsumer into `metrics`.
 */

const logger = log('fiber-worker');
const DAY = 86_400_000;
const MIN = 60_000;

const SETTINGS: PushSettings = { maxBodyBytes: 1024 * 1024, rateLimitPerMinute: 1_000_000, maxBacklog: 1_000_000 };
const CONSUMER: ConsumerSettings = { batchSize: 1000, blockMs: 50, claimIdleMs: 60_000, maxDeliveries: 5 };

type Sample = Record<string, unknown>;


/** Every response this file received, scanned for secrets at the end. */
const seen: { status: number; headers: [string, string][]; text: string }[] = [];
/** Every secret this file created: probe keys and the enrolment key. */
const secrets: string[] = [];

interface Pushed {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

interface PushOptions {
  key?: string | null;
  headers?: Record<string, string>;
  settings?: Partial<PushSettings>;
  redis?: Redis;
  now?: () => Date;
}

function nodeSample(nodeId: string, overrides: Sample = {}): Sample {
  return { node_id: nodeId, country: 'GH', region: 'Ghana', timestamp: uniqueTime(), latency_ms: 12.5, ...overrides };
}

/** A distinct past timestamp per call, so that no two accepted samples share uq_metrics_sample. */
let nextTimeMs = Date.now() - 10 * MIN;
function uniqueTime(): string {
  nextTimeMs -= 1000;
  return new Date(nextTimeMs).toISOString();
}

function without(sample: Sample, field: string): Sample {
  const copy = { ...sample };
  delete copy[field];
  return copy;
}

describe('POST /api/push contract', () => {
  let redis: Redis;
  let t: TestDatabase & { mode: StorageMode };
  let nodeA: string;
  let keyA: string;
  let prefixA: string;
  let nodeB: string;
  let keyB: string;

  async function push(body: unknown, opts: PushOptions = {}, db: Database = t.database): Promise<Pushed> {
    const key = opts.key === undefined ? keyA : opts.key;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'fiberstack-probe/1.2.3',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...opts.headers,
    };
    const req = new Request('http://test/api/push', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return send(req, opts, db);
  }

  async function send(req: Request, opts: PushOptions = {}, db: Database = t.database): Promise<Pushed> {
    const res = await handlePush(req, { db: db.db, redis: opts.redis ?? redis, settings: { ...SETTINGS, ...opts.settings }, now: opts.now });
    const text = await res.text();
    seen.push({ status: res.status, headers: [...res.headers.entries()], text });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Asserted by the caller where it matters.
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  const xlen = () => redis.xlen(ETL_STREAM);
  const metricCount = async (db: Database = t.database) =>
    toNumber((await queryRows<{ n: unknown }>(db.db, sql`SELECT count(*) AS n FROM metrics`))[0]?.n) ?? 0;

  /** Runs a request that must be refused and checks that nothing of it reached the stream or the table. */
  async function rejected(status: number, run: () => Promise<Pushed>): Promise<Pushed> {
    const before = { xlen: await xlen(), rows: await metricCount() };
    const r = await run();
    expect(r.status, r.text).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(r.json.status).toBe(status);
    expect(typeof r.json.detail).toBe('string');
    expect(r.json.request_id).toBe(r.headers.get('x-request-id'));
    expect(await xlen()).toBe(before.xlen);
    expect(await metricCount()).toBe(before.rows);
    return r;
  }

  /** The distinct fields named (one field may carry two messages, e.g. a malformed and too old timestamp). */
  const errorPaths = (r: Pushed) => [...new Set(((r.json.errors ?? []) as { path: string }[]).map((e) => e.path))].sort();

  async function expect422(body: unknown, paths: string[], opts: PushOptions = {}): Promise<Pushed> {
    const r = await rejected(422, () => push(body, opts));
    expect(errorPaths(r)).toEqual([...paths].sort());
    for (const e of r.json.errors as { message: string }[]) expect(e.message.length).toBeGreaterThan(0);
    return r;
  }

  async function expect202(body: unknown, accepted = 1, opts: PushOptions = {}): Promise<Pushed> {
    const before = await xlen();
    const r = await push(body, opts);
    expect(r.status, r.text).toBe(202);
    expect(r.json.accepted).toBe(accepted);
    expect(await xlen()).toBe(before + accepted);
    return r;
  }

  beforeAll(async () => {
    redis = await freshTestRedis(TEST_REDIS_DB.push);
    t = await createMigratedDatabase('pglite');
    const a = testNode();
    const b = testNode({ country: 'NG', region: 'Nigeria' });
    await insertMissingNodes(t.database.db, [a, b]);
    nodeA = a.nodeId;
    nodeB = b.nodeId;
    const issuedA = await issueProbeKey(t.database.db, nodeA, 'test');
    const issuedB = await issueProbeKey(t.database.db, nodeB, 'test');
    keyA = issuedA.key;
    prefixA = issuedA.stored.prefix;
    keyB = issuedB.key;
    secrets.push(keyA, keyB);
  }, 600_000);

  afterAll(async () => {
    await t?.cleanup();
    await redis?.flushdb();
    redis?.disconnect();
  });

  beforeEach(async () => {
    await redis.flushdb();
    clearProbeKeyCache();
  });

  /** Runs the real worker until the stream is empty (every entry stored or dead-lettered, and acknowledged). */
  function drain(database: TestDatabase & { mode: StorageMode }, settings: Partial<ConsumerSettings> = {}) {
    return drainStream(redis, database.database, database.mode, { consumer: 'push-test', settings: { ...CONSUMER, ...settings }, logger });
  }

  async function pendingCount(): Promise<number> {
    const summary = (await redis.xpending(ETL_STREAM, ETL_GROUP)) as [number, ...unknown[]];
    return Number(summary[0]);
  }

  describe.each(STORAGE_CASES)("the spec's example payload lands in metrics with the same values: $name", ({ engine, mode }) => {
    let db: TestDatabase & { mode: StorageMode };
    let nodeId: string;
    let key: string;
    beforeAll(async () => {
      db = await createMigratedDatabase(engine);
      expect(db.mode).toBe(mode);
      const n = testNode();
      await insertMissingNodes(db.database.db, [n]);
      nodeId = n.nodeId;
      key = (await issueProbeKey(db.database.db, nodeId, 'test')).key;
      secrets.push(key);
    }, 600_000);
    afterAll(() => db?.cleanup());

    it('202 → exactly one XADD with the payload and request id → the worker stores exactly those values', async () => {
      const time = new Date(Date.now() - 30_000);
      time.setUTCMilliseconds(0);
      const example = {
        node_id: nodeId,
        country: 'GH',
        region: 'Ghana',
        timestamp: time.toISOString(),
        latency_ms: 45.23,
        uptime_pct: 99.95,
        packet_loss: 0.12,
        metadata: { http_status: 200, response_size: 1024, tls_version: '1.3' },
        target_host: 'google.com',
        probe_type: 'http',
      };
      const r = await push(example, { key, headers: { 'x-request-id': 'req-123456' } }, db.database);
      expect(r.status, r.text).toBe(202);
      expect(r.headers.get('x-request-id')).toBe('req-123456');
      expect(r.json).toEqual({ accepted: 1, ids: [expect.stringMatching(/^\d+-\d+$/)], request_id: 'req-123456' });

      const entries = await redis.xrange(ETL_STREAM, '-', '+');
      expect(entries).toHaveLength(1);
      const [id, list] = entries[0]!;
      expect(id).toBe((r.json.ids as string[])[0]);
      const fields = Object.fromEntries(list.flatMap((_, i) => (i % 2 === 0 ? [[list[i]!, list[i + 1]!]] : [])));
      expect(JSON.parse(fields.payload!)).toEqual(example);
      expect(fields.request_id).toBe('req-123456');
      expect(fields.probe_version).toBe('1.2.3');
      expect(fields.key).toMatch(/^fsp_[A-Za-z0-9]{8}$/);
      expect(key.startsWith(`${fields.key}_`)).toBe(true);

      const stats = await drain(db);
      expect(stats.inserted).toBe(1);
      expect(stats.deadLettered).toBe(0);
      expect(await redis.xlen(ETL_STREAM)).toBe(0);
      expect(await pendingCount()).toBe(0);
      expect(await redis.xlen(DEAD_LETTER_STREAM)).toBe(0);

      const rows = await queryRows<Record<string, unknown>>(
        db.database.db,
        sql`SELECT (extract(epoch FROM time) * 1000)::float8 AS time_ms, node_id::text AS node_id, latency_ms, uptime_pct, packet_loss,
                   target_host, probe_type, metadata
            FROM metrics WHERE node_id = ${nodeId}::uuid`,
      );
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      const metadata = typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata;
      expect({
        time: toNumber(row.time_ms),
        node_id: row.node_id,
        latency_ms: toNumber(row.latency_ms),
        uptime_pct: toNumber(row.uptime_pct),
        packet_loss: toNumber(row.packet_loss),
        target_host: row.target_host,
        probe_type: row.probe_type,
        metadata,
      }).toEqual({
        time: time.getTime(),
        node_id: nodeId,
        latency_ms: 45.23,
        uptime_pct: 99.95,
        packet_loss: 0.12,
        target_host: 'google.com',
        probe_type: 'http',
        metadata: { http_status: 200, response_size: 1024, tls_version: '1.3' },
      });

      const node = await queryRows<{ seen_ms: unknown; probe_version: string | null }>(
        db.database.db,
        sql`SELECT (extract(epoch FROM last_seen_at) * 1000)::float8 AS seen_ms, probe_version FROM nodes WHERE node_id = ${nodeId}::uuid`,
      );
      expect(toNumber(node[0]!.seen_ms)).toBe(time.getTime());
      expect(node[0]!.probe_version).toBe('1.2.3');
    });

    it('every boundary value the endpoint accepts is also stored by the worker (nothing accepted fails on insert)', async () => {
      const now = Date.now();
      const accepted = [
        nodeSample(nodeId, { latency_ms: 9999.99, uptime_pct: 100, packet_loss: 100 }),
        nodeSample(nodeId, { latency_ms: 9999.994, uptime_pct: 100.004, packet_loss: 0 }),
        nodeSample(nodeId, { latency_ms: 0, uptime_pct: 0, packet_loss: 0.001 }),
        nodeSample(nodeId, { timestamp: new Date(now + 4 * MIN).toISOString() }),
        nodeSample(nodeId, { timestamp: new Date(now - 7 * DAY + 10 * MIN).toISOString() }),
        nodeSample(nodeId.toUpperCase(), { target_host: 'h'.repeat(255), probe_type: 'p'.repeat(50) }),
        nodeSample(nodeId, { region: 'r'.repeat(100), metadata: { nested: { deep: [1, 'two', null, { three: 3 }] } } }),
      ];
      const r = await push({ samples: accepted }, { key }, db.database);
      expect(r.status, r.text).toBe(202);
      expect(r.json.accepted).toBe(accepted.length);
      const stats = await drain(db);
      expect(stats.deadLettered).toBe(0);
      expect(await redis.xlen(DEAD_LETTER_STREAM)).toBe(0);
      const rows = await queryRows<{ latency_ms: unknown; uptime_pct: unknown }>(
        db.database.db,
        sql`SELECT latency_ms, uptime_pct FROM metrics WHERE node_id = ${nodeId}::uuid AND latency_ms >= 9999`,
      );
      expect(rows.map((x) => toNumber(x.latency_ms)).sort()).toEqual([9999.99, 9999.99]);
      expect(
        toNumber((await queryRows<{ n: unknown }>(db.database.db, sql`SELECT count(*) AS n FROM metrics WHERE node_id = ${nodeId}::uuid`))[0]?.n),
      ).toBe(1 + accepted.length);
    });
  });

  describe('request ids', () => {
    it('echoes a well-formed x-request-id and replaces a malformed or missing one with a UUID that travels with the entry', async () => {
      const r1 = await expect202(nodeSample(nodeA), 1, { headers: { 'x-request-id': 'bad id with spaces' } });
      const r2 = await expect202(nodeSample(nodeA));
      for (const r of [r1, r2]) {
        const id = r.headers.get('x-request-id');
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(r.json.request_id).toBe(id);
        const entry = await redis.xrange(ETL_STREAM, (r.json.ids as string[])[0]!, (r.json.ids as string[])[0]!);
        expect(entry[0]![1]).toContain(id);
      }
      expect(r1.json.request_id).not.toBe(r2.json.request_id);
    });
  });

  describe('batch form', () => {
    it('{"samples": [3]} → 202 accepted 3 with 3 distinct entry ids, in sample order', async () => {
      const samples = [nodeSample(nodeA, { latency_ms: 1 }), nodeSample(nodeA, { latency_ms: 2 }), nodeSample(nodeA, { latency_ms: 3 })];
      const r = await expect202({ samples }, 3, { headers: { 'x-request-id': 'batch-1' } });
      const ids = r.json.ids as string[];
      expect(new Set(ids).size).toBe(3);
      const entries = await redis.xrange(ETL_STREAM, '-', '+');
      expect(entries.map(([id]) => id)).toEqual(ids);
      expect(entries.map(([, f]) => JSON.parse(f[f.indexOf('payload') + 1]!).latency_ms)).toEqual([1, 2, 3]);
      for (const [, f] of entries) expect(f[f.indexOf('request_id') + 1]).toBe('batch-1');
    });

    it('accepts 1000 samples and refuses 1001 naming /samples', async () => {
      const thousand = Array.from({ length: 1000 }, () => nodeSample(nodeA));
      const r = await expect202({ samples: thousand }, 1000);
      expect(new Set(r.json.ids as string[]).size).toBe(1000);
      const tooMany = await expect422({ samples: [...thousand, nodeSample(nodeA)] }, ['/samples']);
      expect((tooMany.json.errors as { message: string }[])[0]!.message).toMatch(/1000/);
      await expect422({ samples: [] }, ['/samples']);
      await expect422({ samples: 'nope' }, ['/samples']);
    });
  });

  describe('bad input: status, problem+json naming the field, nothing enqueued or stored', () => {
    it('400 for a body that is not JSON', async () => {
      for (const body of ['{"node_id": ', 'not json', '', '{"a":1}}']) {
        const r = await rejected(400, () => push(body));
        expect(r.json.detail).toMatch(/JSON/);
      }
    });

    it('401 for a missing, malformed, unknown, tampered or revoked key, with WWW-Authenticate', async () => {
      const unknown = generateProbeKey().key;
      const tampered = keyA.slice(0, -4) + (keyA.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      const cases: [Record<string, string>, RegExp][] = [
        [{}, /Authorization: Bearer/],
        [{ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, /Authorization: Bearer/],
        [{ authorization: 'Bearer not-a-probe-key' }, /probe key is not valid/],
        [{ authorization: `Bearer ${unknown}` }, /probe key is not valid/],
        [{ authorization: `Bearer ${tampered}` }, /probe key is not valid/],
      ];
      for (const [headers, detail] of cases) {
        const r = await rejected(401, () => push(nodeSample(nodeA), { key: null, headers }));
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
        expect(r.json.detail).toMatch(detail);
      }

      const n = testNode();
      await insertMissingNodes(t.database.db, [n]);
      const revoked = await issueProbeKey(t.database.db, n.nodeId, 'to-revoke');
      secrets.push(revoked.key);
      await expect202(nodeSample(n.nodeId), 1, { key: revoked.key });
      expect(await revokeProbeKey(t.database.db, revoked.stored.prefix)).toBe(true);
      clearProbeKeyCache();
      const r = await rejected(401, () => push(nodeSample(n.nodeId), { key: revoked.key }));
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(r.json.detail).toMatch(/revoked/);
    });

    it("403 for a sample of another node, naming /node_id or /samples/i/node_id", async () => {
      const single = await rejected(403, () => push(nodeSample(nodeB)));
      expect(errorPaths(single)).toEqual(['/node_id']);
      const batch = await rejected(403, () =>
        push({ samples: [nodeSample(nodeA), nodeSample(nodeB), nodeSample(nodeA), nodeSample(randomUUID())] }),
      );
      expect(errorPaths(batch)).toEqual(['/samples/1/node_id', '/samples/3/node_id']);
      // B's own key may push for B, and only for B.
      await expect202(nodeSample(nodeB), 1, { key: keyB });
      await rejected(403, () => push(nodeSample(nodeA), { key: keyB }));
    });

    it('413 for a body over maxBodyBytes, declared by Content-Length', async () => {
      const settings = { maxBodyBytes: 2048 };
      const body = JSON.stringify(nodeSample(nodeA, { metadata: { pad: 'x'.repeat(4000) } }));
      const r = await rejected(413, () => push(body, { settings, headers: { 'content-length': String(Buffer.byteLength(body)) } }));
      expect(r.json.detail).toMatch(/2048 bytes/);
      // Refused on the header alone: not one byte of the body is read.
      let pulled = 0;
      const bytes = new TextEncoder().encode(body);
      const lazy = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            pulled++;
            controller.enqueue(bytes);
            controller.close();
          },
        },
        { highWaterMark: 0 },
      );
      const req = new Request('http://test/api/push', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keyA}`, 'content-length': String(bytes.byteLength) },
        body: lazy,
        duplex: 'half',
      } as RequestInit);
      await rejected(413, () => send(req, { settings }));
      expect(pulled).toBe(0);
      // Without the header the same body is counted as it is read.
      await rejected(413, () => push(body, { settings }));
      // Just under the limit is fine.
      await expect202(JSON.stringify(nodeSample(nodeA, { metadata: { pad: 'x'.repeat(1500) } })), 1, { settings });
    });

    it('413 for a streamed body without Content-Length, stopped before the whole body is read', async () => {
      let pulled = 0;
      let cancelled = false;
      const chunk = new TextEncoder().encode(`{"pad":"${'x'.repeat(1000)}`);
      // An endless body: the handler must stop reading on its own.
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(chunk);
        },
        cancel() {
          cancelled = true;
        },
      });
      const req = new Request('http://test/api/push', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keyA}` },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(req.headers.get('content-length')).toBeNull();
      const r = await rejected(413, () => send(req, { settings: { maxBodyBytes: 8192 } }));
      expect(r.json.detail).toMatch(/8192 bytes/);
      expect(pulled).toBeLessThan(20);
      expect(cancelled).toBe(true);
    });

    it('415 for a body that is not declared as JSON', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp']) {
        const r = await rejected(415, () => push(nodeSample(nodeA), { headers: { 'content-type': type } }));
        expect(r.json.detail).toMatch(/Content-Type/);
      }
      await expect202(nodeSample(nodeA), 1, { headers: { 'content-type': 'application/json; charset=utf-8' } });
    });

    it('422 lists ALL violations of a batch as JSON pointers', async () => {
      const now = Date.now();
      const body = {
        samples: [
          nodeSample(nodeA, { latency_ms: -1, country: 'gh' }),
          nodeSample(nodeA),
          nodeSample('not-a-uuid', { timestamp: new Date(now + 6 * MIN).toISOString(), metadata: [1, 2] }),
          without(nodeSample(nodeA, { uptime_pct: 100.01, packet_loss: '0.5' }), 'region'),
        ],
      };
      await expect422(body, [
        '/samples/0/latency_ms',
        '/samples/0/country',
        '/samples/2/node_id',
        '/samples/2/timestamp',
        '/samples/2/metadata',
        '/samples/3/region',
        '/samples/3/uptime_pct',
        '/samples/3/packet_loss',
      ]);
    });

    it('422 at the numeric limits, the stricter of the JSON schema and the CHECK constraints', async () => {
      await expect422(nodeSample(nodeA, { latency_ms: 10000 }), ['/latency_ms']);
      await expect202(nodeSample(nodeA, { latency_ms: 9999.99 }));
      // Stored as DECIMAL(10,2) it would round to 10000.00 and break check_latency.
      await expect422(nodeSample(nodeA, { latency_ms: 9999.996 }), ['/latency_ms']);
      await expect422(nodeSample(nodeA, { latency_ms: -0.01 }), ['/latency_ms']);
      for (const field of ['uptime_pct', 'packet_loss']) {
        await expect422(nodeSample(nodeA, { [field]: 100.01 }), [`/${field}`]);
        await expect422(nodeSample(nodeA, { [field]: 100.005 }), [`/${field}`]);
        await expect422(nodeSample(nodeA, { [field]: -1 }), [`/${field}`]);
        await expect202(nodeSample(nodeA, { [field]: 100 }));
        await expect202(nodeSample(nodeA, { [field]: 0 }));
      }
      for (const bad of ['45.2', 'NaN', 'Infinity', null, true, { v: 1 }, [45]]) {
        await expect422(nodeSample(nodeA, { latency_ms: bad }), ['/latency_ms']);
      }
      // JSON has no NaN; a number literal too large for a double parses as Infinity.
      const base = JSON.stringify(nodeSample(nodeA));
      await expect422(base.replace(/"latency_ms":12\.5/, '"latency_ms":1e999'), ['/latency_ms']);
      await rejected(400, () => push(base.replace(/"latency_ms":12\.5/, '"latency_ms":NaN')));
    });

    it('422 for country, timestamp, metadata, target_host and probe_type outside the spec', async () => {
      const now = Date.now();
      for (const country of ['gh', 'Gh', 'GHA', 'G', '', 'G1', 42]) await expect422(nodeSample(nodeA, { country }), ['/country']);
      await expect422(nodeSample(nodeA, { timestamp: new Date(now + 6 * MIN).toISOString() }), ['/timestamp']);
      await expect202(nodeSample(nodeA, { timestamp: new Date(now + 4 * MIN).toISOString() }));
      await expect422(nodeSample(nodeA, { timestamp: new Date(now - 7 * DAY - MIN).toISOString() }), ['/timestamp']);
      await expect202(nodeSample(nodeA, { timestamp: new Date(now - 7 * DAY + 10 * MIN).toISOString() }));
      for (const timestamp of ['2025-11-24T16:35:00', 'yesterday', '2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', now, null]) {
        await expect422(nodeSample(nodeA, { timestamp }), ['/timestamp']);
      }
      for (const metadata of [[], [1, 2], 'http_status=200', 200, null]) await expect422(nodeSample(nodeA, { metadata }), ['/metadata']);
      await expect422(nodeSample(nodeA, { target_host: 'h'.repeat(256) }), ['/target_host']);
      await expect202(nodeSample(nodeA, { target_host: 'h'.repeat(255) }));
      await expect422(nodeSample(nodeA, { probe_type: 'p'.repeat(51) }), ['/probe_type']);
      await expect202(nodeSample(nodeA, { probe_type: 'p'.repeat(50) }));
      await expect422(nodeSample(nodeA, { region: '   ' }), ['/region']);
      await expect422(nodeSample(nodeA, { region: 'r'.repeat(101) }), ['/region']);
    });

    it('422 naming each missing required field, and "/" for a body that is not an object', async () => {
      for (const field of ['node_id', 'country', 'region', 'timestamp']) await expect422(without(nodeSample(nodeA), field), [`/${field}`]);
      await expect422({}, ['/country', '/node_id', '/region', '/timestamp']);
      for (const body of ['[]', '42', '"sample"', 'null', JSON.stringify([nodeSample(nodeA)])]) await expect422(body, ['/']);
    });
  });

  describe('admission', () => {
    it('429 on the 4th request of a minute with Retry-After and RateLimit-* headers; spec key pattern and TTL; no secret in Redis keys', async () => {
      const fixed = new Date();
      const now = () => fixed;
      const settings = { rateLimitPerMinute: 3 };
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await expect202(nodeSample(nodeA), 1, { settings, now });
        expect(r.headers.get('ratelimit-limit')).toBe('3');
        remaining.push(r.headers.get('ratelimit-remaining'));
      }
      expect(remaining).toEqual(['2', '1', '0']);
      const r = await rejected(429, () => push(nodeSample(nodeA), { settings, now }));
      const reset = String(60 - fixed.getUTCSeconds());
      expect(r.headers.get('retry-after')).toBe(reset);
      expect(r.headers.get('ratelimit-limit')).toBe('3');
      expect(r.headers.get('ratelimit-remaining')).toBe('0');
      expect(r.headers.get('ratelimit-reset')).toBe(reset);
      expect(await xlen()).toBe(3);

      const pad = (n: number) => String(n).padStart(2, '0');
      const minute = `${fixed.getUTCFullYear()}${pad(fixed.getUTCMonth() + 1)}${pad(fixed.getUTCDate())}${pad(fixed.getUTCHours())}${pad(fixed.getUTCMinutes())}`;
      const key = `ratelimit:${prefixA}:${minute}`;
      expect(await redis.get(key)).toBe('4');
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);

      const keys = await redis.keys('*');
      expect(keys.filter((k) => k.startsWith('ratelimit:'))).toEqual([key]);
      const secretPart = keyA.slice(prefixA.length + 1);
      for (const k of keys) {
        expect(k).not.toContain(secretPart);
        expect(k).not.toContain(keyA);
      }
      // Another key has its own counter.
      await expect202(nodeSample(nodeB), 1, { key: keyB, settings, now });
    });

    it('503 with Retry-After and nothing enqueued when the backlog is over maxBacklog', async () => {
      for (let i = 0; i < 3; i++) await expect202(nodeSample(nodeA));
      await expect202(nodeSample(nodeA), 1, { settings: { maxBacklog: 3 } });
      const r = await rejected(503, () => push(nodeSample(nodeA), { settings: { maxBacklog: 3 } }));
      expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(r.json.detail).toMatch(/queue/);
    });

    it('503 with Retry-After, never 202, when Redis is unreachable', async () => {
      const down = createRedis('redis://127.0.0.1:1', 'test');
      try {
        for (const body of [nodeSample(nodeA), { samples: [nodeSample(nodeA), nodeSample(nodeA)] }]) {
          const r = await rejected(503, () => push(body, { redis: down }));
          expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
          expect(r.json.detail).toMatch(/unavailable/);
        }
      } finally {
        down.disconnect();
      }
    });

    it('503 with Retry-After, never a request left hanging, when Redis stops answering (paused, or a link dropping packets)', async () => {
      // No error ever reaches the client then: before the command timeout, the push waited forever.
      const local = new URL(testRedisUrl(TEST_REDIS_DB.push));
      const link = await startTcpProxy({ host: local.hostname, port: Number(local.port || 6379) });
      const silent = createRedis(link.urlThrough(local.toString()), 'push-test-silent', { autoPipelining: true });
      try {
        await whenReady(silent, 5_000);
        await expect202(nodeSample(nodeA), 1, { redis: silent });
        link.freeze();
        for (const body of [nodeSample(nodeA), { samples: [nodeSample(nodeA), nodeSample(nodeA)] }]) {
          const r = await settlesWithin(rejected(503, () => push(body, { redis: silent })), 10_000, 'the push to be answered');
          expect(r.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
          expect(r.json.detail).toMatch(/unavailable|did not answer/);
        }
        link.thaw();
        await whenReady(silent, 15_000);
        await expect202(nodeSample(nodeA), 1, { redis: silent });
      } finally {
        silent.disconnect();
        await link.close();
      }
    });
  });

  describe('enrolment', () => {
    const enrollmentKey = randomBytes(24).toString('hex');
    const settings = { enrollmentKey };
    secrets.push(enrollmentKey);

    const nodeRow = async (nodeId: string) =>
      (
        await queryRows<{ node_name: string; country: string; region: string; tags: unknown }>(
          t.database.db,
          sql`SELECT node_name, country, region, tags FROM nodes WHERE node_id = ${nodeId}::uuid`,
        )
      )[0];

    async function keyUsed(prefix: string): Promise<void> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const rows = await queryRows<{ last_used_at: unknown }>(t.database.db, sql`SELECT last_used_at FROM probe_keys WHERE prefix = ${prefix}`);
        if (rows[0]?.last_used_at) return;
        if (Date.now() > deadline) throw new Error(`key ${prefix} never marked as used`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    it('registers an unknown node and answers with a node key that then works as a probe key', async () => {
      const nodeId = randomUUID();
      const r = await expect202(nodeSample(nodeId, { country: 'KE', region: 'Kenya' }), 1, { key: enrollmentKey, settings });
      const nodeKey = r.json.node_key as string;
      expect(nodeKey).toMatch(/^fsp_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      secrets.push(nodeKey);
      expect(await nodeRow(nodeId)).toMatchObject({ node_name: `probe-ke-${nodeId}`, country: 'KE', region: 'Kenya' });

      const own = await expect202(nodeSample(nodeId, { country: 'KE', region: 'Kenya' }), 1, { key: nodeKey, settings });
      expect(own.json.node_key).toBeUndefined();
      await rejected(403, () => push(nodeSample(nodeA), { key: nodeKey, settings }));

      const stats = await drain(t);
      expect(stats.deadLettered).toBe(0);
      const n = await queryRows<{ n: unknown }>(t.database.db, sql`SELECT count(*) AS n FROM metrics WHERE node_id = ${nodeId}::uuid`);
      expect(toNumber(n[0]!.n)).toBe(2);

      // The node's key has been used: the enrolment key cannot take the node over any more.
      await keyUsed(nodeKey.slice(0, 12));
      const again = await rejected(403, () => push(nodeSample(nodeId, { country: 'KE', region: 'Kenya' }), { key: enrollmentKey, settings }));
      expect(again.json.node_key).toBeUndefined();
      clearProbeKeyCache();
      await expect202(nodeSample(nodeId, { country: 'KE', region: 'Kenya' }), 1, { key: nodeKey, settings });
    });

    it('may enrol again while the first key was never used (lost answer); the first key is then revoked', async () => {
      const nodeId = randomUUID();
      const first = await expect202(nodeSample(nodeId, { country: 'TZ', region: 'Tanzania' }), 1, { key: enrollmentKey, settings });
      const second = await expect202(nodeSample(nodeId, { country: 'TZ', region: 'Tanzania' }), 1, { key: enrollmentKey, settings });
      secrets.push(first.json.node_key as string, second.json.node_key as string);
      expect(second.json.node_key).not.toBe(first.json.node_key);
      clearProbeKeyCache();
      await rejected(401, () => push(nodeSample(nodeId), { key: first.json.node_key as string, settings }));
      await expect202(nodeSample(nodeId), 1, { key: second.json.node_key as string, settings });
    });

    it('refuses to enrol a node registered by an admin, and a normal key cannot enrol', async () => {
      await rejected(403, () => push(nodeSample(nodeA), { key: enrollmentKey, settings }));
      const unknown = randomUUID();
      const r = await rejected(403, () => push(nodeSample(unknown), { settings }));
      expect(errorPaths(r)).toEqual(['/node_id']);
      expect(await nodeRow(unknown)).toBeUndefined();
      // Without FIBER_ENROLLMENT_KEY the enrolment key is just an invalid key.
      await rejected(401, () => push(nodeSample(randomUUID()), { key: enrollmentKey }));
      // One enrolment push carries one node.
      const mixed = await rejected(422, () => push({ samples: [nodeSample(randomUUID()), nodeSample(randomUUID())] }, { key: enrollmentKey, settings }));
      expect(errorPaths(mixed)).toEqual(['/samples/1/node_id']);
    });

    // Time-ordered ids (UUIDv7) of probes provisioned in the same minute share their first digits.
    it('enrols two nodes whose ids share the first 8 hex digits (e.g. UUIDv7 from the same minute)', async () => {
      const a = '01936f2a-0000-7000-8000-000000000001';
      const b = '01936f2a-0000-7000-8000-000000000002';
      await expect202(nodeSample(a, { country: 'RW', region: 'Rwanda' }), 1, { key: enrollmentKey, settings });
      await expect202(nodeSample(b, { country: 'RW', region: 'Rwanda' }), 1, { key: enrollmentKey, settings });
      expect(await nodeRow(a)).toMatchObject({ node_name: `probe-rw-${a}` });
      expect(await nodeRow(b)).toMatchObject({ node_name: `probe-rw-${b}` });
    });
  });

  // PostgreSQL text cannot hold U+0000 and jsonb refuses unpaired surrogates: refused at the door.
  it('refuses strings PostgreSQL cannot store (422), and every sample answered with 202 is stored', async () => {
    const good = nodeSample(nodeA, { latency_ms: 1 });
    expect((await push(good)).status).toBe(202);
    for (const [poison, path] of [
      [nodeSample(nodeA, { metadata: { banner: 'ok\u0000' } }), '/metadata'],
      [nodeSample(nodeA, { metadata: { nested: { ['k\u0000']: 1 } } }), '/metadata'],
      [nodeSample(nodeA, { metadata: { s: '\ud800' } }), '/metadata'],
      [nodeSample(nodeA, { target_host: 'a\u0000b' }), '/target_host'],
      [nodeSample(nodeA, { region: 'Gh\u0000ana' }), '/region'],
    ] as const) {
      const r = await rejected(422, () => push(poison));
      expect(errorPaths(r)).toEqual([path]);
    }
    // Metadata nested 6,000 deep (too deep even to serialise again): a 422 naming it, not a 503.
    const deep = JSON.stringify(nodeSample(nodeA)).replace(/\}$/, `,"metadata":${'{"a":'.repeat(6000)}1${'}'.repeat(6001)}`);
    expect(errorPaths(await rejected(422, () => push(deep)))).toEqual(['/metadata']);
    const accepted = 1;
    const before = await metricCount();
    await drain(t, { maxDeliveries: 1 });
    expect(await redis.xlen(DEAD_LETTER_STREAM)).toBe(0);
    expect(await metricCount()).toBe(before + accepted);
  });

  it('never puts a probe key (or the enrolment key) in a response header or body, or in Redis', async () => {
    // A few more responses that handle the key: success, wrong node, revoked, malformed around it.
    await push(nodeSample(nodeA));
    await push(nodeSample(nodeB));
    await push(nodeSample(nodeA), { key: null, headers: { authorization: `Bearer ${keyA} extra` } });
    await push(nodeSample(nodeA), { key: null, headers: { authorization: keyA } });
    expect(seen.length).toBeGreaterThan(50);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const response of seen) {
      // The enrolment answer carries the new node key by design; nothing else may.
      let text = response.text;
      if (response.status === 202 && text.includes('node_key')) {
        const body = JSON.parse(text) as Record<string, unknown>;
        delete body.node_key;
        text = JSON.stringify(body);
      }
      const haystack = `${text}\n${response.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}`;
      for (const secret of secrets) {
        expect(haystack).not.toContain(secret);
        expect(haystack).not.toContain(secret.slice(13));
      }
    }
    const entries = await redis.xrange(ETL_STREAM, '-', '+');
    const redisText = JSON.stringify([await redis.keys('*'), entries]);
    for (const secret of secrets) expect(redisText).not.toContain(secret.slice(13));
  });
});
