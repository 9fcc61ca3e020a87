import { randomUUID } from 'node:crypto';
import { ApiError, type ParameterError } from './problem';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is a sane token, else a fresh one. */
export function requestIdOf(req: Request): string {
  const given = req.headers.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Query parameters as a plain object for a zod schema: the last of repeated names wins, and an
 * empty value (`?start=`, as an HTML form sends it) counts as absent.
 */
export function searchParamsObject(url: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URL(url).searchParams) {
    if (value !== '') out[name] = value;
  }
  return out;
}

/** A 422 naming each bad parameter; the detail repeats the first so that a log line says it all. */
export function invalidParameters(errors: ParameterError[]): ApiError {
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new ApiError(422, `Invalid parameter ${first.parameter}: ${first.message}${more}`, { code: 'invalid-parameter', errors });
}

/** zod issues of a query schema → one ParameterError per issue, named by the top-level key. */
export function parameterErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ParameterError[] {
  return issues.map((i) => ({ parameter: String(i.path[0] ?? '(query)'), message: i.message }));
}
