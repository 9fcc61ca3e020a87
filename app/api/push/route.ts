import { pushDepsFromConfig } from '@/lib/ingest/deps';
import { handlePush } from '@/lib/ingest/push';

export const dynamic = 'force-dynamic';

/**
 * Probes push samples here; authentication is the probe key, checked inside handlePush. Under
 * `npm start` the server in lib/runtime/server.ts answers this path itself before Next sees
 * it (same handler, without the framework's per-request cost); this route serves `next dev`.
 */
export async function POST(req: Request): Promise<Response> {
  return handlePush(req, await pushDepsFromConfig());
}
