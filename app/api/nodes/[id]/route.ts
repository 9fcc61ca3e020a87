import { withAuth } from '@/lib/auth/route';
import { getDatabaseFor } from '@/lib/db/client';
import { handleGetNode } from '@/lib/nodes/api';

export const dynamic = 'force-dynamic';

/** One node with its status and newest sample. Session or API token. */
export const GET = withAuth('viewer', async (req, _principal, { params }: { params: Promise<{ id: string }> }) => {
  const [{ id }, { db }] = await Promise.all([params, getDatabaseFor('reader')]);
  return handleGetNode(req, id, { db });
});
