import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { config, parseConfig } from '@/lib/config';
import { closeDatabase } from '@/lib/db/client';
import { parseServerTiming } from '@/lib/http/server-timing';
import { insertMetricBatch } from '@/lib/metrics/queries';
import { insertMissingNodes } from '@/lib/nodes/queries';
import { getRedis } from '@/lib/redis';
import { createTestDatabase, testDatabaseName, testNode, type TestDatabase } from '@/lib/testing/databases';
import { TEST_REDIS_DB, freshTestRedis } from '@/lib/testing/redis';
import { readSchemaFixture, schemaValidator } from '@/lib/testing/spec-schemas';
import { migrate } from '@/drizzle/migrate';
import { insertApiToken, revokeApiToken } from '@/lib/auth/queries';
import { generateToken } from '@/lib/keys/tokens';
import { SECURITY_HEADERS } from '@/lib/http/security-headers';
import { hasMalformedPath, readApiHandler, serveMalformedPath, serveReadApi } from '@/lib/runtime/read-api-listener';
import { GET as getMetrics } from './metrics/route';
import { GET as getNode } from './nodes/[id]/route';
import { GET as getNodes } from './nodes/route';

/**
 * The route modules themselves, wired as in production (config → getDatabase → getRedis), with
 * real Requests: DATABASE_URL points at a fresh database on the PostgreSQL test server and
 * REDIS_URL at Redis logical db 7. The environment is set before anything reads the
 * configuration (it is parsed once per process, and each test file runs in its own).
 */
const base = parseConfig(process.env);
const DB_NAME = testDatabaseName();
const databaseUrl = new URL(base.FIBER_TEST_POSTGRES_URL);
databaseUrl.pathname = `/${DB_NAME}`;
const redisUrl = new URL(base.REDIS_URL);
redisUrl.pathname = `/${TEST_REDIS_DB.metricsRoutes}`;
vi.stubEnv('DATABASE_URL', databaseUrl.toString());
vi.stubEnv('REDIS_URL', redisUrl.toString());

const node = testNode({ nodeName: 'probe-gh-routes-01', tags: ['tier1'] });
const token = generateToken('fsr');
/** A request as Grafana would send it, with a read-only API token. */
const authed = (url: string, init: RequestInit = {}) => new Request(url, { ...init, headers: { authorization: `Bearer ${token.key}`, ...init.headers } });
const NOW = Date.now();

describe('API route modules', () => {
  let t: TestDatabase;
  let redis: Redis;

  beforeAll(async () => {
    expect(config().DATABASE_URL).toBe(databaseUrl.toString());
    expect(config().REDIS_URL).toBe(redisUrl.toString());
    redis = await freshTestRedis(TEST_REDIS_DB.metricsRoutes);
    t = await createTestDatabase('postgres', DB_NAME);
    await migrate(t.database, { timescale: 'auto' });
    await insertMissingNodes(t.database.db, [node]);
    await insertApiToken(t.database.db, { prefix: token.prefix, hash: token.hash, label: 'routes test', createdBy: null });
    await insertMetricBatch(
      t.database.db,
      [30, 20, 0.5].map((minutes, i) => ({
        time: new Date(NOW - minutes * 60_000),
        nodeId: node.nodeId,
        latencyMs: 10 + i,
        uptimePct: 100,
        packetLoss: 0,
        targetHost: null,
        probeType: null,
        metadata: null,
      })),
    );
  });
  afterAll(async () => {
    getRedis(config().REDIS_URL).disconnect();
    redis?.disconnect();
    await closeDatabase();
    await t?.cleanup();
    vi.unstubAllEnvs();
  });

  it('GET /api/metrics answers the spec response, then the same bytes from the cache', async () => {
    const url = `http://localhost/api/metrics?node_id=${node.nodeId}&start=${new Date(NOW - 3_600_000).toISOString()}`;
    const first = await getMetrics(authed(url));
    const text = await first.text();
    expect(first.status, text).toBe(200);
    const body = JSON.parse(text) as { aggregation: string; data: unknown[]; summary: Record<string, number> };
    expect(schemaValidator(readSchemaFixture('metrics-response.schema.json'))(body)).toEqual([]);
    expect(body).toMatchObject({ aggregation: 'raw', summary: { avg_latency: 11, sample_count: 3 } });
    expect(first.headers.get('x-cache')).toBe('MISS');
    // Where the time went: the session check, the cache read, the query, the JSON.
    expect(Object.keys(parseServerTiming(first.headers.get('server-timing')))).toEqual(['cache', 'query', 'json', 'auth']);

    await expect.poll(() => redis.keys(`cache:metrics:${node.nodeId}:*`)).toHaveLength(1);
    const keys = await redis.keys(`cache:metrics:${node.nodeId}:*`);
    expect(await redis.get(keys[0]!)).toBe(text);
    const again = await getMetrics(authed(url));
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(await again.text()).toBe(text);
    expect(Object.keys(parseServerTiming(again.headers.get('server-timing')))).toEqual(['cache', 'auth']);
  });

  it('GET /api/metrics refuses bad parameters with problem+json', async () => {
    const res = await getMetrics(authed(`http://localhost/api/metrics?node_id=${node.nodeId}&aggregation=weekly`));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { errors: { parameter: string }[] }).errors).toEqual([expect.objectContaining({ parameter: 'aggregation' })]);
  });

  it('GET /api/nodes and /api/nodes/{id}', async () => {
    const listed = await getNodes(authed('http://localhost/api/nodes?tags=tier1&status=up'));
    expect(listed.status).toBe(200);
    const { nodes } = (await listed.json()) as { nodes: { node_id: string; status: string }[] };
    expect(nodes.map((n) => [n.node_id, n.status])).toEqual([[node.nodeId, 'up']]);
    expect(Object.keys(parseServerTiming(listed.headers.get('server-timing')))).toEqual(['query', 'json', 'auth']);

    const one = await getNode(authed(`http://localhost/api/nodes/${node.nodeId}`), { params: Promise.resolve({ id: node.nodeId }) });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(nodes[0]);
    const missing = await getNode(authed('http://localhost/api/nodes/x'), { params: Promise.resolve({ id: 'x' }) });
    expect(missing.status).toBe(422);
  });

  it('every read route answers 401 problem+json without a session or token; a forged middleware header gains nothing', async () => {
    const attempts = [
      () => getMetrics(new Request(`http://localhost/api/metrics?node_id=${node.nodeId}`, { headers: { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' } })),
      () => getNodes(new Request('http://localhost/api/nodes')),
      () => getNode(new Request(`http://localhost/api/nodes/${node.nodeId}`, { headers: { authorization: 'Bearer fsr_AAAAAAAA_' + 'x'.repeat(43) } }), { params: Promise.resolve({ id: node.nodeId }) }),
      () => getNodes(new Request('http://localhost/api/nodes', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } })),
    ];
    for (const attempt of attempts) {
      const res = await attempt();
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      // Nothing about the server's inner timings for someone who is not signed in.
      expect(res.headers.get('server-timing')).toBeNull();
      expect(await res.text()).not.toContain(node.nodeName);
    }
  });

  it('a revoked API token stops working at once', async () => {
    const other = generateToken('fsr');
    await insertApiToken(t.database.db, { prefix: other.prefix, hash: other.hash, label: 'to revoke', createdBy: null });
    const withOther = () => getNodes(new Request('http://localhost/api/nodes', { headers: { authorization: `Bearer ${other.key}` } }));
    expect((await withOther()).status).toBe(200);
    await revokeApiToken(t.database.db, other.prefix);
    const res = await withOther();
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/revoked/);
  });

  describe('served by the npm start listener (lib/runtime/read-api-listener.ts)', () => {
    let server: http.Server;
    let origin: string;

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        if (req.url?.startsWith('/malformed/')) return void serveMalformedPath(req, res);
        const handler = req.url === '/boom' ? () => Promise.reject(new Error('secret internals')) : readApiHandler(req);
        if (handler) void serveReadApi(req, res, handler);
        else res.writeHead(599).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server?.close(resolve)));

    it('takes only the read API’s GETs; everything else stays with Next', () => {
      const take = (method: string, url: string) => readApiHandler({ method, url } as http.IncomingMessage) !== undefined;
      for (const url of ['/api/metrics', '/api/metrics/?node_id=x', '/api/nodes', '/api/nodes/?status=up', `/api/nodes/${node.nodeId}`, `/api/nodes/${node.nodeId}/?a=1`]) {
        expect(take('GET', url), url).toBe(true);
      }
      for (const [method, url] of [['POST', '/api/nodes'], ['HEAD', '/api/nodes'], ['GET', '/api/nodesx'], ['GET', '/api/nodes/a/b'], ['GET', '/api/logs'], ['GET', '/api/nodes/%E0%A4%A'], ['GET', '/']]) {
        expect(take(method!, url!), `${method} ${url}`).toBe(false);
      }
    });

    it('answers exactly what the route modules answer, with every response’s security headers', async () => {
      const cases: [string, () => Promise<Response>][] = [
        ['/api/nodes?tags=tier1', () => getNodes(authed('http://localhost/api/nodes?tags=tier1'))],
        [`/api/nodes/${node.nodeId}`, () => getNode(authed(`http://localhost/api/nodes/${node.nodeId}`), { params: Promise.resolve({ id: node.nodeId }) })],
        ['/api/nodes/x', () => getNode(authed('http://localhost/api/nodes/x'), { params: Promise.resolve({ id: 'x' }) })],
        [`/api/metrics?node_id=${node.nodeId}&aggregation=weekly`, () => getMetrics(authed(`http://localhost/api/metrics?node_id=${node.nodeId}&aggregation=weekly`))],
      ];
      for (const [path, direct] of cases) {
        const expected = await direct();
        const res = await fetch(origin + path, { headers: { authorization: `Bearer ${token.key}` } });
        expect(res.status, path).toBe(expected.status);
        expect(res.headers.get('content-type'), path).toBe(expected.headers.get('content-type'));
        const [got, want] = [await res.json(), await expected.json()];
        if (res.status === 200) expect(got, path).toEqual(want);
        else expect({ ...got, instance: undefined, request_id: undefined }, path).toEqual({ ...want, instance: undefined, request_id: undefined });
        for (const { key, value } of SECURITY_HEADERS) expect(res.headers.get(key), `${path} ${key}`).toBe(value);
      }

      const metrics = await fetch(`${origin}/api/metrics?node_id=${node.nodeId}&start=${new Date(NOW - 3_600_000).toISOString()}`, {
        headers: { authorization: `Bearer ${token.key}`, 'x-request-id': 'listener-check-1' },
      });
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('x-request-id')).toBe('listener-check-1');
      expect(Object.keys(parseServerTiming(metrics.headers.get('server-timing')))).toContain('auth');
      expect(((await metrics.json()) as { summary: { sample_count: number } }).summary.sample_count).toBe(3);
    });

    it('gzips a body worth it when the client accepts gzip, and only then', async () => {
      await insertMissingNodes(t.database.db, Array.from({ length: 5 }, () => testNode()));
      const plain = await new Promise<http.IncomingMessage>((resolve) => http.get(`${origin}/api/nodes`, { headers: { authorization: `Bearer ${token.key}` } }, resolve));
      const zipped = await new Promise<http.IncomingMessage>((resolve) =>
        http.get(`${origin}/api/nodes`, { headers: { authorization: `Bearer ${token.key}`, 'accept-encoding': 'br;q=1, gzip;q=0.5' } }, resolve),
      );
      const refused = await new Promise<http.IncomingMessage>((resolve) =>
        http.get(`${origin}/api/nodes`, { headers: { authorization: `Bearer ${token.key}`, 'accept-encoding': 'gzip;q=0, identity' } }, resolve),
      );
      const read = async (res: http.IncomingMessage) => Buffer.concat(await res.toArray());
      const [plainBody, zippedBody, refusedBody] = [await read(plain), await read(zipped), await read(refused)];
      expect(plainBody.length).toBeGreaterThan(1024);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(refusedBody).toEqual(plainBody);
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers.vary).toBe('Accept-Encoding');
      expect(Number(zipped.headers['content-length'])).toBe(zippedBody.length);
      expect(gunzipSync(zippedBody)).toEqual(plainBody);

      const small = await fetch(`${origin}/api/nodes/${node.nodeId}`, { headers: { authorization: `Bearer ${token.key}`, 'accept-encoding': 'gzip' } });
      expect(small.headers.get('content-encoding')).toBeNull();
      expect(((await small.json()) as { node_id: string }).node_id).toBe(node.nodeId);
    });

    it('a path that is not valid percent-encoding is a 400 problem+json (Next answered a bare 500 on dynamic routes)', async () => {
      for (const path of ['/nodes/%E0%A4%A', '/api/nodes/%ZZ', '/admin/nodes/%E0%A4%A?tab=keys']) {
        expect(hasMalformedPath({ url: path } as http.IncomingMessage), path).toBe(true);
      }
      for (const path of ['/', '/nodes/b23088f1-d427-4383-ae00-4e456a682096', '/logs?q=%E0%A4%A', '/api/nodes/%C3%A9']) {
        expect(hasMalformedPath({ url: path } as http.IncomingMessage), path).toBe(false);
      }
      const res = await fetch(`${origin}/malformed/%E0%A4%A`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.json()).toMatchObject({ type: 'urn:fiberstack:problem:malformed-path', status: 400 });
    });

    it('a failure that escapes a handler is a 500 problem+json with the usual headers, telling nothing of the cause', async () => {
      const res = await fetch(`${origin}/boom`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      const body = (await res.json()) as { request_id: string; detail: string };
      expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(body)).not.toContain('secret internals');
    });

    it('without a session or token: 401 problem+json, no timings, nothing of the data', async () => {
      for (const path of ['/api/nodes', `/api/nodes/${node.nodeId}`, `/api/metrics?node_id=${node.nodeId}`]) {
        const res = await fetch(origin + path, { headers: { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' } });
        expect(res.status, path).toBe(401);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(res.headers.get('server-timing')).toBeNull();
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(await res.text()).not.toContain(node.nodeName);
      }
    });
  });
});
