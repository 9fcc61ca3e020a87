import Link from 'next/link';
import { withSearchParams } from '@/components/controls/range';
import { urlFormKey } from '@/components/controls/url-form-key';
import { NODE_STATUSES, STATUS_LABELS } from '@/components/status-colors';
import type { OverviewQuery } from '@/lib/nodes/overview';

export interface NodeFiltersProps {
  query: OverviewQuery;
  options: { countries: string[]; regions: string[]; tags: string[] };
  /** Parameters the form carries through unchanged (sort, tz, refresh). */
  keep: Record<string, string>;
  shown: number;
  total: number;
}

/**
 * A plain GET form: filtering works without JavaScript, lands in the URL (shareable, back
 * button) and costs the page no client code.
 */
export function NodeFilters({ query, options, keep, shown, total }: NodeFiltersProps) {
  const filtered = Boolean(query.q || query.country || query.region || query.status || query.tag);
  const select = (name: string, label: string, value: string | undefined, choices: { value: string; label: string }[]) => (
    <label className="filter">
      <span>{label}</span>
      <select name={name} defaultValue={value ?? ''}>
        <option value="">All</option>
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
  const plain = (values: string[]) => values.map((v) => ({ value: v, label: v }));
  return (
    <form key={urlFormKey(query)} method="get" action="/" className="node-filters" aria-label="Filter nodes">
      {Object.entries(keep).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <label className="filter filter-search">
        <span>Search</span>
        <input type="search" name="q" defaultValue={query.q ?? ''} maxLength={100} placeholder="name, city or node id" autoComplete="off" spellCheck={false} />
      </label>
      {select('country', 'Country', query.country, plain(options.countries))}
      {select('region', 'Region', query.region, plain(options.regions))}
      {select(
        'status',
        'Status',
        query.status,
        NODE_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
      )}
      {select('tag', 'Tag', query.tag, plain(options.tags))}
      <button type="submit" className="control-button">
        Apply filters
      </button>
      {filtered && (
        <Link className="control-button" href={`/${withSearchParams(new URLSearchParams(keep), {})}#nodes`}>
          Clear
        </Link>
      )}
      <span className="filter-count" role="status">
        {filtered ? `${shown} of ${total} nodes` : `${total} ${total === 1 ? 'node' : 'nodes'}`}
      </span>
    </form>
  );
}
