import { withAuth } from '@/lib/auth/route';
import { getDatabaseFor } from '@/lib/db/client';
import { handleListNodes } from '@/lib/nodes/api';

export const dynamic = 'force-dynamic';

/** Every node with its status and newest sample: `?country=&region=&tags=&status=` (README, "Nodes API"). Session or API token. */
export const GET = withAuth('viewer', async (req) => {
  const { db } = await getDatabaseFor('reader');
  return handleListNodes(req, { db });
});
