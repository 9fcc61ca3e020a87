import { withSearchParams } from '@/components/controls/range';
import { EVENT_SEARCH_PARAMETERS, LOG_SEARCH_PARAMETERS, MAX_END_AHEAD_MS } from '@/lib/logs/search-schemas';

/*
 * The /logs page's state is its URL: the search parameters of the tab (as the API reads them),
 * the tab, and the time-zone choice. Links are built from that state so that every control
 * keeps the others.
 */

export type LogsTab = 'logs' | 'events';
/** Parameter name → value, empty values left out. */
export type UrlState = Record<string, string>;

type SearchParams = Record<string, string | string[] | undefined>;

/** Carried when switching tabs: the filters both tabs understand. */
const SHARED = ['node_id', 'start', 'end'] as const;
const TRACE_MARGIN_MS = 60 * 60_000;

export interface LogsUrl {
  tab: LogsTab;
  /** The tab's search parameters, for the API's parser (anything else in the URL is ignored here). */
  search: UrlState;
  /** Everything the page keeps on its links: `search` plus `tab` and `tz`. */
  state: UrlState;
}

export function readLogsUrl(params: SearchParams): LogsUrl {
  const value = (name: string) => {
    const v = params[name];
    const s = Array.isArray(v) ? v[0] : v;
    return s === undefined || s === '' ? undefined : s;
  };
  const tab: LogsTab = value('tab') === 'events' ? 'events' : 'logs';
  const names: readonly string[] = tab === 'events' ? EVENT_SEARCH_PARAMETERS : LOG_SEARCH_PARAMETERS;
  const search: UrlState = {};
  for (const name of names) {
    const v = value(name);
    if (v !== undefined) search[name] = v;
  }
  const tz = value('tz');
  const state: UrlState = { ...(tab === 'events' ? { tab } : {}), ...search, ...(tz ? { tz } : {}) };
  return { tab, search, state };
}

/** `/logs?…` with `updates` applied to the state (null removes a parameter). */
export function logsHref(state: UrlState, updates: Record<string, string | null> = {}): string {
  return `/logs${withSearchParams(new URLSearchParams(state), updates)}`;
}

/** The other tab, keeping the shared filters and the time zone. */
export function tabHref(state: UrlState, tab: LogsTab): string {
  const kept: UrlState = {};
  for (const name of [...SHARED, 'tz']) if (state[name]) kept[name] = state[name];
  return logsHref(kept, { tab: tab === 'events' ? 'events' : null });
}

/**
 * Every line of one request, oldest first, within an hour either side of the line it was
 * followed from. `end` stays within what the API accepts when the link is followed.
 */
export function traceHref(state: UrlState, requestId: string, at: string, now: Date): string {
  const t = Date.parse(at);
  const end = Math.min(t + TRACE_MARGIN_MS, now.getTime() + MAX_END_AHEAD_MS);
  const updates = {
    request_id: requestId,
    order: 'asc',
    start: new Date(t - TRACE_MARGIN_MS).toISOString(),
    end: new Date(end).toISOString(),
  };
  return logsHref(state.tz ? { tz: state.tz } : {}, updates);
}

/** The same search over a narrower window (a histogram bucket), from its newest line. */
export function zoomHref(state: UrlState, from: Date, to: Date): string {
  return logsHref(state, { start: from.toISOString(), end: to.toISOString(), cursor: null });
}

/**
 * The next page. The range is pinned to the one searched, so that "older" stays the same search
 * while time moves on (the defaults would otherwise slide with the clock).
 */
export function nextPageHref(state: UrlState, cursor: string, range: { from: Date; to: Date }): string {
  return logsHref(state, { cursor, start: range.from.toISOString(), end: range.to.toISOString() });
}

export function nodeHref(nodeId: string): string {
  return `/nodes/${encodeURIComponent(nodeId)}`;
}
