import type { Redis } from 'ioredis';
import { ETL_STREAM } from '../queue/stream';
import { whenReady } from '../redis';

/** The spec's fixed-window limiter: `ratelimit:{api_key}:{minute}`, a counter with a 60 s TTL. */
export function rateLimitKey(keyPrefix: string, now: Date): string {
  const minute = now.toISOString().slice(0, 16).replace(/[-T:]/g, '');
  return `ratelimit:${keyPrefix}:${minute}`;
}

export interface AdmissionCheck {
  count: number;
  limit: number;
  remaining: number;
  resetSeconds: number;
  backlog: number;
}

/** INCR and EXPIRE of the minute's counter as one command, so a counter never outlives its TTL. */
const COUNT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return count`;

type CountingRedis = Redis & { fiberCountRequest(key: string, ttlSeconds: number): Promise<number> };

function counting(redis: Redis): CountingRedis {
  if (!('fiberCountRequest' in redis)) redis.defineCommand('fiberCountRequest', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  return redis as CountingRedis;
}

/**
 * One round trip for both admission checks of a push: the key's request count in this minute
 * and the stream's backlog. The key is the probe key's public prefix, never the secret.
 */
export async function checkAdmission(redis: Redis, keyPrefix: string, limit: number, now: Date): Promise<AdmissionCheck> {
  const key = rateLimitKey(keyPrefix, now);
  await whenReady(redis);
  const [count, backlog] = await Promise.all([counting(redis).fiberCountRequest(key, 60), redis.xlen(ETL_STREAM)]);
  return {
    count: Number(count),
    limit,
    remaining: Math.max(0, limit - Number(count)),
    resetSeconds: 60 - now.getUTCSeconds(),
    backlog: Number(backlog),
  };
}

export function rateLimitHeaders(check: AdmissionCheck): Record<string, string> {
  return {
    'RateLimit-Limit': String(check.limit),
    'RateLimit-Remaining': String(check.remaining),
    'RateLimit-Reset': String(check.resetSeconds),
  };
}
