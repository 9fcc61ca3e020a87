import 'server-only';
import { getDatabase } from '../db/client';
import { ApiError } from '../http/problem';
import { sameHash, hashToken, tokenPrefix } from '../keys/tokens';
import { getAuth } from './auth';
import { findApiTokenByPrefix, touchApiToken } from './queries';
import { hasRole, isRole, type Role } from './roles';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/** Who is calling: a signed-in user, or a read-only API token (scripts, Grafana). */
export type Principal = { kind: 'user'; user: SessionUser } | { kind: 'token'; prefix: string; tokenId: string };

/** The signed-in user of these request headers, or null (no cookie, expired, revoked, disabled). */
export async function sessionUserFrom(headers: Headers): Promise<SessionUser | null> {
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers, query: { disableCookieCache: true } });
  const user = session?.user as { id: string; email: string; name: string; role?: string | null; banned?: boolean | null } | undefined;
  if (!user || user.banned || !isRole(user.role)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

const unauthorized = (detail: string) =>
  new ApiError(401, detail, { code: 'unauthorized', headers: { 'WWW-Authenticate': 'Bearer realm="fiberstack-api"' } });

/**
 * Authentication for our route handlers, checked in each handler (there is no middleware to
 * trust or bypass). A session cookie works for every role check; an `fsr_` API token only for
 * `viewer` (read-only) endpoints. Throws 401 (nobody) or 403 (wrong role) as ApiError.
 */
export async function authenticateRequest(req: Request, needed: Role): Promise<Principal> {
  const authorization = req.headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const token = match?.[1] ?? '';
    const prefix = tokenPrefix(token, 'fsr');
    if (!prefix) throw unauthorized('Send a read-only API token as "Authorization: Bearer fsr_…", or sign in.');
    const { db } = await getDatabase();
    const stored = await findApiTokenByPrefix(db, prefix);
    if (!stored || !sameHash(hashToken(token), stored.tokenHash)) throw unauthorized('The API token is not valid.');
    if (stored.revokedAt) throw unauthorized(`The API token ${prefix} has been revoked.`);
    if (needed !== 'viewer') throw new ApiError(403, 'API tokens are read-only; this needs a signed-in admin.', { code: 'forbidden' });
    await touchApiToken(db, stored.tokenId);
    return { kind: 'token', prefix, tokenId: stored.tokenId };
  }
  const user = await sessionUserFrom(req.headers);
  if (!user) throw unauthorized('Sign in, or send a read-only API token as "Authorization: Bearer fsr_…".');
  if (!hasRole(user.role, needed)) throw new ApiError(403, `This needs the ${needed} role; you are signed in as ${user.role}.`, { code: 'forbidden' });
  return { kind: 'user', user };
}
