import { getDatabase } from '@/lib/db/client';
import { handleListNodes } from '@/lib/nodes/api';

export const dynamic = 'force-dynamic';

/** Every node with its status and newest sample: `?country=&region=&tags=&status=` (README, "Nodes API"). */
export async function GET(req: Request): Promise<Response> {
  const { db } = await getDatabase();
  return handleListNodes(req, { db });
}
