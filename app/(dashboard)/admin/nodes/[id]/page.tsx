import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { cache } from 'react';
import { NodeDangerZone } from '@/components/admin/node-danger-zone';
import { NodeForm } from '@/components/admin/node-form';
import { ProbeKeyCreate } from '@/components/admin/probe-key-create';
import { ProbeKeyTable } from '@/components/admin/probe-key-table';
import { StatusBadge } from '@/components/status-badge';
import { config } from '@/lib/config';
import { requirePageUser } from '@/lib/auth/page';
import { getDatabase } from '@/lib/db/client';
import { listProbeKeys } from '@/lib/keys/queries';
import { nodeFormInputFromNode } from '@/lib/nodes/admin-schema';
import { getNodeWithLatestSample } from '@/lib/nodes/queries';
import { nodeIdSchema } from '@/lib/nodes/schemas';
import { statusOfNode } from '@/lib/nodes/status';
import { createProbeKeyAction, deleteNodeAction, revokeProbeKeyAction, setNodeActiveAction, updateNodeAction } from '../actions';
import '@/components/admin/admin.css';

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/** One read per request, shared by the title and the page. */
const loadNode = cache(async (rawId: string) => {
  const id = nodeIdSchema.safeParse(rawId);
  if (!id.success) return undefined;
  const { db } = await getDatabase();
  const node = await getNodeWithLatestSample(db, id.data);
  return node && { node, keys: await listProbeKeys(db, id.data) };
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  await requirePageUser('admin', `/admin/nodes/${(await params).id}`);
  const { id } = await params;
  const data = await loadNode(id);
  return { title: data ? `${data.node.displayName ?? data.node.nodeName} · admin` : 'Node not found' };
}

export default async function AdminNodePage({ params, searchParams }: Props) {
  await requirePageUser('admin', `/admin/nodes/${(await params).id}`);
  await connection();
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  const data = await loadNode(id);
  if (!data) notFound();
  const { node, keys } = data;
  const nodeId = node.nodeId;
  const { NEXT_PUBLIC_MAP_TILE_URL: tileUrl, NEXT_PUBLIC_MAP_TILE_ATTRIBUTION: tileAttribution } = config();

  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/admin/nodes">Nodes</Link> / <span aria-current="page">{node.nodeName}</span>
      </nav>
      <div className="admin-head">
        <h1>{node.displayName ?? node.nodeName}</h1>
        <StatusBadge status={statusOfNode(node, new Date())} />
        <div className="admin-actions">
          <Link href={`/nodes/${nodeId}`}>Dashboard page</Link>
        </div>
        <p className="subtitle">
          <span className="admin-code">{node.nodeName}</span> · id <span className="admin-code">{nodeId}</span>
        </p>
      </div>
      {sp.created === '1' && (
        <p role="status" className="admin-notice">
          Node created. Next, create a probe key below for its probe to push with.
        </p>
      )}
      <div className="admin-columns">
        <div>
          <section className="admin-section" aria-labelledby="details-heading">
            <h2 id="details-heading">Details</h2>
            <NodeForm
              mode="edit"
              version={node.updatedAt?.toISOString() ?? ''}
              action={updateNodeAction.bind(null, nodeId)}
              initial={nodeFormInputFromNode(node)}
              probeVersion={node.probeVersion}
              tileUrl={tileUrl}
              tileAttribution={tileAttribution}
            />
          </section>
        </div>
        <div>
          <section className="admin-section" aria-labelledby="keys-heading">
            <h2 id="keys-heading">Probe keys</h2>
            <ProbeKeyCreate action={createProbeKeyAction.bind(null, nodeId)} />
            <ProbeKeyTable keys={keys} revokeAction={revokeProbeKeyAction.bind(null, nodeId)} />
          </section>
          <NodeDangerZone
            nodeName={node.nodeName}
            isActive={node.isActive}
            toggleActiveAction={setNodeActiveAction.bind(null, nodeId, !node.isActive)}
            deleteAction={deleteNodeAction.bind(null, nodeId)}
          />
        </div>
      </div>
    </>
  );
}
