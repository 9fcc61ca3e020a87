import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, toNumber } from '../db/rows';
import { createMigratedDatabase, type TestDatabase } from '../testing/databases';
import { jobsFor } from '../../worker/jobs';
import { splitSearchText } from './postgres-documents';
import { PostgresLogStore, logFilters } from './postgres-store';
import { DAY_MS, explain, histogramQuery, listDailyPartitions, pageQuery } from './queries';
import { describeLogStoreContract } from './store-contract';
import type { LogDocument } from './types';

/*
 * The PostgreSQL log store: the shared contract on PGlite + TimescaleDB, PostgreSQL 15 in plain
 * mode and PGlite in plain mode, then what only PostgreSQL has: plans, chunks and partitions,
 * the write window, privileges, the retention job.
 */

const CASES = [
  { name: 'PGlite + TimescaleDB', engine: 'pglite', timescale: 'auto', mode: 'timescaledb' },
  { name: 'PostgreSQL 15, plain mode', engine: 'postgres', timescale: 'auto', mode: 'postgres' },
  { name: 'PGlite, plain mode', engine: 'pglite', timescale: 'off', mode: 'postgres' },
] as const;

for (const c of CASES) {
  describeLogStoreContract(c.name, async () => {
    const t = await createMigratedDatabase(c.engine, c.timescale);
    expect(t.mode).toBe(c.mode);
    const store = new PostgresLogStore(t.database.db, t.mode);
    await store.setup();
    return { store, cleanup: () => t.cleanup() };
  });
}

const HOUR = 3_600_000;

describe('search text → websearch body + prefix word', () => {
  it.each([
    ['gate', { body: '', prefix: 'gate' }],
    ['upstream time', { body: 'upstream ', prefix: 'time' }],
    ['"connection refused"', { body: '"connection refused"' }],
    ['"connection refused" db', { body: '"connection refused" ', prefix: 'db' }],
    ['a or', { body: 'a or' }],
    ['timeout -retry', { body: 'timeout -retry' }],
    ['x "unclosed phrase', { body: 'x "unclosed phrase' }],
    ['   ', { body: '' }],
  ])('%j', (text, expected) => {
    expect(splitSearchText(text)).toEqual(expected);
  });
});

describe.each(CASES.slice(0, 2))('PostgreSQL log store specifics: $name', ({ engine, mode }) => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let store: PostgresLogStore;
  const now = Date.now();
  const rows = (q: ReturnType<typeof sql>) => queryRows<Record<string, unknown>>(t.database.db, q);

  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    store = new PostgresLogStore(t.database.db, t.mode);
    await store.setup();
    // First, so that their ids (1…15) sort differently as text and as numbers.
    const tie = new Date(now - 2 * HOUR).toISOString();
    const ties = Array.from({ length: 15 }, (_, i): LogDocument => ({ '@timestamp': tie, service: 'ties', level: 'INFO', message: `tie ${i}` }));
    expect((await store.writeLogs(ties)).written).toBe(15);
    // 20,000 lines over 3 days, 2,000 requests of 10 lines each: enough for the planner to prefer indexes.
    const docs: LogDocument[] = Array.from({ length: 20_000 }, (_, i) => ({
      '@timestamp': new Date(now - 3 * DAY_MS + i * 12_000).toISOString(),
      service: ['api', 'worker', 'ingest'][i % 3]!,
      level: i % 50 === 0 ? 'ERROR' : 'INFO',
      message: `request ${i % 2000} step ${Math.floor(i / 2000)} done in ${i % 97} ms`,
      request_id: `req-${i % 2000}`,
      node_id: `node-${i % 40}`,
    }));
    for (let i = 0; i < docs.length; i += 5000) expect((await store.writeLogs(docs.slice(i, i + 5000))).written).toBe(5000);
    await t.database.db.execute(sql`ANALYZE logs`);
  });
  afterAll(() => t?.cleanup());

  it('a request-id search reads the request_id index, never the whole table', async () => {
    const q = { from: new Date(now - 31 * DAY_MS), to: new Date(now), limit: 100, requestId: 'req-42', ascending: true };
    const filter = { from: q.from, to: q.to, ...logFilters(q) };
    for (const plan of [await explain(t.database.db, pageQuery('logs', filter, { limit: 101, ascending: true })), await explain(t.database.db, histogramQuery('logs', filter, DAY_MS))]) {
      expect(plan).toMatch(/idx_logs_request_time|request_id_time_idx/);
      expect(plan).not.toMatch(/Seq Scan/);
    }
    const page = await store.searchLogs(q);
    expect(page.total).toBe(10);
    expect(page.hits.map((h) => h.doc.message)).toEqual(Array.from({ length: 10 }, (_, k) => `request 42 step ${k} done in ${(42 + 2000 * k) % 97} ms`));
  });

  it('pages through lines of one instant by id, as numbers', async () => {
    for (const ascending of [false, true]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.searchLogs({ from: new Date(now - 3 * HOUR), to: new Date(now), services: ['ties'], limit: 2, cursor, ascending });
        seen.push(...page.hits.map((h) => h.id));
        cursor = page.nextCursor;
      } while (cursor);
      const numeric = [...seen].sort((a, b) => Number(a) - Number(b));
      expect(seen).toEqual(ascending ? numeric : numeric.reverse());
      expect(new Set(seen).size).toBe(15);
    }
  });

  if (mode === 'timescaledb') {
    it('logs and events are hypertables with 1-day chunks, and no TimescaleDB policy (the worker job retains)', async () => {
      expect(
        await rows(sql`SELECT hypertable_name, column_name, time_interval::text AS interval FROM timescaledb_information.dimensions
                        WHERE hypertable_name IN ('logs', 'events') ORDER BY 1`),
      ).toEqual([
        { hypertable_name: 'events', column_name: 'time', interval: '1 day' },
        { hypertable_name: 'logs', column_name: 'time', interval: '1 day' },
      ]);
      const chunks = await rows(sql`SELECT range_start, range_end FROM timescaledb_information.chunks WHERE hypertable_name = 'logs'`);
      expect(chunks.length).toBeGreaterThanOrEqual(3);
      for (const ch of chunks) {
        const start = new Date(String(ch.range_start)).getTime();
        expect(start % DAY_MS).toBe(0);
        expect(new Date(String(ch.range_end)).getTime() - start).toBe(DAY_MS);
      }
      expect(await rows(sql`SELECT 1 FROM timescaledb_information.jobs WHERE hypertable_name IN ('logs', 'events')`)).toEqual([]);
    });
  } else {
    it('logs and events are partitioned by UTC day, from yesterday to a week ahead, and by writes for older days', async () => {
      for (const table of ['logs', 'events'] as const) {
        const parts = await listDailyPartitions(t.database.db, table);
        const starts = parts.map((p) => p.startMs);
        for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(DAY_MS);
        expect(starts.at(-1)!).toBeGreaterThanOrEqual(Math.floor(now / DAY_MS) * DAY_MS + 7 * DAY_MS);
        if (table === 'logs') expect(starts[0]).toBeLessThanOrEqual(now - 3 * DAY_MS);
        const bounds = await rows(sql`SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_class c WHERE c.relname = ${parts[0]!.name}`);
        expect(bounds[0]!.bound).toMatch(/^FOR VALUES FROM \('.+'\) TO \('.+'\)$/);
      }
    });
  }

  it('dashboard_reader may not read logs or events (nor, in plain mode, their partitions)', async () => {
    const granted = await rows(
      sql`SELECT c.relname FROM pg_class c
          WHERE (c.relname IN ('logs', 'events') OR c.relname ~ '^(logs|events)_p[0-9]{8}$')
            AND has_table_privilege('dashboard_reader', c.oid, 'SELECT')`,
    );
    expect(granted).toEqual([]);
  });

  it('refuses documents outside the write window or malformed, with reasons, and writes the rest', async () => {
    const ok = (message: string, at = now - HOUR): LogDocument => ({ '@timestamp': new Date(at).toISOString(), service: 'window', level: 'INFO', message });
    const bad = [
      ok('too old', now - 31 * DAY_MS),
      ok('from the future', now + 2 * DAY_MS),
      { ...ok('bad level'), level: 'LOUD' as LogDocument['level'] },
      { ...ok('no service'), service: '' },
      { ...ok('long id'), request_id: 'x'.repeat(1025) },
      { ...ok('odd context'), context: 'text' as unknown as Record<string, unknown> },
      { ...ok('bad time'), '@timestamp': 'yesterday' },
    ];
    const result = await store.writeLogs([ok('kept one'), ...bad, { ...ok('kept two', now - HOUR - 1000), level: 'warn' as LogDocument['level'] }]);
    expect(result.written).toBe(2);
    expect(result.rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/older than the retention/),
      expect.stringMatching(/future/),
      expect.stringMatching(/^level must be one of/),
      'service is empty',
      'request_id is longer than 1024 bytes',
      'context is not an object',
      '@timestamp is not a date',
    ]);
    expect(result.rejected.map((r) => r.doc)).toEqual(bad);
    const page = await store.searchLogs({ from: new Date(now - 2 * HOUR), to: new Date(now), services: ['window'], limit: 10 });
    expect(page.hits.map((h) => [h.doc.message, h.doc.level])).toEqual([
      ['kept one', 'INFO'],
      ['kept two', 'WARN'],
    ]);
    expect((await store.writeEvents([{ '@timestamp': new Date(now).toISOString(), event_type: 'x', severity: 'loud' as 'info', message: 'm' }])).rejected).toHaveLength(1);
  });

  it('a document the database refuses is isolated from its batch and rejected with the reason', async () => {
    await t.database.db.execute(sql`ALTER TABLE logs ADD CONSTRAINT check_test_poison CHECK (message <> 'poison')`);
    try {
      const docs = ['a', 'b', 'poison', 'c', 'd', 'e', 'poison'].map((message, i) => ({
        '@timestamp': new Date(now - HOUR + i).toISOString(),
        service: 'isolation',
        level: 'INFO' as const,
        message,
      }));
      const result = await store.writeLogs(docs);
      expect(result.written).toBe(5);
      expect(result.rejected).toEqual([
        { doc: docs[2], reason: expect.stringMatching(/check_test_poison/) },
        { doc: docs[6], reason: expect.stringMatching(/check_test_poison/) },
      ]);
    } finally {
      await t.database.db.execute(sql`ALTER TABLE logs DROP CONSTRAINT check_test_poison`);
    }
  });

  it('bounds the range, and indexes and highlights a huge message without failing', async () => {
    await expect(store.searchLogs({ from: new Date(now - 32 * DAY_MS), to: new Date(now), limit: 10 })).rejects.toThrow(/at most 31 days/);
    await expect(store.searchLogs({ from: new Date(now), to: new Date(now), limit: 10 })).rejects.toThrow(/before/);
    const message = `needle at the start ${'lorem ipsum dolor '.repeat(20_000)} tail`;
    expect((await store.writeLogs([{ '@timestamp': new Date(now - HOUR).toISOString(), service: 'huge', level: 'INFO', message }])).written).toBe(1);
    const page = await store.searchLogs({ from: new Date(now - 2 * HOUR), to: new Date(now), text: 'needle', limit: 1 });
    expect(page.hits[0]!.highlight!.join('')).toBe(message);
    expect(page.hits[0]!.highlight![1]).toBe('needle');
  });

  it("the worker's retention:logs job drops whole old days and runs in this mode", async () => {
    const job = (await jobsFor(t.database, t.mode)).find((j) => j.name === 'retention:logs');
    expect(job).toBeDefined();
    expect(await job!.run()).toMatchObject({ logsDeleted: 0, eventsDeleted: 0 });
    const days = async () => toNumber((await rows(sql`SELECT count(DISTINCT date_trunc('day', time, 'UTC')) AS n FROM logs`))[0]?.n);
    const before = await days();
    // As if 29 days passed: the oldest seeded day (3 days ago) is then 32 days old.
    const deleted = await store.applyRetention(new Date(now + 29 * DAY_MS));
    expect(deleted.logsDeleted).toBeGreaterThan(0);
    expect(await days()).toBeLessThan(before!);
    const left = await rows(sql`SELECT min(time) AS oldest FROM logs`);
    expect(new Date(String(left[0]!.oldest)).getTime()).toBeGreaterThanOrEqual(now - DAY_MS);
    if (mode === 'timescaledb') {
      const oldChunks = await rows(sql`SELECT 1 FROM timescaledb_information.chunks WHERE hypertable_name = 'logs' AND range_end <= ${new Date(now - DAY_MS).toISOString()}::timestamptz`);
      expect(oldChunks).toEqual([]);
    } else {
      expect((await listDailyPartitions(t.database.db, 'logs')).every((p) => p.startMs + DAY_MS > now - DAY_MS)).toBe(true);
    }
  });
});
