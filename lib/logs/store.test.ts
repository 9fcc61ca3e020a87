import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { config, parseConfig } from '../config';
import { closeDatabase } from '../db/client';
import { createTestDatabase, testDatabaseName, type TestDatabase } from '../testing/databases';
import { migrate } from '../../drizzle/migrate';
import { migrations } from '../../drizzle/migrations';
import { getLogStore, logStoreKind } from './store';
import type { LogDocument } from './types';

/*
 * The process's store from configuration, on a database of the PostgreSQL 15 test server: it is
 * not cached until it could be opened, and a set-up that failed is tried again before the next
 * write (the shipper's next flush), without reopening anything.
 */

const base = parseConfig(process.env);
const DB_NAME = testDatabaseName();
const url = new URL(base.FIBER_TEST_POSTGRES_URL);
url.pathname = `/${DB_NAME}`;
vi.stubEnv('DATABASE_URL', url.toString());
vi.stubEnv('ELASTICSEARCH_URL', undefined);

const line = (message: string): LogDocument => ({ '@timestamp': new Date().toISOString(), service: 'fiber-test', level: 'INFO', message });

describe('getLogStore', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    expect(config().DATABASE_URL).toBe(url.toString());
    t = await createTestDatabase('postgres', DB_NAME);
  });
  afterAll(async () => {
    await closeDatabase();
    await t?.cleanup();
    vi.unstubAllEnvs();
  });

  it('picks Elasticsearch only when ELASTICSEARCH_URL is set', () => {
    expect(logStoreKind()).toBe('postgres');
    expect(logStoreKind(parseConfig({ ELASTICSEARCH_URL: 'https://es.example.net:9200' }))).toBe('elasticsearch');
  });

  it('an unmigrated database is refused and not remembered; a failed set-up is retried before the next write', async () => {
    await expect(getLogStore()).rejects.toThrow(/no recorded storage mode/);

    // Up to migration 5: the mode is recorded, the logs tables do not exist yet.
    await migrate(t.database, { timescale: 'auto', migrations: migrations.filter((m) => m.version <= 5) });
    const store = await getLogStore();
    expect(store.kind).toBe('postgres');
    await expect(store.writeLogs([line('too early')])).rejects.toThrow(/tables are missing/);

    await migrate(t.database, { timescale: 'auto' });
    expect(await getLogStore()).toBe(store);
    expect(await store.writeLogs([line('after the migration')])).toEqual({ written: 1, rejected: [] });
    const page = await store.searchLogs({ from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000), services: ['fiber-test'], limit: 10 });
    expect(page.hits.map((h) => h.doc.message)).toEqual(['after the migration']);
  });

  it('follows the process database: closed and opened again, a new store; closing the store forgets it', async () => {
    const first = await getLogStore();
    await closeDatabase();
    const second = await getLogStore();
    expect(second).not.toBe(first);
    expect(await second.writeLogs([line('on the new pool')])).toMatchObject({ written: 1 });
    await second.close();
    expect(await getLogStore()).not.toBe(second);
  });

  it('with ELASTICSEARCH_URL, the Elasticsearch store: set-up at the first write, tried again at the next after a failure', async () => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests += 1;
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      vi.stubEnv('ELASTICSEARCH_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      vi.resetModules();
      const fresh = await import('./store');
      const es = await fresh.getLogStore();
      expect(es.kind).toBe('elasticsearch');
      expect(requests).toBe(0);
      await expect(es.writeLogs([line('first')])).rejects.toThrow();
      const afterFirst = requests;
      expect(afterFirst).toBeGreaterThan(0);
      await expect(es.writeLogs([line('second')])).rejects.toThrow();
      expect(requests).toBeGreaterThan(afterFirst);
      await es.close();
    } finally {
      vi.stubEnv('ELASTICSEARCH_URL', undefined);
      server.close();
    }
  });
});
