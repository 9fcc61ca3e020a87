import { RANGE_SPECS, type TimeRange } from '@/components/controls/range';
import { formatValue, type TimeZoneMode } from '@/components/format';
import { LocalTime } from '@/components/local-time';
import type { MetricsResponse } from '@/lib/metrics/series';

/** The chosen range in numbers: the `summary` GET /api/metrics answers for the same timeframe. */
export function RangeSummary({ series, range, zone, apiUrl }: { series: MetricsResponse; range: TimeRange; zone: TimeZoneMode; apiUrl: string }) {
  const { summary } = series;
  const items: [string, string, string][] = [
    ['avg-latency', 'Average latency', formatValue(summary.avg_latency, 'ms', 2)],
    ['avg-uptime', 'Average uptime', formatValue(summary.avg_uptime, '%', 2)],
    ['avg-packet-loss', 'Average packet loss', formatValue(summary.avg_packet_loss, '%', 2)],
    ['sample-count', 'Samples', summary.sample_count.toLocaleString('en')],
  ];
  return (
    <section className="range-summary" aria-labelledby="summary-heading" data-range={range} data-aggregation={series.aggregation}>
      <h2 id="summary-heading">{RANGE_SPECS[range].description}</h2>
      <dl className="kpis">
        {items.map(([key, label, value]) => (
          <div key={key} className="kpi" data-kpi={key}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="kpi-note">
        {series.aggregation === 'daily' ? 'Daily' : 'Hourly'} buckets from <LocalTime iso={series.timeframe.start} zone={zone} /> to{' '}
        <LocalTime iso={series.timeframe.end} zone={zone} /> · <a href={apiUrl}>same data as JSON</a>
      </p>
    </section>
  );
}
