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

/** Marks every ApiError, whichever copy of this module made it (see `Symbol.hasInstance`). */
const API_ERROR_BRAND = Symbol.for('fiberstack.ApiError');

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly options: { errors?: (FieldError | ParameterError)[]; headers?: Record<string, string>; code?: string } = {},
  ) {
    super(detail);
    Object.defineProperty(this, API_ERROR_BRAND, { value: true });
  }

  /**
   * `instanceof ApiError` holds across copies of this module: `npm start` loads the read API
   * through tsx while Next's bundle has its own copy, and what lives on globalThis (the log store,
   * the database) throws the copy of whoever created it. A log store's "bad cursor" 400 was
   * answered as 503 "log store unavailable" when the other copy had created the store.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[API_ERROR_BRAND] === true;
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
