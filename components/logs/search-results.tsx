import type { TimeZoneMode } from '@/components/format';
import type { EventHitJson, LogHitJson, PageSearch, SearchResponse } from '@/lib/logs/api';
import type { EventQuery, LogQuery } from '@/lib/logs/types';
import { EventTable } from './event-table';
import { LogTable } from './log-table';
import { SearchHistogram } from './search-histogram';
import { InvalidSearch, NoMatches, StoreUnavailable, describeFilters } from './search-notices';
import { SearchPager } from './search-pager';
import type { UrlState } from './urls';
import './logs.css';

interface CommonProps {
  search: UrlState;
  state: UrlState;
  nodeNames: ReadonlyMap<string, string>;
  zone: TimeZoneMode;
}

/** Histogram, then the lines, then the pager; or why there are none. */
export function LogResults({ outcome, now, ...common }: CommonProps & { outcome: PageSearch<LogQuery, LogHitJson>; now: Date }) {
  if (outcome.status === 'invalid') return <InvalidSearch errors={outcome.errors} />;
  if (outcome.status === 'unavailable') return <StoreUnavailable what="logs" />;
  const { query, result } = outcome;
  const ascending = Boolean(query.ascending);
  return (
    <Results result={result} range={query} noun="log line" ascending={ascending} {...common}>
      <LogTable hits={result.hits} nodeNames={common.nodeNames} state={common.state} zone={common.zone} now={now} ascending={ascending} />
    </Results>
  );
}

export function EventResults({ outcome, ...common }: CommonProps & { outcome: PageSearch<EventQuery, EventHitJson> }) {
  if (outcome.status === 'invalid') return <InvalidSearch errors={outcome.errors} />;
  if (outcome.status === 'unavailable') return <StoreUnavailable what="events" />;
  const { query, result } = outcome;
  return (
    <Results result={result} range={query} noun="event" ascending={false} {...common}>
      <EventTable hits={result.hits} nodeNames={common.nodeNames} zone={common.zone} />
    </Results>
  );
}

function Results({
  result,
  range,
  noun,
  ascending,
  search,
  state,
  nodeNames,
  zone,
  children,
}: CommonProps & {
  result: SearchResponse<unknown>;
  range: { from: Date; to: Date };
  /** Singular: "log line", "event". */
  noun: string;
  ascending: boolean;
  children: React.ReactNode;
}) {
  if (result.hits.length === 0 && result.total === 0) {
    return <NoMatches noun={`${noun}s`} filters={describeFilters(search, nodeNames)} range={range} zone={zone} />;
  }
  return (
    <section className="search-results" aria-label="Results">
      <SearchHistogram
        buckets={result.histogram.buckets}
        bucketMs={result.histogram.bucket_ms}
        range={range}
        total={result.total}
        totalIsLowerBound={result.total_is_lower_bound}
        noun={noun}
        state={state}
        zone={zone}
      />
      {result.hits.length > 0 ? children : <NoMatches noun={`more ${noun}s`} filters={describeFilters(search, nodeNames)} range={range} zone={zone} />}
      <SearchPager state={state} shown={result.hits.length} nextCursor={result.next_cursor} range={range} ascending={ascending} noun={noun} />
    </section>
  );
}
