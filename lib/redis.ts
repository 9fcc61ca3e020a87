import { Redis } from 'ioredis';
import { log } from './log';

/**
 * A Redis client that fails fast instead of queueing while Redis is away (callers decide what
 * a failure means: a 503 at ingest, a skipped heartbeat in the worker), reconnects with capped
 * backoff, and logs each change of state once rather than every retry.
 */
export function createRedis(url: string, name: string): Redis {
  const logger = log().child({ logger: `redis.${name}` });
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 250, 5_000),
    connectionName: `fiberstack:${name}`,
  });
  let down = false;
  client.on('ready', () => {
    if (down) logger.info('redis connection restored');
    down = false;
  });
  client.on('error', (err) => {
    if (!down) logger.warn({ exception: err }, 'redis unavailable; retrying in the background');
    down = true;
  });
  client.connect().catch(() => {
    // Reported by the 'error' handler; ioredis keeps retrying by itself.
  });
  return client;
}
