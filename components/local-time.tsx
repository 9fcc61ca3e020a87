'use client';

import { useHydrated } from '@/components/charts/use-hydrated';
import { formatDateTime, type TimeZoneMode } from '@/components/format';

/**
 * A time in the viewer's zone (or UTC with `?tz=utc`). The server does not know the viewer's
 * zone, so it writes UTC (labelled so) and the browser rewrites it once hydrated; the title
 * always carries the UTC instant.
 */
export function LocalTime({ iso, zone }: { iso: string; zone: TimeZoneMode }) {
  const hydrated = useHydrated();
  const shown: TimeZoneMode = hydrated ? zone : 'UTC';
  return (
    <time dateTime={iso} title={formatDateTime(iso, 'UTC')}>
      {formatDateTime(iso, shown)}
    </time>
  );
}
