import { Redis } from 'ioredis';
import { config } from '../config';

/**
 * Each test file that touches the spec's fixed Redis keys (fiber:etl:queue, ratelimit:…) gets
 * its own logical database of the local Redis, so files running in parallel, the e2e server
 * and a developer's own `npm start` (database 0) never see each other's entries.
 */
export const TEST_REDIS_DB = {
  workerProcess: 9,
  push: 10,
  pushProperty: 15,
  pushListener: 6,
  consumerConcurrency: 5,
  consumer: 11,
  ledger: 12,
  e2e: 14,
  metricsApi: 8,
  metricsRoutes: 7,
  auth: 3,
  purposeUrls: 1,
  admin: 2,
  logsTrace: 4,
  /** bench:ingest and bench:queries (run one at a time; each empties it first). */
  bench: 13,
} as const;

export function testRedisUrl(db: number): string {
  const url = new URL(config().REDIS_URL);
  url.pathname = `/${db}`;
  return url.toString();
}

/** A plain client on that database, emptied first. */
export async function freshTestRedis(db: number): Promise<Redis> {
  const client = new Redis(testRedisUrl(db), { maxRetriesPerRequest: 1 });
  await client.flushdb();
  return client;
}
