import 'server-only';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseCookies } from 'better-auth/cookies';
import { getDatabase } from '../db/client';
import { ApiError } from '../http/problem';
import { sameHash, hashToken, tokenPrefix } from '../keys/tokens';
import { getAuth } from './auth';
import { findApiTokenByPrefix, findSessionWithUser, touchApiToken } from './queries';
import { hasRole, isRole, type Role } from './roles';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/** A user as better-auth (or our one-read check) returns it, before the role and ban checks. */
type AuthUser = { id: string; email: string; name: string; role?: string | null; banned?: boolean | null };

/** Who is calling: a signed-in user, or a read-only API token (scripts, Grafana). */
export type Principal = { kind: 'user'; user: SessionUser } | { kind: 'token'; prefix: string; tokenId: string };

/**
 * The signed-in user of these request headers, or null (no cookie, bad signature, expired,
 * revoked, disabled). Checked against the database on every request (no cookie cache), so a
 * revocation takes effect at once.
 *
 * The usual case takes one indexed read: better-auth's signed session cookie is verified with
 * its cookie name and secret (the HMAC-SHA256 better-call signs it with, computed by node:crypto
 * synchronously: WebCrypto's async calls each wait for the thread pool), then the session and
 * its user are read together. better-auth's getSession does the same in two reads plus its
 * endpoint machinery (~2 ms in-process against ~0.3 ms; README "Accounts and roles"). A session
 * due for better-auth's daily extension (`updateAge`) goes through getSession itself, so
 * renewal stays the library's.
 */
export async function sessionUserFrom(headers: Headers): Promise<SessionUser | null> {
  const auth = await getAuth();
  const fast = await signedInUserFast(auth, headers);
  if (fast !== 'ask-better-auth') return fast;
  const session = await auth.api.getSession({ headers, query: { disableCookieCache: true } });
  const user = session?.user as AuthUser | undefined;
  return activeUser(user);
}

function activeUser(user: AuthUser | undefined): SessionUser | null {
  if (!user || user.banned || !isRole(user.role)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

async function signedInUserFast(auth: Awaited<ReturnType<typeof getAuth>>, headers: Headers): Promise<SessionUser | null | 'ask-better-auth'> {
  const cookieHeader = headers.get('cookie');
  if (!cookieHeader) return null;
  const ctx = await auth.$context;
  const raw = parseCookies(cookieHeader).get(ctx.authCookies.sessionToken.name);
  if (!raw) return null;
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return null;
  }
  // better-call's signed cookie: `<token>.<base64 HMAC-SHA256 of token>`.
  const dot = value.lastIndexOf('.');
  if (dot < 1) return null;
  const token = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (!validSignature(token, signature, ctx.secret)) return null;
  const { db } = await getDatabase();
  const stored = await findSessionWithUser(db, token);
  if (!stored) return null;
  const now = Date.now();
  if (stored.expiresAt.getTime() <= now) return null;
  const { expiresIn, updateAge } = ctx.sessionConfig;
  const dueForRefresh = stored.expiresAt.getTime() - expiresIn * 1000 + updateAge * 1000 <= now;
  return dueForRefresh ? 'ask-better-auth' : activeUser(stored.user);
}

function validSignature(value: string, signature: string, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(value).digest();
  const given = Buffer.from(signature, 'base64');
  // Exactly 44 base64 characters (32 bytes, one '=' of padding), as better-call requires.
  return signature.length === 44 && signature.endsWith('=') && given.length === expected.length && timingSafeEqual(given, expected);
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
