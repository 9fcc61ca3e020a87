import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Db } from '../db/client';
import { withinDatabaseDeadline } from '../db/errors';
import { errorMessage } from '../db/rows';
import { readJsonBody, webBody, type IncomingBody } from '../http/body';
import { ApiError, problemBody, toWebResponse, type FieldError, type PlainResponse } from '../http/problem';
import { authenticatePush, type PushPrincipal } from '../keys/authenticate';
import { touchProbeKeysUsed } from '../keys/queries';
import { log } from '../log';
import { enqueueSamples } from '../queue/stream';
import { enrollNode } from './enroll';
import { checkAdmission, rateLimitHeaders, type AdmissionCheck } from './ratelimit';
import { isBatchBody, type PushSample } from './schemas';
import { validatePushBody } from './validate';
import { logRequestFailure } from '../http/failures';

export interface PushSettings {
  maxBodyBytes: number;
  rateLimitPerMinute: number;
  maxBacklog: number;
  enrollmentKey?: string;
}

export interface PushDeps {
  db: Db;
  redis: Redis;
  settings: PushSettings;
  now?: () => Date;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** An enrolment (a few statements) waits at most this long for a database that does not answer, then 503. */
const ENROLMENT_DEADLINE_MS = 10_000;

/** What the push path reads of a request, whichever server received it. */
export interface PushRequest {
  header(name: string): string | null;
  body: IncomingBody;
}

/** POST /api/push from a Next.js route handler (and the tests). */
export async function handlePush(req: Request, deps: PushDeps): Promise<Response> {
  return toWebResponse(await ingestPush({ header: (name) => req.headers.get(name), body: webBody(req) }, deps));
}

/**
 * POST /api/push: authenticate → admit (rate limit, backlog) → read and validate the body →
 * XADD every sample → 202. Nothing is enqueued unless the whole request is valid.
 */
export async function ingestPush(req: PushRequest, deps: PushDeps): Promise<PlainResponse> {
  const given = req.header('x-request-id');
  const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
  const logger = log().child({ logger: 'api.routes.push', request_id: requestId });
  const now = deps.now?.() ?? new Date();
  let admission: AdmissionCheck | undefined;
  try {
    const principal = await authenticatePush(deps.db, req.header('authorization'), deps.settings.enrollmentKey);
    admission = await admit(deps, principal, now);
    const body = await readJsonBody(req.body, deps.settings.maxBodyBytes);
    const samples = validatePushBody(body, now);

    let nodeKey: string | undefined;
    let keyPrefix: string;
    if (principal.kind === 'node') {
      assertOwnNode(samples, principal.nodeId, body);
      keyPrefix = principal.prefix;
      touchKey(deps.db, keyPrefix);
    } else {
      // A late enrolment that commits after all is safe: the probe's retry enrols it again (enroll.ts).
      const enrolled = await withinDatabaseDeadline(enrollNode(deps.db, samples), 'the enrolment', ENROLMENT_DEADLINE_MS);
      nodeKey = enrolled.key;
      keyPrefix = enrolled.prefix;
    }

    const ids = await enqueue(deps.redis, samples, {
      requestId,
      keyPrefix,
      probeVersion: probeVersionFrom(req.header('user-agent')),
      receivedAt: now.toISOString(),
    });
    // The one line per accepted push (request_id from the child, node_id here) that starts the
    // request's trace; the worker adds its own once the samples are stored (worker/consumer.ts).
    logger.info({ node_id: samples[0]!.node_id, context: { accepted: ids.length, key_prefix: keyPrefix } }, 'Metrics received from probe');
    const answer = { accepted: ids.length, ids, request_id: requestId, ...(nodeKey ? { node_key: nodeKey } : {}) };
    return {
      status: 202,
      headers: { 'content-type': 'application/json', 'x-request-id': requestId, 'cache-control': 'no-store', ...rateLimitHeaders(admission) },
      body: JSON.stringify(answer),
    };
  } catch (err) {
    if (!(err instanceof ApiError)) logRequestFailure(logger, err, 'push failed unexpectedly');
    else if (err.status >= 500) {
      logger.warn({ context: { status: err.status, detail: err.detail, ...(err.cause ? { error: errorMessage(err.cause) } : {}) } }, 'push refused: dependency unavailable');
    }
    else logger.info({ context: { status: err.status, detail: err.detail } }, 'push rejected');
    return problemBody(err, requestId, admission ? rateLimitHeaders(admission) : {});
  }
}

async function admit(deps: PushDeps, principal: PushPrincipal, now: Date): Promise<AdmissionCheck> {
  let check: AdmissionCheck;
  try {
    check = await checkAdmission(deps.redis, principal.kind === 'node' ? principal.prefix : 'enrollment', deps.settings.rateLimitPerMinute, now);
  } catch (err) {
    throw redisDown(err);
  }
  if (check.count > check.limit) {
    throw new ApiError(429, `Rate limit of ${check.limit} requests per minute exceeded for this probe key; retry in ${check.resetSeconds} s.`, {
      code: 'rate-limited',
      headers: { 'Retry-After': String(check.resetSeconds), ...rateLimitHeaders(check) },
    });
  }
  if (check.backlog > deps.settings.maxBacklog) {
    throw new ApiError(503, `The ingest queue is over its limit (${check.backlog} entries waiting); retry shortly.`, {
      code: 'backlog-full',
      headers: { 'Retry-After': '30' },
    });
  }
  return check;
}

async function enqueue(redis: Redis, samples: PushSample[], envelope: Parameters<typeof enqueueSamples>[2]): Promise<string[]> {
  try {
    return await enqueueSamples(redis, samples, envelope);
  } catch (err) {
    // An XADD that got no answer in time may still run once Redis answers again: the probe's
    // retry is still right (a sample queued twice is stored once), "nothing was stored" is not.
    throw redisDown(err, isCommandTimeout(err) ? 'The ingest queue did not answer in time; the samples may have been queued. Retry shortly: a sample sent again is stored once.' : undefined);
  }
}

/** ioredis's `commandTimeout` (lib/redis.ts): Redis got the command and has not answered. */
const isCommandTimeout = (err: unknown) => err instanceof Error && err.message === 'Command timed out';

/** The cause goes into the one "push refused" line (one line per refused push, not two, during an outage). */
function redisDown(err: unknown, detail = 'The ingest queue is unavailable; nothing was stored. Retry shortly.'): ApiError {
  const refused = new ApiError(503, detail, {
    code: 'queue-unavailable',
    headers: { 'Retry-After': '5' },
  });
  refused.cause = err;
  return refused;
}

function assertOwnNode(samples: PushSample[], nodeId: string, body: unknown): void {
  const batch = isBatchBody(body);
  const errors: FieldError[] = samples
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.node_id.toLowerCase() !== nodeId.toLowerCase())
    .map(({ i }) => ({ path: batch ? `/samples/${i}/node_id` : '/node_id', message: 'this probe key may only push for its own node' }));
  if (errors.length > 0) {
    throw new ApiError(403, `This probe key belongs to node ${nodeId} and may only push for it.`, { code: 'wrong-node', errors });
  }
}

/** `User-Agent: fiberstack-probe/0.2.1` → `0.2.1` (a sample's metadata.probe_version wins in the worker). */
export function probeVersionFrom(userAgent: string | null): string | null {
  const match = /fiberstack-probe\/([\w.+-]{1,50})/i.exec(userAgent ?? '');
  return match ? match[1]! : null;
}

const touched = new Map<string, number>();
function touchKey(db: Db, prefix: string): void {
  const last = touched.get(prefix) ?? 0;
  if (Date.now() - last < 60_000) return;
  touched.set(prefix, Date.now());
  touchProbeKeysUsed(db, [prefix]).catch(() => {});
}
