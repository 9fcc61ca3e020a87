import { config } from '@/lib/config';
import { getDatabase } from '@/lib/db/client';
import { handlePush } from '@/lib/ingest/push';
import { getRedis } from '@/lib/redis';

export const dynamic = 'force-dynamic';

/** Probes push samples here; authentication is the probe key, checked inside handlePush. */
export async function POST(req: Request): Promise<Response> {
  const cfg = config();
  const { db } = await getDatabase();
  return handlePush(req, {
    db,
    redis: getRedis(cfg.REDIS_URL),
    settings: {
      maxBodyBytes: cfg.PUSH_MAX_BODY_BYTES,
      rateLimitPerMinute: cfg.PUSH_RATE_LIMIT_PER_MINUTE,
      maxBacklog: cfg.QUEUE_MAX_BACKLOG,
      enrollmentKey: cfg.FIBER_ENROLLMENT_KEY,
    },
  });
}
