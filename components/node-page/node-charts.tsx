import { AvailabilityChart, LatencyChart, PacketLossChart, UptimeChart } from '@/components/charts/metric-charts';
import type { TimeZoneMode } from '@/components/format';
import type { NodeChartPoint } from '@/lib/metrics/node-page';

export interface NodeChartsProps {
  points: NodeChartPoint[];
  aggregation: 'raw' | 'hourly' | 'daily';
  timeZone: TimeZoneMode;
  /** The loading skeleton (loading.tsx): the same figures, no data yet. */
  loading?: boolean;
}

/**
 * Hourly ranges: latency (avg, p50–p95 band, p99), uptime and packet loss. Daily ranges add the
 * daily availability; the daily rollup has no percentiles, so latency is the average there.
 */
export function NodeCharts({ points, aggregation, timeZone, loading = false }: NodeChartsProps) {
  const common = { points, timeZone, loading, aggregation };
  return (
    <div className="chart-grid">
      <LatencyChart {...common} />
      <UptimeChart {...common} />
      <PacketLossChart {...common} />
      {aggregation === 'daily' && <AvailabilityChart points={points} timeZone={timeZone} loading={loading} />}
    </div>
  );
}
