import { APIError, createAuthMiddleware, getSessionFromCtx } from 'better-auth/api';
import { insertAuditEntry } from '../audit/queries';
import type { Db } from '../db/client';
import { log } from '../log';

/**
 * better-auth's admin endpoints (`/api/auth/admin/*`) are for our server code only: the admin
 * pages call them through `auth.api` after their own checks (the last admin cannot be demoted
 * or disabled, nobody disables themselves) and write the audit trail. Over HTTP they would skip
 * all of that, so an HTTP call is refused with 403 for every role, and the attempt is audited.
 */
export function refuseAdminEndpointsOverHttp(db: Db) {
  const logger = log().child({ logger: 'auth' });
  return createAuthMiddleware(async (ctx) => {
    if (!ctx.path.startsWith('/admin/') || !ctx.request) return;
    const session = await getSessionFromCtx(ctx).catch(() => null);
    const requestId = ctx.request.headers.get('x-request-id');
    logger.warn({ user_id: session?.user.id, request_id: requestId, context: { path: ctx.path } }, 'admin API call over HTTP refused');
    await insertAuditEntry(db, {
      actorId: session?.user.id ?? null,
      actorEmail: session?.user.email ?? null,
      action: `auth${ctx.path.replaceAll('/', '.')}`,
      targetType: 'user',
      targetId: null,
      outcome: 'denied',
      requestId,
    }).catch((err: unknown) => logger.error({ exception: err }, 'audit entry for a refused admin call not written'));
    throw new APIError('FORBIDDEN', { message: 'User administration is done on the admin pages (/admin/users), not through this endpoint.' });
  });
}
