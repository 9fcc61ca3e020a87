import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, toNumber } from '../db/rows';
import { insertMetricBatch, type MetricSample } from '../metrics/queries';
import { insertMissingNodes } from '../nodes/queries';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { jobsFor } from '../../worker/jobs';
import { ensureMetricsPartitions, refreshRollup } from './queries';

/**
 * The spec's retention (raw 7 d, hourly 90 d, daily 365 d) and compression (after 3 d), run
 * through the maintenance jobs the worker schedules in each mode.
 */

const CASES = STORAGE_CASES;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The jobs that enforce each retention, by mode, as worker/jobs.ts names them. */
const RAW_RETENTION_JOB = { timescaledb: 'timescaledb:policy_retention:metrics', postgres: 'partitions:metrics' } as const;
const ROLLUP_RETENTION_JOBS = {
  timescaledb: ['timescaledb:policy_retention:aggregates_hourly', 'timescaledb:policy_retention:aggregates_daily'],
  postgres: ['retention:rollups'],
} as const;

async function setup(engine: 'pglite' | 'postgres') {
  const t = await createMigratedDatabase(engine);
  const node = testNode({ nodeName: `probe-retention-${engine}`, country: 'KE', region: 'Kenya' });
  await insertMissingNodes(t.database.db, [node]);
  return { t, nodeId: node.nodeId };
}

function sampleAt(nodeId: string, ms: number, latencyMs = 10.5, probeType: string | null = 'ping'): MetricSample {
  return { time: new Date(ms), nodeId, latencyMs, uptimePct: 99.5, packetLoss: 0.25, targetHost: null, probeType, metadata: null };
}

async function runJob(t: TestDatabase & { mode: 'timescaledb' | 'postgres' }, name: string): Promise<void> {
  const jobs = await jobsFor(t.database, t.mode);
  const job = jobs.find((j) => j.name === name);
  expect(job, `job ${name} among ${jobs.map((j) => j.name).join(', ')}`).toBeDefined();
  await job!.run();
}

/** Inserts the samples; in plain mode, first the weekly partitions they fall into (old ones do not exist yet). */
async function insertAnywhen(t: TestDatabase & { mode: string }, samples: MetricSample[]): Promise<void> {
  if (t.mode === 'postgres') {
    for (const s of samples) await ensureMetricsPartitions(t.database.db, s.time, new Date(s.time.getTime() + 1));
  }
  expect(await insertMetricBatch(t.database.db, samples)).toBe(samples.length);
}

async function countAt(t: TestDatabase, relation: string, ms: number, widthMs = 1): Promise<number> {
  const rows = await queryRows<{ n: string | number }>(
    t.database.db,
    sql`SELECT count(*) AS n FROM ${sql.identifier(relation)}
        WHERE time >= ${new Date(ms).toISOString()}::timestamptz AND time < ${new Date(ms + widthMs).toISOString()}::timestamptz`,
  );
  return toNumber(rows[0]?.n) ?? 0;
}

describe.each(CASES)('retention: $name', ({ engine, mode }) => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let nodeId: string;
  beforeAll(async () => {
    ({ t, nodeId } = await setup(engine));
    expect(t.mode).toBe(mode);
  });
  afterAll(() => t?.cleanup());

  it('raw metrics are kept 7 days', async () => {
    const now = Date.now();
    const ages = { d30: 30 * DAY, d15: 15 * DAY, d6: 6 * DAY, h1: HOUR };
    const at = Object.fromEntries(Object.entries(ages).map(([k, age]) => [k, now - age])) as Record<keyof typeof ages, number>;
    await insertAnywhen(t, Object.values(at).map((ms) => sampleAt(nodeId, ms)));
    for (const ms of Object.values(at)) expect(await countAt(t, 'metrics', ms)).toBe(1);

    await runJob(t, RAW_RETENTION_JOB[mode]);

    // Chunks (TimescaleDB) and partitions (plain mode) are 1 week and dropped only whole, once
    // their end is older than 7 days: a row 7–14 days old may legitimately still be there,
    // depending on where the weekly boundary falls, so nothing is asserted in that range.
    expect(await countAt(t, 'metrics', at.d30)).toBe(0);
    expect(await countAt(t, 'metrics', at.d15)).toBe(0);
    expect(await countAt(t, 'metrics', at.d6)).toBe(1);
    expect(await countAt(t, 'metrics', at.h1)).toBe(1);
  });

  it('hourly aggregates are kept 90 days and daily aggregates 365 days, after their raw data is gone', async () => {
    const now = Date.now();
    const hourStart = (ageMs: number) => Math.floor((now - ageMs) / HOUR) * HOUR;
    const dayStart = (ageMs: number) => Math.floor((now - ageMs) / DAY) * DAY;
    const hourly = { old: hourStart(200 * DAY), recent: hourStart(10 * DAY) };
    const daily = { old: dayStart(500 * DAY), recent: dayStart(100 * DAY) };
    const samples = [...Object.values(hourly), ...Object.values(daily)].flatMap((start) =>
      [0, 15, 30].map((minute) => sampleAt(nodeId, start + minute * 60_000, 20 + minute)),
    );
    await insertAnywhen(t, samples);

    // Materialise the buckets before raw retention removes what they are computed from.
    for (const start of Object.values(hourly)) await refreshRollup(t.database.db, t.mode, 'hourly', new Date(start), new Date(start + HOUR));
    for (const start of Object.values(daily)) await refreshRollup(t.database.db, t.mode, 'daily', new Date(start), new Date(start + DAY));
    for (const start of Object.values(hourly)) expect(await countAt(t, 'aggregates_hourly', start)).toBe(1);
    for (const start of Object.values(daily)) expect(await countAt(t, 'aggregates_daily', start)).toBe(1);

    await runJob(t, RAW_RETENTION_JOB[mode]);
    // Not the 10-day-old hour: its weekly chunk/partition may end less than 7 days ago.
    for (const start of [hourly.old, daily.old, daily.recent]) expect(await countAt(t, 'metrics', start, HOUR)).toBe(0);
    // Dropping raw data leaves the rollups as they were.
    for (const start of Object.values(hourly)) expect(await countAt(t, 'aggregates_hourly', start)).toBe(1);
    for (const start of Object.values(daily)) expect(await countAt(t, 'aggregates_daily', start)).toBe(1);

    for (const name of ROLLUP_RETENTION_JOBS[mode]) await runJob(t, name);

    // TimescaleDB drops whole chunks of the aggregates' materialisations too (70 days each), so,
    // as for raw data, only ages more than a chunk beyond the limits are asserted gone.
    expect(await countAt(t, 'aggregates_hourly', hourly.old)).toBe(0);
    expect(await countAt(t, 'aggregates_hourly', hourly.recent)).toBe(1);
    expect(await countAt(t, 'aggregates_daily', daily.old)).toBe(0);
    expect(await countAt(t, 'aggregates_daily', daily.recent)).toBe(1);
    const recent = await queryRows<{ sample_count: string | number; avg_latency_ms: string }>(
      t.database.db,
      sql`SELECT sample_count, avg_latency_ms FROM aggregates_hourly WHERE time = ${new Date(hourly.recent).toISOString()}::timestamptz`,
    );
    expect(recent.map((r) => [toNumber(r.sample_count), toNumber(r.avg_latency_ms)])).toEqual([[3, 35]]);

    // Every maintenance job of the mode, as the worker runs them, leaves the retained rollups alone.
    for (const job of await jobsFor(t.database, t.mode)) await job.run();
    expect(await countAt(t, 'aggregates_hourly', hourly.recent)).toBe(1);
    expect(await countAt(t, 'aggregates_daily', daily.recent)).toBe(1);
  });
});

describe('compression: PGlite + TimescaleDB', () => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let nodeId: string;
  beforeAll(async () => {
    ({ t, nodeId } = await setup('pglite'));
    expect(t.mode).toBe('timescaledb');
  });
  afterAll(() => t?.cleanup());

  const totals = async () => {
    const rows = await queryRows<{ n: string | number; s: string | null }>(
      t.database.db,
      sql`SELECT count(*) AS n, sum(latency_ms)::text AS s FROM metrics`,
    );
    return { count: toNumber(rows[0]?.n), sum: rows[0]?.s };
  };
  const chunks = async () =>
    queryRows<{ chunk: string; end_ms: string; compressed: boolean; old: boolean }>(
      t.database.db,
      sql`SELECT chunk_name AS chunk, extract(epoch FROM range_end) * 1000 AS end_ms, is_compressed AS compressed,
                 range_end < now() - INTERVAL '3 days' AS old
          FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics' ORDER BY range_start`,
    );

  it('compresses the chunks older than 3 days, and only those, without changing what queries see', async () => {
    // The spec says compress after 3 days; rows reach 12 days back (the brief's ~5 days would leave
    // no chunk old enough on some weekdays, since weekly chunks end on Thursdays 00:00 UTC).
    const now = Date.now();
    const samples: MetricSample[] = [];
    for (let ms = now - 12 * DAY, i = 0; ms < now; ms += 20 * 60_000, i++) {
      samples.push(sampleAt(nodeId, ms, (i % 997) / 100 + i, i % 3 === 0 ? null : 'ping'));
    }
    await insertAnywhen(t, samples);
    const before = await totals();
    expect(before.count).toBe(samples.length);

    await runJob(t, 'timescaledb:policy_compression:metrics');

    const after = await chunks();
    expect(after.some((c) => c.old)).toBe(true);
    expect(after.some((c) => !c.old)).toBe(true);
    for (const c of after) expect({ chunk: c.chunk, compressed: c.compressed }).toEqual({ chunk: c.chunk, compressed: c.old });
    expect(await totals()).toEqual(before);
  });

  it('a redelivered sample that lies in a compressed chunk is not stored twice', async () => {
    const compressed = (await chunks()).filter((c) => c.compressed);
    expect(compressed.length).toBeGreaterThan(0);
    const rows = await queryRows<{ ms: string; latency_ms: string; probe_type: string | null }>(
      t.database.db,
      sql`SELECT extract(epoch FROM time) * 1000 AS ms, latency_ms, probe_type FROM metrics
          WHERE time < ${new Date(toNumber(compressed.at(-1)!.end_ms)!).toISOString()}::timestamptz
          ORDER BY time LIMIT 6`,
    );
    const redelivered = rows.map((r) => sampleAt(nodeId, toNumber(r.ms)!, toNumber(r.latency_ms)!, r.probe_type));
    expect(redelivered.some((s) => s.probeType === null)).toBe(true);
    expect(redelivered.some((s) => s.probeType !== null)).toBe(true);
    const before = await totals();

    expect(await insertMetricBatch(t.database.db, redelivered)).toBe(0);
    expect(await totals()).toEqual(before);

    // A genuinely new sample in the same compressed range is still accepted.
    const fresh = sampleAt(nodeId, redelivered[0]!.time.getTime() + 1, 1.25, 'http');
    expect(await insertMetricBatch(t.database.db, [fresh])).toBe(1);
    expect((await totals()).count).toBe(before.count! + 1);
  });
});
