import { config, type Config } from '../config';
import { getDatabase, type Database } from '../db/client';
import { readRecordedMode } from '../db/mode';
import { createPostgresLogStore } from './postgres-store';
import type { LogStore } from './types';

/**
 * The process's log store (issue 6): Elasticsearch when ELASTICSEARCH_URL is set, otherwise the
 * `logs` and `events` tables on the owner's connection (getDatabase()): log lines carry user ids
 * and request traces, which dashboard_reader may not read.
 *
 * Set-up (index templates and ILM policies, or the check that the tables exist) runs before the
 * first write, not when the store is opened: a store that is down at start-up must not stop the
 * process, and a failed set-up is tried again before the next write (the shipper's next flush).
 */

export type LogStoreKind = LogStore['kind'];

export function logStoreKind(cfg: Config = config()): LogStoreKind {
  return cfg.ELASTICSEARCH_URL ? 'elasticsearch' : 'postgres';
}

/** Kept on globalThis: Next evaluates modules more than once per process (as lib/db/client.ts). */
const globalForStore = globalThis as unknown as { fiberLogStore?: { owner: string | Database; store: Promise<LogStore> } };

export async function getLogStore(): Promise<LogStore> {
  const cfg = config();
  if (cfg.ELASTICSEARCH_URL) {
    const url = cfg.ELASTICSEARCH_URL;
    if (globalForStore.fiberLogStore?.owner !== url) {
      remember(url, openElasticsearchStore(cfg, url));
    }
    return globalForStore.fiberLogStore!.store;
  }
  // The store follows the process's database: a database closed and opened again gets a new one.
  const database = await getDatabase();
  if (globalForStore.fiberLogStore?.owner !== database) remember(database, openPostgresStore(database));
  return globalForStore.fiberLogStore!.store;
}

function remember(owner: string | Database, store: Promise<LogStore>): void {
  const entry = { owner, store };
  globalForStore.fiberLogStore = entry;
  // A store that could not be opened is not cached: the next caller tries again.
  store.catch(() => {
    if (globalForStore.fiberLogStore === entry) globalForStore.fiberLogStore = undefined;
  });
}

/**
 * The Elasticsearch client is loaded only when it is configured: it adds ~30 MB to the resident
 * size of every process that imports it, and the worker's target is < 200 MB (README, Performance).
 */
async function openElasticsearchStore(cfg: Config, url: string): Promise<LogStore> {
  const { createElasticsearchClient, createElasticsearchStore } = await import('./elasticsearch-store');
  const client = createElasticsearchClient({
    url,
    apiKey: cfg.ELASTICSEARCH_API_KEY,
    username: cfg.ELASTICSEARCH_USERNAME,
    password: cfg.ELASTICSEARCH_PASSWORD,
  });
  return setUpBeforeWrites(createElasticsearchStore(client));
}

async function openPostgresStore(database: Database): Promise<LogStore> {
  const mode = await readRecordedMode(database.db);
  if (!mode) throw new Error('The database has no recorded storage mode: run the migrations (npm run db:migrate).');
  return setUpBeforeWrites(createPostgresLogStore(database.db, mode));
}

/** The store, its set-up run once before the first write, and again before the next one should it fail. */
function setUpBeforeWrites(store: LogStore): LogStore {
  let ready: Promise<void> | undefined;
  const setup = (): Promise<void> => {
    if (!ready) {
      const attempt = store.setup();
      ready = attempt;
      attempt.catch(() => {
        if (ready === attempt) ready = undefined;
      });
    }
    return ready;
  };
  const wrapped: LogStore = {
    kind: store.kind,
    setup,
    writeLogs: async (docs) => {
      await setup();
      return store.writeLogs(docs);
    },
    writeEvents: async (docs) => {
      await setup();
      return store.writeEvents(docs);
    },
    searchLogs: (q) => store.searchLogs(q),
    searchEvents: (q) => store.searchEvents(q),
    close: async () => {
      const cached = globalForStore.fiberLogStore;
      if (cached && (await cached.store.catch(() => undefined)) === wrapped) globalForStore.fiberLogStore = undefined;
      await store.close();
    },
  };
  if (store.applyRetention) wrapped.applyRetention = (now) => store.applyRetention!(now);
  return wrapped;
}
