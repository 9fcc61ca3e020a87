import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { StorageMode } from '../db/mode';
import { pgArray, queryRows, toNumber } from '../db/rows';

/*
 * All SQL of the PostgreSQL log store (lib/logs/postgres-store.ts) and of migration 6: writes
 * through `unnest`, keyset-paged searches, histograms, daily partitions (plain mode) and
 * retention. Both tables are searched by the same code, only their columns differ.
 */

export type LogTable = 'logs' | 'events';

export const DAY_MS = 86_400_000;
/** Only this much of a message (and of an exception message) is indexed and highlighted. */
export const INDEXED_CHARS = 65_536;
/** ts_headline's markers: the option parser takes control characters but not private-use ones. */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

const iso = (d: Date) => d.toISOString();

// ---- writes ------------------------------------------------------------------------------------

/** A log line as bound to the INSERT: times as ISO text, context as JSON text. */
export interface LogRow {
  time: string;
  service: string;
  level: string;
  message: string;
  logger: string | null;
  requestId: string | null;
  nodeId: string | null;
  userId: string | null;
  exceptionType: string | null;
  exceptionMessage: string | null;
  exceptionStacktrace: string | null;
  context: string | null;
}

export interface EventRow {
  time: string;
  eventType: string;
  nodeId: string | null;
  severity: string;
  message: string;
  metadata: string | null;
}

/** One statement for the whole batch: one array parameter per column, whatever the batch size. */
export async function insertLogRows(db: Db, rows: LogRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = (pick: (r: LogRow) => string | null) => pgArray(rows.map(pick));
  const result = await queryRows<{ n: string | number }>(
    db,
    sql`WITH ins AS (
          INSERT INTO logs (time, service, level, message, logger, request_id, node_id, user_id,
                            exception_type, exception_message, exception_stacktrace, context)
          SELECT * FROM unnest(
            ${col((r) => r.time)}::timestamptz[], ${col((r) => r.service)}::text[], ${col((r) => r.level)}::text[],
            ${col((r) => r.message)}::text[], ${col((r) => r.logger)}::text[], ${col((r) => r.requestId)}::text[],
            ${col((r) => r.nodeId)}::text[], ${col((r) => r.userId)}::text[], ${col((r) => r.exceptionType)}::text[],
            ${col((r) => r.exceptionMessage)}::text[], ${col((r) => r.exceptionStacktrace)}::text[], ${col((r) => r.context)}::jsonb[])
          RETURNING 1)
        SELECT count(*) AS n FROM ins`,
  );
  return toNumber(result[0]?.n) ?? 0;
}

export async function insertEventRows(db: Db, rows: EventRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = (pick: (r: EventRow) => string | null) => pgArray(rows.map(pick));
  const result = await queryRows<{ n: string | number }>(
    db,
    sql`WITH ins AS (
          INSERT INTO events (time, event_type, node_id, severity, message, metadata)
          SELECT * FROM unnest(
            ${col((r) => r.time)}::timestamptz[], ${col((r) => r.eventType)}::text[], ${col((r) => r.nodeId)}::text[],
            ${col((r) => r.severity)}::text[], ${col((r) => r.message)}::text[], ${col((r) => r.metadata)}::jsonb[])
          RETURNING 1)
        SELECT count(*) AS n FROM ins`,
  );
  return toNumber(result[0]?.n) ?? 0;
}

// ---- the text query ----------------------------------------------------------------------------

/**
 * The user's text as a tsquery, parsed by PostgreSQL itself so that nothing typed can be a
 * syntax error or an injection: `body` through websearch_to_tsquery (words, "phrases", or, -not),
 * `prefix` (the word being typed) as each of its lexemes with `:*`. The lexemes come from the
 * same parser and configuration as the indexed column, then are quoted (quotes and backslashes
 * doubled) and cast, which does not parse them again. Returns the tsquery as text, or undefined
 * when the text holds no searchable word.
 */
export async function textToTsQuery(db: Db, body: string, prefix: string | undefined): Promise<string | undefined> {
  const bodyQuery = body.trim() ? sql`websearch_to_tsquery('simple', ${body})` : sql`NULL::tsquery`;
  const prefixQuery = prefix
    ? sql`(SELECT string_agg(chr(39) || replace(replace(lex, chr(92), chr(92) || chr(92)), chr(39), chr(39) || chr(39)) || chr(39) || ':*', ' & ')::tsquery
           FROM unnest(tsvector_to_array(to_tsvector('simple', ${prefix}))) AS lex)`
    : sql`NULL::tsquery`;
  const rows = await queryRows<{ q: string | null; nodes: string | number | null }>(
    db,
    sql`SELECT q::text AS q, numnode(q) AS nodes
        FROM (SELECT CASE WHEN b IS NULL THEN p WHEN p IS NULL THEN b ELSE b && p END AS q
              FROM (SELECT ${bodyQuery} AS b, ${prefixQuery} AS p) parts) combined`,
  );
  const row = rows[0];
  return row?.q && (toNumber(row.nodes) ?? 0) > 0 ? row.q : undefined;
}

// ---- searches ----------------------------------------------------------------------------------

/** What both searches filter on; `undefined` filters nothing, an empty list matches nothing. */
export interface SearchFilter {
  from: Date;
  to: Date;
  tsquery?: string;
  /** Column → accepted values. */
  anyOf?: Record<string, string[] | undefined>;
  /** Column → the one accepted value. */
  equals?: Record<string, string | undefined>;
}

/** Keyset position: the row's time in microseconds since the epoch and its id. */
export interface Position {
  micros: string;
  id: string;
}

const FILTER_COLUMNS = new Set(['service', 'level', 'node_id', 'request_id', 'user_id', 'event_type', 'severity']);

function column(name: string): SQL {
  // Names come from the store's code, never from a request; the check keeps it that way.
  if (!FILTER_COLUMNS.has(name)) throw new Error(`not a filter column: ${name}`);
  return sql`${sql.identifier(name)}`;
}

function conditions(f: SearchFilter): SQL {
  const parts: SQL[] = [sql`time >= ${iso(f.from)}::timestamptz`, sql`time < ${iso(f.to)}::timestamptz`];
  if (f.tsquery !== undefined) parts.push(sql`search @@ ${f.tsquery}::tsquery`);
  for (const [name, values] of Object.entries(f.anyOf ?? {})) {
    if (values === undefined) continue;
    if (values.length === 0) parts.push(sql`false`);
    // A single value as `=` gives the planner the value's own statistics.
    else if (values.length === 1) parts.push(sql`${column(name)} = ${values[0]}`);
    else parts.push(sql`${column(name)} = ANY(${pgArray(values)}::text[])`);
  }
  for (const [name, value] of Object.entries(f.equals ?? {})) {
    if (value !== undefined) parts.push(sql`${column(name)} = ${value}`);
  }
  return sql.join(parts, sql` AND `);
}

const MICROS = sql`(extract(epoch FROM time) * 1000000)::bigint::text`;
const fromMicros = (micros: string) => sql`(TIMESTAMPTZ 'epoch' + ${micros}::bigint * INTERVAL '1 microsecond')`;

const SELECTED: Record<LogTable, SQL> = {
  logs: sql`service, level, message, logger, request_id, node_id, user_id, exception_type, exception_message, exception_stacktrace, context::text AS context`,
  events: sql`event_type, node_id, severity, message, metadata::text AS metadata`,
};

/**
 * The query of one page: newest (or oldest) first by (time, id), after the keyset position,
 * `limit` rows. The explicit `time` bound beside the row comparison lets an index on
 * (…, time) range-scan; ts_headline runs on the page's rows only.
 */
export function pageQuery(table: LogTable, f: SearchFilter, page: { limit: number; after?: Position; ascending?: boolean }): SQL {
  const dir = page.ascending ? sql`ASC` : sql`DESC`;
  const keyset = page.after
    ? page.ascending
      ? sql` AND time >= ${fromMicros(page.after.micros)} AND (time, id) > (${fromMicros(page.after.micros)}, ${page.after.id}::bigint)`
      : sql` AND time <= ${fromMicros(page.after.micros)} AND (time, id) < (${fromMicros(page.after.micros)}, ${page.after.id}::bigint)`
    : sql``;
  const headline = f.tsquery
    ? sql`ts_headline('simple', left(message, ${INDEXED_CHARS}), ${f.tsquery}::tsquery,
                      ${`StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`})`
    : sql`NULL::text`;
  // Qualified: the page's own `id` (text) must not be what the inner ORDER BY sorts.
  return sql`SELECT page.*, ${headline} AS highlighted
             FROM (SELECT id::text AS id, ${MICROS} AS micros, ${SELECTED[table]}
                   FROM ${sql.identifier(table)}
                   WHERE ${conditions(f)}${keyset}
                   ORDER BY ${sql.identifier(table)}.time ${dir}, ${sql.identifier(table)}.id ${dir}
                   LIMIT ${page.limit}) page
             ORDER BY page.micros::bigint ${dir}, page.id::bigint ${dir}`;
}

export async function selectPage(
  db: Db,
  table: LogTable,
  f: SearchFilter,
  page: { limit: number; after?: Position; ascending?: boolean },
): Promise<Record<string, string | null>[]> {
  return queryRows<Record<string, string | null>>(db, pageQuery(table, f, page));
}

/** Matches per bucket of `bucketMs`, buckets aligned on the epoch (as Elasticsearch's date_histogram); empty buckets absent. */
export function histogramQuery(table: LogTable, f: SearchFilter, bucketMs: number): SQL {
  // Grouped by the timestamp, converted per bucket: numeric epoch arithmetic per row costs ×3.
  return sql`SELECT (extract(epoch FROM bucket) * 1000)::bigint AS start, n
             FROM (SELECT date_bin(${`${bucketMs / 1000} seconds`}::interval, time, TIMESTAMPTZ 'epoch') AS bucket, count(*) AS n
                   FROM ${sql.identifier(table)} WHERE ${conditions(f)} GROUP BY 1) buckets`;
}

export async function selectHistogram(db: Db, table: LogTable, f: SearchFilter, bucketMs: number): Promise<Map<number, number>> {
  const rows = await queryRows<{ start: string | number; n: string | number }>(db, histogramQuery(table, f, bucketMs));
  return new Map(rows.map((r) => [toNumber(r.start) ?? 0, toNumber(r.n) ?? 0]));
}

/** The plan PostgreSQL would run for a query (tests and the bench check index use). */
export async function explain(db: Db, query: SQL): Promise<string> {
  const rows = await queryRows<{ 'QUERY PLAN': string }>(db, sql`EXPLAIN ${query}`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

// ---- schema checks -----------------------------------------------------------------------------

export async function logTablesExist(db: Db): Promise<boolean> {
  const rows = await queryRows<{ ok: boolean }>(
    db,
    sql`SELECT to_regclass('public.logs') IS NOT NULL AND to_regclass('public.events') IS NOT NULL AS ok`,
  );
  return rows[0]?.ok === true;
}

// ---- plain PostgreSQL mode: daily partitions ---------------------------------------------------

/** `logs_p20250131`: the UTC day it holds, the same days as TimescaleDB's 1-day chunks. */
export function dailyPartitionName(table: LogTable, dayStartMs: number): string {
  return `${table}_p${new Date(dayStartMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export async function listDailyPartitions(db: Db, table: LogTable): Promise<{ name: string; startMs: number }[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`SELECT c.relname AS name FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = ${table}::regclass ORDER BY c.relname`,
  );
  const pattern = new RegExp(`^${table}_p(\\d{4})(\\d{2})(\\d{2})$`);
  return rows.flatMap((r) => {
    const m = pattern.exec(r.name);
    return m ? [{ name: r.name, startMs: Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) }] : [];
  });
}

/**
 * Creates the missing daily partitions of [from, to). Writers create the days of their batch
 * and the worker those ahead, from any number of processes: a transaction-scoped advisory lock
 * makes them take turns instead of colliding on the catalog. A new partition gets the default
 * privileges, which grant dashboard_reader SELECT: revoked, as on the parent (migration 6).
 */
export async function ensureDailyPartitions(db: Db, table: LogTable, from: Date, to: Date): Promise<string[]> {
  const wanted: { name: string; start: number }[] = [];
  for (let start = Math.floor(from.getTime() / DAY_MS) * DAY_MS; start < to.getTime(); start += DAY_MS) {
    wanted.push({ name: dailyPartitionName(table, start), start });
  }
  if (wanted.length === 0) return [];
  const present = async (tx: Db) =>
    new Set(
      (
        await queryRows<{ relname: string }>(
          tx,
          sql`SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname = ANY(${pgArray(wanted.map((w) => w.name))}::text[])`,
        )
      ).map((r) => r.relname),
    );
  const before = await present(db);
  if (wanted.every((w) => before.has(w.name))) return [];
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('fiber_log_partitions'))`);
    const existing = await present(tx);
    const created: string[] = [];
    for (const w of wanted) {
      if (existing.has(w.name)) continue;
      await tx.execute(
        sql.raw(`CREATE TABLE ${w.name} PARTITION OF ${table} FOR VALUES FROM ('${iso(new Date(w.start))}') TO ('${iso(new Date(w.start + DAY_MS))}')`),
      );
      await tx.execute(
        sql.raw(`DO $$ BEGIN
                   IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'dashboard_reader') THEN REVOKE ALL ON ${w.name} FROM dashboard_reader; END IF;
                 END $$`),
      );
      created.push(w.name);
    }
    return created;
  });
}

// ---- retention ---------------------------------------------------------------------------------

/**
 * Deletes the rows older than `cutoff`: whole days go as TimescaleDB's drop_chunks does (or as
 * a dropped partition), which leaves no dead rows; the rest of the day the cutoff falls in is
 * deleted row by row, so that nothing older than the retention is ever found. Returns the
 * number of rows removed.
 */
export async function deleteBefore(db: Db, mode: StorageMode, table: LogTable, cutoff: Date): Promise<number> {
  const wholeDays = new Date(Math.floor(cutoff.getTime() / DAY_MS) * DAY_MS);
  const counted = await queryRows<{ n: string | number }>(
    db,
    sql`SELECT count(*) AS n FROM ${sql.identifier(table)} WHERE time < ${iso(wholeDays)}::timestamptz`,
  );
  if (mode === 'timescaledb') {
    await db.execute(sql`SELECT drop_chunks(${table}::regclass, older_than => ${iso(wholeDays)}::timestamptz)`);
  } else {
    for (const p of await listDailyPartitions(db, table)) {
      if (p.startMs + DAY_MS <= wholeDays.getTime()) await db.execute(sql.raw(`DROP TABLE IF EXISTS ${p.name}`));
    }
  }
  const deleted = await queryRows<{ n: string | number }>(
    db,
    sql`WITH gone AS (DELETE FROM ${sql.identifier(table)} WHERE time < ${iso(cutoff)}::timestamptz RETURNING 1)
        SELECT count(*) AS n FROM gone`,
  );
  return (toNumber(counted[0]?.n) ?? 0) + (toNumber(deleted[0]?.n) ?? 0);
}

/** PGlite has no autovacuum: fresh statistics keep the planner on the right index. */
export async function analyzeLogTables(db: Db): Promise<void> {
  await db.execute(sql`ANALYZE logs`);
  await db.execute(sql`ANALYZE events`);
}
