import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { log } from '../log';
import { whenReady } from '../redis';
import { withTimeout } from '../timeout';
import type { MetricsRequest } from './series';

/**
 * The spec's response cache: `cache:metrics:{node_id}:{timerange_hash}` holding the serialised
 * response for 60 s. The cache is an optimisation only: when Redis is away, slow or failing,
 * requests go straight to the database, and that is logged once per outage, not per request.
 */
export const METRICS_CACHE_TTL_SECONDS = 60;
/** Longest wait for Redis before answering from the database instead. */
export const METRICS_CACHE_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 60_000;

/**
 * First 16 hex digits (64 bits) of SHA-256 over `start|end|aggregation` of the resolved
 * request: ISO 8601 UTC times with milliseconds, after defaults and bucket alignment, and the
 * resolution actually used. So `auto` and the explicit resolution it picks share an entry, as
 * do the same instants written in different zones.
 */
export function timerangeHash(request: Pick<MetricsRequest, 'start' | 'end' | 'aggregation'>): string {
  const material = `${request.start.toISOString()}|${request.end.toISOString()}|${request.aggregation}`;
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

export function metricsCacheKey(request: MetricsRequest): string {
  return `cache:metrics:${request.nodeId}:${timerangeHash(request)}`;
}

export type CacheOutcome = 'hit' | 'miss' | 'unavailable';

/** The cached body, or why there is none. Never throws. */
export async function readCachedMetrics(redis: Redis | undefined, key: string): Promise<{ outcome: CacheOutcome; body?: string }> {
  if (!redis) return { outcome: 'unavailable' };
  try {
    const body = await withRedis(redis, (r) => r.get(key));
    cacheWorked();
    return body === null ? { outcome: 'miss' } : { outcome: 'hit', body };
  } catch (err) {
    cacheFailed(err);
    return { outcome: 'unavailable' };
  }
}

/** Stores the body for METRICS_CACHE_TTL_SECONDS. Never throws. */
export async function writeCachedMetrics(redis: Redis | undefined, key: string, body: string): Promise<void> {
  if (!redis) return;
  try {
    await withRedis(redis, (r) => r.set(key, body, 'EX', METRICS_CACHE_TTL_SECONDS));
    cacheWorked();
  } catch (err) {
    cacheFailed(err);
  }
}

async function withRedis<T>(redis: Redis, run: (r: Redis) => Promise<T>): Promise<T> {
  if (redis.status !== 'ready') {
    // Commands are not queued while offline. A client still making its first connection gets a
    // moment; one already known to be failing does not (every request would pay the wait).
    if (state.down || !['wait', 'connect', 'connecting'].includes(redis.status)) {
      throw new Error(`redis not ready (status ${redis.status})`);
    }
    await whenReady(redis, METRICS_CACHE_TIMEOUT_MS);
  }
  return withTimeout(run(redis), METRICS_CACHE_TIMEOUT_MS, () => new Error(`redis did not answer within ${METRICS_CACHE_TIMEOUT_MS} ms`));
}

// One warning per outage (at most one a minute if Redis flaps); the log is per process, which is
// all it is: no replica needs another's.
const state = { down: false, lastWarnAt: 0 };

function cacheFailed(err: unknown): void {
  const now = Date.now();
  if (!state.down && now - state.lastWarnAt >= WARN_EVERY_MS) {
    state.lastWarnAt = now;
    log()
      .child({ logger: 'metrics.cache' })
      .warn({ exception: err }, 'metrics cache unavailable; answering from the database');
  }
  state.down = true;
}

function cacheWorked(): void {
  if (state.down) log().child({ logger: 'metrics.cache' }).info('metrics cache available again');
  state.down = false;
}
