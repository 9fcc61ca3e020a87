'use client';

import './node-map.css';
import dynamic from 'next/dynamic';
import { isPlottable, type MapNode } from '@/components/map/map-node';
import { NODE_STATUSES, STATUS_COLORS, STATUS_LABELS, type NodeStatus } from '@/components/status-colors';

export type { MapNode } from '@/components/map/map-node';

const LeafletNodeMap = dynamic(() => import('@/components/map/leaflet-node-map'), {
  ssr: false,
  loading: () => (
    <div className="node-map-canvas node-map-loading" role="status">
      Loading map…
    </div>
  ),
});

export interface NodeMapProps {
  nodes: MapNode[];
  /** A basemap tile URL template ({z}/{x}/{y}); without one the map draws offline country borders only. */
  tileUrl?: string;
  tileAttribution?: string;
}

/**
 * Map of the probe nodes, offline by default. Nodes without coordinates are left off (the page
 * lists them); the legend counts every node it was given and says how many are not on the map.
 */
export function NodeMap({ nodes, tileUrl, tileAttribution }: NodeMapProps) {
  const plotted = nodes.filter(isPlottable);
  const counts = Object.fromEntries(NODE_STATUSES.map((s) => [s, 0])) as Record<NodeStatus, number>;
  for (const node of nodes) counts[node.status] += 1;
  const unplotted = nodes.length - plotted.length;

  return (
    <section className="node-map" aria-label="Map of probe nodes" data-nodes={nodes.length} data-plotted={plotted.length}>
      <LeafletNodeMap nodes={plotted} tileUrl={tileUrl || undefined} tileAttribution={tileAttribution} />
      <div className="node-map-footer">
        <ul className="status-legend" aria-label="Status legend">
          {NODE_STATUSES.map((status) => (
            <li key={status} data-status={status} data-count={counts[status]}>
              <span className="status-dot" style={{ background: STATUS_COLORS[status] }} aria-hidden="true" />
              {STATUS_LABELS[status]} <span className="status-count">{counts[status]}</span>
            </li>
          ))}
        </ul>
        {unplotted > 0 && (
          <p className="node-map-note">
            {unplotted} {unplotted === 1 ? 'node has' : 'nodes have'} no coordinates and {unplotted === 1 ? 'is' : 'are'} not on the map.
          </p>
        )}
      </div>
    </section>
  );
}
