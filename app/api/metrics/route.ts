import { withAuth } from '@/lib/auth/route';
import { config } from '@/lib/config';
import { getDatabaseFor } from '@/lib/db/client';
import { handleMetricsRequest } from '@/lib/metrics/api';
import { getRedis } from '@/lib/redis';

export const dynamic = 'force-dynamic';

/**
 * A node's series: `?node_id=&start=&end=&aggregation=raw|hourly|daily|auto` (README, "Metrics API").
 * A signed-in user or a read-only API token.
 */
export const GET = withAuth('viewer', async (req) => {
  const { db } = await getDatabaseFor('reader');
  return handleMetricsRequest(req, { db, redis: getRedis(config().REDIS_URL) });
});
