import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../drizzle/seed/demo-samples';
import type { StorageMode } from '../db/mode';
import { queryRows, toNumber } from '../db/rows';
import { refreshRollup } from '../maintenance/queries';
import { insertMissingNodes } from '../nodes/queries';
import { createRedis, whenReady } from '../redis';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { TEST_REDIS_DB, testRedisUrl } from '../testing/redis';
import { readSchemaFixture, schemaValidator, specJsonBlock } from '../testing/spec-schemas';
import { max, mean, min, percentileCont } from '../testing/stats';
import { handleMetricsRequest } from './api';
import { insertMetricBatch, type MetricSample } from './queries';

/**
 * GET /api/metrics through handleMetricsRequest with real Requests, a real migrated database in
 * both storage modes and a real Redis (logical db 8). Every expected number is computed here,
 * in TypeScript, from the samples this file inserted, never by the code under test.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Three whole UTC days of samples ending at today's midnight, so every hour and day is complete. */
const DATA_TO = Math.floor(Date.now() / DAY) * DAY;
const DATA_FROM = DATA_TO - 3 * DAY;
/** The handler's clock: an odd instant after the data. */
const NOW = new Date(DATA_TO + 2 * HOUR + 17 * MIN + 23_456);
/** One hour of node A in which no sample has a latency. */
const NO_LATENCY_HOUR = DATA_TO - 30 * HOUR;

const SCHEMA = readSchemaFixture('metrics-response.schema.json');
const validateSpec = schemaValidator(SCHEMA);

// ---- samples and their expected series, computed independently -------------------------------

const hundredths = (random: () => number, lo: number, hi: number) => Math.round(lo * 100 + random() * (hi - lo) * 100) / 100;

/** A sample every ~5 minutes over [from, to), with NULLs in every column now and then. */
function generate(nodeId: string, from: number, to: number, seed: number): MetricSample[] {
  const random = seededRandom(seed);
  const out: MetricSample[] = [];
  for (let slot = from; slot < to; slot += 5 * MIN) {
    const time = slot + Math.floor(random() * 5 * MIN);
    const silent = Math.floor(time / HOUR) * HOUR === NO_LATENCY_HOUR;
    out.push({
      time: new Date(time),
      nodeId,
      latencyMs: silent || random() < 0.1 ? null : hundredths(random, 1, 600),
      uptimePct: random() < 0.05 ? null : random() < 0.3 ? hundredths(random, 90, 99.99) : hundredths(random, 95.01, 100),
      packetLoss: random() < 0.05 ? null : hundredths(random, 0, 5),
      targetHost: 'example.net',
      probeType: 'ping',
      metadata: null,
    });
  }
  return out;
}

/** JSON as the API promises it: members without a value are absent. */
const withoutNulls = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));

const inRange = (samples: MetricSample[], from: number, to: number) =>
  samples.filter((s) => s.time.getTime() >= from && s.time.getTime() < to).sort((a, b) => a.time.getTime() - b.time.getTime());

function bucketsOf(samples: MetricSample[], from: number, to: number, size: number): [number, MetricSample[]][] {
  const groups = new Map<number, MetricSample[]>();
  for (const s of inRange(samples, from, to)) {
    const b = Math.floor(s.time.getTime() / size) * size;
    groups.set(b, [...(groups.get(b) ?? []), s]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]);
}

function expectedRaw(samples: MetricSample[], from: number, to: number) {
  return inRange(samples, from, to).map((s) =>
    withoutNulls({
      time: s.time.toISOString(),
      latency_ms: s.latencyMs,
      uptime_pct: s.uptimePct,
      packet_loss: s.packetLoss,
      target_host: s.targetHost,
      probe_type: s.probeType,
    }),
  );
}

function expectedHourly(samples: MetricSample[], from: number, to: number) {
  return bucketsOf(samples, from, to, HOUR).map(([time, g]) => {
    const latency = g.map((s) => s.latencyMs);
    return withoutNulls({
      time: new Date(time).toISOString(),
      latency_ms: mean(latency),
      uptime_pct: mean(g.map((s) => s.uptimePct)),
      packet_loss: mean(g.map((s) => s.packetLoss)),
      min_latency_ms: min(latency),
      max_latency_ms: max(latency),
      p50_latency_ms: percentileCont(0.5, latency),
      p95_latency_ms: percentileCont(0.95, latency),
      p99_latency_ms: percentileCont(0.99, latency),
      min_uptime_pct: min(g.map((s) => s.uptimePct)),
      max_packet_loss: max(g.map((s) => s.packetLoss)),
      sample_count: g.length,
    });
  });
}

function expectedDaily(samples: MetricSample[], from: number, to: number) {
  return bucketsOf(samples, from, to, DAY).map(([time, g]) => {
    const latency = g.map((s) => s.latencyMs);
    const high = g.filter((s) => s.uptimePct !== null && s.uptimePct > 95).length;
    return withoutNulls({
      time: new Date(time).toISOString(),
      latency_ms: mean(latency),
      uptime_pct: mean(g.map((s) => s.uptimePct)),
      packet_loss: mean(g.map((s) => s.packetLoss)),
      min_latency_ms: min(latency),
      max_latency_ms: max(latency),
      sample_count: g.length,
      high_availability_count: high,
      availability_pct: (high / g.length) * 100,
    });
  });
}

/** Raw: the plain mean of the samples that have the value; sample_count counts every sample. */
function expectedRawSummary(samples: MetricSample[]) {
  return withoutNulls({
    avg_latency: mean(samples.map((s) => s.latencyMs)),
    avg_uptime: mean(samples.map((s) => s.uptimePct)),
    avg_packet_loss: mean(samples.map((s) => s.packetLoss)),
    sample_count: samples.length,
  });
}

/** Buckets: each bucket's mean weighted by its sample count, over the buckets that have the value. */
function expectedBucketSummary(buckets: [number, MetricSample[]][]) {
  const weighted = (pick: (s: MetricSample) => number | null) => {
    let sum = 0;
    let n = 0;
    for (const [, g] of buckets) {
      const m = mean(g.map(pick));
      if (m === null) continue;
      sum += m * g.length;
      n += g.length;
    }
    return n ? sum / n : null;
  };
  return withoutNulls({
    avg_latency: weighted((s) => s.latencyMs),
    avg_uptime: weighted((s) => s.uptimePct),
    avg_packet_loss: weighted((s) => s.packetLoss),
    sample_count: buckets.reduce((n, [, g]) => n + g.length, 0),
  });
}

/** Same shape, strings and integers equal, other numbers within 1e-9 relative. */
function mismatches(actual: unknown, expected: unknown, at = ''): string[] {
  if (typeof expected === 'number') {
    const ok = typeof actual === 'number' && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
    return ok ? [] : [`${at}: got ${JSON.stringify(actual)}, expected ${expected}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${at}: got ${Array.isArray(actual) ? actual.length : typeof actual} items, expected ${expected.length}`];
    return expected.flatMap((e, i) => mismatches(actual[i], e, `${at}/${i}`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${at}: got ${JSON.stringify(actual)}`];
    const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort();
    return keys.flatMap((k) =>
      k in expected
        ? mismatches((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${at}/${k}`)
        : [`${at}/${k}: unexpected member ${JSON.stringify((actual as Record<string, unknown>)[k])}`],
    );
  }
  return actual === expected ? [] : [`${at}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`];
}

const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;
const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
const iso = (ms: number) => new Date(ms).toISOString();
/** The documented key: first 16 hex digits of SHA-256 over "start|end|aggregation" of the answered timeframe. */
const expectedKey = (nodeId: string, body: { timeframe: { start: string; end: string }; aggregation: string }) =>
  `cache:metrics:${nodeId}:${createHash('sha256').update(`${body.timeframe.start}|${body.timeframe.end}|${body.aggregation}`).digest('hex').slice(0, 16)}`;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> & {
    timeframe: { start: string; end: string };
    aggregation: string;
    data: Record<string, unknown>[];
    summary: Record<string, unknown>;
    errors?: { parameter: string; message: string }[];
  };
}

describe.each(STORAGE_CASES)('GET /api/metrics: $name', ({ engine, mode }) => {
  let t: TestDatabase & { mode: StorageMode };
  let redis: Redis;
  const nodeA = testNode({ nodeName: `probe-metrics-a-${engine}` });
  const empty = testNode({ nodeName: `probe-metrics-empty-${engine}` });
  const changing = testNode({ nodeName: `probe-metrics-changing-${engine}` });
  const samples = generate(nodeA.nodeId, DATA_FROM, DATA_TO, 20251124);

  async function get(query: Record<string, string> | string, opts: { redis?: Redis | null } = {}): Promise<Answer> {
    const qs = typeof query === 'string' ? query : new URLSearchParams(query).toString();
    const res = await handleMetricsRequest(new Request(`http://test/api/metrics?${qs}`), {
      db: t.database.db,
      redis: opts.redis === null ? undefined : (opts.redis ?? redis),
      now: () => NOW,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: JSON.parse(text) as Answer['json'] };
  }

  /** 200, valid against the spec's schema, every top-level member present. */
  async function ok(query: Record<string, string> | string, opts: { redis?: Redis | null } = {}): Promise<Answer> {
    const r = await get(query, opts);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(validateSpec(r.json)).toEqual([]);
    expect(Object.keys(r.json).sort()).toEqual(['aggregation', 'data', 'node_id', 'node_name', 'summary', 'timeframe']);
    expect(Number.isInteger(r.json.summary.sample_count)).toBe(true);
    return r;
  }

  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    expect(t.mode).toBe(mode);
    await insertMissingNodes(t.database.db, [nodeA, empty, changing]);
    expect(await insertMetricBatch(t.database.db, samples)).toBe(samples.length);
    await refreshRollup(t.database.db, t.mode, 'hourly', new Date(DATA_FROM), new Date(DATA_TO));
    await refreshRollup(t.database.db, t.mode, 'daily', new Date(DATA_FROM), new Date(DATA_TO));
    redis = createRedis(testRedisUrl(TEST_REDIS_DB.metricsApi), 'metrics-api-test');
    await whenReady(redis, 5_000);
    await redis.flushdb();
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.cleanup();
  });

  it('the generated data has the cases that matter: NULLs, and an hour without any latency', () => {
    expect(samples.some((s) => s.latencyMs === null && Math.floor(s.time.getTime() / HOUR) * HOUR !== NO_LATENCY_HOUR)).toBe(true);
    expect(samples.some((s) => s.uptimePct === null)).toBe(true);
    expect(samples.some((s) => s.packetLoss === null)).toBe(true);
    expect(samples.filter((s) => Math.floor(s.time.getTime() / HOUR) * HOUR === NO_LATENCY_HOUR).length).toBeGreaterThan(5);
  });

  describe('series and summary', () => {
    it('raw: every sample of [start, end), values as stored, summary the plain means', async () => {
      const start = DATA_TO - 5 * HOUR + 7.5 * MIN;
      const end = DATA_TO - HOUR;
      const r = await ok({ node_id: nodeA.nodeId, start: iso(start), end: iso(end) });
      expect(r.json.aggregation).toBe('raw');
      expect(r.json).toMatchObject({ node_id: nodeA.nodeId, node_name: nodeA.nodeName, timeframe: { start: iso(start), end: iso(end) } });
      const want = expectedRaw(samples, start, end);
      expect(want.length).toBeGreaterThan(40);
      expect(r.json.data).toEqual(want);
      expect(mismatches(r.json.summary, expectedRawSummary(inRange(samples, start, end)))).toEqual([]);
    });

    it('hourly: whole UTC hours covering the range, with the spec aggregate columns; summary weighted by sample_count', async () => {
      const start = DATA_TO - 2 * DAY + 30 * MIN;
      const end = DATA_TO - 10 * HOUR - 15 * MIN;
      const r = await ok({ node_id: nodeA.nodeId, start: iso(start), end: iso(end), aggregation: 'hourly' });
      const [from, to] = [floorTo(start, HOUR), ceilTo(end, HOUR)];
      expect(r.json.timeframe).toEqual({ start: iso(from), end: iso(to) });
      expect(r.json.aggregation).toBe('hourly');
      const want = expectedHourly(samples, from, to);
      expect(want.length).toBe((to - from) / HOUR);
      expect(mismatches(r.json.data, want)).toEqual([]);
      // The hour without latency is a point without latency figures, and does not dilute the mean.
      const silent = r.json.data.find((p) => p.time === iso(NO_LATENCY_HOUR))!;
      expect(silent).toBeDefined();
      expect(silent).not.toHaveProperty('latency_ms');
      expect(silent).not.toHaveProperty('p95_latency_ms');
      expect(mismatches(r.json.summary, expectedBucketSummary(bucketsOf(samples, from, to, HOUR)))).toEqual([]);
    });

    it('daily: whole UTC days with availability_pct; summary weighted by sample_count', async () => {
      const start = DATA_TO - 40 * DAY + 5 * HOUR;
      const r = await ok({ node_id: nodeA.nodeId, start: iso(start), end: NOW.toISOString(), aggregation: 'daily' });
      const [from, to] = [floorTo(start, DAY), ceilTo(NOW.getTime(), DAY)];
      expect(r.json.timeframe).toEqual({ start: iso(from), end: iso(to) });
      const want = expectedDaily(samples, from, to);
      expect(want.length).toBe(3);
      expect(mismatches(r.json.data, want)).toEqual([]);
      expect(r.json.data.every((p) => typeof p.availability_pct === 'number')).toBe(true);
      const summary = expectedBucketSummary(bucketsOf(samples, from, to, DAY));
      expect(summary.sample_count).toBe(samples.length);
      expect(mismatches(r.json.summary, summary)).toEqual([]);
    });

    it('buckets not materialised yet (the current hour or day) are computed from the raw samples, equal to what the rollup gives later', async () => {
      const live = testNode({ nodeName: `probe-metrics-live-${engine}` });
      await insertMissingNodes(t.database.db, [live]);
      const mine = generate(live.nodeId, DATA_TO - 5 * HOUR, DATA_TO, 99);
      await insertMetricBatch(t.database.db, mine);
      await refreshRollup(t.database.db, t.mode, 'hourly', new Date(DATA_TO - 5 * HOUR), new Date(DATA_TO - 2 * HOUR));
      const stored = await queryRows<{ n: unknown }>(
        t.database.db,
        sql`SELECT count(*) AS n FROM aggregates_hourly WHERE node_id = ${live.nodeId}::uuid`,
      );
      expect(toNumber(stored[0]?.n)).toBe(3);

      const hourly = { node_id: live.nodeId, start: iso(DATA_TO - 5 * HOUR), end: iso(DATA_TO), aggregation: 'hourly' };
      const daily = { node_id: live.nodeId, start: iso(DATA_TO - DAY), end: iso(DATA_TO), aggregation: 'daily' };
      const before = { hourly: await ok(hourly, { redis: null }), daily: await ok(daily, { redis: null }) };
      expect(mismatches(before.hourly.json.data, expectedHourly(mine, DATA_TO - 5 * HOUR, DATA_TO))).toEqual([]);
      expect(mismatches(before.daily.json.data, expectedDaily(mine, DATA_TO - DAY, DATA_TO))).toEqual([]);
      expect(before.hourly.json.summary.sample_count).toBe(mine.length);

      await refreshRollup(t.database.db, t.mode, 'hourly', new Date(DATA_FROM), new Date(DATA_TO));
      await refreshRollup(t.database.db, t.mode, 'daily', new Date(DATA_FROM), new Date(DATA_TO));
      const after = { hourly: await ok(hourly, { redis: null }), daily: await ok(daily, { redis: null }) };
      expect(mismatches(after.hourly.json, before.hourly.json)).toEqual([]);
      expect(mismatches(after.daily.json, before.daily.json)).toEqual([]);
    });

    it('an empty range: no data, sample_count 0 and no averages (nothing to average), still schema-valid', async () => {
      for (const aggregation of ['raw', 'hourly', 'daily']) {
        const r = await ok({ node_id: empty.nodeId, aggregation });
        expect(r.json.data).toEqual([]);
        expect(r.json.summary).toEqual({ sample_count: 0 });
        expect(r.json.node_name).toBe(empty.nodeName);
      }
    });

    it('numbers are JSON numbers and times ISO 8601 UTC', async () => {
      const r = await ok({ node_id: nodeA.nodeId, start: iso(DATA_TO - 3 * HOUR), end: iso(DATA_TO) });
      expect(r.json.data.length).toBeGreaterThan(0);
      for (const p of r.json.data) {
        expect(p.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        for (const k of ['latency_ms', 'uptime_pct', 'packet_loss']) if (k in p) expect(typeof p[k]).toBe('number');
      }
      for (const v of Object.values(r.json.summary)) expect(typeof v).toBe('number');
      expect(r.text).not.toMatch(/"(latency_ms|uptime_pct|packet_loss|avg_\w+)":"/);
    });
  });

  describe('auto resolution', () => {
    const cases: [string, string, number][] = [
      ['1 minute', 'raw', MIN],
      ['exactly 6 h', 'raw', 6 * HOUR],
      ['6 h and 1 s', 'hourly', 6 * HOUR + 1000],
      ['exactly 31 days', 'hourly', 31 * DAY],
      ['31 days and 1 s', 'daily', 31 * DAY + 1000],
      ['exactly 400 days', 'daily', 400 * DAY],
    ];
    it.each(cases)('a span of %s is %s', async (_label, aggregation, span) => {
      const end = DATA_TO - 7 * MIN;
      const r = await ok({ node_id: nodeA.nodeId, start: iso(end - span), end: iso(end) });
      expect(r.json.aggregation).toBe(aggregation);
      if (span >= HOUR) expect(r.json.data.length).toBeGreaterThan(0);
    });

    it('no parameters but node_id: the last 24 h (end = now rounded up to the minute), hourly', async () => {
      const end = ceilTo(NOW.getTime(), MIN);
      const r = await ok({ node_id: nodeA.nodeId });
      expect(r.json.aggregation).toBe('hourly');
      expect(r.json.timeframe).toEqual({ start: iso(floorTo(end - DAY, HOUR)), end: iso(ceilTo(end, HOUR)) });
      expect(mismatches(r.json.data, expectedHourly(samples, floorTo(end - DAY, HOUR), ceilTo(end, HOUR)))).toEqual([]);
      expect((await ok({ node_id: nodeA.nodeId, aggregation: 'auto' })).text).toBe(r.text);
    });

    it('only start: end is now; only end: start is 24 h before it', async () => {
      const start = NOW.getTime() - 2 * HOUR;
      const r = await ok({ node_id: nodeA.nodeId, start: iso(start) });
      expect(r.json).toMatchObject({ aggregation: 'raw', timeframe: { start: iso(start), end: iso(ceilTo(NOW.getTime(), MIN)) } });
      const end = DATA_TO - 3 * HOUR;
      const e = await ok({ node_id: nodeA.nodeId, end: iso(end) });
      expect(e.json).toMatchObject({ aggregation: 'hourly', timeframe: { start: iso(floorTo(end - DAY, HOUR)), end: iso(end) } });
    });

    it('an explicit aggregation overrides auto', async () => {
      const start = DATA_TO - 2 * DAY;
      const raw = await ok({ node_id: nodeA.nodeId, start: iso(start), end: iso(DATA_TO), aggregation: 'raw' });
      expect(raw.json.aggregation).toBe('raw');
      expect(raw.json.data).toEqual(expectedRaw(samples, start, DATA_TO));
      const daily = await ok({ node_id: nodeA.nodeId, start: iso(DATA_TO - 2 * HOUR), end: iso(DATA_TO - HOUR), aggregation: 'daily' });
      expect(daily.json).toMatchObject({ aggregation: 'daily', timeframe: { start: iso(DATA_TO - DAY), end: iso(DATA_TO) } });
      expect(daily.json.data).toHaveLength(1);
    });

    it('accepts offsets, dates, and a "+" that the URL turned into a space', async () => {
      const at = (ms: number) => iso(ms).replace('Z', '+00:00');
      const a = await ok({ node_id: nodeA.nodeId, start: iso(DATA_TO - 2 * HOUR), end: iso(DATA_TO - HOUR) });
      const b = await ok(`node_id=${nodeA.nodeId}&start=${at(DATA_TO - 2 * HOUR)}&end=${at(DATA_TO - HOUR)}`);
      expect(b.json).toEqual(a.json);
      const day = iso(DATA_TO - DAY).slice(0, 10);
      const d = await ok({ node_id: nodeA.nodeId.toUpperCase(), start: day, end: iso(DATA_TO).slice(0, 10) });
      expect(d.json).toMatchObject({ node_id: nodeA.nodeId, aggregation: 'hourly', timeframe: { start: iso(DATA_TO - DAY), end: iso(DATA_TO) } });
    });
  });

  describe('cache', () => {
    it('a repeat is a hit with byte-identical JSON, under cache:metrics:{node_id}:{timerange_hash} for 60 s', async () => {
      const query = { node_id: nodeA.nodeId, start: iso(DATA_TO - 20 * HOUR + 13 * MIN), end: iso(DATA_TO - 2 * HOUR) };
      const first = await ok(query);
      expect(first.headers.get('x-cache')).toBe('MISS');
      const key = expectedKey(nodeA.nodeId, first.json);
      // Written after the answer left (it does not wait for the cache), so looked for until it lands.
      await expect.poll(() => redis.get(key)).toBe(first.text);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await redis.keys(`cache:metrics:${nodeA.nodeId}:*`)).toContain(key);

      const second = await ok(query);
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(second.text).toBe(first.text);
      // The explicit resolution that auto picked, and the same instants in another spelling, share the entry.
      const explicit = await ok({ ...query, aggregation: 'hourly', start: query.start.replace('Z', '+00:00') });
      expect(explicit.headers.get('x-cache')).toBe('HIT');
      expect(explicit.text).toBe(first.text);
    });

    it('a hit is served from the cache: new samples show only once the entry is gone', async () => {
      const start = DATA_TO - 3 * HOUR;
      const query = { node_id: changing.nodeId, start: iso(start), end: iso(DATA_TO) };
      const before = await ok(query);
      expect(before.json.summary).toEqual({ sample_count: 0 });
      await insertMetricBatch(t.database.db, generate(changing.nodeId, start, start + 10 * MIN, 3));
      const cached = await ok(query);
      expect(cached.headers.get('x-cache')).toBe('HIT');
      expect(cached.text).toBe(before.text);
      await redis.del(expectedKey(changing.nodeId, before.json));
      const fresh = await ok(query);
      expect(fresh.headers.get('x-cache')).toBe('MISS');
      expect(fresh.json.summary.sample_count).toBe(2);
    });

    it('errors are not cached', async () => {
      const unknown = randomUUID();
      expect((await get({ node_id: unknown })).status).toBe(404);
      expect(await redis.keys(`cache:metrics:${unknown}:*`)).toEqual([]);
    });

    it('without Redis (unreachable, or none) the answer comes from the database, never an error', async () => {
      const query = { node_id: nodeA.nodeId, start: iso(DATA_TO - 4 * HOUR), end: iso(DATA_TO - 3 * HOUR) };
      const direct = await ok(query, { redis: null });
      expect(direct.headers.get('x-cache')).toBe('BYPASS');
      expect(direct.json.data).toEqual(expectedRaw(samples, DATA_TO - 4 * HOUR, DATA_TO - 3 * HOUR));
      const unreachable = createRedis('redis://127.0.0.1:1/0', 'metrics-api-test-down');
      try {
        for (let i = 0; i < 3; i++) {
          const r = await ok(query, { redis: unreachable });
          expect(r.headers.get('x-cache')).toBe('BYPASS');
          expect(r.text).toBe(direct.text);
        }
      } finally {
        unreachable.disconnect();
      }
      // And the working cache is used again afterwards.
      expect((await ok(query)).headers.get('x-cache')).toBe('MISS');
      expect((await ok(query)).headers.get('x-cache')).toBe('HIT');
    });
  });

  describe('bad parameters', () => {
    const bad: [string, () => Record<string, string>, number, string[]][] = [
      ['node_id missing', () => ({}), 422, ['node_id']],
      ['node_id not a UUID', () => ({ node_id: 'probe-gh-accra-01' }), 422, ['node_id']],
      ['unknown node', () => ({ node_id: randomUUID() }), 404, ['node_id']],
      ['start not a date', () => ({ node_id: nodeA.nodeId, start: 'yesterday' }), 422, ['start']],
      ['start without a time zone', () => ({ node_id: nodeA.nodeId, start: '2025-11-24T16:35:00' }), 422, ['start']],
      ['end an impossible date', () => ({ node_id: nodeA.nodeId, end: '2025-02-30' }), 422, ['end']],
      ['start after end', () => ({ node_id: nodeA.nodeId, start: iso(DATA_TO), end: iso(DATA_TO - HOUR) }), 422, ['start']],
      ['start equal to end', () => ({ node_id: nodeA.nodeId, start: iso(DATA_TO), end: iso(DATA_TO) }), 422, ['start']],
      ['start after the default end (now)', () => ({ node_id: nodeA.nodeId, start: iso(NOW.getTime() + DAY) }), 422, ['start']],
      ['range over 400 days', () => ({ node_id: nodeA.nodeId, start: iso(DATA_TO - 400 * DAY - 1000), end: iso(DATA_TO) }), 422, ['start', 'end']],
      ['aggregation not in the enum', () => ({ node_id: nodeA.nodeId, aggregation: 'weekly' }), 422, ['aggregation']],
      ['several at once', () => ({ node_id: 'x', start: 'y', aggregation: 'z' }), 422, ['node_id', 'start', 'aggregation']],
    ];
    it.each(bad)('%s → %i naming the parameter', async (_label, query, status, parameters) => {
      const r = await get(query());
      expect(r.status, r.text).toBe(status);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(r.json).toMatchObject({ status, request_id: r.headers.get('x-request-id') });
      expect(r.json.errors?.map((e) => e.parameter).sort()).toEqual([...parameters].sort());
      for (const e of r.json.errors ?? []) expect(e.message).toMatch(/\w/);
      expect(String(r.json.detail)).toContain(parameters[0]);
    });
  });
});

describe('the schema fixture', () => {
  const spec = specJsonBlock('GET /api/metrics - Response');
  it.skipIf(spec === undefined)('is the spec\'s "GET /api/metrics - Response" schema, verbatim', () => {
    expect(SCHEMA).toEqual(spec);
  });

  it('would catch the faults it is there for', () => {
    const valid = { node_id: randomUUID(), node_name: 'n', timeframe: { start: iso(0), end: iso(1) }, aggregation: 'raw', data: [], summary: { sample_count: 0 } };
    expect(validateSpec(valid)).toEqual([]);
    expect(validateSpec({ ...valid, aggregation: 'auto' })).not.toEqual([]);
    expect(validateSpec({ ...valid, summary: { sample_count: 1.5 } })).not.toEqual([]);
    expect(validateSpec({ ...valid, summary: { sample_count: 0, avg_latency: null } })).not.toEqual([]);
    expect(validateSpec({ ...valid, data: [{ time: iso(0), latency_ms: '45.23' }] })).not.toEqual([]);
    expect(validateSpec({ ...valid, timeframe: { start: 'yesterday', end: iso(1) } })).not.toEqual([]);
  });
});
