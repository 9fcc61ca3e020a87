import Link from 'next/link';
import { LocalTime } from '@/components/local-time';
import { StatusBadge } from '@/components/status-badge';
import type { AdminNodeListRow } from '@/lib/nodes/admin-queries';
import { countryName } from '@/lib/nodes/countries';
import { statusOfNode } from '@/lib/nodes/status';
import './admin.css';

/** Every node, inactive ones too, each linking to its admin page. Rendered on the server: no table JavaScript. */
export function AdminNodeTable({ nodes, now }: { nodes: AdminNodeListRow[]; now: Date }) {
  return (
    <div className="table-wrap">
      <table className="admin-table" aria-label="Nodes">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Status</th>
            <th scope="col">Country</th>
            <th scope="col">Region</th>
            <th scope="col">Last seen</th>
            <th scope="col" className="num">
              Active keys
            </th>
            <th scope="col">Tags</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => {
            const href = `/admin/nodes/${n.nodeId}`;
            return (
              <tr key={n.nodeId} data-node-id={n.nodeId}>
                <th scope="row">
                  <Link href={href}>{n.displayName ?? n.nodeName}</Link>
                  {n.displayName && <span className="node-name">{n.nodeName}</span>}
                </th>
                <td>
                  <StatusBadge status={statusOfNode(n, now)} />
                </td>
                <td title={n.country}>
                  {countryName(n.country)} <span className="node-name">{n.country}</span>
                </td>
                <td>{n.region}</td>
                <td>{n.lastSeenAt ? <LocalTime iso={n.lastSeenAt.toISOString()} zone="local" /> : <span className="inactive">never</span>}</td>
                <td className="num">{n.activeKeys}</td>
                <td>
                  {n.tags.length > 0 ? (
                    <span className="admin-tags">
                      {n.tags.map((t) => (
                        <span key={t}>{t}</span>
                      ))}
                    </span>
                  ) : (
                    <span className="inactive">—</span>
                  )}
                </td>
                <td>
                  <Link href={href}>
                    Edit<span className="visually-hidden"> {n.nodeName}</span>
                  </Link>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
