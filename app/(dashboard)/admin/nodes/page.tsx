import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { AdminNodeTable } from '@/components/admin/admin-node-table';
import { requirePageUser } from '@/lib/auth/page';
import { getDatabase } from '@/lib/db/client';
import { listNodesForAdmin } from '@/lib/nodes/admin-queries';
import '@/components/admin/admin.css';

export const metadata: Metadata = { title: 'Nodes admin' };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function AdminNodesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePageUser('admin', '/admin/nodes');
  await connection();
  const { deleted } = await searchParams;
  const { db } = await getDatabase();
  const nodes = await listNodesForAdmin(db);
  const inactive = nodes.filter((n) => !n.isActive).length;

  return (
    <>
      <div className="admin-head">
        <h1>Nodes</h1>
        <div className="admin-actions">
          <Link href="/admin/nodes/new" className="admin-button admin-button--primary">
            New node
          </Link>
        </div>
        <p className="subtitle">
          {nodes.length} {nodes.length === 1 ? 'node' : 'nodes'}
          {inactive > 0 ? `, ${inactive} inactive` : ''}. Create nodes, edit their metadata, and issue or revoke their probe keys.
        </p>
      </div>
      {typeof deleted === 'string' && deleted !== '' && (
        <p role="status" className="admin-notice">
          Deleted node {deleted}, with its metrics and probe keys.
        </p>
      )}
      {nodes.length === 0 ? (
        <div className="empty" role="status">
          <p>No nodes yet.</p>
          <p>
            <Link href="/admin/nodes/new">Create the first node</Link>, then give its probe a key. (For a demo network, run{' '}
            <code>npm run db:seed</code>.)
          </p>
        </div>
      ) : (
        <AdminNodeTable nodes={nodes} now={new Date()} />
      )}
    </>
  );
}
