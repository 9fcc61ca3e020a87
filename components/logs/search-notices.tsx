import type { TimeZoneMode } from '@/components/format';
import { LocalTime } from '@/components/local-time';
import type { ParameterError } from '@/lib/http/problem';
import type { UrlState } from './urls';

/** Parameter → how the empty state names it. */
const FILTER_LABELS: Record<string, string> = {
  q: 'text',
  service: 'service',
  level: 'level',
  min_level: 'level ≥',
  node_id: 'node',
  request_id: 'request',
  user_id: 'user',
  type: 'type',
  severity: 'severity',
};

/** The active filters as "text “disk full”, level ≥ WARN, node probe-gh-accra-01". */
export function describeFilters(search: UrlState, nodeNames: ReadonlyMap<string, string>): string[] {
  return Object.entries(FILTER_LABELS).flatMap(([name, label]) => {
    const value = search[name];
    if (!value) return [];
    const shown = name === 'node_id' ? (nodeNames.get(value.toLowerCase()) ?? value) : value;
    return [name === 'q' ? `${label} “${shown}”` : `${label} ${shown}`];
  });
}

/** `noun` in the plural: "log lines", "more events". */
export function NoMatches({ noun, filters, range, zone }: { noun: string; filters: string[]; range: { from: Date; to: Date }; zone: TimeZoneMode }) {
  return (
    <div className="empty log-notice" role="status">
      <p className="log-empty-title">
        No {noun}
        {filters.length > 0 ? ` match ${filters.join(', ')}` : ''} between <LocalTime iso={range.from.toISOString()} zone={zone} /> and{' '}
        <LocalTime iso={range.to.toISOString()} zone={zone} />.
      </p>
      <p>Widen the time range (From / To), or remove a filter.</p>
    </div>
  );
}

export function StoreUnavailable({ what }: { what: string }) {
  return (
    <div className="error log-notice" role="alert">
      <p className="log-empty-title">The log store is not answering, so {what} cannot be searched right now.</p>
      <p>Try again in a few seconds.</p>
    </div>
  );
}

export function InvalidSearch({ errors }: { errors: ParameterError[] }) {
  return (
    <div className="error log-notice" role="alert">
      <p className="log-empty-title">This search cannot run:</p>
      <ul>
        {errors.map((e, i) => (
          <li key={i}>
            <code>{e.parameter}</code>: {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
