import { config } from '@/lib/config';
import { getDatabase } from '@/lib/db/client';
import { handleMetricsRequest } from '@/lib/metrics/api';
import { getRedis } from '@/lib/redis';

export const dynamic = 'force-dynamic';

/** A node's series: `?node_id=&start=&end=&aggregation=raw|hourly|daily|auto` (README, "Metrics API"). */
export async function GET(req: Request): Promise<Response> {
  const { db } = await getDatabase();
  return handleMetricsRequest(req, { db, redis: getRedis(config().REDIS_URL) });
}
