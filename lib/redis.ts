import { Redis } from 'ioredis';
import { log } from './log';

/**
 * A Redis client that fails fast instead of queueing while Redis is away (callers decide what
 * a failure means: a 503 at ingest, a skipped heartbeat in the worker), reconnects with capped
 * backoff, and logs each change of state once rather than every retry.
 */
export function createRedis(url: string, name: string, options: { autoPipelining?: boolean } = {}): Redis {
  return watch(
    new Redis(url, {
      enableAutoPipelining: options.autoPipelining ?? false,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 250, 5_000),
      connectionName: `fiberstack:${name}`,
    }),
    name,
  );
}

/** A second connection with the same settings, e.g. for blocking stream reads that would hold up other commands. */
export function duplicateRedis(client: Redis, name: string): Redis {
  return watch(client.duplicate({ connectionName: `fiberstack:${name}` }), name);
}

function watch(client: Redis, name: string): Redis {
  const logger = log().child({ logger: `redis.${name}` });
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

/**
 * Waits (briefly) for a connection that is still being established: commands are not queued
 * while offline, so the first request after start-up would otherwise fail needlessly.
 */
export async function whenReady(client: Redis, timeoutMs = 1_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not ready (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

const globalForRedis = globalThis as unknown as { fiberRedis?: Redis };

/**
 * The web process's shared client (route handlers); created on first use. Auto-pipelined: the
 * commands that concurrent pushes issue in the same tick leave in one write, which on the push
 * path costs fewer syscalls than the commands themselves (bench:ingest). Never used for
 * blocking reads, which would hold up every command queued behind them.
 */
export function getRedis(url: string): Redis {
  globalForRedis.fiberRedis ??= createRedis(url, 'web', { autoPipelining: true });
  return globalForRedis.fiberRedis;
}
