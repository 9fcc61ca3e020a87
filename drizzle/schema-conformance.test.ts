import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../lib/db/rows';
import { listMetricsPartitions } from '../lib/maintenance/queries';
import { createMigratedDatabase, type TestDatabase } from '../lib/testing/databases';
import { snapshotSchema, type SchemaSnapshot } from '../lib/testing/introspect';
import {
  SPEC_AGGREGATE_COLUMNS,
  SPEC_CAGG_EXPRESSIONS,
  SPEC_COLUMNS,
  SPEC_COMMENTS,
  SPEC_CONSTRAINTS,
  SPEC_INDEX_DEFS,
  SPEC_POLICIES,
} from '../lib/testing/spec-schema';

const CASES = [
  { name: 'PGlite + TimescaleDB', engine: 'pglite', timescale: 'auto', mode: 'timescaledb' },
  { name: 'PostgreSQL 15, plain mode', engine: 'postgres', timescale: 'auto', mode: 'postgres' },
  { name: 'PGlite, FIBER_TIMESCALE=off', engine: 'pglite', timescale: 'off', mode: 'postgres' },
] as const;

describe.each(CASES)('schema conformance: $name', ({ engine, timescale, mode }) => {
  let t: TestDatabase & { mode: string };
  let schema: SchemaSnapshot;
  beforeAll(async () => {
    t = await createMigratedDatabase(engine, timescale);
    schema = await snapshotSchema(t.database.db);
  });
  afterAll(() => t?.cleanup());

  it(`detects and records ${mode} mode`, async () => {
    expect(t.mode).toBe(mode);
    const rows = await queryRows(t.database.db, sql`SELECT value FROM fiber_meta WHERE key = 'storage_mode'`);
    expect(rows).toEqual([{ value: mode }]);
  });

  it.each(Object.keys(SPEC_COLUMNS))('%s has exactly the spec columns, types, NOT NULLs and defaults', (table) => {
    const actual = schema.relations[table]?.columns.map((c) => [c.name, c.type, c.notNull, c.default]);
    expect(actual).toEqual(SPEC_COLUMNS[table]);
  });

  it.each(Object.keys(SPEC_AGGREGATE_COLUMNS))('%s has exactly the spec aggregate columns and types', (rel) => {
    const actual = schema.relations[rel]?.columns.map((c) => [c.name, c.type]);
    expect(actual).toEqual(SPEC_AGGREGATE_COLUMNS[rel]);
  });

  it('has every spec constraint (PK, UNIQUE, CHECK, FK with ON DELETE CASCADE) and no others', () => {
    const actual = Object.fromEntries(Object.entries(schema.constraints).map(([k, v]) => [k, [v.table, v.type, v.definition]]));
    expect(actual).toEqual(SPEC_CONSTRAINTS);
  });

  it('has every spec index with the spec definition', () => {
    expect(schema.indexes).toEqual(SPEC_INDEX_DEFS);
  });

  it('has every spec comment', () => {
    expect(schema.comments).toEqual(SPEC_COMMENTS);
  });

  if (mode === 'timescaledb') {
    it('metrics is a hypertable on time with 1-week chunks', async () => {
      const rows = await queryRows(
        t.database.db,
        sql`SELECT column_name, time_interval::text AS interval FROM timescaledb_information.dimensions WHERE hypertable_name = 'metrics'`,
      );
      expect(rows).toEqual([{ column_name: 'time', interval: '7 days' }]);
    });

    it('compresses metrics segmented by node_id', async () => {
      const rows = await queryRows(
        t.database.db,
        sql`SELECT attname, segmentby_column_index FROM timescaledb_information.compression_settings
            WHERE hypertable_name = 'metrics' AND segmentby_column_index IS NOT NULL`,
      );
      expect(rows).toEqual([{ attname: 'node_id', segmentby_column_index: 1 }]);
    });

    it('has the spec compression, refresh and retention policies', async () => {
      const rows = await queryRows<{ proc: string; relation: string; schedule: string; config: Record<string, unknown> }>(
        t.database.db,
        sql`SELECT proc_name AS proc, hypertable_name AS relation, schedule_interval::text AS schedule, config
            FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY proc_name, hypertable_name`,
      );
      const actual = rows.map((r) => ({
        proc: r.proc,
        relation: r.relation,
        schedule: r.schedule,
        config: Object.fromEntries(Object.entries(r.config).filter(([k]) => !k.endsWith('hypertable_id'))),
      }));
      const sort = (xs: typeof actual) => [...xs].sort((a, b) => `${a.proc}${a.relation}`.localeCompare(`${b.proc}${b.relation}`));
      expect(sort(actual)).toEqual(sort(SPEC_POLICIES));
    });

    it.each(Object.keys(SPEC_CAGG_EXPRESSIONS))('%s is a continuous aggregate with the spec definition', async (view) => {
      const rows = await queryRows<{ def: string }>(
        t.database.db,
        sql`SELECT view_definition AS def FROM timescaledb_information.continuous_aggregates WHERE view_name = ${view}`,
      );
      expect(rows).toHaveLength(1);
      const def = rows[0]!.def.replace(/\s+/g, ' ');
      for (const expression of SPEC_CAGG_EXPRESSIONS[view]!) expect(def).toContain(expression);
      expect(def).toContain('FROM metrics');
    });
  } else {
    it('metrics is range-partitioned by time in 1-week partitions covering retention and 4 weeks ahead', async () => {
      const rows = await queryRows<{ strategy: string; column: string }>(
        t.database.db,
        sql`SELECT pt.partstrat AS strategy, a.attname AS column
            FROM pg_partitioned_table pt
            JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
            WHERE pt.partrelid = 'metrics'::regclass`,
      );
      expect(rows).toEqual([{ strategy: 'r', column: 'time' }]);
      const parts = await listMetricsPartitions(t.database.db);
      const starts = parts.map((p) => p.startMs);
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(7 * 86_400_000);
      const now = Date.now();
      expect(starts[0]).toBeLessThanOrEqual(now - 7 * 86_400_000);
      expect(starts.at(-1)! + 7 * 86_400_000).toBeGreaterThanOrEqual(now + 27 * 86_400_000);
      const bounds = await queryRows<{ bound: string }>(
        t.database.db,
        sql`SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_class c WHERE c.relname = ${parts[0]!.name}`,
      );
      expect(bounds[0]!.bound).toMatch(/^FOR VALUES FROM \('.+'\) TO \('.+'\)$/);
    });
  }
});
