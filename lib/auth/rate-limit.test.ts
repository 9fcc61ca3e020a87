import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, whenReady } from '../redis';
import { TEST_REDIS_DB, testRedisUrl } from '../testing/redis';
import { settlesWithin } from '../testing/processes';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy';
import { redisRateLimitStorage } from './rate-limit';

/**
 * The sign-in rate limit must never keep NOC staff out during an incident: with Redis away it
 * lets the attempt through. A Redis that stops answering (paused, a link dropping packets) sends
 * no error at all; before the client's command timeout, every sign-in then waited forever.
 */
describe('sign-in rate limit on a Redis that stops answering', () => {
  // Redis db 3 is shared with auth.test.ts, running alongside: this test only touches its own key.
  let link: TcpProxy;
  let silent: Redis;
  const rule = { window: 60, max: 2 };

  beforeAll(async () => {
    const local = new URL(testRedisUrl(TEST_REDIS_DB.auth));
    link = await startTcpProxy({ host: local.hostname, port: Number(local.port || 6379) });
    silent = createRedis(link.urlThrough(local.toString()), 'rate-limit-test');
    await whenReady(silent, 5_000);
  });

  afterAll(async () => {
    silent?.disconnect();
    await link?.close();
  });

  it('counts attempts while Redis answers, lets them through within seconds once it stops, and counts again after', async () => {
    const storage = redisRateLimitStorage(() => silent);
    const key = `10.7.7.7/sign-in/email/${Date.now()}`;
    expect(await storage.consume(key, rule)).toEqual({ allowed: true, retryAfter: null });
    expect(await storage.consume(key, rule)).toEqual({ allowed: true, retryAfter: null });
    expect((await storage.consume(key, rule)).allowed).toBe(false);

    link.freeze();
    const during = await settlesWithin(storage.consume(key, rule), 10_000, 'the sign-in to be let through');
    expect(during).toEqual({ allowed: true, retryAfter: null });

    link.thaw();
    await whenReady(silent, 15_000);
    expect((await storage.consume(key, rule)).allowed).toBe(false);
    await silent.del(`ratelimit:auth:${key}`);
  });
});
