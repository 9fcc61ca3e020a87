import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, toNumber } from '../lib/db/rows';
import { insertMetricBatch, type MetricSample } from '../lib/metrics/queries';
import { insertMissingNodes } from '../lib/nodes/queries';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../lib/testing/databases';

/**
 * The spec's CHECK constraints, the metrics → nodes ON DELETE CASCADE and our idempotency key
 * uq_metrics_sample, exercised through the product's own insert paths on both storage modes.
 */

const CASES = STORAGE_CASES;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface DbFailure {
  code: string | undefined;
  constraint: string | undefined;
  message: string;
}

/** Awaits a statement that must fail and returns the database's own error (drizzle keeps it in `cause`). */
async function failure(statement: Promise<unknown>): Promise<DbFailure> {
  try {
    await statement;
  } catch (err) {
    const cause = ((err as { cause?: unknown }).cause ?? err) as Record<string, unknown>;
    return {
      code: cause.code as string | undefined,
      // PGlite names the field `constraint`, postgres.js `constraint_name`.
      constraint: (cause.constraint ?? cause.constraint_name) as string | undefined,
      message: String(cause.message ?? err),
    };
  }
  throw new Error('expected the database to reject the statement, but it was accepted');
}

function expectCheckViolation(f: DbFailure, constraint: string): void {
  expect(f.code).toBe('23514');
  expect(f.constraint).toBe(constraint);
  expect(f.message).toContain(constraint);
}

const node = testNode;

describe.each(CASES)('constraints: $name', ({ engine, mode }) => {
  let t: TestDatabase & { mode: string };
  let nodeId: string;
  // Every metrics insert gets its own timestamp, so uq_metrics_sample never hides a result.
  let nextTime = Date.now() - 2 * HOUR;
  const sample = (overrides: Partial<MetricSample> = {}): MetricSample => ({
    time: new Date((nextTime += 1000)),
    nodeId,
    latencyMs: 10,
    uptimePct: 99,
    packetLoss: 0,
    targetHost: 'google.com',
    probeType: 'ping',
    metadata: null,
    ...overrides,
  });
  const storedNode = async (id: string) =>
    queryRows<{ latitude: string | null; longitude: string | null; country: string }>(
      t.database.db,
      sql`SELECT latitude, longitude, country FROM nodes WHERE node_id = ${id}::uuid`,
    );
  const countMetrics = async (where = sql`true`) => {
    const rows = await queryRows<{ n: string | number }>(t.database.db, sql`SELECT count(*) AS n FROM metrics WHERE ${where}`);
    return toNumber(rows[0]?.n);
  };

  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    expect(t.mode).toBe(mode);
    const n = node();
    await insertMissingNodes(t.database.db, [n]);
    nodeId = n.nodeId;
  });
  afterAll(() => t?.cleanup());

  describe('nodes', () => {
    it.each([
      ['latitude', 90.000001, 'check_latitude'],
      ['latitude', -90.000001, 'check_latitude'],
      ['longitude', 180.000001, 'check_longitude'],
      ['longitude', -180.000001, 'check_longitude'],
    ] as const)('rejects %s %s (%s)', async (column, value, constraint) => {
      const f = await failure(insertMissingNodes(t.database.db, [node({ [column]: value })]));
      expectCheckViolation(f, constraint);
    });

    it.each([
      [90, 180],
      [-90, -180],
      [0, 0],
      [89.999999, -179.999999],
    ])('accepts latitude %s and longitude %s, stored exactly', async (latitude, longitude) => {
      const n = node({ latitude, longitude });
      expect(await insertMissingNodes(t.database.db, [n])).toBe(1);
      const [row] = await storedNode(n.nodeId);
      expect(toNumber(row?.latitude)).toBe(latitude);
      expect(toNumber(row?.longitude)).toBe(longitude);
    });

    it.each(['gh', 'G1', 'Gh', '1G', '  '])('rejects country %j with check_country_code', async (country) => {
      expectCheckViolation(await failure(insertMissingNodes(t.database.db, [node({ country })])), 'check_country_code');
    });

    it('rejects a three-letter country on the column length (CHAR(2))', async () => {
      const f = await failure(insertMissingNodes(t.database.db, [node({ country: 'GHA' })]));
      expect(f.code).toBe('22001'); // string_data_right_truncation
      expect(f.message).toMatch(/too long/);
    });

    it.each(['GH', 'NG', 'KE', 'ZA'])('accepts country %s', async (country) => {
      const n = node({ country });
      expect(await insertMissingNodes(t.database.db, [n])).toBe(1);
      expect((await storedNode(n.nodeId))[0]?.country).toBe(country);
    });
  });

  describe('metrics', () => {
    it.each([
      ['latencyMs', 10000, 'check_latency'],
      ['latencyMs', 9999.995, 'check_latency'], // DECIMAL(10,2) rounds it to 10000.00
      ['latencyMs', -0.01, 'check_latency'],
      ['uptimePct', 100.01, 'check_uptime'],
      ['uptimePct', -0.01, 'check_uptime'],
      ['packetLoss', 100.01, 'check_packet_loss'],
      ['packetLoss', -0.01, 'check_packet_loss'],
    ] as const)('rejects %s %s (%s)', async (field, value, constraint) => {
      const before = await countMetrics();
      expectCheckViolation(await failure(insertMetricBatch(t.database.db, [sample({ [field]: value })])), constraint);
      expect(await countMetrics()).toBe(before);
    });

    it('rejects the whole batch when one sample violates a check', async () => {
      const before = await countMetrics();
      const f = await failure(insertMetricBatch(t.database.db, [sample(), sample({ uptimePct: 100.01 }), sample()]));
      expectCheckViolation(f, 'check_uptime');
      expect(await countMetrics()).toBe(before);
    });

    it.each([
      ['latencyMs', 9999.99, 'latency_ms'],
      ['latencyMs', 0, 'latency_ms'],
      ['uptimePct', 100, 'uptime_pct'],
      ['uptimePct', 0, 'uptime_pct'],
      ['packetLoss', 100, 'packet_loss'],
      ['packetLoss', 0, 'packet_loss'],
    ] as const)('accepts %s %s, stored exactly', async (field, value, column) => {
      const s = sample({ [field]: value });
      expect(await insertMetricBatch(t.database.db, [s])).toBe(1);
      const rows = await queryRows<Record<string, unknown>>(
        t.database.db,
        sql`SELECT ${sql.identifier(column)} AS v FROM metrics WHERE node_id = ${nodeId}::uuid AND time = ${s.time.toISOString()}::timestamptz`,
      );
      expect(rows.map((r) => toNumber(r.v))).toEqual([value]);
    });

    it('accepts NULL metric values (the checks do not forbid them)', async () => {
      expect(await insertMetricBatch(t.database.db, [sample({ latencyMs: null, uptimePct: null, packetLoss: null })])).toBe(1);
    });

    it('rejects a sample for a node that does not exist (foreign key)', async () => {
      const f = await failure(insertMetricBatch(t.database.db, [sample({ nodeId: randomUUID() })]));
      expect(f.code).toBe('23503');
    });
  });

  describe('ON DELETE CASCADE', () => {
    it('deleting a node deletes its metrics, in every chunk or partition, and only its own', async () => {
      const doomed = node();
      const kept = node();
      await insertMissingNodes(t.database.db, [doomed, kept]);
      const now = Date.now();
      // More than a week apart, so always in two different 1-week chunks/partitions (all of them
      // inside the partitions that migration creates for the raw retention window).
      const times = [now - 7.5 * DAY, now - 3 * DAY, now - HOUR].map((ms) => new Date(ms));
      const rows = [doomed, kept].flatMap((n) => times.map((time) => sample({ nodeId: n.nodeId, time })));
      expect(await insertMetricBatch(t.database.db, rows)).toBe(6);
      const ofNode = (id: string) => countMetrics(sql`node_id = ${id}::uuid`);
      expect(await ofNode(doomed.nodeId)).toBe(3);

      await t.database.db.execute(sql`DELETE FROM nodes WHERE node_id = ${doomed.nodeId}::uuid`);

      expect(await ofNode(doomed.nodeId)).toBe(0);
      expect(await ofNode(kept.nodeId)).toBe(3);
      expect(await storedNode(kept.nodeId)).toHaveLength(1);
    });
  });

  describe('uq_metrics_sample (node_id, time, probe_type, target_host) NULLS NOT DISTINCT', () => {
    it.each([
      ['probe_type and target_host set', 'http', 'example.com'],
      ['probe_type NULL', null, 'example.com'],
      ['target_host NULL', 'tcp', null],
      ['both NULL', null, null],
    ] as const)('stores a sample delivered twice once (%s)', async (_label, probeType, targetHost) => {
      const s = sample({ probeType, targetHost, latencyMs: 12.34 });
      const same = sql`node_id = ${nodeId}::uuid AND time = ${s.time.toISOString()}::timestamptz`;
      expect(await insertMetricBatch(t.database.db, [s])).toBe(1);
      // A redelivery, even with other values, is the same sample: the first one stays.
      expect(await insertMetricBatch(t.database.db, [{ ...s, latencyMs: 99.99 }])).toBe(0);
      expect(await countMetrics(same)).toBe(1);
      const rows = await queryRows<{ latency_ms: string }>(t.database.db, sql`SELECT latency_ms FROM metrics WHERE ${same}`);
      expect(toNumber(rows[0]?.latency_ms)).toBe(12.34);
    });

    it('collapses duplicates inside one batch', async () => {
      const s = sample({ probeType: null, targetHost: null });
      expect(await insertMetricBatch(t.database.db, [s, { ...s }, { ...s }])).toBe(1);
      expect(await countMetrics(sql`node_id = ${nodeId}::uuid AND time = ${s.time.toISOString()}::timestamptz`)).toBe(1);
    });

    it('keeps samples that differ in any key column', async () => {
      const s = sample({ probeType: null, targetHost: null });
      const other = node();
      await insertMissingNodes(t.database.db, [other]);
      const variants: MetricSample[] = [
        s,
        { ...s, probeType: 'ping' },
        { ...s, targetHost: 'google.com' },
        { ...s, probeType: 'ping', targetHost: 'google.com' },
        { ...s, time: new Date(s.time.getTime() + 1) },
        { ...s, nodeId: other.nodeId },
      ];
      expect(await insertMetricBatch(t.database.db, variants)).toBe(6);
      expect(await insertMetricBatch(t.database.db, variants)).toBe(0);
      expect(
        await countMetrics(
          sql`time IN (${s.time.toISOString()}::timestamptz, ${new Date(s.time.getTime() + 1).toISOString()}::timestamptz)`,
        ),
      ).toBe(6);
    });
  });
});
