import 'server-only';
import { logRequestFailure } from '../http/failures';
import { config } from '../config';
import { ApiError, problemResponse } from '../http/problem';
import { requestIdOf } from '../http/request';
import { ServerTiming, withServerTiming } from '../http/server-timing';
import { log } from '../log';
import type { Role } from './roles';
import { authenticateRequest, type Principal } from './session';

/**
 * Route-handler wrapper: authenticate and check the role before the handler runs, in the
 * handler itself (no middleware), answering 401/403 as problem+json. The whole request, session
 * check included, gets API_REQUEST_DEADLINE_MS: a store that stops answering without an error (a
 * frozen PostgreSQL host, a link silently dropping packets; postgres.js has no query deadline)
 * would otherwise hold the request, and the client's wall screen, until the link came back. The
 * late work goes on and its answer is dropped.
 */
export function withAuth<Ctx = undefined>(needed: Role, handler: (req: Request, principal: Principal, ctx: Ctx) => Promise<Response>) {
  const answer = async (req: Request, ctx?: Ctx): Promise<Response> => {
    let principal: Principal;
    const timing = new ServerTiming();
    try {
      principal = await timing.time('auth', () => authenticateRequest(req, needed));
    } catch (err) {
      const requestId = requestIdOf(req);
      logRequestFailure(log().child({ logger: 'api.auth', request_id: requestId }), err, 'authentication failed unexpectedly');
      return problemResponse(err, requestId);
    }
    return withServerTiming(await handler(req, principal, ctx as Ctx), timing);
  };
  return async (req: Request, ctx?: Ctx): Promise<Response> => {
    const deadlineMs = config().API_REQUEST_DEADLINE_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Response>((resolve) => {
      timer = setTimeout(() => resolve(lateAnswer(req, deadlineMs)), deadlineMs);
    });
    try {
      return await Promise.race([answer(req, ctx), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function lateAnswer(req: Request, deadlineMs: number): Response {
  const requestId = requestIdOf(req);
  log()
    .child({ logger: 'api.deadline', request_id: requestId })
    .warn({ context: { path: new URL(req.url).pathname, deadline_ms: deadlineMs } }, 'request not answered in time (a store is not answering); answered 503');
  const detail = `The request could not be completed within ${deadlineMs / 1000} s: a data store is not answering. Retry shortly.`;
  return problemResponse(new ApiError(503, detail, { code: 'store-timeout', headers: { 'retry-after': '5' } }), requestId);
}
