'use client';

import './controls.css';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { RANGE_SPECS, TIME_RANGES, parseRange, withSearchParams, type TimeRange } from '@/components/controls/range';

/**
 * The time range as links (`?range=7d`), so it works before hydration, opens in a new tab and
 * goes back with the browser. The current one carries aria-current="true".
 */
export function TimeRangePicker({ ranges = TIME_RANGES }: { ranges?: readonly TimeRange[] }) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const current = parseRange(searchParams.get('range'));
  return (
    <nav className="segmented" aria-label="Time range" data-range={current}>
      {ranges.map((range) => (
        <Link
          key={range}
          href={`${pathname}${withSearchParams(searchParams.toString(), { range })}`}
          scroll={false}
          className="segmented-option"
          aria-current={range === current ? 'true' : undefined}
          title={RANGE_SPECS[range].description}
        >
          {RANGE_SPECS[range].label}
        </Link>
      ))}
    </nav>
  );
}
