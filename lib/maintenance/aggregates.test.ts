import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/client';
import { queryRows, toNumber } from '../db/rows';
import { insertMetricBatch, type MetricSample } from '../metrics/queries';
import { insertMissingNodes, type NodeInput } from '../nodes/queries';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { refreshRollup } from './queries';
import { seededRandom } from '../../drizzle/seed/demo-samples';
import { max, mean, min, percentileCont } from '../testing/stats';

/**
 * aggregates_hourly and aggregates_daily against an independent computation in TypeScript of
 * the spec's aggregate definitions, over the same generated samples, in both storage modes.
 */

const CASES = STORAGE_CASES;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/**
 * The sessions run in a time zone that is not UTC (and not a whole number of hours from it), so
 * buckets aligned on local time instead of UTC would show: the spec's time_bucket aligns on UTC.
 */
const SESSION_TIME_ZONE = 'Asia/Kolkata';

/** Seeded, so a failure reproduces with the same data. */
const prng = seededRandom;

// ---- the expected aggregates, computed independently of SQL ----------------------------------

type Row = Record<string, number | null>;

function groupBy(samples: MetricSample[], bucketMs: number): Map<string, MetricSample[]> {
  const groups = new Map<string, MetricSample[]>();
  for (const s of samples) {
    const key = `${Math.floor(s.time.getTime() / bucketMs) * bucketMs}|${s.nodeId}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return groups;
}

function expectedHourly(samples: MetricSample[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const [key, g] of groupBy(samples, HOUR)) {
    const latency = g.map((s) => s.latencyMs);
    out.set(key, {
      avg_latency_ms: mean(latency),
      min_latency_ms: min(latency),
      max_latency_ms: max(latency),
      p50_latency_ms: percentileCont(0.5, latency),
      p95_latency_ms: percentileCont(0.95, latency),
      p99_latency_ms: percentileCont(0.99, latency),
      avg_uptime_pct: mean(g.map((s) => s.uptimePct)),
      min_uptime_pct: min(g.map((s) => s.uptimePct)),
      avg_packet_loss: mean(g.map((s) => s.packetLoss)),
      max_packet_loss: max(g.map((s) => s.packetLoss)),
      sample_count: g.length,
    });
  }
  return out;
}

function expectedDaily(samples: MetricSample[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const [key, g] of groupBy(samples, DAY)) {
    const latency = g.map((s) => s.latencyMs);
    const high = g.filter((s) => s.uptimePct !== null && s.uptimePct > 95).length;
    out.set(key, {
      avg_latency_ms: mean(latency),
      min_latency_ms: min(latency),
      max_latency_ms: max(latency),
      avg_uptime_pct: mean(g.map((s) => s.uptimePct)),
      avg_packet_loss: mean(g.map((s) => s.packetLoss)),
      sample_count: g.length,
      high_availability_count: high,
      availability_pct: (high / g.length) * 100,
    });
  }
  return out;
}

const HOURLY_COLUMNS = [
  'avg_latency_ms', 'min_latency_ms', 'max_latency_ms', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms',
  'avg_uptime_pct', 'min_uptime_pct', 'avg_packet_loss', 'max_packet_loss', 'sample_count',
];
const DAILY_COLUMNS = [
  'avg_latency_ms', 'min_latency_ms', 'max_latency_ms', 'avg_uptime_pct', 'avg_packet_loss',
  'sample_count', 'high_availability_count', 'availability_pct',
];

/** Same bucket keys, and every column equal within 1e-9 relative (exactly equal when NULL). */
function expectRowsMatch(actual: Map<string, Row>, expected: Map<string, Row>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  const mismatches: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key)!;
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [column, w] of Object.entries(want)) {
      const g = got[column] ?? null;
      const ok = w === null || g === null ? w === g : Math.abs(g - w) <= 1e-9 * Math.max(Math.abs(w), 1);
      if (!ok) mismatches.push(`${key} ${column}: got ${g}, expected ${w}`);
    }
  }
  expect(mismatches).toEqual([]);
}

// ---- generated samples ----------------------------------------------------------------------

const node = (nodeName: string) => testNode({ nodeName });

/** 2-decimal values, as DECIMAL(…,2) stores them. */
const hundredths = (random: () => number, lo: number, hi: number) =>
  Math.round(lo * 100 + random() * (hi - lo) * 100) / 100;

/**
 * A sample every ~5 minutes per node over [from, to), with NULLs, uptimes on both sides of and
 * exactly at 95.00, and one hour of one node with no latency at all.
 */
function generate(nodeIds: string[], from: number, to: number, seed: number, noLatencyHour?: { nodeId: string; hour: number }) {
  const random = prng(seed);
  const out: MetricSample[] = [];
  for (const nodeId of nodeIds) {
    for (let slot = from; slot < to; slot += 5 * MINUTE) {
      const time = slot + Math.floor(random() * 5 * MINUTE);
      const silent = noLatencyHour && nodeId === noLatencyHour.nodeId && Math.floor(time / HOUR) * HOUR === noLatencyHour.hour;
      const u = random();
      out.push({
        time: new Date(time),
        nodeId,
        latencyMs: silent || random() < 0.15 ? null : hundredths(random, 0, 999.99),
        uptimePct: u < 0.1 ? null : u < 0.2 ? 95 : u < 0.5 ? hundredths(random, 80, 95) : hundredths(random, 95.01, 100),
        packetLoss: random() < 0.05 ? null : hundredths(random, 0, 5),
        targetHost: 'google.com',
        probeType: 'ping',
        metadata: null,
      });
    }
  }
  return out;
}

describe.each(CASES)('rollups: $name', ({ engine, mode }) => {
  let t: TestDatabase & { mode: string };
  let database: Database;
  let extraHandle: Database | undefined;
  const [a, b, c] = [node('probe-agg-a'), node('probe-agg-b'), node('probe-agg-c')];
  // A few days back (inside raw retention and the partitions that migration creates), across a UTC midnight.
  const day1 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
  const day2 = day1 + DAY;
  const from = day1 + 22 * HOUR;
  const to = day2 + 2 * HOUR;
  const samples: MetricSample[] = [];

  const readRollup = async (relation: 'aggregates_hourly' | 'aggregates_daily', columns: string[]) => {
    const rows = await queryRows<Record<string, unknown>>(
      database.db,
      sql`SELECT extract(epoch FROM time) * 1000 AS ms, node_id::text AS node_id, ${sql.raw(columns.join(', '))}
          FROM ${sql.identifier(relation)} ORDER BY time, node_id`,
    );
    return new Map(
      rows.map((r) => [`${toNumber(r.ms)}|${String(r.node_id)}`, Object.fromEntries(columns.map((col) => [col, toNumber(r[col])]))]),
    );
  };
  const refreshAll = async () => {
    await refreshRollup(database.db, t.mode, 'hourly', new Date(from), new Date(to));
    await refreshRollup(database.db, t.mode, 'daily', new Date(day1), new Date(day2 + DAY));
  };

  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    expect(t.mode).toBe(mode);
    await t.database.db.execute(
      sql.raw(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET TimeZone = %L', current_database(), '${SESSION_TIME_ZONE}'); END $$`),
    );
    if (engine === 'pglite') {
      // One session only: set it there too.
      await t.database.db.execute(sql.raw(`SET TimeZone = '${SESSION_TIME_ZONE}'`));
      database = t.database;
    } else {
      // The pool's open connections keep the old setting: new ones get the database's default.
      extraHandle = await openDatabase({ url: t.url!, poolMax: 2 });
      database = extraHandle;
    }
    const zone = await queryRows<{ tz: string }>(database.db, sql`SELECT current_setting('TimeZone') AS tz`);
    expect(zone[0]?.tz).toBe(SESSION_TIME_ZONE);

    await insertMissingNodes(database.db, [a, b, c]);
    samples.push(...generate([a.nodeId, b.nodeId, c.nodeId], from, to, 20251124, { nodeId: c.nodeId, hour: day1 + 23 * HOUR }));
    // Boundaries: the last instant of day 1 and the first of day 2; uptime just above and at 95.
    const edge = (time: number, uptimePct: number): MetricSample => ({
      time: new Date(time),
      nodeId: a.nodeId,
      latencyMs: 42.42,
      uptimePct,
      packetLoss: 0,
      targetHost: 'example.com',
      probeType: 'http',
      metadata: null,
    });
    samples.push(edge(day2 - 1, 95.01), edge(day2, 95), edge(day2 + HOUR - 1, 100), edge(day2 + HOUR, 0));
    expect(await insertMetricBatch(database.db, samples)).toBe(samples.length);
    await refreshAll();
  });
  afterAll(async () => {
    await extraHandle?.close();
    await t?.cleanup();
  });

  it('generated data covers the cases the aggregates must handle', () => {
    expect(samples.some((s) => s.latencyMs === null)).toBe(true);
    expect(samples.some((s) => s.uptimePct === null)).toBe(true);
    expect(samples.some((s) => s.uptimePct !== null && s.uptimePct <= 95)).toBe(true);
    expect(samples.some((s) => s.uptimePct === 95)).toBe(true);
    expect(samples.some((s) => s.uptimePct !== null && s.uptimePct > 95)).toBe(true);
    expect(samples.some((s) => s.latencyMs !== null && Math.round(s.latencyMs * 100) % 10 !== 0)).toBe(true);
    const hourly = expectedHourly(samples);
    expect(hourly.get(`${day1 + 23 * HOUR}|${c.nodeId}`)?.avg_latency_ms).toBeNull();
    expect(hourly.size).toBe(3 * 4);
  });

  it('aggregates_hourly holds exactly the spec aggregates of every (hour, node)', async () => {
    expectRowsMatch(await readRollup('aggregates_hourly', HOURLY_COLUMNS), expectedHourly(samples));
  });

  it('aggregates_daily holds exactly the spec aggregates of every (day, node)', async () => {
    expectRowsMatch(await readRollup('aggregates_daily', DAILY_COLUMNS), expectedDaily(samples));
  });

  it('buckets are aligned on UTC hours and UTC midnights, whatever the session time zone', async () => {
    const hours = await queryRows<{ ms: string }>(database.db, sql`SELECT DISTINCT extract(epoch FROM time) * 1000 AS ms FROM aggregates_hourly`);
    expect(hours.map((r) => toNumber(r.ms)!).sort((x, y) => x - y)).toEqual([22, 23, 24, 25].map((h) => day1 + h * HOUR));
    const days = await queryRows<{ ms: string; n: string }>(
      database.db,
      sql`SELECT extract(epoch FROM time) * 1000 AS ms, sum(sample_count) AS n FROM aggregates_daily GROUP BY time ORDER BY time`,
    );
    // 22:00–24:00 of day 1 (plus its last instant) and 00:00–02:00 of day 2 (from its first instant on).
    expect(days.map((r) => toNumber(r.ms))).toEqual([day1, day2]);
    const before = samples.filter((s) => s.time.getTime() < day2).length;
    expect(days.map((r) => toNumber(r.n))).toEqual([before, samples.length - before]);
    expect(before).toBeGreaterThan(0);
  });

  it('late data: refreshing an already materialised window again brings in the late samples', async () => {
    const hour = day1 + 23 * HOUR;
    const lateNode = node('probe-agg-late');
    await insertMissingNodes(database.db, [lateNode]);
    const late: MetricSample[] = [
      ...generate([a.nodeId, c.nodeId, lateNode.nodeId], hour, hour + HOUR, 7, undefined).slice(0, 30),
      { ...samples[0]!, nodeId: b.nodeId, time: new Date(hour + 17), latencyMs: 9999.99, uptimePct: 0, packetLoss: 100 },
    ];
    const hourKey = (n: NodeInput) => `${hour}|${n.nodeId}`;
    const before = await readRollup('aggregates_hourly', HOURLY_COLUMNS);
    expect(before.get(hourKey(b))?.max_latency_ms).toBeLessThan(9999.99);

    expect(await insertMetricBatch(database.db, late)).toBe(late.length);
    await refreshRollup(database.db, t.mode, 'hourly', new Date(hour), new Date(hour + HOUR));
    await refreshRollup(database.db, t.mode, 'daily', new Date(day1), new Date(day2));

    const all = [...samples, ...late];
    const after = await readRollup('aggregates_hourly', HOURLY_COLUMNS);
    expectRowsMatch(after, expectedHourly(all));
    expectRowsMatch(await readRollup('aggregates_daily', DAILY_COLUMNS), expectedDaily(all));
    expect(after.get(hourKey(b))).toMatchObject({ max_latency_ms: 9999.99, min_uptime_pct: 0, max_packet_loss: 100 });
    expect(after.get(hourKey(b))?.sample_count).toBe((before.get(hourKey(b))?.sample_count ?? 0) + 1);
    expect(before.has(hourKey(lateNode))).toBe(false);
    expect(after.has(hourKey(lateNode))).toBe(true);
    // The node that had no latency at all in that hour now has some.
    expect(before.get(hourKey(c))?.avg_latency_ms).toBeNull();
    expect(after.get(hourKey(c))?.avg_latency_ms).not.toBeNull();
  });
});
