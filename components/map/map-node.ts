import { formatAgo, formatValue } from '@/components/format';
import { STATUS_LABELS, type NodeStatus } from '@/components/status-colors';

/** What the map needs of a node: plain, serialisable props a server page can pass. */
export interface MapNode {
  id: string;
  name: string;
  city: string | null;
  country: string;
  latitude: number | null;
  longitude: number | null;
  status: NodeStatus;
  latencyMs: number | null;
  packetLoss: number | null;
  /** ISO 8601. */
  lastSeenAt: string | null;
}

export type PlottableNode = MapNode & { latitude: number; longitude: number };

export function isPlottable(node: MapNode): node is PlottableNode {
  const { latitude: lat, longitude: lon } = node;
  return lat !== null && lon !== null && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
}

export function markerLabel(node: Pick<MapNode, 'name' | 'status'>): string {
  return `Node ${node.name}: ${node.status}`;
}

/** The tooltip, line by line: name, place, status, last sample, last seen (relative to `now`). */
export function tooltipLines(node: MapNode, now: Date): string[] {
  return [
    node.name,
    [node.city, node.country].filter(Boolean).join(', '),
    STATUS_LABELS[node.status],
    `Latency ${formatValue(node.latencyMs, 'ms')} · loss ${formatValue(node.packetLoss, '%', 2)}`,
    `Last seen ${formatAgo(node.lastSeenAt, now)}`,
  ];
}
