import { getDatabase } from '@/lib/db/client';
import { handleGetNode } from '@/lib/nodes/api';

export const dynamic = 'force-dynamic';

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const [{ id }, { db }] = await Promise.all([params, getDatabase()]);
  return handleGetNode(req, id, { db });
}
