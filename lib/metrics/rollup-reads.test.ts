import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../db/rows';
import { ROLLUPS, columnNames, type Rollup } from '../maintenance/rollups';
import { refreshRollup } from '../maintenance/queries';
import { insertMissingNodes } from '../nodes/queries';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { insertMetricBatch, rollupBucketsQuery, type MetricSample } from './queries';

/**
 * A chart's buckets come from the rollup's covering index alone (migration 0008): the read the
 * dashboard makes for a node's 30 days is an index-only scan with no heap fetches. This fails
 * when a column is added to the read but not to the index, or when the index is dropped or loses
 * its key order.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Inside the raw window, which is all PostgreSQL mode has partitions for. */
const DAYS = 5;
const NODES = 12;
const TO = Math.floor(Date.now() / DAY) * DAY;
const FROM = TO - DAYS * DAY;

interface PlanNode {
  'Node Type': string;
  'Subplan Name'?: string;
  'Index Name'?: string;
  'Heap Fetches'?: number;
  Plans?: PlanNode[];
}

const flatten = (p: PlanNode): PlanNode[] => [p, ...(p.Plans ?? []).flatMap(flatten)];

/**
 * A node's rollup rows on both engines. Whether the planner uses the covering index is checked
 * on PostgreSQL only: TimescaleDB adds its own (node_id, time) and time indexes to a continuous
 * aggregate's hypertable, and on a test-sized table its planner prefers those; the index is
 * still there and complete (checked on both).
 */
describe.each(STORAGE_CASES)('rollup reads: $name', ({ engine, mode }) => {
  let t: TestDatabase & { mode: string };
  const nodes = Array.from({ length: NODES }, () => testNode());

  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    expect(t.mode).toBe(mode);
    const db = t.database.db;
    await insertMissingNodes(db, nodes);
    // Three samples an hour per node, written hour by hour for every node as the worker does, so
    // each node's buckets are spread over the rollup's pages.
    const samples: MetricSample[] = [];
    for (let at = FROM; at < TO; at += 20 * 60_000) {
      for (const [i, n] of nodes.entries()) {
        samples.push({ time: new Date(at), nodeId: n.nodeId, latencyMs: 10 + i, uptimePct: 99.5, packetLoss: 0.1, targetHost: null, probeType: 'ping', metadata: null });
      }
    }
    expect(await insertMetricBatch(db, samples)).toBe(samples.length);
    for (const rollup of Object.keys(ROLLUPS) as Rollup[]) await refreshRollup(db, t.mode, rollup, new Date(FROM), new Date(TO));
    // What autovacuum does on its own (migration 0008 makes it visit the rollups about daily):
    // only a vacuumed page is all-visible, and only those are read without the heap.
    await db.execute(sql`VACUUM ANALYZE`);
  }, 120_000);
  afterAll(() => t?.cleanup());

  const planCases = mode === 'postgres' ? ([['hourly', 30 * DAY, DAYS * 24], ['daily', 90 * DAY, DAYS]] as const) : [];
  it.each(planCases)('a node’s %s buckets are read from the covering index alone, with no heap fetches', async (rollup, span, buckets) => {
    const query = rollupBucketsQuery(rollup, nodes[5]!.nodeId, new Date(TO - span), new Date(TO));
    expect(await queryRows(t.database.db, query)).toHaveLength(buckets);
    // A table this small is cheaper to read in full or by bitmap; with 1,000 nodes the planner
    // picks the index-only scan on its own (bench:queries). With those two switched off, the read
    // is an index-only scan only if the index carries every column it selects, and has no heap
    // fetches only if its pages are all-visible.
    const plan = await t.database.db.transaction(async (tx) => {
      for (const path of ['seqscan', 'bitmapscan']) await tx.execute(sql.raw(`SET LOCAL enable_${path} = off`));
      const [row] = await queryRows<{ 'QUERY PLAN': unknown }>(tx, sql`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`);
      const json = typeof row!['QUERY PLAN'] === 'string' ? JSON.parse(row!['QUERY PLAN']) : row!['QUERY PLAN'];
      return (json as [{ Plan: PlanNode }])[0].Plan;
    });
    const stored = flatten(plan).find((p) => p['Subplan Name'] === 'CTE stored');
    const scans = flatten(stored!).filter((p) => p['Node Type'].endsWith('Scan'));
    expect(scans.length, JSON.stringify(stored)).toBeGreaterThan(0);
    for (const scan of scans) {
      expect(scan['Node Type'], JSON.stringify(stored)).toBe('Index Only Scan');
      expect(scan['Index Name']).toMatch(new RegExp(`idx_agg_${rollup}_covering$`));
      expect(scan['Heap Fetches']).toBe(0);
    }
  });

  it('the covering indexes carry every column of the rollup, after the spec index’s keys', async () => {
    for (const rollup of Object.keys(ROLLUPS) as Rollup[]) {
      const [row] = await queryRows<{ indexdef: string }>(
        t.database.db,
        sql`SELECT indexdef FROM pg_indexes WHERE indexname = ${`idx_agg_${rollup}_covering`}`,
      );
      expect(row?.indexdef).toContain(`(node_id, "time" DESC) INCLUDE (${columnNames(ROLLUPS[rollup].columns).join(', ')})`);
    }
  });

  it('PostgreSQL mode: autovacuum visits the rollup tables at 1% change, not the default 20%', async () => {
    const rows = await queryRows<{ relname: string; reloptions: string[] | null }>(
      t.database.db,
      sql`SELECT relname, reloptions FROM pg_class WHERE relname IN ('aggregates_hourly', 'aggregates_daily') ORDER BY relname`,
    );
    // TimescaleDB's continuous aggregates are views, refreshed by TimescaleDB: left alone.
    const expected = mode === 'postgres' ? ['autovacuum_vacuum_insert_scale_factor=0.01', 'autovacuum_vacuum_scale_factor=0.01'] : null;
    expect(rows.map((r) => [r.relname, r.reloptions && [...r.reloptions].sort()])).toEqual(
      ['aggregates_daily', 'aggregates_hourly'].map((name) => [name, expected]),
    );
  });
});
