import { formatValue } from '@/components/format';
import { STATUS_COLORS, STATUS_LABELS, type NodeStatus } from '@/components/status-colors';
import type { NetworkKpis } from '@/lib/nodes/queries';

export interface KpiPanelProps {
  counts: Record<NodeStatus, number>;
  kpis: NetworkKpis;
}

const COUNTED: NodeStatus[] = ['up', 'degraded', 'down'];

/** The network at a glance: nodes by status, then latency and loss over the last hour. */
export function KpiPanel({ counts, kpis }: KpiPanelProps) {
  return (
    <section className="kpi-panel" aria-labelledby="kpi-heading">
      <h2 id="kpi-heading">Network now</h2>
      <dl className="kpis">
        {COUNTED.map((status) => (
          <div key={status} className="kpi" data-kpi={status} style={{ borderTopColor: STATUS_COLORS[status] }}>
            <dt>Nodes {STATUS_LABELS[status].toLowerCase()}</dt>
            <dd>{counts[status]}</dd>
          </div>
        ))}
        <div className="kpi" data-kpi="median-latency">
          <dt>Median latency, last hour</dt>
          <dd>{formatValue(kpis.medianLatencyMs, 'ms')}</dd>
        </div>
        <div className="kpi" data-kpi="mean-packet-loss">
          <dt>Mean packet loss, last hour</dt>
          <dd>{formatValue(kpis.meanPacketLoss, '%', 2)}</dd>
        </div>
      </dl>
      <p className="kpi-note">
        {kpis.sampleCount.toLocaleString('en')} samples from {kpis.reportingNodes} active {kpis.reportingNodes === 1 ? 'node' : 'nodes'} in the last hour
        {counts.inactive > 0 ? ` · ${counts.inactive} inactive ${counts.inactive === 1 ? 'node' : 'nodes'} not counted` : ''}.
      </p>
    </section>
  );
}
