import type { z } from 'zod';
import type { Db } from '../db/client';
import { ApiError, problemResponse, type ParameterError } from '../http/problem';
import { invalidParameters, requestIdOf, searchParamsObject } from '../http/request';
import { errorMessage } from '../db/rows';
import { log } from '../log';
import { findNodeName } from '../nodes/queries';
import { EVENT_SEARCH_PARAMETERS, LOG_SEARCH_PARAMETERS, eventSearchSchema, logSearchSchema, searchParameterErrors } from './search-schemas';
import type { EventDocument, EventQuery, Hit, LogDocument, LogQuery, LogStore, SearchPage } from './types';
import { logRequestFailure } from '../http/failures';

/*
 * GET /api/logs and GET /api/events, and the same searches for the /logs page: parse the query,
 * ask the store, answer the documents under their spec names with secret-looking keys removed.
 */

export interface SearchDeps {
  /** The process's store; called per request so that a store that cannot even start is a 503 too. */
  store: () => Promise<LogStore>;
  now?: () => Date;
}

export type LogHitJson = { id: string; highlight?: string[] } & LogDocument;
export type EventHitJson = { id: string; highlight?: string[] } & EventDocument;

export interface SearchResponse<H> {
  hits: H[];
  total: number;
  total_is_lower_bound: boolean;
  next_cursor: string | null;
  histogram: { bucket_ms: number; buckets: { start: string; count: number }[] };
}

/** Seconds a client should wait before asking again when the store is down. */
export const STORE_RETRY_AFTER_S = 5;

/**
 * The docs are redacted where they are written; this is the second line. A key is dropped
 * when its name says it holds a credential (any case, any nesting): authorization, cookie,
 * password/passwd/passphrase, secret, token, credential, or a name ending in "key"/"keys"
 * (api_key, node_key, x-api-key; `key_id` or `key_prefix` stay).
 */
const SECRET_NAME = /authorization|cookie|passw|passphrase|secret|token|credential|keys?$/i;
const MAX_DEPTH = 32;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !looksSecret(k)).map(([k, v]) => [k, withoutSecrets(v, depth + 1)]));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// Only the spec's fields leave, whatever else a store keeps beside them.
function logJson(hit: Hit<LogDocument>): LogHitJson {
  const d = hit.doc;
  return {
    id: hit.id,
    '@timestamp': d['@timestamp'],
    service: d.service,
    level: d.level,
    message: d.message,
    ...(d.logger !== undefined ? { logger: d.logger } : {}),
    ...(d.request_id !== undefined ? { request_id: d.request_id } : {}),
    ...(d.node_id !== undefined ? { node_id: d.node_id } : {}),
    ...(d.user_id !== undefined ? { user_id: d.user_id } : {}),
    ...(isObject(d.exception) ? { exception: { type: d.exception.type, message: d.exception.message, stacktrace: d.exception.stacktrace } } : {}),
    ...(isObject(d.context) ? { context: withoutSecrets(d.context) as Record<string, unknown> } : {}),
    ...(hit.highlight ? { highlight: hit.highlight } : {}),
  };
}

function eventJson(hit: Hit<EventDocument>): EventHitJson {
  const d = hit.doc;
  return {
    id: hit.id,
    '@timestamp': d['@timestamp'],
    event_type: d.event_type,
    severity: d.severity,
    message: d.message,
    ...(d.node_id !== undefined ? { node_id: d.node_id } : {}),
    ...(isObject(d.metadata) ? { metadata: withoutSecrets(d.metadata) as Record<string, unknown> } : {}),
    ...(hit.highlight ? { highlight: hit.highlight } : {}),
  };
}

function pageJson<T, H>(page: SearchPage<T>, toJson: (hit: Hit<T>) => H): SearchResponse<H> {
  return {
    hits: page.hits.map(toJson),
    total: page.total,
    total_is_lower_bound: Boolean(page.totalIsLowerBound),
    next_cursor: page.nextCursor ?? null,
    histogram: { bucket_ms: page.histogramBucketMs, buckets: page.histogram.map((b) => ({ start: b.start, count: b.count })) },
  };
}

/** Any failure of the store (unreachable, timing out, refusing) is a 503 to retry; our own 4xx pass through. */
async function fromStore<T>(getStore: () => Promise<LogStore>, what: string, run: (store: LogStore) => Promise<T>): Promise<T> {
  try {
    return await run(await getStore());
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) throw asInvalidParameters(err);
    log().child({ logger: 'logs.search' }).warn({ context: { error: errorMessage(err) } }, `${what} failed: log store unavailable`);
    throw new ApiError(503, 'The log store is not answering; try again shortly.', {
      code: 'log-store-unavailable',
      headers: { 'Retry-After': String(STORE_RETRY_AFTER_S) },
    });
  }
}

/** The store's names for the range are ours: `from`/`to` are `start`/`end` in the URL. */
const STORE_PARAMETER: Record<string, string> = { from: 'start', to: 'end' };

/** A store refusing the query (an unreadable cursor, mostly) is the caller's 422, naming the parameter. */
function asInvalidParameters(err: ApiError): ApiError {
  const named = (err.options.errors ?? []).flatMap((e) => ('parameter' in e ? [{ parameter: STORE_PARAMETER[e.parameter] ?? e.parameter, message: e.message }] : []));
  return invalidParameters(named.length > 0 ? named : [{ parameter: '(query)', message: err.detail }]);
}

function parse<T>(schema: z.ZodType<T>, params: Record<string, string>, known: readonly string[]): T {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw invalidParameters(searchParameterErrors(parsed.error.issues, known));
  return parsed.data;
}

/** The query string (as `searchParamsObject` gives it) → a LogQuery; 422 ApiError naming each bad parameter. */
export const parseLogSearch = (params: Record<string, string>, now: Date): LogQuery => parse(logSearchSchema(now), params, LOG_SEARCH_PARAMETERS);
export const parseEventSearch = (params: Record<string, string>, now: Date): EventQuery => parse(eventSearchSchema(now), params, EVENT_SEARCH_PARAMETERS);

export async function searchLogs(getStore: () => Promise<LogStore>, query: LogQuery): Promise<SearchResponse<LogHitJson>> {
  return pageJson(await fromStore(getStore, 'log search', (s) => s.searchLogs(query)), logJson);
}

export async function searchEvents(getStore: () => Promise<LogStore>, query: EventQuery): Promise<SearchResponse<EventHitJson>> {
  return pageJson(await fromStore(getStore, 'event search', (s) => s.searchEvents(query)), eventJson);
}

/** GET /api/logs (README, "Logs and events API"). */
export function handleLogSearch(req: Request, deps: SearchDeps): Promise<Response> {
  return answer(req, 'api.routes.logs', (now) => searchLogs(deps.store, parseLogSearch(searchParamsObject(req.url), now)), deps);
}

/** GET /api/events (README, "Logs and events API"). */
export function handleEventSearch(req: Request, deps: SearchDeps): Promise<Response> {
  return answer(req, 'api.routes.events', (now) => searchEvents(deps.store, parseEventSearch(searchParamsObject(req.url), now)), deps);
}

async function answer(req: Request, logger: string, run: (now: Date) => Promise<unknown>, deps: SearchDeps): Promise<Response> {
  const requestId = requestIdOf(req);
  try {
    return Response.json(await run(deps.now?.() ?? new Date()), { headers: { 'cache-control': 'no-store', 'x-request-id': requestId } });
  } catch (err) {
    logRequestFailure(log().child({ logger, request_id: requestId }), err, 'search failed unexpectedly');
    return problemResponse(err, requestId);
  }
}

/** What the /logs page shows: the results, the parameters it could not read, or that the store is down. */
export type PageSearch<Q, H> =
  | { status: 'ok'; query: Q; result: SearchResponse<H> }
  | { status: 'invalid'; errors: ParameterError[] }
  | { status: 'unavailable' };

/** The API's parse and search, with their refusals as states for the page rather than errors. */
export async function searchForPage<Q, H>(parseQuery: () => Q, search: (query: Q) => Promise<SearchResponse<H>>): Promise<PageSearch<Q, H>> {
  try {
    const query = parseQuery();
    return { status: 'ok', query, result: await search(query) };
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) return { status: 'invalid', errors: (err.options.errors ?? []) as ParameterError[] };
    if (err instanceof ApiError && err.status === 503) return { status: 'unavailable' };
    throw err;
  }
}

const MAX_NAMED_NODES = 50;

/** Node names for the node ids on a page of results (at most 50 lookups; a failed lookup leaves the id). */
export async function nodeNamesFor(db: Db, nodeIds: Iterable<string | undefined>): Promise<Map<string, string>> {
  const ids = [...new Set([...nodeIds].filter((id): id is string => id !== undefined && UUID.test(id)))].slice(0, MAX_NAMED_NODES);
  const names = await Promise.all(ids.map((id) => findNodeName(db, id).catch(() => undefined)));
  return new Map(ids.flatMap((id, i) => (names[i] ? [[id, names[i]]] : [])));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
