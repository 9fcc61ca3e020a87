import type { Database, Db } from '../db/client';
import type { StorageMode } from '../db/mode';
import {
  decodeCursor,
  encodeCursor,
  eventDocument,
  eventRow,
  highlightSegments,
  logDocument,
  logRow,
  splitSearchText,
  type Checked,
  type Window,
} from './postgres-documents';
import {
  DAY_MS,
  MARK_END,
  MARK_START,
  analyzeLogTables,
  deleteBefore,
  ensureDailyPartitions,
  insertEventRows,
  insertLogRows,
  logTablesExist,
  selectHistogram,
  selectPage,
  textToTsQuery,
  type LogTable,
  type SearchFilter,
} from './queries';
import { checkSearchRange, searchPageSize } from './search-bounds';
import {
  EVENT_RETENTION_DAYS,
  LOG_LEVELS,
  LOG_RETENTION_DAYS,
  type EventDocument,
  type EventQuery,
  type Hit,
  type LogDocument,
  type LogQuery,
  type LogStore,
  type SearchPage,
  type TimeRange,
  type WriteResult,
} from './types';

/**
 * The log store in PostgreSQL (issue 6), the embedded default and whenever no Elasticsearch is
 * configured: the `logs` and `events` tables of migration 6, searched with a generated tsvector
 * ('simple' configuration) and keyword indexes. It runs on the owner's connection
 * (getDatabase()): dashboard_reader is refused these tables, as they hold user ids and requests.
 */

/** A writer's clock may run a little ahead; a day more is a wrong clock (the row would outlive its retention). */
const FUTURE_MS = DAY_MS;
/** Partitions exist this far ahead in plain mode, so that writes seldom create one. */
const PARTITIONS_AHEAD_DAYS = 7;

/** Histogram steps, smallest first: the first giving at most 60 buckets (the Elasticsearch store's steps, epoch-aligned too). */
export const HISTOGRAM_STEPS_MS = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, DAY_MS] as const;

export function histogramStepMs(range: TimeRange): number {
  const span = range.to.getTime() - range.from.getTime();
  return HISTOGRAM_STEPS_MS.find((s) => Math.ceil(span / s) <= 60) ?? DAY_MS;
}

/** Errors a document causes by its content (SQLSTATE classes 22 data, 23 constraint, 54 limits), as opposed to a database that is down. */
function isDocumentError(err: unknown): boolean {
  const code = ((err as { cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code) as unknown;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

function reasonOf(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  return cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
}

type Filters = Pick<SearchFilter, 'anyOf' | 'equals'>;

/** A log query's filters as columns; `minLevel` becomes the levels from it up, intersected with `levels`. */
export function logFilters(q: LogQuery): Filters {
  const atLeast = q.minLevel ? LOG_LEVELS.slice(LOG_LEVELS.indexOf(q.minLevel)) : undefined;
  const levels = q.levels && atLeast ? q.levels.filter((l) => atLeast.includes(l)) : (q.levels ?? atLeast);
  return {
    anyOf: { service: q.services, level: levels ? [...levels] : undefined },
    equals: { node_id: q.nodeId, request_id: q.requestId, user_id: q.userId },
  };
}

export function eventFilters(q: EventQuery): Filters {
  return {
    anyOf: { event_type: q.eventTypes, severity: q.severities ? [...q.severities] : undefined },
    equals: { node_id: q.nodeId },
  };
}

interface Pending<D, R> {
  doc: D;
  row: R;
}

export interface PostgresLogStoreOptions {
  /** The clock of the write window (default: the system clock). */
  now?: () => Date;
}

export class PostgresLogStore implements LogStore {
  readonly kind = 'postgres' as const;
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly mode: StorageMode,
    options: PostgresLogStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** The tables are migration 6's; here only the check that they exist and, in plain mode, the days ahead. */
  async setup(): Promise<void> {
    if (!(await logTablesExist(this.db))) throw new Error('The logs and events tables are missing: run the migrations (npm run db:migrate).');
    await this.ensurePartitionsAhead(this.now());
  }

  writeLogs(docs: LogDocument[]): Promise<WriteResult> {
    return this.write('logs', docs, LOG_RETENTION_DAYS, logRow, insertLogRows);
  }

  writeEvents(docs: EventDocument[]): Promise<WriteResult> {
    return this.write('events', docs, EVENT_RETENTION_DAYS, eventRow, insertEventRows);
  }

  async searchLogs(q: LogQuery): Promise<SearchPage<LogDocument>> {
    checkSearchRange(q);
    return this.search('logs', q, logDocument, logFilters(q));
  }

  async searchEvents(q: EventQuery): Promise<SearchPage<EventDocument>> {
    checkSearchRange(q);
    return this.search('events', q, eventDocument, eventFilters(q));
  }

  /**
   * Whole days go as chunks (TimescaleDB mode) or partitions (plain mode), the rest of the
   * cutoff's day row by row. The worker's `retention:logs` job calls it hourly in every mode,
   * rather than add_retention_policy, so that `now` is honoured and both modes share one path.
   */
  async applyRetention(now: Date): Promise<{ logsDeleted: number; eventsDeleted: number }> {
    return {
      logsDeleted: await deleteBefore(this.db, this.mode, 'logs', new Date(now.getTime() - LOG_RETENTION_DAYS * DAY_MS)),
      eventsDeleted: await deleteBefore(this.db, this.mode, 'events', new Date(now.getTime() - EVENT_RETENTION_DAYS * DAY_MS)),
    };
  }

  /** Plain mode: the daily partitions of yesterday to a week ahead (TimescaleDB creates chunks itself). */
  async ensurePartitionsAhead(now: Date): Promise<string[]> {
    if (this.mode === 'timescaledb') return [];
    const from = new Date(now.getTime() - DAY_MS);
    const to = new Date(now.getTime() + (PARTITIONS_AHEAD_DAYS + 1) * DAY_MS);
    return [...(await ensureDailyPartitions(this.db, 'logs', from, to)), ...(await ensureDailyPartitions(this.db, 'events', from, to))];
  }

  /** The database is the caller's (the process's pool): nothing of the store's own to close. */
  async close(): Promise<void> {}

  private async write<D, R extends { time: string }>(
    table: LogTable,
    docs: D[],
    retentionDays: number,
    toRow: (doc: D, window: Window) => Checked<R>,
    insert: (db: Db, rows: R[]) => Promise<number>,
  ): Promise<WriteResult> {
    const now = this.now().getTime();
    const window = { oldest: now - retentionDays * DAY_MS, newest: now + FUTURE_MS };
    const rejected: WriteResult['rejected'] = [];
    const accepted: Pending<D, R>[] = [];
    for (const doc of docs) {
      const checked = toRow(doc, window);
      if (checked.ok) accepted.push({ doc, row: checked.row });
      else rejected.push({ doc: doc as LogDocument | EventDocument, reason: checked.reason });
    }
    if (accepted.length > 0 && this.mode === 'postgres') {
      let oldest = Infinity;
      let newest = -Infinity;
      for (const a of accepted) {
        const t = Date.parse(a.row.time);
        oldest = Math.min(oldest, t);
        newest = Math.max(newest, t);
      }
      await ensureDailyPartitions(this.db, table, new Date(oldest), new Date(newest + 1));
    }
    const written = await this.insertIsolating(accepted, insert, rejected);
    return { written, rejected };
  }

  /**
   * One INSERT for the batch. Should the database still refuse it for a document's content
   * (whatever the checks missed), halves are retried until the offending documents stand alone
   * and are rejected with the database's reason: the others are written all the same.
   */
  private async insertIsolating<D, R>(
    batch: Pending<D, R>[],
    insert: (db: Db, rows: R[]) => Promise<number>,
    rejected: WriteResult['rejected'],
  ): Promise<number> {
    if (batch.length === 0) return 0;
    try {
      return await insert(
        this.db,
        batch.map((p) => p.row),
      );
    } catch (err) {
      if (!isDocumentError(err)) throw err;
      if (batch.length === 1) {
        rejected.push({ doc: batch[0]!.doc as LogDocument | EventDocument, reason: reasonOf(err) });
        return 0;
      }
      const half = Math.ceil(batch.length / 2);
      return (await this.insertIsolating(batch.slice(0, half), insert, rejected)) + (await this.insertIsolating(batch.slice(half), insert, rejected));
    }
  }

  private async search<T>(
    table: LogTable,
    q: TimeRange & { text?: string; limit: number; cursor?: string; ascending?: boolean },
    toDoc: (row: Record<string, string | null>) => T,
    filters: Filters,
  ): Promise<SearchPage<T>> {
    const limit = searchPageSize(q.limit);
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const stepMs = histogramStepMs(q);
    const firstBucket = Math.floor(q.from.getTime() / stepMs) * stepMs;
    const buckets = (counts: Map<number, number>) => {
      const out: { start: string; count: number }[] = [];
      for (let t = firstBucket; t < q.to.getTime(); t += stepMs) out.push({ start: new Date(t).toISOString(), count: counts.get(t) ?? 0 });
      return out;
    };

    let tsquery: string | undefined;
    if (q.text?.trim()) {
      const { body, prefix } = splitSearchText(q.text);
      tsquery = await textToTsQuery(this.db, body, prefix);
      // Text without a single searchable word matches nothing (as Elasticsearch's match query does).
      if (tsquery === undefined) return { hits: [], total: 0, histogram: buckets(new Map()), histogramBucketMs: stepMs };
    }
    const filter: SearchFilter = { from: q.from, to: q.to, tsquery, ...filters };
    const [rows, counts] = await Promise.all([
      selectPage(this.db, table, filter, { limit: limit + 1, after, ascending: q.ascending }),
      selectHistogram(this.db, table, filter, stepMs),
    ]);
    const hits: Hit<T>[] = rows.slice(0, limit).map((r) => {
      const doc = toDoc(r);
      const highlight = highlightSegments(r.highlighted ?? null, r.message ?? '', MARK_START, MARK_END);
      return { id: r.id!, doc, ...(highlight ? { highlight } : {}) };
    });
    const last = rows[limit - 1];
    const histogram = buckets(counts);
    return {
      hits,
      // The histogram counts every match of the range exactly (the range is bounded), so it is the total too.
      total: histogram.reduce((n, b) => n + b.count, 0),
      ...(rows.length > limit && last ? { nextCursor: encodeCursor({ micros: last.micros!, id: last.id! }) } : {}),
      histogram,
      histogramBucketMs: stepMs,
    };
  }
}

export function createPostgresLogStore(db: Db, mode: StorageMode, options?: PostgresLogStoreOptions): PostgresLogStore {
  return new PostgresLogStore(db, mode, options);
}

/**
 * The worker's job for the PostgreSQL log store, in every mode: days ahead (plain mode),
 * retention, and on PGlite, which has no autovacuum, fresh statistics for the planner.
 */
export function logStoreMaintenanceJob(database: Database, mode: StorageMode) {
  return {
    name: 'retention:logs',
    intervalMs: 3_600_000,
    run: async () => {
      const store = new PostgresLogStore(database.db, mode);
      const now = new Date();
      const created = await store.ensurePartitionsAhead(now);
      const deleted = await store.applyRetention(now);
      if (database.engine === 'pglite') await analyzeLogTables(database.db);
      return { created, ...deleted };
    },
  };
}
