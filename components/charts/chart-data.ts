import { formatClock, formatDate, type TimeZoneMode } from '@/components/format';

/** One point of a series as the pages pass it: an ISO time and named numbers (null = no sample). */
export type ChartPoint<K extends string> = { time: string } & { [P in K]?: number | null };

export interface AlignedSeries {
  /** Unix seconds, ascending. */
  times: number[];
  /** One column per key, same length as `times`. */
  columns: (number | null)[][];
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Points → uPlot's column layout, sorted by time; points with an unreadable time are dropped. */
export function toAlignedSeries<K extends string>(points: readonly ChartPoint<K>[], keys: readonly K[]): AlignedSeries {
  const rows = points
    .map((p) => ({ t: Date.parse(p.time) / 1000, p }))
    .filter((r) => Number.isFinite(r.t))
    .sort((a, b) => a.t - b.t);
  return {
    times: rows.map((r) => r.t),
    columns: keys.map((k) => rows.map((r) => (finite(r.p[k]) ? (r.p[k] as number) : null))),
  };
}

/** Points that carry at least one value: a range with only empty buckets is an empty chart. */
export function countSampledPoints<K extends string>(points: readonly ChartPoint<K>[], keys: readonly K[]): number {
  return points.filter((p) => keys.some((k) => finite(p[k]))).length;
}

export function columnExtent(columns: readonly (number | null)[][]): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (const col of columns) {
    for (const v of col) {
      if (v === null) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min === Infinity ? null : { min, max };
}

/** y from 0 to a little above the highest value, never flatter than `minSpan` (0 % loss stays on the floor). */
export function zeroBasedRange(max: number | null, minSpan: number): [number, number] {
  return [0, Math.max(minSpan, (max ?? 0) * 1.1)];
}

/** y for a percentage that is normally near 100: zoom in on the top, open down as far as the data goes. */
export function percentRange(min: number | null): [number, number] {
  if (min === null) return [0, 100];
  const lo = Math.floor(min - (100 - min) * 0.2 - 0.5);
  return [Math.max(0, Math.min(lo, 99)), 100];
}

/**
 * x-axis tick labels: "HH:mm" within a day, with "MM-DD" above the first tick of each day;
 * "MM-DD" for day ticks; "YYYY-MM" for month ticks. `incrSeconds` is the tick spacing.
 */
export function axisTickLabels(splits: readonly number[], incrSeconds: number, timeZone: TimeZoneMode): string[] {
  let previousDay = '';
  return splits.map((s) => {
    const ms = s * 1000;
    const day = formatDate(ms, timeZone);
    if (incrSeconds >= 28 * 86400) return day.slice(0, 7);
    if (incrSeconds >= 86400) return day.slice(5);
    const clock = formatClock(ms, timeZone);
    const label = day === previousDay ? clock : `${day.slice(5)}\n${clock}`;
    previousDay = day;
    return label;
  });
}

/** Compact y-axis numbers: 0, 2.5, 120. */
export function formatAxisNumber(value: number): string {
  return String(Number(value.toFixed(Math.abs(value) >= 100 ? 0 : 2)));
}
