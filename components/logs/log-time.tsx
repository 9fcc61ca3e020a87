'use client';

import { useHydrated } from '@/components/charts/use-hydrated';
import { formatDate, type TimeZoneMode } from '@/components/format';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2025-11-24 16:35:07.123" (+ " UTC"): log lines are ordered to the millisecond, so it is shown. */
export function formatLogTime(iso: string, zone: TimeZoneMode): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const utc = zone === 'UTC';
  const [h, m, s, ms] = utc
    ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  return `${formatDate(d, zone)} ${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms, 3)}${utc ? ' UTC' : ''}`;
}

/**
 * A log line's time in the viewer's zone (or UTC with `?tz=utc`), like LocalTime but to the
 * millisecond: UTC from the server, rewritten in the browser once hydrated.
 */
export function LogTime({ iso, zone }: { iso: string; zone: TimeZoneMode }) {
  const hydrated = useHydrated();
  return (
    <time dateTime={iso} title={formatLogTime(iso, 'UTC')}>
      {formatLogTime(iso, hydrated ? zone : 'UTC')}
    </time>
  );
}
