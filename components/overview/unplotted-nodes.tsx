import Link from 'next/link';
import { StatusBadge } from '@/components/status-badge';
import type { OverviewNode } from '@/lib/nodes/overview';

/** Nodes the map cannot place (no coordinates) are listed beside it, never silently dropped. */
export function UnplottedNodes({ nodes }: { nodes: OverviewNode[] }) {
  if (nodes.length === 0) return null;
  return (
    <section className="unplotted" aria-labelledby="unplotted-heading">
      <h2 id="unplotted-heading">Not on the map ({nodes.length})</h2>
      <p className="kpi-note">These nodes have no coordinates yet.</p>
      <ul>
        {nodes.map((n) => (
          <li key={n.nodeId}>
            <StatusBadge status={n.status} /> <Link href={`/nodes/${n.nodeId}`}>{n.displayName ?? n.nodeName}</Link>
            <span className="node-name">
              {[n.city, n.region, n.country].filter(Boolean).join(', ')}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
