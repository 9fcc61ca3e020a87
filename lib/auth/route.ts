import 'server-only';
import { logRequestFailure } from '../http/failures';
import { answerWithinDeadline } from '../http/deadline';
import { problemResponse } from '../http/problem';
import { requestIdOf } from '../http/request';
import { ServerTiming, withServerTiming } from '../http/server-timing';
import { log } from '../log';
import type { Role } from './roles';
import { authenticateRequest, type Principal } from './session';

/**
 * Route-handler wrapper: authenticate and check the role before the handler runs, in the
 * handler itself (no middleware), answering 401/403 as problem+json. The whole request, session
 * check included, is answered within API_REQUEST_DEADLINE_MS (lib/http/deadline.ts).
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
  return (req: Request, ctx?: Ctx): Promise<Response> => answerWithinDeadline(req, () => answer(req, ctx));
}
