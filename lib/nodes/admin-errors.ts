import type { FieldErrors } from './admin-schema';

/**
 * A database refusal of a node write, as the form shows it: beside the field it concerns, never
 * as a 500. The schema already refuses what the constraints refuse, so these are the races and
 * the gaps (two admins creating the same node_name at once; a constraint added later). Anything
 * else (connection lost, a bug) is rethrown by the caller.
 */
interface PgError {
  code: string;
  constraint?: string;
  message: string;
}

/** postgres.js names it `constraint_name`, PGlite `constraint`; drizzle wraps either in `cause`. */
export function pgErrorOf(err: unknown): PgError | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const candidate = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown; message?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      const constraint = candidate.constraint_name ?? candidate.constraint;
      return {
        code: candidate.code,
        constraint: typeof constraint === 'string' ? constraint : undefined,
        message: String(candidate.message ?? ''),
      };
    }
  }
  return undefined;
}

const CHECKS: Record<string, [field: string, message: string]> = {
  check_latitude: ['latitude', 'Latitude must be between -90 and 90.'],
  check_longitude: ['longitude', 'Longitude must be between -180 and 180.'],
  check_country_code: ['country', 'Choose a country (an ISO 3166-1 alpha-2 code such as GH).'],
};

/**
 * Field errors for a refused node write, or undefined when the error is not a data refusal
 * (SQLSTATE class 22 data exception or 23 integrity violation).
 */
export function nodeWriteErrors(err: unknown, nodeName: string, messages: { foreignKey?: string } = {}): FieldErrors | undefined {
  const pg = pgErrorOf(err);
  if (!pg || !/^2[23]/.test(pg.code)) return undefined;
  if (pg.code === '23505' && pg.constraint?.includes('node_name')) {
    return { nodeName: `A node named "${nodeName}" already exists: node names are unique.` };
  }
  const check = pg.code === '23514' && pg.constraint ? CHECKS[pg.constraint] : undefined;
  if (check) return { [check[0]]: check[1] };
  if (pg.code === '23503') return { form: messages.foreignKey ?? 'The node this refers to no longer exists.' };
  if (pg.code === '22001') return { form: 'A value is longer than the database column allows.' };
  return { form: `The database refused the values (SQLSTATE ${pg.code}).` };
}
