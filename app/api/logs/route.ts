import { withAuth } from '@/lib/auth/route';
import { handleLogSearch } from '@/lib/logs/api';
import { getLogStore } from '@/lib/logs/store';

export const dynamic = 'force-dynamic';

/**
 * Log search: `?q=&service=&level=&min_level=&node_id=&request_id=&user_id=&start=&end=&limit=&cursor=&order=`
 * (README, "Logs and events API"). A signed-in user or a read-only API token.
 */
export const GET = withAuth('viewer', (req) => handleLogSearch(req, { store: getLogStore }));
