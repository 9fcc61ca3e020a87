'use client';

import './controls.css';
import { useSearchParams } from 'next/navigation';
import { parseTimeZone } from '@/components/controls/range';
import { useSearchParamUpdater } from '@/components/controls/use-search-param-updater';

/** Local time or UTC for axes, tooltips and tables; UTC is kept in the URL as `?tz=utc`. */
export function TimeZoneToggle() {
  const searchParams = useSearchParams();
  const update = useSearchParamUpdater();
  const zone = parseTimeZone(searchParams.get('tz'));
  return (
    <div className="segmented" role="group" aria-label="Time zone" data-tz={zone}>
      <button type="button" className="segmented-option" aria-pressed={zone === 'local'} onClick={() => update({ tz: null })}>
        Local
      </button>
      <button type="button" className="segmented-option" aria-pressed={zone === 'UTC'} onClick={() => update({ tz: 'utc' })}>
        UTC
      </button>
    </div>
  );
}
