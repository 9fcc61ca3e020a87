import type { Redis } from 'ioredis';
import { errorMessage } from '../db/rows';
import { log } from '../log';
import { whenReady } from '../redis';

const COUNT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}`;

type CountingRedis = Redis & { fiberAuthAttempt(key: string, windowSeconds: number): Promise<[number, number]> };

/**
 * better-auth's rate limiter on Redis (its own is in memory, per process): a fixed window per
 * client address and path, shared by every replica. If Redis is away the request is let through
 * and the failure logged: NOC staff must be able to sign in during an incident, and Redis being
 * down is one.
 */
export function redisRateLimitStorage(redis: () => Redis) {
  const logger = log().child({ logger: 'auth.rate-limit' });
  return {
    async consume(key: string, rule: { window: number; max: number }) {
      try {
        const client = redis();
        if (!('fiberAuthAttempt' in client)) client.defineCommand('fiberAuthAttempt', { numberOfKeys: 1, lua: COUNT_SCRIPT });
        const counting = client as CountingRedis;
        await whenReady(client, 1_000);
        const [count, ttl] = await counting.fiberAuthAttempt(`ratelimit:auth:${key}`, rule.window);
        return count <= rule.max ? { allowed: true, retryAfter: null } : { allowed: false, retryAfter: Math.max(1, ttl) };
      } catch (err) {
        logger.warn({ context: { error: errorMessage(err) } }, 'auth rate limit unavailable (redis); letting the request through');
        return { allowed: true, retryAfter: null };
      }
    },
  };
}
