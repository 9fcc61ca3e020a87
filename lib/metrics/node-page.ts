import type { Db } from '../db/client';
import { getNodeWithLatestSample, getRecentSamples, type NodeWithLatestSample, type RecentSample } from '../nodes/queries';
import { statusOfNode, type NodeStatus } from '../nodes/status';
import { buildMetricsResponse, resolveMetricsRequest, type MetricsPoint, type MetricsResponse } from './series';

/**
 * The node page's data. The series and its summary come from the very code that answers
 * GET /api/metrics (resolveMetricsRequest + buildMetricsResponse), so the page and the API
 * show the same numbers for the same timeframe; `apiUrl` is that request.
 */

/** One point for every chart: `time` (ISO 8601) and the values the resolution has. */
export interface NodeChartPoint {
  time: string;
  avgLatencyMs?: number;
  p50LatencyMs?: number;
  p95LatencyMs?: number;
  p99LatencyMs?: number;
  uptimePct?: number;
  packetLoss?: number;
  maxPacketLoss?: number;
  availabilityPct?: number;
}

export interface NodePageData {
  node: NodeWithLatestSample;
  status: NodeStatus;
  series: MetricsResponse;
  points: NodeChartPoint[];
  recent: RecentSample[];
  /** GET /api/metrics for exactly this timeframe and resolution. */
  apiUrl: string;
}

export const RECENT_SAMPLES = 50;

/**
 * Undefined when there is no such node. `window.aggregation` is hourly or daily; the timeframe is
 * widened to whole UTC buckets exactly as the API widens it.
 */
export async function getNodePageData(
  db: Db,
  nodeId: string,
  window: { start: Date; end: Date; aggregation: 'hourly' | 'daily' },
  now: Date = new Date(),
): Promise<NodePageData | undefined> {
  const node = await getNodeWithLatestSample(db, nodeId);
  if (!node) return undefined;
  const request = resolveMetricsRequest({ node_id: node.nodeId, start: window.start, end: window.end, aggregation: window.aggregation }, now);
  const series = await buildMetricsResponse(db, request);
  const recent = await getRecentSamples(db, node.nodeId, RECENT_SAMPLES);
  const query = new URLSearchParams({ node_id: node.nodeId, start: series.timeframe.start, end: series.timeframe.end, aggregation: series.aggregation });
  return {
    node,
    status: statusOfNode(node, now),
    series,
    points: series.data.map(toChartPoint),
    recent,
    apiUrl: `/api/metrics?${query}`,
  };
}

const num = (v: number | string | undefined) => (typeof v === 'number' ? v : undefined);

/** An API data point (snake_case, absent where NULL) as the charts' point. */
export function toChartPoint(p: MetricsPoint): NodeChartPoint {
  const point: NodeChartPoint = { time: p.time };
  const set = (key: keyof Omit<NodeChartPoint, 'time'>, value: number | undefined) => {
    if (value !== undefined) point[key] = value;
  };
  set('avgLatencyMs', num(p.latency_ms));
  set('p50LatencyMs', num(p.p50_latency_ms));
  set('p95LatencyMs', num(p.p95_latency_ms));
  set('p99LatencyMs', num(p.p99_latency_ms));
  set('uptimePct', num(p.uptime_pct));
  set('packetLoss', num(p.packet_loss));
  set('maxPacketLoss', num(p.max_packet_loss));
  set('availabilityPct', num(p.availability_pct));
  return point;
}
