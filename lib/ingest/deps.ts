import { config } from '../config';
import { getDatabase } from '../db/client';
import { getRedis } from '../redis';
import type { PushDeps } from './push';

/** The push path's stores and limits from configuration: one place for both servers that answer it. */
export async function pushDepsFromConfig(): Promise<PushDeps> {
  const cfg = config();
  const { db } = await getDatabase();
  return {
    db,
    redis: getRedis(cfg.REDIS_URL),
    settings: {
      maxBodyBytes: cfg.PUSH_MAX_BODY_BYTES,
      rateLimitPerMinute: cfg.PUSH_RATE_LIMIT_PER_MINUTE,
      maxBacklog: cfg.QUEUE_MAX_BACKLOG,
      enrollmentKey: cfg.FIBER_ENROLLMENT_KEY,
    },
  };
}
