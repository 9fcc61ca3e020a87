'use client';

import 'uplot/dist/uPlot.min.css';
import './charts.css';
import { useMemo } from 'react';
import { UplotCanvas, type PlotConfig } from '@/components/charts/uplot-canvas';
import { countSampledPoints, toAlignedSeries, type ChartPoint } from '@/components/charts/chart-data';
import { useHydrated } from '@/components/charts/use-hydrated';
import { formatDate, formatDateTime, formatValue, type TimeZoneMode } from '@/components/format';

export interface SeriesSpec<K extends string> {
  key: K;
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  bars?: boolean;
}

export interface TimeSeriesChartProps<K extends string> {
  /** Short id for tests and styling: data-chart="latency". */
  chart: string;
  /** Names the figure ("Latency") and its table. */
  title: string;
  unit: string;
  digits: number;
  points: readonly ChartPoint<K>[];
  series: readonly SeriesSpec<K>[];
  /** Shade between two of the series (e.g. p50–p95). */
  band?: { upper: K; lower: K; fill: string };
  yRange: PlotConfig['yRange'];
  timeZone: TimeZoneMode;
  /** Daily buckets are UTC days (TimescaleDB's time_bucket), so they are labelled as UTC dates. */
  aggregation?: 'raw' | 'hourly' | 'daily';
  loading?: boolean;
  height?: number;
}

/**
 * Figure with a uPlot canvas, an empty state, a loading skeleton and the same points as a table.
 * Tests read `data-points` (points given), `data-state` (loading | empty | ready) and the table.
 */
export function TimeSeriesChart<K extends string>(props: TimeSeriesChartProps<K>) {
  const { chart, title, unit, digits, points, series, timeZone, aggregation = 'hourly', loading = false, height = 220 } = props;
  const hydrated = useHydrated();
  const daily = aggregation === 'daily';
  const shownZone: TimeZoneMode = daily || !hydrated ? 'UTC' : timeZone;
  const keys = useMemo(() => series.map((s) => s.key), [series]);
  const aligned = useMemo(() => toAlignedSeries(points, keys), [points, keys]);
  const sampled = countSampledPoints(points, keys);
  const state = loading ? 'loading' : sampled === 0 ? 'empty' : 'ready';

  const formatTime = (secs: number) => (daily ? formatDate(secs * 1000, 'UTC') : formatDateTime(secs * 1000, shownZone));
  const unitLabel = unit ? ` (${unit})` : '';
  const first = aligned.times[0];
  const last = aligned.times.at(-1);
  const main = series[0];
  const latest = main ? aligned.columns[0]?.findLast((v) => v !== null) : undefined;
  const summary =
    first === undefined || last === undefined
      ? `${title} chart: no samples`
      : `${title} chart, ${aligned.times.length} points from ${formatTime(first)} to ${formatTime(last)}` +
        (main && latest !== undefined ? `; latest ${main.label.toLowerCase()} ${formatValue(latest, unit, digits)}` : '');

  const config: PlotConfig = {
    series,
    band: props.band ? { upper: keys.indexOf(props.band.upper), lower: keys.indexOf(props.band.lower), fill: props.band.fill } : undefined,
    unit,
    digits,
    yRange: props.yRange,
    timeZone: shownZone,
    daily,
    height,
  };

  return (
    <figure className="chart" aria-label={`${title} chart`} data-chart={chart} data-points={points.length} data-state={state} aria-busy={loading || undefined}>
      <figcaption className="chart-title">
        {title}
        <span className="chart-unit">{unitLabel}</span>
      </figcaption>
      <div className="chart-area" style={{ minHeight: height }}>
        {sampled > 0 && <UplotCanvas config={config} data={aligned} label={summary} />}
        {state === 'empty' && (
          <div className="chart-empty" role="status" style={{ height }}>
            No samples in this range
          </div>
        )}
        {loading && (
          <div className={sampled > 0 ? 'chart-skeleton chart-skeleton--over' : 'chart-skeleton'} style={{ height }}>
            <div className="skeleton" aria-hidden="true" />
            <span className="visually-hidden" role="status">
              Loading {title.toLowerCase()}…
            </span>
          </div>
        )}
      </div>
      {points.length > 0 && (
        <details className="chart-data">
          <summary>
            Data table <span className="chart-unit">({aligned.times.length} points)</span>
          </summary>
          <div className="table-wrap">
            <table aria-label={`${title} data`}>
              <thead>
                <tr>
                  <th scope="col">{daily ? 'Day (UTC)' : `Time (${shownZone})`}</th>
                  {series.map((s) => (
                    <th key={s.key} scope="col" className="num">
                      {s.label}
                      {unitLabel}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {aligned.times.map((t, row) => (
                  <tr key={t}>
                    <th scope="row">
                      <time dateTime={new Date(t * 1000).toISOString()}>{formatTime(t)}</time>
                    </th>
                    {aligned.columns.map((col, c) => (
                      <td key={keys[c]} className="num">
                        {formatValue(col[row] ?? null, '', digits)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </figure>
  );
}
