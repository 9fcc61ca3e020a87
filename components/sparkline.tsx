/**
 * Inline latency sparkline, rendered on the server (plain SVG, no client JavaScript). Missing
 * samples break the line instead of being bridged, so a gap in the data shows as a gap.
 */
export interface SparklineProps {
  values: readonly (number | null)[];
  width?: number;
  height?: number;
  /** Names the trend for screen readers, e.g. "Latency, last 24 h"; latest, min and max are appended. */
  label?: string;
  unit?: string;
  color?: string;
}

type Point = { x: number; y: number } | null;

/** Screen coordinates of each value (null where there is none); y runs from 0 at the bottom to the maximum. */
export function sparklinePoints(values: readonly (number | null)[], width: number, height: number, pad = 1.5): Point[] {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(0, ...present);
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  return values.map((v, i) => {
    if (v === null || !Number.isFinite(v)) return null;
    const x = values.length > 1 ? pad + i * step : width / 2;
    const y = max === 0 ? height - pad : height - pad - (Math.max(0, v) / max) * (height - 2 * pad);
    return { x: Number(x.toFixed(1)), y: Number(y.toFixed(1)) };
  });
}

/** SVG path data: "M" starts each run of values, a null ends it. */
export function sparklinePath(points: readonly Point[]): string {
  let path = '';
  let drawing = false;
  for (const p of points) {
    if (!p) {
      drawing = false;
      continue;
    }
    path += `${path ? ' ' : ''}${drawing ? 'L' : 'M'}${p.x} ${p.y}`;
    drawing = true;
  }
  return path;
}

export function sparklineSummary(values: readonly (number | null)[], label: string, unit: string): string {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return `${label}: no samples`;
  const fmt = (v: number) => `${v.toFixed(1)}${unit ? ` ${unit}` : ''}`;
  return `${label}: latest ${fmt(present.at(-1)!)}, min ${fmt(Math.min(...present))}, max ${fmt(Math.max(...present))}`;
}

export function Sparkline({ values, width = 96, height = 24, label = 'Latency trend', unit = 'ms', color = '#58a6ff' }: SparklineProps) {
  const points = sparklinePoints(values, width, height);
  const d = sparklinePath(points);
  const last = points.findLast((p) => p !== null);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={sparklineSummary(values, label, unit)} data-points={values.length}>
      {d && <path d={d} fill="none" stroke={color} strokeWidth={1.5} strokeLinejoin="round" strokeLinecap="round" />}
      {last && <circle cx={last.x} cy={last.y} r={2} fill={color} />}
    </svg>
  );
}
