'use client';

import type { ChartPoint } from '@/components/charts/chart-data';
import { TimeSeriesChart, type SeriesSpec } from '@/components/charts/time-series-chart';
import type { TimeZoneMode } from '@/components/format';
import { STATUS_COLORS } from '@/components/status-colors';

/**
 * The dashboard's four charts. Each takes plain, serialisable props, so a server page passes the
 * rows it read (`time` as ISO 8601, null where a bucket has no value).
 */
interface CommonChartProps {
  timeZone: TimeZoneMode;
  /** Shows the skeleton (over the current plot, if any) while new data is on its way. */
  loading?: boolean;
  height?: number;
}

export type LatencyPoint = ChartPoint<'avgLatencyMs' | 'p50LatencyMs' | 'p95LatencyMs' | 'p99LatencyMs'>;
export type UptimePoint = ChartPoint<'uptimePct'>;
export type PacketLossPoint = ChartPoint<'packetLoss' | 'maxPacketLoss'>;
export type AvailabilityPoint = ChartPoint<'availabilityPct'>;

const LATENCY_SERIES: SeriesSpec<'avgLatencyMs' | 'p50LatencyMs' | 'p95LatencyMs' | 'p99LatencyMs'>[] = [
  { key: 'avgLatencyMs', label: 'Avg', color: '#58a6ff', width: 2 },
  { key: 'p50LatencyMs', label: 'p50', color: 'rgba(88, 166, 255, 0.45)', width: 1 },
  { key: 'p95LatencyMs', label: 'p95', color: 'rgba(88, 166, 255, 0.45)', width: 1 },
  { key: 'p99LatencyMs', label: 'p99', color: '#d2a8ff', width: 1.5, dash: [6, 4] },
];
const LATENCY_BAND = { upper: 'p95LatencyMs', lower: 'p50LatencyMs', fill: 'rgba(88, 166, 255, 0.18)' } as const;

/** Average latency, a shaded p50–p95 band and a dashed p99 line. */
export function LatencyChart({ points, ...rest }: CommonChartProps & { points: readonly LatencyPoint[]; aggregation?: 'raw' | 'hourly' | 'daily' }) {
  return <TimeSeriesChart chart="latency" title="Latency" unit="ms" digits={1} points={points} series={LATENCY_SERIES} band={LATENCY_BAND} yRange="latency" {...rest} />;
}

const UPTIME_SERIES: SeriesSpec<'uptimePct'>[] = [{ key: 'uptimePct', label: 'Uptime', color: STATUS_COLORS.up, width: 2 }];

export function UptimeChart({ points, ...rest }: CommonChartProps & { points: readonly UptimePoint[]; aggregation?: 'raw' | 'hourly' | 'daily' }) {
  return <TimeSeriesChart chart="uptime" title="Uptime" unit="%" digits={2} points={points} series={UPTIME_SERIES} yRange="percent" {...rest} />;
}

const LOSS_SERIES: SeriesSpec<'packetLoss' | 'maxPacketLoss'>[] = [
  { key: 'packetLoss', label: 'Loss', color: '#f0883e', width: 2 },
  { key: 'maxPacketLoss', label: 'Max', color: 'rgba(248, 81, 73, 0.7)', width: 1, dash: [4, 4] },
];
const AVG_LOSS_SERIES = LOSS_SERIES.slice(0, 1);

/** Average packet loss; the dashed max line appears when the points carry `maxPacketLoss`. */
export function PacketLossChart({ points, ...rest }: CommonChartProps & { points: readonly PacketLossPoint[]; aggregation?: 'raw' | 'hourly' | 'daily' }) {
  const withMax = points.some((p) => typeof p.maxPacketLoss === 'number');
  return <TimeSeriesChart chart="packet-loss" title="Packet loss" unit="%" digits={2} points={points} series={withMax ? LOSS_SERIES : AVG_LOSS_SERIES} yRange="loss" {...rest} />;
}

const AVAILABILITY_SERIES: SeriesSpec<'availabilityPct'>[] = [{ key: 'availabilityPct', label: 'Availability', color: STATUS_COLORS.up, bars: true }];

/** Daily availability (share of samples with uptime above 95 %) as bars, one per UTC day. */
export function AvailabilityChart({ points, ...rest }: CommonChartProps & { points: readonly AvailabilityPoint[] }) {
  return <TimeSeriesChart chart="availability" title="Daily availability" unit="%" digits={2} points={points} series={AVAILABILITY_SERIES} yRange="percent" aggregation="daily" {...rest} />;
}
