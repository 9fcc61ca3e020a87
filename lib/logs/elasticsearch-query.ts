import type { estypes } from '@elastic/elasticsearch';
import { ApiError } from '../http/problem';
import { DOC_ID_FIELD } from './elasticsearch-templates';
import { checkSearchRange, searchPageSize } from './search-bounds';
import {
  LOG_LEVELS,
  type EventDocument,
  type EventQuery,
  type Hit,
  type LogDocument,
  type LogQuery,
  type SearchPage,
  type TimeRange,
} from './types';

/**
 * Query DSL for the Elasticsearch store, and the reading of its answers. Pure functions: the
 * tests compare these bodies with the exact requests the client sends.
 */

/** Highlight markers no log message contains in practice (Unicode private use); messages that do are not highlighted. */
export const MARK_START = '\uE000';
export const MARK_END = '\uE001';
/** Highlighting stops this far into a message (the index default, 1,000,000, would fail the whole search beyond it). */
const HIGHLIGHT_MAX_OFFSET = 100_000;

/** Histogram steps, smallest first: the first giving at most TARGET_BUCKETS buckets over the range is used. */
export const HISTOGRAM_STEPS = [
  { ms: 60_000, interval: '1m' },
  { ms: 5 * 60_000, interval: '5m' },
  { ms: 15 * 60_000, interval: '15m' },
  { ms: 3_600_000, interval: '1h' },
  { ms: 6 * 3_600_000, interval: '6h' },
  { ms: 86_400_000, interval: '1d' },
] as const;
const TARGET_BUCKETS = 60;

export function histogramStep(range: TimeRange): (typeof HISTOGRAM_STEPS)[number] {
  const span = range.to.getTime() - range.from.getTime();
  return HISTOGRAM_STEPS.find((s) => Math.ceil(span / s.ms) <= TARGET_BUCKETS) ?? HISTOGRAM_STEPS[HISTOGRAM_STEPS.length - 1]!;
}

type Clause = estypes.QueryDslQueryContainer;

export interface TextClauses {
  must: Clause[];
  mustNot: Clause[];
}

/** A token without a letter or digit has no searchable word (both analyzers drop it); it is ignored, as there. */
const searchable = (token: string) => /[\p{L}\p{N}]/u.test(token);

function wordOrPhrase(token: string): Clause | undefined {
  if (!searchable(token)) return undefined;
  if (!token.startsWith('"')) return { match: { message: { query: token, operator: 'and' } } };
  const phrase = token.replace(/^"|"$/g, '').trim();
  return phrase ? { match_phrase: { message: phrase } } : undefined;
}

/**
 * The search box's syntax, as the PostgreSQL store reads it (websearch_to_tsquery): words all
 * match, "a phrase" matches as a phrase, `-word` excludes, `a or b` takes either; the last bare
 * word also matches as a prefix (search as you type), and, as there, is ANDed with the rest.
 * Text without a single searchable word matches nothing. Undefined: no text, no condition.
 */
export function textClauses(text: string | undefined): TextClauses | undefined {
  const tokens = [...(text ?? '').matchAll(/-?"[^"]*"?|\S+/g)].map((m) => m[0]);
  if (tokens.length === 0) return undefined;
  const last = tokens.at(-1)!;
  const prefix = last.startsWith('"') || last.startsWith('-') || last.toLowerCase() === 'or' ? undefined : tokens.pop();
  const groups: Clause[][] = [];
  const mustNot: Clause[] = [];
  let or = false;
  for (const token of tokens) {
    if (token.toLowerCase() === 'or') {
      or = groups.length > 0;
      continue;
    }
    const negated = token.length > 1 && token.startsWith('-');
    const clause = wordOrPhrase(negated ? token.slice(1) : token);
    if (!clause) continue;
    if (negated) mustNot.push(clause);
    else if (or) groups.at(-1)!.push(clause);
    else groups.push([clause]);
    or = false;
  }
  const must = groups.map((g) => (g.length === 1 ? g[0]! : { bool: { should: g, minimum_should_match: 1 } }));
  if (prefix && searchable(prefix)) must.push({ match_bool_prefix: { message: { query: prefix, operator: 'and' } } });
  if (must.length === 0 && mustNot.length === 0) must.push({ match_none: {} });
  return { must, mustNot };
}

/** Undefined filters nothing; an empty list matches nothing (as in the PostgreSQL store). */
function termsFilter(field: string, values: readonly string[] | undefined): Clause[] {
  return values === undefined ? [] : [{ terms: { [field]: [...values] } }];
}

function termFilter(field: string, value: string | undefined): Clause[] {
  return value === undefined ? [] : [{ term: { [field]: value } }];
}

export function encodeCursor(sort: unknown[]): string {
  return Buffer.from(JSON.stringify(sort)).toString('base64url');
}

export function decodeCursor(cursor: string): [number, string] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 2 || !Number.isFinite(value[0]) || typeof value[1] !== 'string') {
    throw new ApiError(400, 'The cursor is not one this server issued.', { errors: [{ parameter: 'cursor', message: 'invalid cursor' }] });
  }
  return [value[0] as number, value[1]];
}

interface CommonQuery extends TimeRange {
  text?: string;
  limit: number;
  cursor?: string;
  ascending?: boolean;
}

/**
 * One page: `limit` (at most 500) hits plus one to tell whether another page follows, newest
 * first with `doc_id` breaking ties, after the cursor's sort values. The histogram of the whole
 * range comes with every page (zero-filled); its bucket counts are exact, so they give the total
 * too, and hits are not counted separately (`track_total_hits: false`).
 */
function searchBody(alias: string, q: CommonQuery, filters: estypes.QueryDslQueryContainer[]): estypes.SearchRequest {
  checkSearchRange(q);
  const text = textClauses(q.text);
  const order = q.ascending ? 'asc' : 'desc';
  const step = histogramStep(q);
  return {
    index: alias,
    size: searchPageSize(q.limit) + 1,
    track_total_hits: false,
    query: {
      bool: {
        ...(text && text.must.length > 0 ? { must: text.must } : {}),
        ...(text && text.mustNot.length > 0 ? { must_not: text.mustNot } : {}),
        filter: [
          { range: { '@timestamp': { gte: q.from.toISOString(), lt: q.to.toISOString(), format: 'strict_date_optional_time' } } },
          ...filters,
        ],
      },
    },
    // unmapped_type: an index created without our template (no doc_id) sorts its documents last instead of failing the search.
    sort: [{ '@timestamp': { order } }, { [DOC_ID_FIELD]: { order, unmapped_type: 'keyword' } }],
    ...(q.cursor ? { search_after: decodeCursor(q.cursor) } : {}),
    ...(text && text.must.length > 0
      ? {
          highlight: {
            pre_tags: [MARK_START],
            post_tags: [MARK_END],
            max_analyzed_offset: HIGHLIGHT_MAX_OFFSET,
            fields: { message: { number_of_fragments: 0 } },
          },
        }
      : {}),
    aggs: {
      histogram: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: step.interval,
          min_doc_count: 0,
          extended_bounds: { min: q.from.getTime(), max: q.to.getTime() - 1 },
        },
      },
    },
  };
}

export function logSearchBody(alias: string, q: LogQuery): estypes.SearchRequest {
  const minLevels = q.minLevel ? LOG_LEVELS.slice(LOG_LEVELS.indexOf(q.minLevel)) : undefined;
  return searchBody(alias, q, [
    ...termsFilter('service', q.services),
    ...termsFilter('level', q.levels),
    ...termsFilter('level', minLevels),
    ...termFilter('node_id', q.nodeId),
    ...termFilter('request_id', q.requestId),
    ...termFilter('user_id', q.userId),
  ]);
}

export function eventSearchBody(alias: string, q: EventQuery): estypes.SearchRequest {
  return searchBody(alias, q, [
    ...termsFilter('event_type', q.eventTypes),
    ...termsFilter('severity', q.severities),
    ...termFilter('node_id', q.nodeId),
  ]);
}

/**
 * `a «b» c` → ['a ', 'b', ' c']: plain and matched alternate, starting and ending plain.
 * Undefined when nothing matched, when the message itself holds a marker, or when the text would
 * not give the message back (a highlight must never misquote a log line); text beyond what was
 * highlighted (past HIGHLIGHT_MAX_OFFSET) is appended as plain.
 */
export function highlightSegments(highlighted: string, original: string): string[] | undefined {
  if (original.includes(MARK_START) || original.includes(MARK_END)) return undefined;
  const segments: string[] = [];
  let rest = highlighted;
  for (;;) {
    const start = rest.indexOf(MARK_START);
    if (start < 0) break;
    const end = rest.indexOf(MARK_END, start);
    if (end < 0) return undefined;
    segments.push(rest.slice(0, start), rest.slice(start + 1, end));
    rest = rest.slice(end + 1);
  }
  segments.push(rest);
  const joined = segments.join('');
  if (segments.length < 3 || !original.startsWith(joined)) return undefined;
  segments[segments.length - 1] += original.slice(joined.length);
  return segments;
}

/** The parts of a search response this module reads. */
export interface SearchResponseLike {
  hits: { hits: { _id?: string | null; _source?: unknown; sort?: unknown[]; highlight?: Record<string, string[]> }[] };
  aggregations?: unknown;
}

export function parseSearchResponse<T extends LogDocument | EventDocument>(
  res: SearchResponseLike,
  q: CommonQuery,
): SearchPage<T> {
  const size = searchPageSize(q.limit);
  const raw = res.hits.hits;
  const hits: Hit<T>[] = raw.slice(0, size).map((h) => {
    const { [DOC_ID_FIELD]: docId, ...doc } = (h._source ?? {}) as T & { [DOC_ID_FIELD]?: string };
    const highlighted = h.highlight?.message?.[0];
    const highlight = highlighted === undefined ? undefined : highlightSegments(highlighted, doc.message);
    return { id: h._id ?? docId ?? '', doc: doc as T, ...(highlight ? { highlight } : {}) };
  });
  const last = raw[size - 1];
  const nextCursor = raw.length > size && last?.sort ? encodeCursor(last.sort) : undefined;
  const buckets = (res.aggregations as { histogram?: { buckets?: { key: number; doc_count: number }[] } } | undefined)?.histogram?.buckets ?? [];
  const counts = new Map(buckets.map((b) => [b.key, b.doc_count]));
  // Laid out here too (as the PostgreSQL store does), so the buckets never depend on whether
  // the cluster filled the bounds, e.g. when no shard held a match.
  const step = histogramStep(q).ms;
  const histogram: SearchPage<T>['histogram'] = [];
  for (let t = Math.floor(q.from.getTime() / step) * step; t < q.to.getTime(); t += step) {
    histogram.push({ start: new Date(t).toISOString(), count: counts.get(t) ?? 0 });
  }
  return {
    hits,
    total: histogram.reduce((sum, b) => sum + b.count, 0),
    ...(nextCursor ? { nextCursor } : {}),
    histogram,
    histogramBucketMs: step,
  };
}
