import type { Metadata } from 'next';
import Link from 'next/link';
import { NodeForm } from '@/components/admin/node-form';
import { config } from '@/lib/config';
import { requirePageUser } from '@/lib/auth/page';
import { EMPTY_NODE_FORM } from '@/lib/nodes/admin-schema';
import { createNodeAction } from '../actions';

export const metadata: Metadata = { title: 'New node' };

export default async function NewNodePage() {
  await requirePageUser('admin', '/admin/nodes/new');
  const { NEXT_PUBLIC_MAP_TILE_URL: tileUrl, NEXT_PUBLIC_MAP_TILE_ATTRIBUTION: tileAttribution } = config();
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/admin/nodes">Nodes</Link> / <span aria-current="page">New node</span>
      </nav>
      <div className="admin-head">
        <h1>New node</h1>
      </div>
      <section className="admin-section" aria-label="Node details">
        <NodeForm mode="create" action={createNodeAction} initial={EMPTY_NODE_FORM} tileUrl={tileUrl} tileAttribution={tileAttribution} />
      </section>
    </>
  );
}
