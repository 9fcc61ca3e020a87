import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleListNodes } from '../nodes/api';
import { createMigratedDatabase, createTestDatabase, setDatabaseConnectionsAllowed, terminateConnections, type TestDatabase } from '../testing/databases';
import { sessions } from './auth-schema';
import { openDatabase } from './client';
import { isDatabaseUnavailable } from './errors';
import { errorMessage, queryRows } from './rows';

/**
 * A failed query must not carry its bound values (a session token, a key hash) into logs, the
 * log search or Next's error output; a database that is away must be told apart from a bug.
 */
describe.each(['pglite', 'postgres'] as const)('a failed query on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  }, 120_000);
  afterAll(async () => t?.cleanup());

  it('keeps its SQL and the database\'s reason, not its bound values, through db.execute and the query builder', async () => {
    const secret = `tok_${randomBytes(16).toString('hex')}`;
    const db = t.database.db;
    // No tables here: both fail with "relation … does not exist", as a query might for any reason.
    const failures = [
      await queryRows(db, sql`SELECT * FROM sessions WHERE token = ${secret}`).catch((e: unknown) => e),
      await db.select().from(sessions).where(eq(sessions.token, secret)).catch((e: unknown) => e),
    ];
    for (const err of failures) {
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^Failed query: select /i);
      expect(errorMessage(err)).toMatch(/does not exist/);
      expect(String((err as Error).stack)).not.toContain(secret);
      expect(inspect(err, { depth: 6 })).not.toContain(secret);
      expect(JSON.stringify({ message: (err as Error).message, stack: (err as Error).stack })).not.toContain(secret);
      expect(isDatabaseUnavailable(err)).toBe(false);
    }
  });
});

describe('a PostgreSQL database that is away', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createMigratedDatabase('postgres');
  }, 120_000);
  afterAll(async () => {
    await setDatabaseConnectionsAllowed(t.url!, true).catch(() => undefined);
    await t?.cleanup();
  });

  it('is recognised whether the server refuses the connection or the database is closed', async () => {
    const nowhere = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/nowhere', poolMax: 1 });
    try {
      const refused = await queryRows(nowhere.db, sql`SELECT 1`).catch((e: unknown) => e);
      expect(isDatabaseUnavailable(refused), errorMessage(refused)).toBe(true);
    } finally {
      await nowhere.close();
    }
    const wrong = await queryRows(t.database.db, sql`SELECT no_such_column FROM nodes`).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(wrong)).toBe(false);
  });

  it('dropping connections in the middle of transactions never crashes the process, and every query settles', async () => {
    // postgres.js 3.4.9 threw from a setImmediate (uncatchable) when a write was scheduled after
    // the server closed the connection (porsager/postgres#1154): a PostgreSQL restart took down
    // the web server and the worker. patches/postgres+3.4.9.patch settles those queries instead;
    // without it this test dies with "Cannot read properties of null (reading 'write')".
    const pool = await openDatabase({ url: t.url!, poolMax: 4 });
    let stop = false;
    let committed = 0;
    let failed = 0;
    try {
      // As many transactions as connections: each restart hits every one of them mid-flight.
      const loops = Array.from({ length: 4 }, async () => {
        while (!stop) {
          try {
            await pool.db.transaction(async (tx) => {
              await tx.execute(sql`SELECT pg_advisory_xact_lock(4242)`);
              await tx.execute(sql`SELECT count(*) FROM nodes`);
            });
            committed++;
          } catch (err) {
            expect(isDatabaseUnavailable(err), errorMessage(err)).toBe(true);
            failed++;
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      });
      // Six restarts' worth, time to reconnect between them (each run crashed an unpatched process).
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 400));
        await terminateConnections(t.url!);
      }
      const before = committed;
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(loops);
      expect(failed, 'the terminations did hit queries in flight').toBeGreaterThan(0);
      expect(committed, 'work goes on once the connections are back').toBeGreaterThan(before);
    } finally {
      stop = true;
      await pool.close();
    }
  }, 60_000);

  it('makes the API answer 503 problem+json with Retry-After, then 200 once it is back', async () => {
    const list = () => handleListNodes(new Request('http://test/api/nodes'), { db: t.database.db });
    expect((await list()).status).toBe(200);

    await setDatabaseConnectionsAllowed(t.url!, false);
    const away = await list();
    expect(away.status).toBe(503);
    expect(away.headers.get('content-type')).toBe('application/problem+json');
    expect(away.headers.get('retry-after')).toBe('5');
    expect(await away.json()).toMatchObject({ type: 'urn:fiberstack:problem:database-unavailable', status: 503, detail: expect.stringMatching(/database is unavailable/) });

    await setDatabaseConnectionsAllowed(t.url!, true);
    expect((await list()).status).toBe(200);
  });
});
