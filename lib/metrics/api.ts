import type { Redis } from 'ioredis';
import type { Db } from '../db/client';
import { problemResponse } from '../http/problem';
import { invalidParameters, parameterErrors, requestIdOf, searchParamsObject } from '../http/request';
import { ServerTiming, withServerTiming } from '../http/server-timing';
import { log } from '../log';
import { metricsCacheKey, readCachedMetrics, writeCachedMetrics, type CacheOutcome } from './cache';
import { metricsQuerySchema } from './schemas';
import { buildMetricsResponse, resolveMetricsRequest } from './series';
import { logRequestFailure } from '../http/failures';

export interface MetricsDeps {
  db: Db;
  /** The response cache; without it (or when it fails) every request reads the database. */
  redis?: Redis;
  now?: () => Date;
}

/**
 * GET /api/metrics: parse → resolve defaults and resolution → cached body, or read the series
 * and cache it. A cache hit returns the stored bytes unchanged. `X-Cache` says which it was:
 * HIT, MISS, or BYPASS when the cache could not be used.
 */
export async function handleMetricsRequest(req: Request, deps: MetricsDeps): Promise<Response> {
  const requestId = requestIdOf(req);
  const logger = log().child({ logger: 'api.routes.metrics', request_id: requestId });
  try {
    const parsed = metricsQuerySchema.safeParse(searchParamsObject(req.url));
    if (!parsed.success) throw invalidParameters(parameterErrors(parsed.error.issues));
    const request = resolveMetricsRequest(parsed.data, deps.now?.() ?? new Date());

    const key = metricsCacheKey(request);
    const timing = new ServerTiming();
    const cached = await timing.time('cache', () => readCachedMetrics(deps.redis, key));
    if (cached.body !== undefined) return withServerTiming(respond(cached.body, 'hit', requestId), timing);

    const response = await timing.time('query', () => buildMetricsResponse(deps.db, request));
    const body = await timing.time('json', () => JSON.stringify(response));
    // The answer does not wait for the cache write (~1-5 ms for a day of raw points): the command
    // is on the connection before this returns, so this process's next read of the key finds it,
    // and writeCachedMetrics never throws (a failing cache only means the next request misses).
    if (cached.outcome === 'miss') void writeCachedMetrics(deps.redis, key, body);
    return withServerTiming(respond(body, cached.outcome, requestId), timing);
  } catch (err) {
    logRequestFailure(logger, err, 'metrics request failed unexpectedly');
    return problemResponse(err, requestId);
  }
}

const X_CACHE: Record<CacheOutcome, string> = { hit: 'HIT', miss: 'MISS', unavailable: 'BYPASS' };

function respond(body: string, outcome: CacheOutcome, requestId: string): Response {
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-cache': X_CACHE[outcome],
      'x-request-id': requestId,
    },
  });
}
