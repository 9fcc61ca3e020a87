import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/problem';
import { specJsonBlock } from '../testing/spec-schemas';
import { MARK_END, MARK_START, encodeCursor, highlightSegments } from './elasticsearch-query';
import { createElasticsearchClient, createElasticsearchStore, type ElasticsearchStoreOptions } from './elasticsearch-store';
import type { EventDocument, LogDocument } from './types';

/*
 * The Elasticsearch store against @elastic/elasticsearch-mock: every request the client sends is
 * recorded and answered by the test, so the assertions are on the exact requests (templates,
 * ILM, bulk bodies, query DSL). The same store runs against a real cluster in
 * elasticsearch-live.test.ts when ELASTICSEARCH_URL is set.
 */

// The mock recognises only the CommonJS build's error classes (the client ships CJS and ESM builds).
const cjs = createRequire(import.meta.url)('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');

function esError(statusCode: number, type: string, reason: string) {
  return new cjs.errors.ResponseError({
    body: { error: { type, reason }, status: statusCode },
    statusCode,
    headers: {},
    warnings: null,
    meta: {} as never,
  });
}

interface Req {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: unknown;
}

type Responder = (req: Req) => unknown;

function harness(respond: Responder, options: ElasticsearchStoreOptions = {}) {
  const mock = new Mock();
  const requests: Req[] = [];
  mock.add({ method: ['GET', 'PUT', 'POST', 'HEAD', 'DELETE'], path: '*' }, (p) => {
    const req: Req = { method: p.method as string, path: p.path as string, querystring: p.querystring ?? {}, body: p.body ?? null };
    requests.push(req);
    return (respond(req) ?? {}) as Record<string, unknown>;
  });
  const client = new Client({ node: 'http://es.test:9200', Connection: mock.getConnection(), maxRetries: 0 });
  return { requests, store: createElasticsearchStore(client, { retryDelayMs: 1, ...options }) };
}

/** A cluster with just enough state for set-up: policies, templates, aliases, indices. */
function fakeCluster() {
  const policies = new Map<string, unknown>();
  const templates = new Map<string, Record<string, unknown>>();
  const indices = new Set<string>();
  const aliases = new Set<string>();
  const respond: Responder = (req) => {
    const [, first, second] = req.path.split('/');
    if (first === '_ilm' && req.method === 'GET') {
      const policy = policies.get(req.path.split('/')[3]!);
      return policy ? { [req.path.split('/')[3]!]: { version: 1, policy } } : esError(404, 'resource_not_found_exception', 'no policy');
    }
    if (first === '_ilm' && req.method === 'PUT') {
      policies.set(req.path.split('/')[3]!, (req.body as { policy: unknown }).policy);
      return { acknowledged: true };
    }
    if (first === '_index_template' && req.method === 'GET') {
      const t = templates.get(second!);
      return t ? { index_templates: [{ name: second, index_template: t }] } : esError(404, 'resource_not_found_exception', 'no template');
    }
    if (first === '_index_template' && req.method === 'PUT') {
      templates.set(second!, req.body as Record<string, unknown>);
      return { acknowledged: true };
    }
    if (first === '_alias' && req.method === 'HEAD') return aliases.has(second!) ? {} : esError(404, 'aliases_not_found_exception', 'missing');
    if (req.method === 'PUT' && second === undefined) {
      if (indices.has(first!)) return esError(400, 'resource_already_exists_exception', `index [${first}] already exists`);
      indices.add(first!);
      for (const alias of Object.keys((req.body as { aliases: object }).aliases)) aliases.add(alias);
      return { acknowledged: true, index: first };
    }
    throw new Error(`unexpected ${req.method} ${req.path}`);
  };
  return { policies, templates, indices, aliases, respond };
}

const writes = (requests: Req[]) => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

const FIXTURES = path.join(import.meta.dirname, 'spec');
const fixture = (file: string) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as { template: Record<string, unknown> } & Record<string, unknown>;
const SPEC_LOGS = fixture('fiber-logs-template.json');
const SPEC_EVENTS = fixture('fiber-events-template.json');
const META = { managed_by: 'fiberstack-lite', hash: expect.stringMatching(/^[0-9a-f]{16}$/) };
const DOC_ID_MAPPING = { doc_id: { type: 'keyword' } };

describe('the spec copies', () => {
  it('match the spec document when it is at hand', () => {
    const logs = specJsonBlock('Index: `fiber-logs-*`');
    const events = specJsonBlock('Index: `fiber-events-*`');
    if (logs === undefined) return;
    expect(logs).toEqual(SPEC_LOGS);
    expect(events).toEqual(SPEC_EVENTS);
  });
});

describe('setup', () => {
  it('installs the ILM policies, the spec templates (verbatim, plus the documented additions) and the first rollover indices', async () => {
    const cluster = fakeCluster();
    const { requests, store } = harness(cluster.respond);
    await store.setup();

    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /_ilm/policy/fiber-logs-policy',
      'PUT /_ilm/policy/fiber-logs-policy',
      'GET /_ilm/policy/fiber-events-policy',
      'PUT /_ilm/policy/fiber-events-policy',
      'GET /_index_template/fiber-logs',
      'PUT /_index_template/fiber-logs',
      'GET /_index_template/fiber-events',
      'PUT /_index_template/fiber-events',
      'HEAD /_alias/fiber-logs',
      'PUT /fiber-logs-000001',
      'HEAD /_alias/fiber-events',
      'PUT /fiber-events-000001',
    ]);
    const [logsPolicy, eventsPolicy, logsTemplate, eventsTemplate, logsIndex, eventsIndex] = writes(requests).map((r) => r.body);

    expect(logsPolicy).toEqual({
      policy: {
        phases: {
          hot: { min_age: '0ms', actions: { rollover: { max_age: '1d', max_primary_shard_size: '50gb' } } },
          delete: { min_age: '30d', actions: { delete: {} } },
        },
        _meta: META,
      },
    });
    expect(eventsPolicy).toEqual({
      policy: {
        phases: {
          hot: { min_age: '0ms', actions: { rollover: { max_age: '7d', max_primary_shard_size: '50gb' } } },
          delete: { min_age: '90d', actions: { delete: {} } },
        },
        _meta: META,
      },
    });

    const logsSpecMappings = SPEC_LOGS.template.mappings as { properties: object };
    expect(logsTemplate).toEqual({
      index_patterns: SPEC_LOGS.index_patterns,
      template: {
        // Verbatim: 1 shard, 1 replica, the spec's policy and rollover alias.
        settings: SPEC_LOGS.template.settings,
        mappings: { ...logsSpecMappings, properties: { ...logsSpecMappings.properties, ...DOC_ID_MAPPING } },
      },
      priority: 200,
      _meta: META,
    });
    const eventsSpecMappings = SPEC_EVENTS.template.mappings as { properties: object };
    expect(SPEC_EVENTS.template.settings).toBeUndefined();
    expect(eventsTemplate).toEqual({
      index_patterns: SPEC_EVENTS.index_patterns,
      template: {
        settings: { 'index.lifecycle.name': 'fiber-events-policy', 'index.lifecycle.rollover_alias': 'fiber-events' },
        mappings: { ...eventsSpecMappings, properties: { ...eventsSpecMappings.properties, ...DOC_ID_MAPPING } },
      },
      priority: 200,
      _meta: META,
    });

    expect(logsIndex).toEqual({ aliases: { 'fiber-logs': { is_write_index: true } } });
    expect(eventsIndex).toEqual({ aliases: { 'fiber-events': { is_write_index: true } } });
  });

  it('changes nothing the second time: what is installed is read back and left alone', async () => {
    const cluster = fakeCluster();
    const { requests, store } = harness(cluster.respond);
    await store.setup();
    requests.length = 0;
    await store.setup();
    expect(requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET', 'GET', 'HEAD', 'HEAD']);
  });

  it('rewrites a policy or template that differs from this version', async () => {
    const cluster = fakeCluster();
    const { requests, store } = harness(cluster.respond);
    await store.setup();
    cluster.templates.get('fiber-logs')!._meta = { managed_by: 'fiberstack-lite', hash: 'older' };
    requests.length = 0;
    await store.setup();
    expect(writes(requests).map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /_index_template/fiber-logs']);
  });

  it('accepts that another process created the first index between the check and the creation', async () => {
    const cluster = fakeCluster();
    cluster.indices.add('fiber-logs-000001');
    cluster.indices.add('fiber-events-000001');
    const { store } = harness(cluster.respond);
    await expect(store.setup()).resolves.toBeUndefined();
  });

  it('fails on any other refusal to create the index', async () => {
    const cluster = fakeCluster();
    const { store } = harness((req) =>
      req.method === 'PUT' && req.path === '/fiber-logs-000001' ? esError(400, 'invalid_index_name_exception', 'bad') : cluster.respond(req),
    );
    await expect(store.setup()).rejects.toThrow(/invalid_index_name_exception/);
  });

  it('names everything after the aliases it is given', async () => {
    const cluster = fakeCluster();
    const { requests, store } = harness(cluster.respond, { logsAlias: 'fstest-a-logs', eventsAlias: 'fstest-a-events' });
    await store.setup();
    const paths = writes(requests).map((r) => r.path);
    expect(paths).toEqual([
      '/_ilm/policy/fstest-a-logs-policy',
      '/_ilm/policy/fstest-a-events-policy',
      '/_index_template/fstest-a-logs',
      '/_index_template/fstest-a-events',
      '/fstest-a-logs-000001',
      '/fstest-a-events-000001',
    ]);
    const template = writes(requests)[2]!.body as { index_patterns: string[]; template: { settings: object } };
    expect(template.index_patterns).toEqual(['fstest-a-logs-*']);
    expect(template.template.settings).toMatchObject({
      'index.lifecycle.name': 'fstest-a-logs-policy',
      'index.lifecycle.rollover_alias': 'fstest-a-logs',
    });
  });
});

const log = (message: string, extra: Partial<LogDocument> = {}): LogDocument => ({
  '@timestamp': '2025-11-24T16:35:00.000Z',
  service: 'fiber-api',
  level: 'INFO',
  message,
  ...extra,
});

type BulkLine = Record<string, unknown>;
const ok = { index: { status: 201, result: 'created' } };
const tooMany = { index: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' } } };
const badField = { index: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [context.latency_ms] of type [float]' } } };
const bulkAnswer = (...items: object[]) => ({ took: 1, errors: items.some((i) => i !== ok), items });
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('writes', () => {
  it('sends index actions to the write alias, each document with its own id, and requires the alias', async () => {
    const { requests, store } = harness(() => bulkAnswer(ok, ok));
    const docs = [log('one', { request_id: 'req-1', context: { latency_ms: 45.23 } }), log('two')];
    await expect(store.writeLogs(docs)).resolves.toEqual({ written: 2, rejected: [] });

    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req).toMatchObject({ method: 'POST', path: '/_bulk' });
    expect(req!.querystring).toEqual({ require_alias: 'true', filter_path: 'items.*.status,items.*.error' });
    const lines = req!.body as BulkLine[];
    expect(lines).toHaveLength(4);
    const ids = [0, 2].map((i) => (lines[i]!.index as { _id: string })._id);
    expect(ids[0]).toMatch(UUID_V7);
    expect(ids[1]).not.toBe(ids[0]);
    expect(lines).toEqual([
      { index: { _index: 'fiber-logs', _id: ids[0] } },
      { ...docs[0], doc_id: ids[0] },
      { index: { _index: 'fiber-logs', _id: ids[1] } },
      { ...docs[1], doc_id: ids[1] },
    ]);
  });

  it('events go to the events alias', async () => {
    const { requests, store } = harness(() => bulkAnswer(ok));
    const event: EventDocument = { '@timestamp': '2025-11-24T16:35:00.000Z', event_type: 'node_down', severity: 'critical', message: 'probe silent' };
    await expect(store.writeEvents([event])).resolves.toEqual({ written: 1, rejected: [] });
    const lines = requests[0]!.body as BulkLine[];
    expect(lines[0]).toEqual({ index: { _index: 'fiber-events', _id: expect.stringMatching(UUID_V7) } });
    expect(lines[1]).toEqual({ ...event, doc_id: (lines[0]!.index as { _id: string })._id });
  });

  it('sends nothing for nothing', async () => {
    const { requests, store } = harness(() => bulkAnswer());
    await expect(store.writeLogs([])).resolves.toEqual({ written: 0, rejected: [] });
    expect(requests).toHaveLength(0);
  });

  it('re-sends only the items refused with 429 (same id), and rejects the others with their reason', async () => {
    const answers = [bulkAnswer(ok, tooMany, badField, ok), bulkAnswer(ok)];
    const { requests, store } = harness(() => answers.shift());
    const docs = [log('stored'), log('busy'), log('bad', { context: { latency_ms: 'fast' } }), log('stored too')];
    const result = await store.writeLogs(docs);

    expect(result).toEqual({
      written: 3,
      rejected: [{ doc: docs[2], reason: 'mapper_parsing_exception: failed to parse field [context.latency_ms] of type [float]' }],
    });
    expect(requests).toHaveLength(2);
    const first = requests[0]!.body as BulkLine[];
    expect(requests[1]!.body).toEqual([first[2], first[3]]);
  });

  it('gives up on items still refused after maxRetries and rejects them with the reason', async () => {
    const { requests, store } = harness(() => bulkAnswer(tooMany), { maxRetries: 2 });
    const result = await store.writeLogs([log('busy')]);
    expect(requests).toHaveLength(3);
    expect(result).toEqual({
      written: 0,
      rejected: [{ doc: log('busy'), reason: 'es_rejected_execution_exception: rejected execution of coordinating operation (after 2 retries)' }],
    });
  });

  it.each([
    ['a 500', () => esError(500, 'internal_server_error', 'boom')],
    ['a 503', () => esError(503, 'cluster_block_exception', 'blocked')],
    ['a whole-request 429', () => esError(429, 'circuit_breaking_exception', 'data too large')],
    ['a network error', () => new cjs.errors.ConnectionError('connect ECONNREFUSED')],
  ])('throws when the whole request fails (%s), so the caller keeps the batch', async (_name, failure) => {
    const { requests, store } = harness(() => failure());
    await expect(store.writeLogs([log('one'), log('two')])).rejects.toThrow();
    expect(requests).toHaveLength(1);
  });

  it('sends a batch that failed as a whole again under the same ids: stored before the failure, it is overwritten, not duplicated', async () => {
    const answers: unknown[] = [new cjs.errors.TimeoutError('Request timed out'), bulkAnswer(ok, ok), bulkAnswer(ok)];
    const { requests, store } = harness(() => answers.shift());
    const docs = [log('one'), log('two')];
    await expect(store.writeLogs(docs)).rejects.toThrow();
    // The shipper puts the same objects back and sends them with its next flush.
    await expect(store.writeLogs(docs)).resolves.toEqual({ written: 2, rejected: [] });
    expect(requests).toHaveLength(2);
    expect(requests[1]!.body).toEqual(requests[0]!.body);
    // Another document, even an equal one, is another line with its own id.
    await expect(store.writeLogs([log('one')])).resolves.toEqual({ written: 1, rejected: [] });
    const idsOf = (r: Req) => (r.body as BulkLine[]).filter((_, i) => i % 2 === 0).map((l) => (l.index as { _id: string })._id);
    expect(idsOf(requests[2]!)).toHaveLength(1);
    expect(idsOf(requests[0]!)).not.toContain(idsOf(requests[2]!)[0]);
  });

  it('does not throw when a retry round fails as a whole: stored items must not be sent again by the caller', async () => {
    const answers: unknown[] = [bulkAnswer(ok, tooMany), esError(500, 'internal_server_error', 'boom'), bulkAnswer(ok)];
    const { requests, store } = harness(() => answers.shift());
    await expect(store.writeLogs([log('stored'), log('busy')])).resolves.toEqual({ written: 2, rejected: [] });
    expect(requests).toHaveLength(3);
    const first = requests[0]!.body as BulkLine[];
    expect(requests[2]!.body).toEqual([first[2], first[3]]);
  });
});

const FROM = new Date('2025-11-24T16:00:00.000Z');
const TO = new Date('2025-11-24T17:00:00.000Z');
const searchAnswer = (hits: object[] = [], buckets: object[] = []) => ({
  took: 1,
  timed_out: false,
  _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
  hits: { hits },
  aggregations: { histogram: { buckets } },
});

async function searchRequest(run: (store: ReturnType<typeof harness>['store']) => Promise<unknown>) {
  const { requests, store } = harness(() => searchAnswer());
  await run(store);
  expect(requests).toHaveLength(1);
  return requests[0]!;
}

const histogramAgg = (interval: string, from = FROM, to = TO) => ({
  histogram: {
    date_histogram: {
      field: '@timestamp',
      fixed_interval: interval,
      min_doc_count: 0,
      extended_bounds: { min: from.getTime(), max: to.getTime() - 1 },
    },
  },
});
const RANGE = { range: { '@timestamp': { gte: FROM.toISOString(), lt: TO.toISOString(), format: 'strict_date_optional_time' } } };
const HIGHLIGHT = {
  pre_tags: [MARK_START],
  post_tags: [MARK_END],
  max_analyzed_offset: 100_000,
  fields: { message: { number_of_fragments: 0 } },
};
const DESC = [{ '@timestamp': { order: 'desc' } }, { doc_id: { order: 'desc', unmapped_type: 'keyword' } }];

describe('log search query DSL', () => {
  it('words: all must match, the last as a prefix; every filter; newest first; the histogram of the range', async () => {
    const req = await searchRequest((s) =>
      s.searchLogs({
        from: FROM,
        to: TO,
        text: 'metrics rece',
        services: ['fiber-api', 'fiber-worker'],
        levels: ['INFO', 'ERROR'],
        nodeId: '550e8400-e29b-41d4-a716-446655440000',
        requestId: 'req-123456',
        userId: 'u-1',
        limit: 50,
      }),
    );
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/fiber-logs/_search');
    expect(req.querystring).toEqual({});
    expect(req.body).toEqual({
      size: 51,
      track_total_hits: false,
      query: {
        bool: {
          must: [
            { match: { message: { query: 'metrics', operator: 'and' } } },
            { match_bool_prefix: { message: { query: 'rece', operator: 'and' } } },
          ],
          filter: [
            RANGE,
            { terms: { service: ['fiber-api', 'fiber-worker'] } },
            { terms: { level: ['INFO', 'ERROR'] } },
            { term: { node_id: '550e8400-e29b-41d4-a716-446655440000' } },
            { term: { request_id: 'req-123456' } },
            { term: { user_id: 'u-1' } },
          ],
        },
      },
      sort: DESC,
      highlight: HIGHLIGHT,
      aggs: histogramAgg('1m'),
    });
  });

  const textQuery = async (text: string) => {
    const req = await searchRequest((s) => s.searchLogs({ from: FROM, to: TO, text, limit: 10 }));
    const { bool } = (req.body as { query: { bool: { must?: unknown; must_not?: unknown; filter: unknown } } }).query;
    expect(bool.filter).toEqual([RANGE]);
    return { must: bool.must, mustNot: bool.must_not, highlight: (req.body as { highlight?: unknown }).highlight };
  };
  const word = (query: string) => ({ match: { message: { query, operator: 'and' } } });
  const prefix = (query: string) => ({ match_bool_prefix: { message: { query, operator: 'and' } } });
  const phrase = (query: string) => ({ match_phrase: { message: query } });

  it('a quoted phrase is a match_phrase (no prefix after a phrase)', async () => {
    expect(await textQuery(' "Metrics received" ')).toMatchObject({ must: [phrase('Metrics received')], highlight: HIGHLIGHT });
  });

  it.each([
    ['timeout', [prefix('timeout')], undefined],
    ['"connection reset" node-7', [phrase('connection reset'), prefix('node-7')], undefined],
    ['probe -timeout', [word('probe')], [word('timeout')]],
    ['reset -"by peer" link', [word('reset'), prefix('link')], [phrase('by peer')]],
    ['refused or reset link', [{ bool: { should: [word('refused'), word('reset')], minimum_should_match: 1 } }, prefix('link')], undefined],
    // As in the PostgreSQL store: the last bare word is the prefix, ANDed with what comes before.
    ['refused or reset', [word('refused'), prefix('reset')], undefined],
    ['timeout - link', [word('timeout'), prefix('link')], undefined],
    ['-debug', undefined, [word('debug')]],
  ])('the search syntax as the PostgreSQL store reads it: %j', async (text, must, mustNot) => {
    const q = await textQuery(text);
    expect(q.must).toEqual(must);
    expect(q.mustNot).toEqual(mustNot);
  });

  it.each(['', '   '])('no text clause and no highlight for %j', async (text) => {
    expect(await textQuery(text)).toEqual({ must: undefined, mustNot: undefined, highlight: undefined });
  });

  it.each(['""', '" "', '!!!', '- --'])('text without a searchable word (%j) matches nothing, as in the PostgreSQL store', async (text) => {
    expect(await textQuery(text)).toEqual({ must: [{ match_none: {} }], mustNot: undefined, highlight: HIGHLIGHT });
  });

  it('an empty list matches nothing, as in the PostgreSQL store', async () => {
    const req = await searchRequest((s) => s.searchLogs({ from: FROM, to: TO, services: [], limit: 10 }));
    expect((req.body as { query: unknown }).query).toEqual({ bool: { filter: [RANGE, { terms: { service: [] } }] } });
  });

  it('minLevel is the level and every level above it', async () => {
    const req = await searchRequest((s) => s.searchLogs({ from: FROM, to: TO, minLevel: 'WARN', limit: 10 }));
    expect((req.body as { query: unknown }).query).toEqual({
      bool: { filter: [RANGE, { terms: { level: ['WARN', 'ERROR', 'FATAL'] } }] },
    });
  });

  it('a cursor becomes search_after; ascending sorts oldest first', async () => {
    const cursor = encodeCursor([1764002100000, '0199f1a2-0000-7000-8000-000000000000']);
    const req = await searchRequest((s) => s.searchLogs({ from: FROM, to: TO, cursor, ascending: true, limit: 10 }));
    const body = req.body as { search_after: unknown; sort: unknown };
    expect(body.search_after).toEqual([1764002100000, '0199f1a2-0000-7000-8000-000000000000']);
    expect(body.sort).toEqual([{ '@timestamp': { order: 'asc' } }, { doc_id: { order: 'asc', unmapped_type: 'keyword' } }]);
  });

  it.each(['nonsense', encodeCursor(['x', 1]), encodeCursor([1]), Buffer.from('{"a":1}').toString('base64url')])(
    'refuses a cursor it did not issue (%s) with a 400 naming the parameter',
    async (cursor) => {
      const { requests, store } = harness(() => searchAnswer());
      const err = await store.searchLogs({ from: FROM, to: TO, cursor, limit: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ status: 400, options: { errors: [{ parameter: 'cursor' }] } });
      expect(requests).toHaveLength(0);
    },
  );

  it.each([
    [10 * 60_000, '1m'],
    [60 * 60_000, '1m'],
    [61 * 60_000, '5m'],
    [6 * 3_600_000, '15m'],
    [24 * 3_600_000, '1h'],
    [7 * 86_400_000, '6h'],
    [31 * 86_400_000, '1d'],
  ])('a range of %i ms is bucketed by %s, zero-filled over the whole range', async (span, interval) => {
    const to = new Date(FROM.getTime() + span);
    const req = await searchRequest((s) => s.searchLogs({ from: FROM, to, limit: 10 }));
    expect((req.body as { aggs: unknown }).aggs).toEqual(histogramAgg(interval, FROM, to));
  });

  it.each([
    [1, 2],
    [500, 501],
    [501, 501],
    [10_000, 501],
    [0, 2],
  ])('limit %i asks for %i hits (at most 500 per page, plus one to know whether more follow)', async (limit, size) => {
    const req = await searchRequest((s) => s.searchLogs({ from: FROM, to: TO, limit }));
    expect((req.body as { size: number }).size).toBe(size);
  });

  it('refuses a range over 31 days or an empty one, naming the parameter', async () => {
    const { requests, store } = harness(() => searchAnswer());
    const long = store.searchLogs({ from: new Date(TO.getTime() - 32 * 86_400_000), to: TO, limit: 10 });
    await expect(long).rejects.toMatchObject({ status: 400, options: { errors: [{ parameter: 'from' }] } });
    await expect(store.searchLogs({ from: TO, to: TO, limit: 10 })).rejects.toBeInstanceOf(ApiError);
    expect(requests).toHaveLength(0);
  });
});

describe('event search query DSL', () => {
  it('filters on event type, severity and node; text as for logs', async () => {
    const req = await searchRequest((s) =>
      s.searchEvents({ from: FROM, to: TO, text: 'probe', eventTypes: ['node_down'], severities: ['critical', 'warning'], nodeId: 'n-1', limit: 20 }),
    );
    expect(req.path).toBe('/fiber-events/_search');
    expect(req.body).toEqual({
      size: 21,
      track_total_hits: false,
      query: {
        bool: {
          must: [{ match_bool_prefix: { message: { query: 'probe', operator: 'and' } } }],
          filter: [RANGE, { terms: { event_type: ['node_down'] } }, { terms: { severity: ['critical', 'warning'] } }, { term: { node_id: 'n-1' } }],
        },
      },
      sort: DESC,
      highlight: HIGHLIGHT,
      aggs: histogramAgg('1m'),
    });
  });
});

describe('search answers', () => {
  const hit = (id: string, ms: number, message: string, highlighted?: string) => ({
    _index: 'fiber-logs-000001',
    _id: id,
    _score: null,
    _source: { '@timestamp': new Date(ms).toISOString(), service: 'fiber-api', level: 'ERROR', message, doc_id: id },
    sort: [ms, id],
    ...(highlighted ? { highlight: { message: [highlighted] } } : {}),
  });
  const t0 = FROM.getTime();

  it('become hits (without the tiebreaker field), highlight segments, the histogram, the exact total and the next cursor', async () => {
    const { store } = harness(() =>
      searchAnswer(
        [
          hit('c', t0 + 180_000, 'probe timeout on link', `probe ${MARK_START}timeout${MARK_END} on link`),
          hit('b', t0 + 120_000, 'timeout', `${MARK_START}timeout${MARK_END}`),
          hit('a', t0 + 60_000, 'timeouts everywhere', `${MARK_START}timeouts${MARK_END} everywhere`),
        ],
        [
          { key: t0, key_as_string: 'x', doc_count: 0 },
          { key: t0 + 60_000, doc_count: 1 },
          { key: t0 + 120_000, doc_count: 1 },
          { key: t0 + 180_000, doc_count: 1 },
        ],
      ),
    );
    const page = await store.searchLogs({ from: FROM, to: TO, text: 'timeo', limit: 2 });
    expect(page.hits).toEqual([
      {
        id: 'c',
        doc: { '@timestamp': new Date(t0 + 180_000).toISOString(), service: 'fiber-api', level: 'ERROR', message: 'probe timeout on link' },
        highlight: ['probe ', 'timeout', ' on link'],
      },
      {
        id: 'b',
        doc: { '@timestamp': new Date(t0 + 120_000).toISOString(), service: 'fiber-api', level: 'ERROR', message: 'timeout' },
        highlight: ['', 'timeout', ''],
      },
    ]);
    expect(page.total).toBe(3);
    expect(page.totalIsLowerBound).toBeUndefined();
    expect(page.histogramBucketMs).toBe(60_000);
    expect(page.histogram).toHaveLength(60);
    expect(page.histogram.slice(0, 5)).toEqual([
      { start: '2025-11-24T16:00:00.000Z', count: 0 },
      { start: '2025-11-24T16:01:00.000Z', count: 1 },
      { start: '2025-11-24T16:02:00.000Z', count: 1 },
      { start: '2025-11-24T16:03:00.000Z', count: 1 },
      { start: '2025-11-24T16:04:00.000Z', count: 0 },
    ]);
    expect(page.histogram.at(-1)).toEqual({ start: '2025-11-24T16:59:00.000Z', count: 0 });
    expect(page.nextCursor).toBe(encodeCursor([t0 + 120_000, 'b']));
  });

  it('lays the histogram out over the whole range even when the cluster sends no buckets (epoch-aligned, from inclusive, to exclusive)', async () => {
    const { store } = harness(() => searchAnswer([], []));
    const from = new Date('2025-11-24T16:03:30.000Z');
    const to = new Date('2025-11-24T22:03:30.000Z');
    const page = await store.searchLogs({ from, to, limit: 10 });
    expect(page.histogramBucketMs).toBe(15 * 60_000);
    expect(page.histogram[0]).toEqual({ start: '2025-11-24T16:00:00.000Z', count: 0 });
    expect(page.histogram.at(-1)).toEqual({ start: '2025-11-24T22:00:00.000Z', count: 0 });
    expect(page.histogram).toHaveLength(25);
    expect(page.total).toBe(0);
  });

  it('has no next cursor on the last page', async () => {
    const { store } = harness(() => searchAnswer([hit('a', t0, 'x')], [{ key: t0, doc_count: 1 }]));
    const page = await store.searchLogs({ from: FROM, to: TO, limit: 2 });
    expect(page.hits.map((h) => h.id)).toEqual(['a']);
    expect(page.hits[0]!.highlight).toBeUndefined();
    expect(page.nextCursor).toBeUndefined();
  });

  it('hands back the cursor it issued as the same search_after', async () => {
    const answers = [searchAnswer([hit('b', t0 + 1, 'x'), hit('a', t0, 'x')]), searchAnswer([hit('a', t0, 'x')])];
    const { requests, store } = harness(() => answers.shift());
    const first = await store.searchLogs({ from: FROM, to: TO, limit: 1 });
    await store.searchLogs({ from: FROM, to: TO, limit: 1, cursor: first.nextCursor });
    expect((requests[1]!.body as { search_after: unknown }).search_after).toEqual([t0 + 1, 'b']);
  });
});

describe('highlight segments', () => {
  it('alternate plain and matched, starting and ending plain', () => {
    expect(highlightSegments(`a ${MARK_START}b${MARK_END} c ${MARK_START}d${MARK_END}`, 'a b c d')).toEqual(['a ', 'b', ' c ', 'd', '']);
  });

  it('end with what lies beyond the highlighted part of a long message', () => {
    expect(highlightSegments(`a ${MARK_START}b${MARK_END} c`, 'a b c and the rest')).toEqual(['a ', 'b', ' c and the rest']);
  });

  it('carry markup as text: nothing is escaped or interpreted', () => {
    expect(highlightSegments(`<b>${MARK_START}x${MARK_END}</b>`, '<b>x</b>')).toEqual(['<b>', 'x', '</b>']);
  });

  it('are left out when the message itself holds a marker, or the highlight does not spell the message', () => {
    expect(highlightSegments(`${MARK_START}a${MARK_END}`, `a${MARK_START}`)).toBeUndefined();
    expect(highlightSegments(`${MARK_START}b${MARK_END}`, 'a longer message')).toBeUndefined();
    expect(highlightSegments(`${MARK_START}a`, 'a')).toBeUndefined();
    expect(highlightSegments('a', 'a')).toBeUndefined();
  });
});

describe('createElasticsearchClient', () => {
  it('authenticates with an API key, or user and password, and keeps requests short', () => {
    const withKey = createElasticsearchClient({ url: 'http://es.test:9200', apiKey: 'k3y' });
    const withUser = createElasticsearchClient({ url: 'https://es.test:9200', username: 'elastic', password: 'pw' });
    const none = createElasticsearchClient({ url: 'http://es.test:9200' });
    const headers = (c: Client) => (c.connectionPool.connections[0] as unknown as { headers: Record<string, string> }).headers;
    expect(headers(withKey).authorization).toBe('ApiKey k3y');
    expect(headers(withUser).authorization).toBe(`Basic ${Buffer.from('elastic:pw').toString('base64')}`);
    expect(headers(none).authorization).toBeUndefined();
    const transport = (c: Client) => c.transport as unknown as Record<symbol, unknown>;
    const option = (c: Client, name: string) => {
      const t = transport(c);
      return t[Object.getOwnPropertySymbols(t).find((s) => s.description === name)!];
    };
    expect(option(withKey, 'max retries')).toBe(2);
    expect(option(withKey, 'request timeout')).toBe(5_000);
  });
});
