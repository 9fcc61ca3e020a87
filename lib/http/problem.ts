import { isDatabaseUnavailable } from '../db/errors';

/**
 * The one API error type and its RFC 9457 `application/problem+json` rendering. Handlers throw
 * ApiError; `problemResponse` turns anything thrown into a response without leaking internals.
 */
export interface FieldError {
  /** JSON Pointer into the request body, e.g. `/samples/3/latency_ms`. */
  path: string;
  message: string;
}

/** A query-string or path parameter that is missing or invalid, by its name (`start`, `node_id`). */
export interface ParameterError {
  parameter: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly options: { errors?: (FieldError | ParameterError)[]; headers?: Record<string, string>; code?: string } = {},
  ) {
    super(detail);
  }
}

/** A response before it is bound to a transport: the push path answers both Next and plain Node. */
export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function toWebResponse(res: PlainResponse): Response {
  return new Response(res.body, { status: res.status, headers: res.headers });
}

export function problemBody(err: unknown, requestId: string, extraHeaders: Record<string, string> = {}): PlainResponse {
  const api = err instanceof ApiError ? err : isDatabaseUnavailable(err) ? databaseUnavailable() : new ApiError(500, 'An unexpected error occurred; the server log has the details.');
  const body = {
    type: api.options.code ? `urn:fiberstack:problem:${api.options.code}` : 'about:blank',
    title: TITLES[api.status] ?? 'Error',
    status: api.status,
    detail: api.detail,
    request_id: requestId,
    ...(api.options.errors ? { errors: api.options.errors } : {}),
  };
  return {
    status: api.status,
    headers: { 'content-type': 'application/problem+json', 'x-request-id': requestId, ...extraHeaders, ...api.options.headers },
    body: JSON.stringify(body),
  };
}

/** What a client is told when the database cannot be reached: try again, it is not your request. */
function databaseUnavailable(): ApiError {
  return new ApiError(503, 'The database is unavailable. Retry shortly.', { code: 'database-unavailable', headers: { 'retry-after': '5' } });
}

export function problemResponse(err: unknown, requestId: string, extraHeaders: Record<string, string> = {}): Response {
  return toWebResponse(problemBody(err, requestId, extraHeaders));
}

/** `[ 'samples', 3, 'latency_ms' ]` → `/samples/3/latency_ms` (RFC 6901 escaping). */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('') || '/';
}
