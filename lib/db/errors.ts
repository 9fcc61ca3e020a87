import { DrizzleQueryError } from 'drizzle-orm';
import { PgPreparedQuery } from 'drizzle-orm/pg-core';
import { withTimeout } from '../timeout';

/**
 * Errors of the database layer: which ones mean "the database is not there" (answered 503 with
 * Retry-After, logged as a warning, not as a bug), and keeping bound values out of error text.
 */

/** postgres.js and Node socket codes for a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'DATABASE_DEADLINE',
]);
/** SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now (starting up), too_many_connections; class 08 is connection_exception. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** True when `err` (or what it wraps) says the database could not be reached, not that a query was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++, e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    // A database closed for maintenance (ALTER DATABASE … ALLOW_CONNECTIONS false).
    if (code === '55000' && /not currently accepting connections/.test(String((e as Error).message))) return true;
  }
  return false;
}

/**
 * A query that got no answer in time. postgres.js has no per-query deadline, and a PostgreSQL
 * that stops answering without closing its connections (a frozen host, a link silently dropping
 * packets) sends no error at all: whoever waits on such a query waits until the link comes back.
 * Where a caller must answer regardless (a probe's push), it races the query against this; the
 * query itself goes on, and its outcome, whenever it comes, is dropped.
 */
export class DatabaseDeadlineError extends Error {
  readonly code = 'DATABASE_DEADLINE';
  constructor(what: string, ms: number) {
    super(`the database did not answer ${what} within ${ms} ms`);
    this.name = 'DatabaseDeadlineError';
  }
}

/** `work`, or a DatabaseDeadlineError (which isDatabaseUnavailable recognises) once `ms` have passed. */
export function withinDatabaseDeadline<T>(work: Promise<T>, what: string, ms: number): Promise<T> {
  return withTimeout(work, ms, () => new DatabaseDeadlineError(what, ms));
}

/**
 * Drizzle writes every bound value of a failed query into its error ("Failed query: …\nparams:
 * …"): session tokens, key and password hashes, e-mail addresses. That text reaches our logs,
 * the log search every viewer may read, and Next's error output. Keeps the SQL and the cause
 * (the database's own reason), drops the values. Changes the error in place and returns it.
 */
export function withoutQueryParams(err: unknown): unknown {
  if (!(err instanceof DrizzleQueryError)) return err;
  const valuesLine = `\nparams: ${String(err.params)}`;
  const stack = err.stack;
  err.message = `Failed query: ${err.query}`;
  if (stack !== undefined) err.stack = stack.replace(valuesLine, '');
  err.params = [];
  // The drivers' own errors may carry them too (PGlite's `params`, postgres.js's `parameters` in debug mode).
  for (let cause: unknown = err.cause, depth = 0; cause && typeof cause === 'object' && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    for (const key of ['params', 'parameters']) {
      const own = Object.getOwnPropertyDescriptor(cause, key);
      // postgres.js keeps them non-enumerable (out of any inspect or log) and non-configurable.
      if (own?.enumerable && own.configurable) Object.defineProperty(cause, key, { value: [], enumerable: false });
      else if (own?.enumerable && own.writable) (cause as Record<string, unknown>)[key] = [];
    }
  }
  return err;
}

const REDACTING = Symbol.for('fiberstack.redactQueryParams');

/**
 * Every query of either engine, through the query builder, `db.execute` or better-auth's drizzle
 * adapter, fails through PgPreparedQuery's (internal) queryWithCache: wrapped once there, no
 * error of ours carries bound values. Idempotent (Next evaluates modules more than once).
 */
export function redactQueryErrors(): void {
  const proto = PgPreparedQuery.prototype as unknown as Record<PropertyKey, unknown> & {
    queryWithCache?: (this: unknown, ...args: unknown[]) => Promise<unknown>;
  };
  const original = proto.queryWithCache;
  if (typeof original !== 'function' || proto[REDACTING]) return;
  proto.queryWithCache = async function (this: unknown, ...args: unknown[]) {
    try {
      return await original.apply(this, args);
    } catch (err) {
      throw withoutQueryParams(err);
    }
  };
  proto[REDACTING] = true;
}
