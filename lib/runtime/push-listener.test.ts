import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StorageMode } from '../db/mode';
import { clearProbeKeyCache } from '../keys/authenticate';
import { issueProbeKey } from '../keys/issue';
import { insertMissingNodes } from '../nodes/queries';
import { ETL_STREAM, PUSH_PATH_KEY, pushPathAlive } from '../queue/stream';
import { createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { TEST_REDIS_DB, freshTestRedis, testRedisUrl } from '../testing/redis';
import { handlePush, type PushDeps } from '../ingest/push';
import { isPushRequest, servePush } from './push-listener';
import { startPushPathBeacon } from './push-beacon';
import { ingestStreamLagMs } from '../logs/lifecycle';
import { sql } from 'drizzle-orm';
import { queryRows, toDate } from '../db/rows';
import { createDemoFleet, DEMO_KEY_LABEL } from '../demo/simulator';
import { log } from '../log';
import { getNodeWithLatestSample } from '../nodes/queries';
import { DEGRADED_PACKET_LOSS_PCT, statusOfNode } from '../nodes/status';
import { drainStream } from '../testing/consumer';
import { DEMO_NODES } from '../../drizzle/seed/demo-nodes';
import { seedDemo } from '../../drizzle/seed';

/**
 * The `npm start` server answers POST /api/push on Node's own request objects (servePush) and
 * Next answers it under `next dev` (handlePush on a web Request). Both must give a probe the
 * same answers; the Node path must also refuse an oversized body without reading it all.
 */

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: Record<string, unknown>;
}

describe('POST /api/push on the Node listener', () => {
  let t: TestDatabase & { mode: StorageMode };
  let redis: Redis;
  let server: http.Server;
  let port: number;
  let nodeId: string;
  let key: string;
  let deps: PushDeps;
  const settings = { maxBodyBytes: 4096, rateLimitPerMinute: 1_000_000, maxBacklog: 1_000_000 };

  beforeAll(async () => {
    redis = await freshTestRedis(TEST_REDIS_DB.pushListener);
    t = await createMigratedDatabase('pglite');
    const node = testNode();
    await insertMissingNodes(t.database.db, [node]);
    nodeId = node.nodeId;
    key = (await issueProbeKey(t.database.db, nodeId, 'test')).key;
    deps = { db: t.database.db, redis, settings };
    server = http.createServer((req, res) => {
      if (isPushRequest(req)) void servePush(req, res, async () => deps);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }, 600_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.cleanup();
    await redis?.flushdb();
    redis?.disconnect();
  });

  beforeEach(async () => {
    await redis.flushdb();
    clearProbeKeyCache();
  });

  const sample = (overrides: Record<string, unknown> = {}) => ({
    node_id: nodeId,
    country: 'GH',
    region: 'Ghana',
    timestamp: new Date(Date.now() - 60_000).toISOString(),
    latency_ms: 21.5,
    ...overrides,
  });

  function request(path: string, headers: Record<string, string>, body: string | Buffer, chunked = false): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text) as Record<string, unknown> }));
      });
      // The server may close while we are still sending an oversized body; the answer is what counts.
      req.on('error', reject);
      if (chunked) {
        req.write(body);
        req.end();
      } else req.end(body);
    });
  }

  const push = (body: unknown, extra: Record<string, string> = {}) =>
    request('/api/push', { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...extra }, JSON.stringify(body));

  async function viaNext(body: unknown, extra: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
    const res = await handlePush(
      new Request('http://test/api/push', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...extra }, body: JSON.stringify(body) }),
      deps,
    );
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
  }

  it('recognises the push path and nothing else', () => {
    const req = (method: string, url: string) => ({ method, url }) as http.IncomingMessage;
    for (const url of ['/api/push', '/api/push/', '/api/push?probe=1', '/api/push/?x']) expect(isPushRequest(req('POST', url)), url).toBe(true);
    for (const [method, url] of [
      ['GET', '/api/push'],
      ['POST', '/api/pushes'],
      ['POST', '/api/push/extra'],
      ['POST', '/api/health'],
    ] as const)
      expect(isPushRequest(req(method, url)), `${method} ${url}`).toBe(false);
  });

  it('accepts a sample and a batch exactly as the Next route does, request id and rate-limit headers included', async () => {
    const single = await push(sample(), { 'x-request-id': 'listener-1', 'user-agent': 'fiberstack-probe/2.0.1' });
    expect(single.status).toBe(202);
    expect(single.headers['content-type']).toBe('application/json');
    expect(single.headers['x-request-id']).toBe('listener-1');
    expect(single.headers['ratelimit-limit']).toBe(String(settings.rateLimitPerMinute));
    expect(single.json).toEqual({ accepted: 1, ids: [expect.stringMatching(/^\d+-\d+$/)], request_id: 'listener-1' });

    const samples = Array.from({ length: 20 }, (_, i) => sample({ timestamp: new Date(Date.now() - 120_000 - i * 1000).toISOString() }));
    const batch = await push({ samples });
    const reference = await viaNext({ samples: samples.map((s) => ({ ...s, latency_ms: 30 })) });
    expect(batch.status).toBe(reference.status);
    expect(batch.json.accepted).toBe(20);
    expect(Object.keys(batch.json).sort()).toEqual(Object.keys(reference.json).sort());

    // Every id answered is an entry of the stream, in sample order, with the envelope fields.
    const entries = await redis.xrange(ETL_STREAM, '-', '+');
    expect(entries.map(([id]) => id)).toEqual([...(single.json.ids as string[]), ...(batch.json.ids as string[]), ...(reference.json.ids as string[])]);
    const firstBatchEntry = Object.fromEntries(chunk(entries[1]![1]));
    expect(JSON.parse(firstBatchEntry.payload!)).toEqual(samples[0]);
    const singleEntry = Object.fromEntries(chunk(entries[0]![1]));
    expect(singleEntry.request_id).toBe('listener-1');
    expect(singleEntry.probe_version).toBe('2.0.1');
  });

  it('refuses bad requests with the same problem+json as the Next route, and enqueues nothing', async () => {
    const cases: { name: string; body: unknown; headers?: Record<string, string>; status: number }[] = [
      { name: 'no key', body: sample(), headers: { authorization: '' }, status: 401 },
      { name: 'unknown key', body: sample(), headers: { authorization: 'Bearer fsp_AAAAAAAA_' + 'x'.repeat(43) }, status: 401 },
      { name: 'wrong media type', body: sample(), headers: { 'content-type': 'text/plain' }, status: 415 },
      { name: 'schema violations', body: sample({ latency_ms: 10_000, country: 'gh' }), status: 422 },
      { name: 'another node', body: sample({ node_id: crypto.randomUUID() }), status: 403 },
    ];
    for (const c of cases) {
      const ours = await push(c.body, c.headers);
      const next = await viaNext(c.body, c.headers);
      expect(ours.status, c.name).toBe(c.status);
      expect(next.status, c.name).toBe(c.status);
      expect(ours.headers['content-type'], c.name).toBe('application/problem+json');
      expect({ ...ours.json, request_id: null }, c.name).toEqual({ ...next.json, request_id: null });
    }
    const broken = await request('/api/push', { 'content-type': 'application/json', authorization: `Bearer ${key}` }, '{"node_id": ');
    expect(broken.status).toBe(400);
    expect(broken.json.type).toBe('urn:fiberstack:problem:invalid-json');
    expect(await redis.xlen(ETL_STREAM)).toBe(0);
  });

  it('answers 413 to a body over the limit, declared or streamed, and keeps serving', async () => {
    const big = JSON.stringify({ samples: Array.from({ length: 200 }, () => sample()) });
    expect(Buffer.byteLength(big)).toBeGreaterThan(settings.maxBodyBytes);
    const declared = await request('/api/push', { 'content-type': 'application/json', authorization: `Bearer ${key}` }, big);
    expect(declared.status).toBe(413);
    expect(declared.json.type).toBe('urn:fiberstack:problem:body-too-large');

    const streamed = await request('/api/push', { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'transfer-encoding': 'chunked' }, big, true);
    expect(streamed.status).toBe(413);
    expect(await redis.xlen(ETL_STREAM)).toBe(0);

    // The server is still fine for the next probe.
    expect((await push(sample())).status).toBe(202);
  });
});

/**
 * The live demo (FIBER_DEMO) pushes through this listener as real probes would: each demo probe
 * with its own probe key, catching up on the minutes it missed, and the demo's story holding on.
 * Here rather than in a file of its own because it needs the push path's Redis database.
 */
describe('the live demo probes, pushing through the listener', () => {
  const MIN = 60_000;
  const T0 = Math.floor(Date.now() / MIN) * MIN;
  const SEEDED_UNTIL = T0 - 20 * MIN;
  const SILENT = ['probe-ke-eldoret-01', 'probe-et-addis-01'];
  let t: TestDatabase & { mode: StorageMode };
  let redis: Redis;
  let server: http.Server;
  let base: string;
  let refusing = false;

  beforeAll(async () => {
    redis = await freshTestRedis(TEST_REDIS_DB.pushListener);
    t = await createMigratedDatabase('pglite');
    await seedDemo(t.database, t.mode, { days: 1, now: new Date(SEEDED_UNTIL) });
    const deps: PushDeps = { db: t.database.db, redis, settings: { maxBodyBytes: 1 << 20, rateLimitPerMinute: 600, maxBacklog: 1_000_000 } };
    server = http.createServer((req, res) => {
      // A server that cannot take pushes for a while, as during a restart or a Redis outage.
      if (refusing) res.writeHead(503, { 'retry-after': '5' }).end();
      else if (isPushRequest(req)) void servePush(req, res, async () => deps);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 600_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await t?.cleanup();
    await redis?.flushdb();
    redis?.disconnect();
  });

  const drain = () =>
    drainStream(redis, t.database, t.mode, {
      consumer: 'demo-test',
      settings: { batchSize: 1000, blockMs: 50, claimIdleMs: 60_000, maxDeliveries: 5 },
      logger: log('fiber-worker'),
    });

  /** Each demo node's sample times after the seed, as epoch ms. */
  async function liveMinutes(): Promise<Map<string, number[]>> {
    const rows = await queryRows<{ node_name: string; time: Date | string }>(
      t.database.db,
      sql`SELECT n.node_name, m.time FROM metrics m JOIN nodes n USING (node_id)
          WHERE m.time > ${new Date(SEEDED_UNTIL).toISOString()}::timestamptz ORDER BY m.time`,
    );
    const byNode = new Map<string, number[]>(DEMO_NODES.map((n) => [n.nodeName, []]));
    for (const r of rows) byNode.get(r.node_name)!.push(toDate(r.time)!.getTime());
    return byNode;
  }

  const minutes = (from: number, to: number) => Array.from({ length: (to - from) / MIN + 1 }, (_, i) => from + i * MIN);

  it('catches up on every missed minute, the current one included, then pushes each minute once, with a key per probe', async () => {
    const fleet = await createDemoFleet(t.database.db, base);
    expect(fleet.size).toBe(DEMO_NODES.length - SILENT.length);
    await fleet.catchUp(T0 + 30_000);
    await drain();

    const live = await liveMinutes();
    for (const node of DEMO_NODES) {
      // Eldoret went silent and Addis Ababa is decommissioned: neither pushes.
      expect(live.get(node.nodeName), node.nodeName).toEqual(SILENT.includes(node.nodeName) ? [] : minutes(SEEDED_UNTIL + MIN, T0));
    }
    const keys = await queryRows<{ n: string | number }>(
      t.database.db,
      sql`SELECT count(DISTINCT node_id) AS n FROM probe_keys WHERE label = ${DEMO_KEY_LABEL} AND revoked_at IS NULL AND last_used_at IS NOT NULL`,
    );
    expect(Number(keys[0]!.n)).toBe(fleet.size);
    const ouaga = DEMO_NODES.find((n) => n.nodeName === 'probe-bf-ouagadougou-01')!;
    expect((await getNodeWithLatestSample(t.database.db, ouaga.nodeId))?.probeVersion).toBe(ouaga.probeVersion ?? '0.2.1');
  });

  it('keeps the seeded degradation going: Ouagadougou stays degraded', async () => {
    const ouaga = DEMO_NODES.find((n) => n.nodeName === 'probe-bf-ouagadougou-01')!;
    const node = await getNodeWithLatestSample(t.database.db, ouaga.nodeId);
    expect(node && statusOfNode(node, new Date(T0 + 30_000))).toBe('degraded');
    const losses = await queryRows<{ packet_loss: string | number }>(
      t.database.db,
      sql`SELECT packet_loss FROM metrics WHERE node_id = ${ouaga.nodeId}::uuid AND time > ${new Date(SEEDED_UNTIL).toISOString()}::timestamptz`,
    );
    expect(losses.length).toBe(20);
    for (const l of losses) expect(Number(l.packet_loss)).toBeGreaterThan(DEGRADED_PACKET_LOSS_PCT);
  });

  it('a restart revokes the previous keys, and minutes refused while the server was away are pushed with the next', async () => {
    const before = await createDemoFleet(t.database.db, base);
    const after = await createDemoFleet(t.database.db, base);
    // The first fleet's keys were revoked by the second start: every push is refused (401).
    expect(await before.pushDue(T0 + MIN)).toBe(before.size);

    refusing = true;
    expect(await after.pushDue(T0 + MIN)).toBe(after.size);
    refusing = false;
    expect(await after.pushDue(T0 + 2 * MIN)).toBe(0);
    await drain();

    const live = await liveMinutes();
    for (const node of DEMO_NODES) {
      expect(live.get(node.nodeName), node.nodeName).toEqual(SILENT.includes(node.nodeName) ? [] : minutes(SEEDED_UNTIL + MIN, T0 + 2 * MIN));
    }
  });
});

function chunk(list: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  return pairs;
}

describe('the push path beacon of the web process', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await freshTestRedis(TEST_REDIS_DB.pushListener);
  });
  afterAll(() => redis?.disconnect());

  it('says pushes are taken; without it the ingest lag is unknown, so the worker judges no node silent', async () => {
    const url = testRedisUrl(TEST_REDIS_DB.pushListener);
    expect(await ingestStreamLagMs(url)).toBeUndefined();
    const stop = startPushPathBeacon(redis, 'web-test');
    await expect.poll(() => pushPathAlive(redis)).toBe(true);
    expect(JSON.parse((await redis.get(PUSH_PATH_KEY))!)).toMatchObject({ server: 'web-test' });
    expect(await redis.ttl(PUSH_PATH_KEY)).toBeGreaterThan(20);
    expect(await ingestStreamLagMs(url)).toBe(0);
    // Stopped, the key is left to expire (another web process may still beat); once it has, nobody takes pushes.
    stop();
    expect(await pushPathAlive(redis)).toBe(true);
    await redis.del(PUSH_PATH_KEY);
    expect(await ingestStreamLagMs(url)).toBeUndefined();
  });
});
