import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { config, parseConfig } from '@/lib/config';
import { closeDatabase } from '@/lib/db/client';
import { insertApiToken } from '@/lib/auth/queries';
import { ApiError } from '@/lib/http/problem';
import { generateToken } from '@/lib/keys/tokens';
import { createTestDatabase, testDatabaseName, type TestDatabase } from '@/lib/testing/databases';
import { migrate } from '@/drizzle/migrate';
import { GET as getEvents } from '@/app/api/events/route';
import { GET as getLogs } from '@/app/api/logs/route';
import { handleEventSearch, handleLogSearch, looksSecret, type EventHitJson, type LogHitJson, type SearchResponse } from './api';
import { getLogStore } from './store';
import type { EventDocument, LogDocument, LogStore, SearchPage } from './types';

/*
 * GET /api/logs and GET /api/events. First the route modules as production wires them (config →
 * getLogStore → the PostgreSQL store on a fresh database of the PostgreSQL test server), with
 * real Requests and a read-only API token; then the handlers with a store that answers what a
 * test needs (secrets at any depth, failures), where the real one cannot be made to.
 */

const base = parseConfig(process.env);
const DB_NAME = testDatabaseName();
const databaseUrl = new URL(base.FIBER_TEST_POSTGRES_URL);
databaseUrl.pathname = `/${DB_NAME}`;
vi.stubEnv('DATABASE_URL', databaseUrl.toString());
// The PostgreSQL store, whatever the developer's shell says.
vi.stubEnv('ELASTICSEARCH_URL', undefined);

const token = generateToken('fsr');
const authed = (path: string) => new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token.key}` } });

const MIN = 60_000;
const NOW = Date.now();
const at = (ago: number) => new Date(NOW - ago).toISOString();
const NODE_A = randomUUID();
const NODE_B = randomUUID();
const REQUEST = `req-${randomUUID()}`;

const LOGS: LogDocument[] = [
  {
    '@timestamp': at(10 * MIN),
    service: 'fiber-api',
    level: 'INFO',
    message: 'Metrics received from probe',
    logger: 'api.routes.push',
    request_id: REQUEST,
    node_id: NODE_A,
    context: {
      accepted: 1,
      key_id: 'k1',
      authorization: 'Bearer fsr_leaked',
      api_key: 'leaked-api-key',
      nested: { password: 'hunter2', Cookie: 'sid=leaked', fine: true },
    },
  },
  { '@timestamp': at(9 * MIN), service: 'fiber-worker', level: 'DEBUG', message: 'Sample stored for probe', logger: 'worker.consumer', request_id: REQUEST, node_id: NODE_A },
  {
    '@timestamp': at(5 * MIN),
    service: 'fiber-api',
    level: 'ERROR',
    message: 'Database connection refused',
    logger: 'api.routes.metrics',
    exception: { type: 'Error', message: 'connect ECONNREFUSED', stacktrace: 'Error: connect ECONNREFUSED\n    at x' },
  },
  { '@timestamp': at(3 * MIN), service: 'fiber-api', level: 'WARN', message: 'Probe clock runs ahead', logger: 'api.routes.push', node_id: NODE_B, user_id: 'user-1' },
  // Outside the default hour.
  { '@timestamp': at(3 * 60 * MIN), service: 'fiber-api', level: 'INFO', message: 'Metrics received from probe', logger: 'api.routes.push', node_id: NODE_B },
];

const EVENTS: EventDocument[] = [
  { '@timestamp': at(20 * MIN), event_type: 'node_down', node_id: NODE_A, severity: 'warning', message: 'probe-gh-accra-01 stopped reporting', metadata: { last_seen_at: at(25 * MIN), session_token: 'leaked' } },
  { '@timestamp': at(2 * MIN), event_type: 'node_created', node_id: NODE_B, severity: 'info', message: 'Node probe-ng-lagos-02 created in Lagos', metadata: { by: 'admin' } },
];

type Problem = { status: number; detail: string; errors?: { parameter: string; message: string }[] };

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

describe('GET /api/logs and /api/events on the PostgreSQL store', () => {
  let t: TestDatabase;
  let store: LogStore;

  beforeAll(async () => {
    expect(config().DATABASE_URL).toBe(databaseUrl.toString());
    t = await createTestDatabase('postgres', DB_NAME);
    await migrate(t.database, { timescale: 'auto' });
    await insertApiToken(t.database.db, { prefix: token.prefix, hash: token.hash, label: 'logs test', createdBy: null });
    store = await getLogStore();
    expect(store.kind).toBe('postgres');
    await store.setup();
    expect((await store.writeLogs(LOGS)).rejected).toEqual([]);
    expect((await store.writeEvents(EVENTS)).rejected).toEqual([]);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await store?.close().catch(() => {});
    await closeDatabase();
    await t?.cleanup();
    vi.unstubAllEnvs();
  });

  it('401 problem+json without a session or token', async () => {
    for (const route of [getLogs, getEvents]) {
      const res = await route(new Request('http://localhost/api/logs'));
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.text()).not.toContain('Metrics received');
    }
  });

  it('the last hour by default, newest first, with total and histogram', async () => {
    const res = await getLogs(authed('/api/logs'));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await json<SearchResponse<LogHitJson>>(res);
    expect(body.hits.map((h) => h.message)).toEqual(['Probe clock runs ahead', 'Database connection refused', 'Sample stored for probe', 'Metrics received from probe']);
    expect(body).toMatchObject({ total: 4, total_is_lower_bound: false, next_cursor: null });
    expect(body.hits[0]).toMatchObject({ id: expect.any(String), '@timestamp': LOGS[3]!['@timestamp'], service: 'fiber-api', level: 'WARN', node_id: NODE_B, user_id: 'user-1' });
    expect(body.histogram.bucket_ms).toBeGreaterThan(0);
    expect(body.histogram.buckets.reduce((n, b) => n + b.count, 0)).toBe(4);
  });

  it('full text, with the matched terms highlighted', async () => {
    const body = await json<SearchResponse<LogHitJson>>(await getLogs(authed('/api/logs?q=metrics%20rec')));
    expect(body.hits.map((h) => h.message)).toEqual(['Metrics received from probe']);
    const segments = body.hits[0]!.highlight!;
    expect(segments.join('')).toBe('Metrics received from probe');
    expect(segments.filter((_, i) => i % 2 === 1).join(' ').toLowerCase()).toContain('metrics');

    const wider = await json<SearchResponse<LogHitJson>>(await getLogs(authed(`/api/logs?q=%22received%20from%22&start=${encodeURIComponent(at(4 * 60 * MIN))}`)));
    expect(wider.hits).toHaveLength(2);
  });

  it.each([
    ['level=error', ['Database connection refused']],
    ['min_level=warn', ['Probe clock runs ahead', 'Database connection refused']],
    ['level=debug,warn', ['Probe clock runs ahead', 'Sample stored for probe']],
    ['service=fiber-worker', ['Sample stored for probe']],
    [`node_id=${NODE_A}`, ['Sample stored for probe', 'Metrics received from probe']],
    ['user_id=user-1', ['Probe clock runs ahead']],
    [`request_id=${REQUEST}&order=asc`, ['Metrics received from probe', 'Sample stored for probe']],
  ])('%s', async (query, messages) => {
    const body = await json<SearchResponse<LogHitJson>>(await getLogs(authed(`/api/logs?${query}`)));
    expect(body.hits.map((h) => h.message)).toEqual(messages);
  });

  it('the filters reach the store as the LogQuery', async () => {
    const search = vi.spyOn(store, 'searchLogs');
    const start = at(30 * MIN);
    const url = `/api/logs?q=probe&service=fiber-api,fiber-worker&level=info&min_level=debug&node_id=${NODE_A.toUpperCase()}&request_id=${REQUEST}&user_id=u1&start=${encodeURIComponent(start)}&limit=7&order=asc`;
    expect((await getLogs(authed(url))).status).toBe(200);
    expect(search).toHaveBeenCalledWith({
      from: new Date(start),
      to: expect.any(Date),
      text: 'probe',
      services: ['fiber-api', 'fiber-worker'],
      levels: ['INFO'],
      minLevel: 'DEBUG',
      nodeId: NODE_A,
      requestId: REQUEST,
      userId: 'u1',
      limit: 7,
      cursor: undefined,
      ascending: true,
    });
  });

  it('cursor pages: no line twice, none left out', async () => {
    const first = await json<SearchResponse<LogHitJson>>(await getLogs(authed('/api/logs?limit=3')));
    expect(first.hits).toHaveLength(3);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await json<SearchResponse<LogHitJson>>(await getLogs(authed(`/api/logs?limit=3&cursor=${encodeURIComponent(first.next_cursor!)}`)));
    expect([...first.hits, ...second.hits].map((h) => h.message)).toEqual(['Probe clock runs ahead', 'Database connection refused', 'Sample stored for probe', 'Metrics received from probe']);
    expect(second.next_cursor).toBeNull();
  });

  it('drops context keys that look secret, at any depth', async () => {
    const res = await getLogs(authed(`/api/logs?node_id=${NODE_A}&level=INFO`));
    const text = await res.text();
    for (const leaked of ['fsr_leaked', 'leaked-api-key', 'hunter2', 'sid=leaked']) expect(text).not.toContain(leaked);
    const hit = (JSON.parse(text) as SearchResponse<LogHitJson>).hits[0]!;
    expect(hit.context).toEqual({ accepted: 1, key_id: 'k1', nested: { fine: true } });
  });

  it('422 problem+json naming each bad or unknown parameter', async () => {
    const res = await getLogs(authed('/api/logs?level=LOUD&limit=501&levle=WARN&end=2999-01-01T00:00:00Z'));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await json<Problem>(res);
    expect(problem.errors!.map((e) => e.parameter).sort()).toEqual(['end', 'level', 'levle', 'limit']);
    expect(problem.detail).toMatch(/^Invalid parameter /);

    const events = await json<Problem>(await getEvents(authed(`/api/events?severity=fatal&start=${encodeURIComponent(at(32 * 24 * 60 * MIN))}`)));
    expect(events.errors!.map((e) => e.parameter).sort()).toEqual(['severity', 'start']);
  });

  it('a cursor this server did not issue is a 422 naming cursor', async () => {
    const res = await getLogs(authed('/api/logs?cursor=not-a-cursor'));
    expect(res.status).toBe(422);
    expect((await json<Problem>(res)).errors!.map((e) => e.parameter)).toEqual(['cursor']);
  });

  it('events: the last day by default, filtered by type, severity and node; metadata without secrets', async () => {
    const all = await json<SearchResponse<EventHitJson>>(await getEvents(authed('/api/events')));
    expect(all.hits.map((h) => h.event_type)).toEqual(['node_created', 'node_down']);
    expect(all.hits[1]).toMatchObject({ severity: 'warning', node_id: NODE_A, metadata: { last_seen_at: EVENTS[0]!.metadata!.last_seen_at } });
    expect(JSON.stringify(all)).not.toContain('session_token');

    for (const [query, types] of [
      ['type=node_down', ['node_down']],
      ['severity=INFO', ['node_created']],
      [`node_id=${NODE_A}`, ['node_down']],
      ['q=lagos', ['node_created']],
    ] as const) {
      const body = await json<SearchResponse<EventHitJson>>(await getEvents(authed(`/api/events?${query}`)));
      expect(body.hits.map((h) => h.event_type), query).toEqual(types);
    }
  });

  it('a store that fails is a 503 with Retry-After, and nothing of the failure leaks', async () => {
    vi.spyOn(store, 'searchLogs').mockRejectedValueOnce(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=oops'));
    const res = await getLogs(authed('/api/logs'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const text = await res.text();
    expect(text).not.toMatch(/ECONNREFUSED|oops|10\.0\.0\.5/);

    vi.spyOn(store, 'searchEvents').mockRejectedValueOnce(new Error('timeout'));
    expect((await getEvents(authed('/api/events'))).status).toBe(503);
  });
});

// ---- the handlers with a store made to order --------------------------------------------------

const emptyPage = <T>(): SearchPage<T> => ({ hits: [], total: 0, histogram: [], histogramBucketMs: 60_000 });

function storeAnswering(logs: SearchPage<LogDocument>, events: SearchPage<EventDocument> = emptyPage()): LogStore {
  return {
    kind: 'postgres',
    setup: async () => {},
    writeLogs: async () => ({ written: 0, rejected: [] }),
    writeEvents: async () => ({ written: 0, rejected: [] }),
    searchLogs: async () => logs,
    searchEvents: async () => events,
    close: async () => {},
  };
}

describe('the search handlers', () => {
  const now = () => new Date('2026-03-10T12:00:00Z');

  it('answer only the spec fields, strip secret-looking keys at any depth, and keep the rest', async () => {
    const doc = {
      '@timestamp': '2026-03-10T11:59:00.000Z',
      service: 'fiber-api',
      level: 'INFO',
      message: 'hello',
      search_vector: "'hello':1",
      context: { list: [{ token: 't', n: 1 }], deep: { a: { b: { privateKey: 'pk', c: 2 } } }, 'X-Api-Key': 'x', keyboard: 'kept', passphrase: 'p' },
    } as unknown as LogDocument;
    const store = storeAnswering({ hits: [{ id: '1', doc }], total: 1, nextCursor: 'abc', histogram: [{ start: '2026-03-10T11:59:00.000Z', count: 1 }], histogramBucketMs: 60_000 });
    const res = await handleLogSearch(new Request('http://localhost/api/logs'), { store: async () => store, now });
    expect(await res.json()).toEqual({
      hits: [{ id: '1', '@timestamp': '2026-03-10T11:59:00.000Z', service: 'fiber-api', level: 'INFO', message: 'hello', context: { list: [{ n: 1 }], deep: { a: { b: { c: 2 } } }, keyboard: 'kept' } }],
      total: 1,
      total_is_lower_bound: false,
      next_cursor: 'abc',
      histogram: { bucket_ms: 60_000, buckets: [{ start: '2026-03-10T11:59:00.000Z', count: 1 }] },
    });
  });

  it('strip event metadata the same way', async () => {
    const doc: EventDocument = { '@timestamp': '2026-03-10T11:00:00.000Z', event_type: 'probe_key_issued', severity: 'info', message: 'key issued', metadata: { key_prefix: 'fsp_abcd1234', node_key: 'fsp_abcd1234_secret' } };
    const store = storeAnswering(emptyPage(), { hits: [{ id: 'e', doc, highlight: ['key ', 'issued', ''] }], total: 1, histogram: [], histogramBucketMs: 3_600_000 });
    const body = await json<SearchResponse<EventHitJson>>(await handleEventSearch(new Request('http://localhost/api/events?q=issued'), { store: async () => store, now }));
    expect(body.hits).toEqual([{ ...doc, id: 'e', metadata: { key_prefix: 'fsp_abcd1234' }, highlight: ['key ', 'issued', ''] }]);
  });

  it.each([
    ['authorization', true],
    ['Set-Cookie', true],
    ['db_password', true],
    ['passwd', true],
    ['client_secret', true],
    ['refresh_token', true],
    ['apiKey', true],
    ['enrollment_keys', true],
    ['credentials', true],
    ['key_id', false],
    ['key_prefix', false],
    ['latency_ms', false],
    ['endpoint', false],
  ])('%s looks secret: %s', (name, secret) => {
    expect(looksSecret(name)).toBe(secret);
  });

  it('a store that cannot even start is a 503 too', async () => {
    const res = await handleLogSearch(new Request('http://localhost/api/logs'), {
      store: () => Promise.reject(new Error('getaddrinfo ENOTFOUND elasticsearch')),
      now,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it("a store's refusal of the query is a 422 under the URL's parameter names", async () => {
    const store = storeAnswering(emptyPage());
    store.searchLogs = () => Promise.reject(new ApiError(400, 'The cursor is not one this server issued.', { errors: [{ parameter: 'cursor', message: 'invalid cursor' }] }));
    const res = await handleLogSearch(new Request('http://localhost/api/logs?cursor=zzz'), { store: async () => store, now });
    expect(res.status).toBe(422);
    expect((await json<Problem>(res)).errors).toEqual([{ parameter: 'cursor', message: 'invalid cursor' }]);
  });

  it("a refusal thrown by the other copy of the error module (the store on globalThis, built by Next's bundle or by tsx) is still a 422", async () => {
    vi.resetModules();
    const other = await import('@/lib/http/problem');
    expect(other.ApiError).not.toBe(ApiError);
    const store = storeAnswering(emptyPage());
    store.searchLogs = () => Promise.reject(new other.ApiError(400, 'The cursor is not one this server issued.', { errors: [{ parameter: 'cursor', message: 'invalid cursor' }] }));
    const res = await handleLogSearch(new Request('http://localhost/api/logs?cursor=zzz'), { store: async () => store, now });
    expect(res.status).toBe(422);
    expect((await json<Problem>(res)).errors).toEqual([{ parameter: 'cursor', message: 'invalid cursor' }]);
  });

  it('parameters are checked before the store is asked', async () => {
    const getStore = vi.fn(async () => storeAnswering(emptyPage()));
    const res = await handleLogSearch(new Request('http://localhost/api/logs?limit=0'), { store: getStore, now });
    expect(res.status).toBe(422);
    expect(getStore).not.toHaveBeenCalled();
  });
});
