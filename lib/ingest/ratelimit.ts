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

/**
 * One round trip for both admission checks of a push: the key's request count in this minute
 * and the stream's backlog. The key is the probe key's public prefix, never the secret.
 */
export async function checkAdmission(redis: Redis, keyPrefix: string, limit: number, now: Date): Promise<AdmissionCheck> {
  const key = rateLimitKey(keyPrefix, now);
  await whenReady(redis);
  const results = await redis.multi().incr(key).expire(key, 60).xlen(ETL_STREAM).exec();
  if (!results) throw new Error('redis transaction aborted');
  for (const [err] of results) if (err) throw err;
  const count = Number(results[0]![1]);
  return {
    count,
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: 60 - now.getUTCSeconds(),
    backlog: Number(results[2]![1]),
  };
}

export function rateLimitHeaders(check: AdmissionCheck): Record<string, string> {
  return {
    'RateLimit-Limit': String(check.limit),
    'RateLimit-Remaining': String(check.remaining),
    'RateLimit-Reset': String(check.resetSeconds),
  };
}
