/**
 * The dashboard's time ranges and the URL parameters that hold the controls' state. Pure, no
 * React: server pages parse `searchParams` with these, the client controls write them, and the
 * tests share them.
 *
 * Hourly ranges read `aggregates_hourly` (kept 90 days), daily ranges `aggregates_daily` (kept
 * 365 days). `start` is aligned down to the bucket boundary (UTC hour or UTC day, as
 * TimescaleDB's time_bucket buckets) so the first bucket is whole; `end` is now, so the current,
 * still-filling bucket is included.
 */
export const TIME_RANGES = ['24h', '7d', '30d', '90d', '1y'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];
export type Aggregation = 'hourly' | 'daily';

export const DEFAULT_RANGE: TimeRange = '24h';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const RANGE_SPECS: Record<TimeRange, { label: string; description: string; durationMs: number; aggregation: Aggregation }> = {
  '24h': { label: '24h', description: 'Last 24 hours, hourly', durationMs: DAY_MS, aggregation: 'hourly' },
  '7d': { label: '7d', description: 'Last 7 days, hourly', durationMs: 7 * DAY_MS, aggregation: 'hourly' },
  '30d': { label: '30d', description: 'Last 30 days, hourly', durationMs: 30 * DAY_MS, aggregation: 'hourly' },
  '90d': { label: '90d', description: 'Last 90 days, daily', durationMs: 90 * DAY_MS, aggregation: 'daily' },
  '1y': { label: '1y', description: 'Last 365 days, daily', durationMs: 365 * DAY_MS, aggregation: 'daily' },
};

export interface RangeWindow {
  range: TimeRange;
  start: Date;
  end: Date;
  aggregation: Aggregation;
}

type ParamValue = string | string[] | null | undefined;
const first = (value: ParamValue) => (Array.isArray(value) ? value[0] : value) ?? undefined;

export function isTimeRange(value: unknown): value is TimeRange {
  return typeof value === 'string' && (TIME_RANGES as readonly string[]).includes(value);
}

/** `?range=` → a known range; anything else (missing, unknown, repeated garbage) → 24h. */
export function parseRange(value: ParamValue): TimeRange {
  const v = first(value);
  return isTimeRange(v) ? v : DEFAULT_RANGE;
}

export function rangeWindow(range: TimeRange, now: Date = new Date()): RangeWindow {
  const spec = RANGE_SPECS[range];
  const bucketMs = spec.aggregation === 'hourly' ? HOUR_MS : DAY_MS;
  const end = new Date(now.getTime());
  // Epoch-aligned floor: hours and days since 1970 are whole UTC hours and days.
  const start = new Date(Math.floor((now.getTime() - spec.durationMs) / bucketMs) * bucketMs);
  return { range, start, end, aggregation: spec.aggregation };
}

/** `?tz=utc` → UTC; anything else → the viewer's local time. */
export function parseTimeZone(value: ParamValue): 'local' | 'UTC' {
  return first(value)?.toLowerCase() === 'utc' ? 'UTC' : 'local';
}

/** `?refresh=off` → paused; auto-refresh is on otherwise. */
export function parseAutoRefresh(value: ParamValue): boolean {
  return first(value) !== 'off';
}

/**
 * The query string after applying `updates` (null deletes a key), keeping every other parameter
 * as it was. Returns "" or "?a=b".
 */
export function withSearchParams(current: string | URLSearchParams, updates: Record<string, string | null>): string {
  const params = new URLSearchParams(current);
  for (const [key, value] of Object.entries(updates)) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}
