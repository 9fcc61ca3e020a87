import { LocalTime } from '@/components/local-time';
import type { TimeZoneMode } from '@/components/format';
import type { NodeWithLatestSample } from '@/lib/nodes/queries';

/** The node's metadata: where it is, what it runs, when it was last heard from. */
export function NodeDetails({ node, zone }: { node: NodeWithLatestSample; zone: TimeZoneMode }) {
  const time = (d: Date | null) => (d ? <LocalTime iso={d.toISOString()} zone={zone} /> : 'never');
  const hardware = node.hardwareInfo
    ? Object.entries(node.hardwareInfo)
        .map(([k, v]) => `${k}: ${typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v)}`)
        .join(' · ')
    : '—';
  const rows: [string, React.ReactNode][] = [
    ['Node name', <code key="n">{node.nodeName}</code>],
    ['Node id', <code key="i">{node.nodeId}</code>],
    ['Location', [node.city, node.region, node.country].filter(Boolean).join(', ')],
    ['Coordinates', node.latitude !== null && node.longitude !== null ? `${node.latitude.toFixed(4)}, ${node.longitude.toFixed(4)}` : 'none (not on the map)'],
    ['Tags', node.tags.length ? node.tags.join(', ') : '—'],
    ['Probe version', node.probeVersion ?? '—'],
    ['Hardware', hardware],
    ['Active', node.isActive ? 'yes' : 'no (decommissioned)'],
    ['Last seen', time(node.lastSeenAt)],
    ['Registered', time(node.createdAt)],
  ];
  return (
    <section className="panel" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <dl className="details">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
