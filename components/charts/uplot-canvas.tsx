'use client';

import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import { axisTickLabels, columnExtent, formatAxisNumber, percentRange, zeroBasedRange, type AlignedSeries } from '@/components/charts/chart-data';
import { formatDate, formatDateTime, formatValue, type TimeZoneMode } from '@/components/format';

export interface PlotConfig {
  series: readonly { label: string; color: string; width?: number; dash?: number[]; bars?: boolean }[];
  /** Indexes into `series`. */
  band?: { upper: number; lower: number; fill: string };
  unit: string;
  digits: number;
  /** latency: from 0; loss: from 0, at least 0–1 %; percent: 0–100 zoomed to the data. */
  yRange: 'latency' | 'loss' | 'percent';
  timeZone: TimeZoneMode;
  daily: boolean;
  height: number;
}

const themeColor = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

function buildOptions(UPlot: typeof uPlot, config: PlotConfig, width: number): uPlot.Options {
  const muted = themeColor('--muted', '#8b949e');
  const grid = themeColor('--grid', '#21262d');
  const axisFont = '12px system-ui, sans-serif';
  const utc = config.timeZone === 'UTC';
  const suffix = config.unit === '%' ? '%' : config.unit ? ` ${config.unit}` : '';
  const range: uPlot.Range.Function = (u) => {
    const extent = columnExtent(u.data.slice(1) as (number | null)[][]);
    if (config.yRange === 'percent') return percentRange(extent?.min ?? null);
    return zeroBasedRange(extent?.max ?? null, config.yRange === 'loss' ? 1 : 10);
  };
  const bars = UPlot.paths.bars?.({ size: [0.7, 40] });
  return {
    width,
    height: config.height,
    ...(utc ? { tzDate: (ts: number) => UPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
    cursor: { drag: { x: true, y: false, setScale: true } },
    scales: { x: { time: true }, y: { range } },
    axes: [
      {
        stroke: muted,
        font: axisFont,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        size: 44,
        values: (_u, splits, _axis, _space, incr) => axisTickLabels(splits, incr, config.timeZone),
      },
      {
        stroke: muted,
        font: axisFont,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        size: 64,
        values: (_u, splits) => splits.map((v) => `${formatAxisNumber(v)}${suffix}`),
      },
    ],
    series: [
      { value: (_u, v) => (v === null ? '—' : config.daily ? formatDate(v * 1000, 'UTC') : formatDateTime(v * 1000, config.timeZone)) },
      ...config.series.map(
        (s): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 2,
          dash: s.dash,
          spanGaps: false,
          ...(s.bars ? { paths: bars, fill: s.color, points: { show: false } } : {}),
          value: (_u, v) => formatValue(v, config.unit, config.digits),
        }),
      ),
    ],
    bands: config.band ? [{ series: [config.band.upper + 1, config.band.lower + 1], fill: config.band.fill }] : [],
    legend: { live: true },
  };
}

/**
 * The canvas part. uPlot is imported on mount, so it is a separate chunk and nothing of it runs
 * on the server. The plot is rebuilt when its configuration changes and only fed new data
 * otherwise (an auto-refresh keeps the cursor and zoom).
 */
export function UplotCanvas({ config, data, label }: { config: PlotConfig; data: AlignedSeries; label: string }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  const configKey = JSON.stringify(config);

  useEffect(() => {
    dataRef.current = data;
    plotRef.current?.setData([data.times, ...data.columns] as uPlot.AlignedData);
  }, [data]);

  useEffect(() => {
    const host = hostRef.current!;
    const parsed = JSON.parse(configKey) as PlotConfig;
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      const current = dataRef.current;
      const plot = new UPlot(buildOptions(UPlot, parsed, host.clientWidth), [current.times, ...current.columns] as uPlot.AlignedData, host);
      plotRef.current = plot;
      observer = new ResizeObserver(() => {
        if (host.clientWidth > 0 && host.clientWidth !== plot.width) plot.setSize({ width: host.clientWidth, height: parsed.height });
      });
      observer.observe(host);
      host.dataset.rendered = 'true';
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      plotRef.current?.destroy();
      plotRef.current = null;
      delete host.dataset.rendered;
    };
  }, [configKey]);

  return <div ref={hostRef} className="chart-plot" role="img" aria-label={label} />;
}
