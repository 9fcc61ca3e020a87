import type { NodeWithLatestSample } from '@/lib/nodes/queries';
import { statusOfNode } from '@/lib/nodes/status';

function formatNumber(value: number | null, unit: string, digits = 1): string {
  return value === null ? '—' : `${value.toFixed(digits)} ${unit}`;
}

function formatAgo(date: Date | null, now: Date): string {
  if (!date) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - date.getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const utc = (d: Date) => `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`;

export function NodeTable({ nodes, now }: { nodes: NodeWithLatestSample[]; now: Date }) {
  return (
    <div className="table-wrap">
      <table aria-label="Probe nodes">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Location</th>
            <th scope="col" className="num">Latency</th>
            <th scope="col" className="num">Uptime</th>
            <th scope="col" className="num">Packet loss</th>
            <th scope="col">Latest sample</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => {
            const status = statusOfNode(n, now);
            return (
              <tr key={n.nodeId} className={n.isActive ? undefined : 'inactive'}>
                <th scope="row">
                  {n.displayName ?? n.nodeName}
                  <span className="node-name">
                    {n.nodeName} · {status}
                  </span>
                </th>
                <td>{[n.city, n.region, n.country].filter(Boolean).join(', ')}</td>
                <td className="num">{formatNumber(n.latest?.latencyMs ?? null, 'ms')}</td>
                <td className="num">{formatNumber(n.latest?.uptimePct ?? null, '%', 2)}</td>
                <td className="num">{formatNumber(n.latest?.packetLoss ?? null, '%', 2)}</td>
                <td>{n.latest ? <time dateTime={n.latest.time.toISOString()}>{utc(n.latest.time)}</time> : '—'}</td>
                <td className={status === 'down' ? 'stale' : undefined}>
                  {n.lastSeenAt ? (
                    <time dateTime={n.lastSeenAt.toISOString()} title={utc(n.lastSeenAt)}>
                      {formatAgo(n.lastSeenAt, now)}
                    </time>
                  ) : (
                    'never'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
