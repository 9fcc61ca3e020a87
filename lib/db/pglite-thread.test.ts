import { sql } from 'drizzle-orm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeDatabase, getDatabase, openDatabase, type Database } from './client';
import { PGliteThread } from './pglite-thread-client';
import { queryRows } from './rows';

/**
 * The embedded PGlite runs on its own thread (lib/db/pglite-thread.mjs) behind a client that
 * drizzle uses as if it were PGlite itself. What callers rely on: PGlite's transaction semantics
 * (statements outside a transaction wait for it and never run inside it), the database's own
 * error fields, the value types drizzle asks for, and a main thread that stays free while SQL runs.
 */
describe('PGlite on its own thread', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
    await database.db.execute(sql`CREATE TABLE t (id int PRIMARY KEY, note text CONSTRAINT note_short CHECK (length(note) < 5), at timestamptz, n numeric, doc jsonb)`);
  });
  afterAll(async () => {
    await database?.close();
  });

  const count = async () => Number((await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM t`))[0]!.n);

  it('a query issued while a transaction is open waits for it and does not run inside it', async () => {
    let insideDone!: () => void;
    const inserted = new Promise<void>((resolve) => (insideDone = resolve));
    const tx = database.db
      .transaction(async (t) => {
        await t.execute(sql`INSERT INTO t (id) VALUES (1)`);
        insideDone();
        await new Promise((r) => setTimeout(r, 200));
        throw new Error('roll it back');
      })
      .catch((err: Error) => err.message);
    await inserted;
    // Inside the transaction this would count the uncommitted row; it must see the rolled-back state.
    const outside = await count();
    expect(await tx).toBe('roll it back');
    expect(outside).toBe(0);
    expect(await count()).toBe(0);
  });

  it('commits a transaction, and nested savepoints roll back on their own', async () => {
    await database.db.transaction(async (t) => {
      await t.execute(sql`INSERT INTO t (id) VALUES (2)`);
      await t
        .transaction(async (inner) => {
          await inner.execute(sql`INSERT INTO t (id) VALUES (3)`);
          throw new Error('inner only');
        })
        .catch(() => undefined);
    });
    expect((await queryRows<{ id: number }>(database.db, sql`SELECT id FROM t ORDER BY id`)).map((r) => r.id)).toEqual([2]);
  });

  it('a failing statement reaches the caller with the database’s code and constraint, and leaves the transaction rolled back', async () => {
    const failure = await database.db
      .transaction(async (t) => {
        await t.execute(sql`INSERT INTO t (id) VALUES (4)`);
        await t.execute(sql`INSERT INTO t (id, note) VALUES (5, 'far too long')`);
      })
      .catch((err: unknown) => err);
    const cause = (failure as { cause?: { code?: string; constraint?: string; message?: string } }).cause;
    expect(cause).toBeInstanceOf(Error);
    expect(cause).toMatchObject({ code: '23514', constraint: 'note_short' });
    expect(cause?.message).toMatch(/note_short/);
    const dup = await database.db.execute(sql`INSERT INTO t (id) VALUES (2)`).catch((err: unknown) => err);
    expect((dup as { cause?: { code?: string } }).cause?.code).toBe('23505');
    expect((await queryRows<{ id: number }>(database.db, sql`SELECT id FROM t ORDER BY id`)).map((r) => r.id)).toEqual([2]);
  });

  it('gives values the types the engine gives in-process: Date, number-as-text numeric, parsed JSON', async () => {
    await database.db.execute(sql`INSERT INTO t (id, at, n, doc) VALUES (10, '2026-11-29T10:00:00Z', 12.50, '{"a":[1,2]}')`);
    const [row] = await queryRows<{ at: unknown; n: unknown; doc: unknown }>(database.db, sql`SELECT at, n, doc FROM t WHERE id = 10`);
    // drizzle asks for timestamps as text (its own parser keeps them); numeric stays text; jsonb is parsed.
    expect(new Date(String(row!.at)).toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(Number(row!.n)).toBe(12.5);
    expect(row!.doc).toEqual({ a: [1, 2] });
  });

  it('the main thread keeps running while the database works', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = performance.now();
    await database.db.execute(sql`SELECT count(*) FROM generate_series(1, 3000000)`);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // In-process, PGlite's WebAssembly holds the event loop for the whole query: no tick at all.
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it('after close, a query fails with a clear error instead of hanging', async () => {
    const other = await openDatabase({ dataDir: 'memory://' });
    await other.close();
    const err = await other.db.execute(sql`SELECT 1`).catch((e: unknown) => e);
    expect(String((err as { cause?: Error }).cause?.message ?? err)).toMatch(/embedded database (is closed|thread has stopped)/);
  });

  it('a thread that dies is reported once, and every waiting and later query fails instead of hanging', async () => {
    const stops: Error[] = [];
    const thread = await PGliteThread.open(undefined, (err) => stops.push(err));
    const waiting = thread.query('SELECT pg_sleep(0.5)').catch((err: Error) => err);
    // As a WebAssembly abort would end it (the handle is private: the product never kills it).
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect(String(await waiting)).toMatch(/embedded database thread has stopped/);
    await expect(thread.query('SELECT 1')).rejects.toThrow(/embedded database thread has stopped/);
    expect(stops).toHaveLength(1);
    await thread.close();
    expect(stops).toHaveLength(1);
  });
});

describe("the process's embedded database (getDatabase)", () => {
  it('when its thread dies, the process shuts itself down with exit code 1, so a supervisor restarts it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fiber-thread-stop-'));
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('FIBER_DATA_DIR', dir);
    // The signal itself is the OS's business: record it instead of ending the test process.
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      const { engine, db } = await getDatabase();
      expect(engine).toBe('pglite');
      await (db as unknown as { $client: { worker: { terminate(): Promise<number> } } }).$client.worker.terminate();
      await expect.poll(() => kill.mock.calls).toEqual([[process.pid, 'SIGTERM']]);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = undefined;
      kill.mockRestore();
      await closeDatabase();
      vi.unstubAllEnvs();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
