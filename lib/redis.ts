import { Redis } from 'ioredis';
import { log } from './log';

/**
 * How long a command may wait for its answer (ioredis `commandTimeout`): a Redis that stopped
 * answering (paused, stuck, behind a link that silently drops packets) sends no error, so without
 * it every push, sign-in and worker read waited forever. The web process answers a push 503 after
 * this long; the worker, whose batches are larger, waits longer before it retries.
 */
export const REDIS_COMMAND_TIMEOUT_MS = { web: 2_000, worker: 5_000 } as const;
/** A connection that received nothing for this long past the command timeout is dropped and reopened (`socketTimeout`). */
const SOCKET_TIMEOUT_GRACE_MS = 3_000;

/**
 * A Redis client that fails fast instead of queueing while Redis is away (callers decide what
 * a failure means: a 503 at ingest, a skipped heartbeat in the worker), gives up on a command
 * that gets no answer, drops a connection that went silent, reconnects with capped backoff, and
 * logs each change of state once rather than every retry.
 */
export function createRedis(url: string, name: string, options: { autoPipelining?: boolean; commandTimeoutMs?: number } = {}): Redis {
  const commandTimeout = options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS.web;
  return watch(
    new Redis(url, {
      enableAutoPipelining: options.autoPipelining ?? false,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout,
      socketTimeout: commandTimeout + SOCKET_TIMEOUT_GRACE_MS,
      retryStrategy: (attempt) => Math.min(attempt * 250, 5_000),
      connectionName: `fiberstack:${name}`,
    }),
    name,
  );
}

/**
 * A second connection with the same settings for blocking stream reads (`XREADGROUP … BLOCK
 * blockMs`), which would hold up other commands. A blocking read legitimately waits `blockMs`
 * for its answer, so the command timeout gives way to ioredis's blocking timeout: the read's own
 * BLOCK plus the grace of a command, and the same for a read without BLOCK.
 */
export function duplicateRedis(client: Redis, name: string, blocking: { blockMs: number }): Redis {
  const grace = client.options.commandTimeout ?? REDIS_COMMAND_TIMEOUT_MS.worker;
  return watch(
    client.duplicate({
      connectionName: `fiberstack:${name}`,
      commandTimeout: undefined,
      blockingTimeout: grace,
      blockingTimeoutGrace: grace,
      socketTimeout: blocking.blockMs + grace + SOCKET_TIMEOUT_GRACE_MS,
    }),
    name,
  );
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
