import { withAuth } from '@/lib/auth/route';
import { handleEventSearch } from '@/lib/logs/api';
import { getLogStore } from '@/lib/logs/store';

export const dynamic = 'force-dynamic';

/**
 * Event search: `?q=&type=&severity=&node_id=&start=&end=&limit=&cursor=` (README, "Logs and
 * events API"). A signed-in user or a read-only API token.
 */
export const GET = withAuth('viewer', (req) => handleEventSearch(req, { store: getLogStore }));
