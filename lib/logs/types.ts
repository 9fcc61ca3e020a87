/**
 * One interface for the log and event stores (issue 6): Elasticsearch when ELASTICSEARCH_URL is
 * set, PostgreSQL otherwise (the embedded default). Documents are the spec's `fiber-logs-*` and
 * `fiber-events-*` shapes, field names as in the spec.
 */

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const EVENT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

/** The spec's fiber-logs document. */
export interface LogDocument {
  '@timestamp': string;
  service: string;
  level: LogLevel;
  message: string;
  logger?: string;
  request_id?: string;
  node_id?: string;
  user_id?: string;
  exception?: { type?: string; message?: string; stacktrace?: string };
  context?: Record<string, unknown>;
}

/** The event types this product writes (the type stays a free string: alerts will add more). */
export const KNOWN_EVENT_TYPES = [
  'node_down',
  'node_up',
  'node_created',
  'node_updated',
  'node_deleted',
  'probe_key_issued',
  'probe_key_revoked',
  'ingest_dead_letter',
] as const;

/** The spec's fiber-events document. */
export interface EventDocument {
  '@timestamp': string;
  /** One of KNOWN_EVENT_TYPES, or a later one. */
  event_type: string;
  node_id?: string;
  severity: EventSeverity;
  message: string;
  metadata?: Record<string, unknown>;
}

export interface TimeRange {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface LogQuery extends TimeRange {
  /** Full text over message: words (all must match, last one as a prefix) or "a quoted phrase". */
  text?: string;
  services?: string[];
  levels?: LogLevel[];
  /** Only this level and above (WARN → WARN, ERROR, FATAL). */
  minLevel?: LogLevel;
  nodeId?: string;
  requestId?: string;
  userId?: string;
  /** Newest first; at most 500. */
  limit: number;
  /** Opaque, from the previous page's `nextCursor`. */
  cursor?: string;
  /** Oldest first instead (a request's trace reads in order). */
  ascending?: boolean;
}

export interface EventQuery extends TimeRange {
  text?: string;
  eventTypes?: string[];
  severities?: EventSeverity[];
  nodeId?: string;
  limit: number;
  cursor?: string;
}

export interface Hit<T> {
  id: string;
  doc: T;
  /**
   * The message with matched terms marked: segments alternate plain / matched, starting plain,
   * so the UI renders them as text (never HTML from the store).
   */
  highlight?: string[];
}

export interface SearchPage<T> {
  hits: Hit<T>[];
  /** Matches in the whole range (may be a lower bound, then `totalIsLowerBound`). */
  total: number;
  totalIsLowerBound?: boolean;
  nextCursor?: string;
  /** Matches per time bucket over the query's range, for the histogram above the results. */
  histogram: { start: string; count: number }[];
  histogramBucketMs: number;
}

export interface WriteResult {
  written: number;
  /** Documents the store refused for good, with the reason (they go to the dead-letter log). */
  rejected: { doc: LogDocument | EventDocument; reason: string }[];
}

export interface LogStore {
  readonly kind: 'postgres' | 'elasticsearch';
  /** Idempotent set-up (tables or index templates + ILM policies). */
  setup(): Promise<void>;
  writeLogs(docs: LogDocument[]): Promise<WriteResult>;
  writeEvents(docs: EventDocument[]): Promise<WriteResult>;
  searchLogs(q: LogQuery): Promise<SearchPage<LogDocument>>;
  searchEvents(q: EventQuery): Promise<SearchPage<EventDocument>>;
  /** Deletes logs older than 30 days and events older than 90 (PostgreSQL; Elasticsearch's ILM does it itself). */
  applyRetention?(now: Date): Promise<{ logsDeleted: number; eventsDeleted: number }>;
  close(): Promise<void>;
}

export const LOG_RETENTION_DAYS = 30;
export const EVENT_RETENTION_DAYS = 90;
export const MAX_PAGE_SIZE = 500;
/** A search may span at most this much (bounded scans). */
export const MAX_SEARCH_RANGE_DAYS = 31;
