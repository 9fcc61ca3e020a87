import { config } from '@/lib/config';
import { getDatabase } from '@/lib/db/client';
import { healthReport } from '@/lib/health/status';
import { logShippingStats } from '@/lib/logs/shipper';
import { getRedis } from '@/lib/redis';

export const dynamic = 'force-dynamic';

/** Open to all (load balancers, uptime checks): it reports states and figures, never secrets. */
export async function GET(): Promise<Response> {
  const report = await healthReport(getDatabase, getRedis(config().REDIS_URL), logShippingStats());
  return Response.json(report, { status: report.status === 'down' ? 503 : 200, headers: { 'cache-control': 'no-store' } });
}
