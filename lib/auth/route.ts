import 'server-only';
import { problemResponse } from '../http/problem';
import { requestIdOf } from '../http/request';
import type { Role } from './roles';
import { authenticateRequest, type Principal } from './session';

/**
 * Route-handler wrapper: authenticate and check the role before the handler runs, in the
 * handler itself (no middleware), answering 401/403 as problem+json.
 */
export function withAuth<Ctx = undefined>(needed: Role, handler: (req: Request, principal: Principal, ctx: Ctx) => Promise<Response>) {
  return async (req: Request, ctx?: Ctx): Promise<Response> => {
    let principal: Principal;
    try {
      principal = await authenticateRequest(req, needed);
    } catch (err) {
      return problemResponse(err, requestIdOf(req));
    }
    return handler(req, principal, ctx as Ctx);
  };
}
