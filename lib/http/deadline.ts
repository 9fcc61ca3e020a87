import { config } from '../config';
import { log } from '../log';
import { ApiError, problemResponse } from './problem';
import { requestIdOf } from './request';
import { withTimeout } from '../timeout';

/**
 * The answer to `req`, or 503 problem+json `store-timeout` with Retry-After once
 * API_REQUEST_DEADLINE_MS has passed. A store that stops answering without an error (a frozen
 * PostgreSQL host, a link silently dropping packets; postgres.js has no query deadline) would
 * otherwise hold the request, a wall screen polling it or a sign-in, until the link came back.
 * The late work goes on, and its answer is dropped.
 */
export async function answerWithinDeadline(req: Request, work: () => Promise<Response>): Promise<Response> {
  const deadlineMs = config().API_REQUEST_DEADLINE_MS;
  const late = new Error('deadline');
  try {
    return await withTimeout(work(), deadlineMs, () => late);
  } catch (err) {
    if (err === late) return lateAnswer(req, deadlineMs);
    throw err;
  }
}

function lateAnswer(req: Request, deadlineMs: number): Response {
  const requestId = requestIdOf(req);
  log()
    .child({ logger: 'api.deadline', request_id: requestId })
    .warn({ context: { path: new URL(req.url).pathname, deadline_ms: deadlineMs } }, 'request not answered in time (a store is not answering); answered 503');
  const detail = `The request could not be completed within ${deadlineMs / 1000} s: a data store is not answering. Retry shortly.`;
  return problemResponse(new ApiError(503, detail, { code: 'store-timeout', headers: { 'retry-after': '5' } }), requestId);
}
