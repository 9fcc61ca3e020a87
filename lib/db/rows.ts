import type { SQL } from 'drizzle-orm';
import type { Db } from './client';

/**
 * Runs raw SQL and returns its rows on both engines: postgres.js answers with an array,
 * PGlite with `{ rows }`.
 */
export async function queryRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** DECIMAL, NUMERIC and BIGINT arrive as strings from both drivers; numbers leave the query layer. */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** TIMESTAMPTZ arrives as a Date from both drivers, as text from some expressions; NULL stays null. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

/** Drizzle wraps driver errors as "Failed query: …"; the database's own words are in `cause`. */
export function errorMessage(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) bound as one text parameter and cast in SQL
 * (`${pgArray(xs)}::uuid[]`). Both drivers accept it, whatever they infer for JS arrays, and it
 * keeps a 20,000-row batch to one parameter per column.
 */
export function pgArray(values: readonly (string | null)[]): string {
  const items = values.map((v) => (v === null ? 'NULL' : `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`));
  return `{${items.join(',')}}`;
}
