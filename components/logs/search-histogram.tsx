import Link from 'next/link';
import { LocalTime } from '@/components/local-time';
import type { TimeZoneMode } from '@/components/format';
import { zoomHref, type UrlState } from './urls';
import { counted } from './words';

interface HistogramProps {
  buckets: { start: string; count: number }[];
  bucketMs: number;
  range: { from: Date; to: Date };
  total: number;
  totalIsLowerBound: boolean;
  /** Singular: "log line", "event". */
  noun: string;
  state: UrlState;
  zone: TimeZoneMode;
}

const WIDTH = 1000;
const HEIGHT = 100;

/** "1 min", "15 min", "6 h", "1 d". */
export function formatStep(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

const utcLabel = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Matches over time, above the results: server-rendered SVG bars, each a link that narrows the
 * search to its bucket. The bars are for the eye and the mouse; the caption and the table under
 * "Matches per bucket" say the same to everyone else (and their links zoom too).
 */
export function SearchHistogram({ buckets, bucketMs, range, total, totalIsLowerBound, noun, state, zone }: HistogramProps) {
  if (buckets.length === 0) return null;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const slot = WIDTH / buckets.length;
  const peak = buckets.reduce((a, b) => (b.count > a.count ? b : a), buckets[0]!);
  const bucketRange = (b: { start: string }) => {
    const from = Date.parse(b.start);
    return { from: new Date(Math.max(from, range.from.getTime())), to: new Date(Math.min(from + bucketMs, range.to.getTime())) };
  };
  return (
    <figure className="search-histogram">
      <figcaption>
        {totalIsLowerBound ? 'At least ' : ''}
        {counted(total, noun)} · {formatStep(bucketMs)} buckets · peak {peak.count.toLocaleString('en')}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" aria-hidden="true" focusable="false" className="histogram-bars">
        {buckets.map((b, i) => {
          if (b.count === 0) return null;
          const h = Math.max(2, (b.count / max) * HEIGHT);
          const x = Date.parse(b.start);
          const { from, to } = bucketRange(b);
          return (
            <a key={b.start} href={zoomHref(state, from, to)} tabIndex={-1}>
              <title>{`${utcLabel(x)}: ${counted(b.count, noun)}`}</title>
              <rect x={i * slot + slot * 0.1} y={HEIGHT - h} width={slot * 0.8} height={h} />
            </a>
          );
        })}
      </svg>
      <div className="histogram-axis">
        <LocalTime iso={range.from.toISOString()} zone={zone} />
        <LocalTime iso={range.to.toISOString()} zone={zone} />
      </div>
      <details className="histogram-table">
        <summary>Matches per bucket</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col" className="num">
                  {`${noun[0]!.toUpperCase()}${noun.slice(1)}s`}
                </th>
              </tr>
            </thead>
            <tbody>
              {buckets
                .filter((b) => b.count > 0)
                .map((b) => {
                  const { from, to } = bucketRange(b);
                  return (
                    <tr key={b.start}>
                      <td>
                        <Link href={zoomHref(state, from, to)} prefetch={false}>
                          <LocalTime iso={b.start} zone={zone} />
                        </Link>
                      </td>
                      <td className="num">{b.count.toLocaleString('en')}</td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
