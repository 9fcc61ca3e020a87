import 'server-only';
import { randomUUID } from 'node:crypto';
import { headers } from 'next/headers';
import { forbidden, unauthorized } from 'next/navigation';
import { insertAuditEntry, type AuditEntry } from '../audit/queries';
import { getDatabase } from '../db/client';
import { log } from '../log';
import { hasRole, type Role } from './roles';
import { sessionUserFrom, type SessionUser } from './session';

export interface ActionContext {
  user: SessionUser;
  requestId: string;
  /** Writes an audit entry as this user (who, what, before/after, when, request id). */
  audit(entry: Omit<AuditEntry, 'actorId' | 'actorEmail' | 'requestId'>): Promise<void>;
}

/**
 * The first line of every server action: the session and the role, checked by the action
 * itself. No session → 401; wrong role → an audit entry with outcome `denied` and 403 (Next's
 * unauthorized()/forbidden(), so the POST itself answers with that status). Next has already
 * refused a cross-origin action (Origin must match Host) before this runs.
 */
export async function requireActionUser(needed: Role, action: string): Promise<ActionContext> {
  const h = await headers();
  const requestId = h.get('x-request-id') ?? randomUUID();
  const user = await sessionUserFrom(h);
  const { db } = await getDatabase();
  if (!user) unauthorized();
  if (!hasRole(user.role, needed)) {
    log().child({ logger: 'auth' }).warn({ user_id: user.id, request_id: requestId, context: { action, role: user.role, needed } }, 'action denied: role');
    await insertAuditEntry(db, { actorId: user.id, actorEmail: user.email, action, targetType: 'session', targetId: null, outcome: 'denied', requestId });
    forbidden();
  }
  return {
    user,
    requestId,
    audit: async (entry) => {
      await insertAuditEntry(db, { ...entry, actorId: user.id, actorEmail: user.email, requestId });
      // The same request id in the log store, so the audit trail's id finds this change there.
      log()
        .child({ logger: 'admin' })
        .info({ request_id: requestId, user_id: user.id, context: { action: entry.action, target_type: entry.targetType, target_id: entry.targetId, outcome: entry.outcome ?? 'success' } }, `admin change: ${entry.action}`);
    },
  };
}
