import Link from 'next/link';
import { withSearchParams } from '@/components/controls/range';
import { formatAgo, formatValue } from '@/components/format';
import { Sparkline } from '@/components/sparkline';
import { StatusBadge } from '@/components/status-badge';
import { DEFAULT_DIRECTION, type OverviewSort, type OverviewTableRow, type SortDirection } from '@/lib/nodes/overview';

interface Column {
  label: string;
  sort?: OverviewSort;
  numeric?: boolean;
}

const COLUMNS: Column[] = [
  { label: 'Node', sort: 'name' },
  { label: 'Status', sort: 'status' },
  { label: 'Location', sort: 'location' },
  { label: 'Latency', sort: 'latency', numeric: true },
  { label: 'Latency, 24 h' },
  { label: 'Uptime', sort: 'uptime', numeric: true },
  { label: 'Packet loss', sort: 'loss', numeric: true },
  { label: 'Last seen', sort: 'seen' },
];

const ARIA_SORT = { asc: 'ascending', desc: 'descending' } as const;

export interface NodeTableProps {
  rows: OverviewTableRow[];
  now: Date;
  sort: OverviewSort;
  dir: SortDirection;
  /** The page's current query string, kept by the sort links (filters, tz, refresh). */
  search: string;
}

/**
 * The node table, rendered on the server: sorting is a link per column header (`?sort=&dir=`),
 * so the page ships no table JavaScript and a sorted view can be shared.
 */
export function NodeTable({ rows, now, sort, dir, search }: NodeTableProps) {
  const sortHref = (column: OverviewSort) => {
    const next = column === sort ? (dir === 'asc' ? 'desc' : 'asc') : DEFAULT_DIRECTION[column];
    return `/${withSearchParams(search, { sort: column, dir: next, page: null })}#nodes`;
  };
  return (
    <div className="table-wrap">
      <table aria-label="Probe nodes" className="node-table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.label} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={c.sort === sort ? ARIA_SORT[dir] : undefined}>
                {c.sort ? (
                  <Link href={sortHref(c.sort)} scroll={false} className="sort-link">
                    {c.label}
                    <span aria-hidden="true" className="sort-mark">
                      {c.sort === sort ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
                    </span>
                  </Link>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((n) => (
            <tr key={n.nodeId} className={n.isActive ? undefined : 'inactive'} data-node-id={n.nodeId} data-status={n.status}>
              <th scope="row">
                <Link href={`/nodes/${n.nodeId}`}>{n.displayName ?? n.nodeName}</Link>
                <span className="node-name">{n.nodeName}</span>
              </th>
              <td>
                <StatusBadge status={n.status} />
              </td>
              <td>{[n.city, n.region, n.country].filter(Boolean).join(', ')}</td>
              <td className="num">{formatValue(n.latest?.latencyMs, 'ms')}</td>
              <td>
                <Sparkline values={n.sparkline} label={`Latency of ${n.nodeName}, last 24 h`} />
              </td>
              <td className="num">{formatValue(n.latest?.uptimePct, '%', 2)}</td>
              <td className="num">{formatValue(n.latest?.packetLoss, '%', 2)}</td>
              <td className={n.status === 'down' ? 'stale' : undefined}>
                {n.lastSeenAt ? (
                  <time dateTime={n.lastSeenAt.toISOString()} title={`${n.lastSeenAt.toISOString().replace('T', ' ').slice(0, 16)} UTC`}>
                    {formatAgo(n.lastSeenAt, now)}
                  </time>
                ) : (
                  'never'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
