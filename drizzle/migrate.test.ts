import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { ModeError } from '../lib/db/mode';
import { appliedMigrationVersions } from '../lib/db/queries';
import { queryRows } from '../lib/db/rows';
import { createTestDatabase, type TestDatabase } from '../lib/testing/databases';
import { snapshotSchema } from '../lib/testing/introspect';
import { openDatabase } from '../lib/db/client';
import { migrate, rollback } from './migrate';
import { migrations } from './migrations';

const ALL = migrations.map((m) => m.version);
let open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.map((t) => t.cleanup()));
  open = [];
});
async function fresh(engine: 'pglite' | 'postgres') {
  const t = await createTestDatabase(engine);
  open.push(t);
  return t;
}

describe.each(['pglite', 'postgres'] as const)('migrations on %s', (engine) => {
  it('up → down → up leaves the same schema, one step at a time and all at once', async () => {
    const { database } = await fresh(engine);
    await migrate(database, { timescale: 'auto' });
    const first = await snapshotSchema(database.db);
    expect(Object.keys(first.relations).sort()).toEqual(['aggregates_daily', 'aggregates_hourly', 'alerts', 'metrics', 'nodes']);
    expect(Object.keys(first.policies)).toHaveLength(engine === 'pglite' ? 6 : 0);

    expect((await rollback(database)).reverted).toEqual([ALL.at(-1)]);
    expect(await appliedMigrationVersions(database.db)).toEqual(ALL.slice(0, -1));
    expect((await rollback(database, { to: 0 })).reverted).toEqual(ALL.slice(0, -1).reverse());
    const empty = await snapshotSchema(database.db);
    expect(empty.relations).toEqual({});
    expect(empty.indexes).toEqual({});
    expect(empty.policies).toEqual({});
    const leftovers = await queryRows(database.db, sql`SELECT to_regclass('public.fiber_jobs') AS t`);
    expect(leftovers).toEqual([{ t: null }]);

    await migrate(database, { timescale: 'auto' });
    expect(await snapshotSchema(database.db)).toEqual(first);
  });

  it('is idempotent: a second run applies nothing and changes nothing', async () => {
    const { database } = await fresh(engine);
    const first = await migrate(database, { timescale: 'auto' });
    expect(first.applied).toEqual(ALL);
    const before = await snapshotSchema(database.db);
    const second = await migrate(database, { timescale: 'auto' });
    expect(second).toEqual({ mode: first.mode, applied: [] });
    expect(await snapshotSchema(database.db)).toEqual(before);
  });

  it('a failing migration leaves the database as it was', async () => {
    const { database } = await fresh(engine);
    const broken = [
      ...migrations,
      {
        version: 999,
        name: 'broken',
        async up(tx: typeof database.db) {
          await tx.execute(sql`CREATE TABLE half_done (id int)`);
          await tx.execute(sql`SELECT no_such_function()`);
        },
        async down() {},
      },
    ];
    await expect(migrate(database, { timescale: 'auto', migrations: broken })).rejects.toThrow();
    expect(await appliedMigrationVersions(database.db)).toEqual([]);
    const rows = await queryRows(database.db, sql`SELECT to_regclass('public.nodes') AS n, to_regclass('public.half_done') AS h`);
    expect(rows).toEqual([{ n: null, h: null }]);
  });
});

describe('migrations on PostgreSQL 15: concurrency and modes', () => {
  it('concurrent migrators serialise on the advisory lock: one applies, the others find nothing to do', async () => {
    const t = await fresh('postgres');
    const others = await Promise.all([openDatabase({ url: t.url }), openDatabase({ url: t.url })]);
    try {
      const results = await Promise.all([t.database, ...others].map((d) => migrate(d, { timescale: 'auto' })));
      const applied = results.map((r) => r.applied);
      expect(applied.filter((a) => a.length > 0)).toEqual([ALL]);
      expect(applied.filter((a) => a.length === 0)).toHaveLength(2);
      expect(await appliedMigrationVersions(t.database.db)).toEqual(ALL);
    } finally {
      await Promise.all(others.map((d) => d.close()));
    }
  });

  it('FIBER_TIMESCALE=require fails clearly where TimescaleDB is missing, and creates nothing', async () => {
    const { database } = await fresh('postgres');
    await expect(migrate(database, { timescale: 'require' })).rejects.toThrow(/FIBER_TIMESCALE=require, but CREATE EXTENSION timescaledb failed/);
    expect(await appliedMigrationVersions(database.db)).toEqual([]);
  });

  it('the recorded mode cannot be switched by configuration later', async () => {
    const { database } = await fresh('pglite');
    expect((await migrate(database, { timescale: 'auto' })).mode).toBe('timescaledb');
    const attempt = migrate(database, { timescale: 'off' });
    await expect(attempt).rejects.toBeInstanceOf(ModeError);
    await expect(migrate(database, { timescale: 'off' })).rejects.toThrow(/initialised in TimescaleDB mode/);
    // After a full rollback the mode is undecided again and may be chosen afresh.
    await rollback(database, { to: 0 });
    expect((await migrate(database, { timescale: 'off' })).mode).toBe('postgres');
  });
});
