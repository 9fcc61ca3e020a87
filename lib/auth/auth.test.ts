import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { config, parseConfig } from '@/lib/config';
import { closeDatabase } from '@/lib/db/client';
import { queryRows } from '@/lib/db/rows';
import { createTestDatabase, testDatabaseName, type TestDatabase } from '@/lib/testing/databases';
import { TEST_REDIS_DB, freshTestRedis } from '@/lib/testing/redis';
import { migrate } from '@/drizzle/migrate';
import { makeSignature } from 'better-auth/crypto';
import { GET as authGet, POST as authPost } from '@/app/api/auth/[...all]/route';
import { getAuth } from './auth';
import { authenticateRequest } from './session';
import { createUserAccount } from './users';

/**
 * Accounts end to end through better-auth's real route module on PostgreSQL 15 and Redis db 3:
 * sign-in, session cookie, fixation, password change and disabling revoking sessions, the
 * origin check, and the login rate limit.
 */
const base = parseConfig(process.env);
const DB_NAME = testDatabaseName();
const databaseUrl = new URL(base.FIBER_TEST_POSTGRES_URL);
databaseUrl.pathname = `/${DB_NAME}`;
const redisUrl = new URL(base.REDIS_URL);
redisUrl.pathname = `/${TEST_REDIS_DB.auth}`;
vi.stubEnv('DATABASE_URL', databaseUrl.toString());
vi.stubEnv('REDIS_URL', redisUrl.toString());
vi.stubEnv('AUTH_SIGNIN_ATTEMPTS_PER_MINUTE', '5');

const ORIGIN = 'http://localhost:3000';
const PASSWORD = 'correct horse battery';

function authRequest(path: string, init: { body?: unknown; cookie?: string; origin?: string | null; ip?: string; contentType?: string } = {}): Request {
  const headers = new Headers({ host: 'localhost:3000', 'x-fiber-client-ip': init.ip ?? '10.0.0.1' });
  if (init.origin !== null) headers.set('origin', init.origin ?? ORIGIN);
  if (init.cookie) headers.set('cookie', init.cookie);
  if (init.body !== undefined) headers.set('content-type', init.contentType ?? 'application/json');
  return new Request(`${ORIGIN}/api/auth${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
}

function sessionCookie(res: Response): string | undefined {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('fiber.session_token='));
  return set?.split(';')[0];
}

async function signIn(email: string, password: string, ip = '10.0.0.1'): Promise<Response> {
  return authPost(authRequest('/sign-in/email', { body: { email, password }, ip }));
}

function whoAmI(cookie: string) {
  return authenticateRequest(new Request(`${ORIGIN}/api/nodes`, { headers: { cookie } }), 'viewer');
}

describe('accounts (better-auth on PostgreSQL 15)', () => {
  let t: TestDatabase;
  let redis: Redis;

  beforeAll(async () => {
    expect(config().DATABASE_URL).toBe(databaseUrl.toString());
    redis = await freshTestRedis(TEST_REDIS_DB.auth);
    t = await createTestDatabase('postgres', DB_NAME);
    await migrate(t.database, { timescale: 'auto' });
    const auth = await getAuth();
    await createUserAccount(auth, { name: 'Ama Admin', email: 'ama@noc.example', role: 'admin', password: PASSWORD });
    await createUserAccount(auth, { name: 'Kofi Viewer', email: 'kofi@noc.example', role: 'viewer', password: PASSWORD });
  });

  afterAll(async () => {
    await closeDatabase();
    await t?.cleanup();
    redis?.disconnect();
  });

  it('signs in with the right password: an httpOnly, SameSite session cookie that authenticates requests', async () => {
    const res = await signIn('ama@noc.example', PASSWORD);
    expect(res.status).toBe(200);
    const raw = res.headers.getSetCookie().find((c) => c.startsWith('fiber.session_token='))!;
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/SameSite=Lax/i);
    const principal = await whoAmI(sessionCookie(res)!);
    expect(principal).toMatchObject({ kind: 'user', user: { email: 'ama@noc.example', role: 'admin' } });
  });

  it('refuses a wrong password and an unknown email alike, and sets no cookie', async () => {
    for (const [email, password] of [['ama@noc.example', 'wrong password!!'], ['nobody@noc.example', PASSWORD]] as const) {
      const res = await signIn(email, password, '10.0.0.2');
      expect(res.status).toBe(401);
      expect(sessionCookie(res)).toBeUndefined();
    }
  });

  it('issues a new session id at sign-in: a cookie planted before sign-in is not the session', async () => {
    const planted = 'fiber.session_token=attacker-chosen-value';
    const res = await authPost(authRequest('/sign-in/email', { body: { email: 'kofi@noc.example', password: PASSWORD }, cookie: planted, ip: '10.0.0.3' }));
    expect(res.status).toBe(200);
    const issued = sessionCookie(res)!;
    expect(issued).not.toBe(planted);
    await expect(whoAmI(planted)).rejects.toMatchObject({ status: 401 });
    await expect(whoAmI(issued)).resolves.toMatchObject({ user: { email: 'kofi@noc.example' } });
  });

  it('sign-out ends the session', async () => {
    const cookie = sessionCookie(await signIn('kofi@noc.example', PASSWORD, '10.0.0.4'))!;
    const out = await authPost(authRequest('/sign-out', { body: {}, cookie, ip: '10.0.0.4' }));
    expect(out.status).toBe(200);
    await expect(whoAmI(cookie)).rejects.toMatchObject({ status: 401 });
  });

  it('accepts only a cookie better-auth signed: a changed signature or token, or a forged cookie for a real token, is 401', async () => {
    const cookie = sessionCookie(await signIn('kofi@noc.example', PASSWORD, '10.0.0.5'))!;
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))];
    const [token, signature] = [value.slice(0, value.lastIndexOf('.')), value.slice(value.lastIndexOf('.') + 1)];
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const as = (v: string) => `${name}=${encodeURIComponent(v)}`;
    await expect(whoAmI(as(`${token}.${flip(signature, 3)}`))).rejects.toMatchObject({ status: 401 });
    await expect(whoAmI(as(`${flip(token, 0)}.${signature}`))).rejects.toMatchObject({ status: 401 });
    await expect(whoAmI(as(token))).rejects.toMatchObject({ status: 401 });
    await expect(whoAmI(`${name}=%E0%A4%A`)).rejects.toMatchObject({ status: 401 });
    // The right signature under another secret: only the server's secret signs sessions.
    await expect(whoAmI(as(`${token}.${await makeSignature(token, 'not-the-server-secret')}`))).rejects.toMatchObject({ status: 401 });
    await expect(whoAmI(cookie)).resolves.toMatchObject({ user: { email: 'kofi@noc.example' } });
  });

  it('an expired session is 401; one due for its daily extension still works and is extended by better-auth', async () => {
    const { db } = t.database;
    const cookie = sessionCookie(await signIn('kofi@noc.example', PASSWORD, '10.0.0.6'))!;
    const token = decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!;
    const expiresAt = async () => new Date((await queryRows<{ expires_at: string }>(db, sql`SELECT expires_at FROM sessions WHERE token = ${token}`))[0]!.expires_at);

    // Signed in two days ago: past updateAge (1 day), so this request extends it to 7 days from now.
    await db.execute(sql`UPDATE sessions SET expires_at = now() + interval '5 days' WHERE token = ${token}`);
    await expect(whoAmI(cookie)).resolves.toMatchObject({ user: { email: 'kofi@noc.example' } });
    expect((await expiresAt()).getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);

    await db.execute(sql`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token = ${token}`);
    await expect(whoAmI(cookie)).rejects.toMatchObject({ status: 401 });
  });

  it('a password change ends every session of the user, including the one that changed it elsewhere', async () => {
    const auth = await getAuth();
    await createUserAccount(auth, { name: 'Chidi', email: 'chidi@noc.example', role: 'viewer', password: PASSWORD });
    const laptop = sessionCookie(await signIn('chidi@noc.example', PASSWORD, '10.0.1.1'))!;
    const wall = sessionCookie(await signIn('chidi@noc.example', PASSWORD, '10.0.1.2'))!;
    const res = await authPost(
      authRequest('/change-password', { body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase', revokeOtherSessions: true }, cookie: laptop, ip: '10.0.1.1' }),
    );
    expect(res.status).toBe(200);
    await expect(whoAmI(wall)).rejects.toMatchObject({ status: 401 });
    expect((await signIn('chidi@noc.example', PASSWORD, '10.0.1.3')).status).toBe(401);
    expect((await signIn('chidi@noc.example', 'a brand new passphrase', '10.0.1.3')).status).toBe(200);
  });

  it('refuses state-changing calls from a foreign origin, from Origin null, and as text/plain', async () => {
    for (const origin of ['https://evil.example', 'null']) {
      const res = await authPost(authRequest('/sign-in/email', { body: { email: 'ama@noc.example', password: PASSWORD }, origin, ip: '10.0.2.1' }));
      expect(res.status, origin).toBe(403);
      expect(sessionCookie(res)).toBeUndefined();
    }
    const plain = await authPost(
      authRequest('/sign-in/email', { body: JSON.stringify({ email: 'ama@noc.example', password: PASSWORD }), contentType: 'text/plain', origin: 'https://evil.example', ip: '10.0.2.2' }),
    );
    expect(plain.status).toBeGreaterThanOrEqual(400);
    expect(sessionCookie(plain)).toBeUndefined();
  });

  it('rate limits sign-in attempts per client address (in Redis, shared by replicas), not other addresses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await signIn('ama@noc.example', `guess number ${i}!!`, '10.9.9.9')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    // Even the right password waits out the window from that address…
    const blocked = await signIn('ama@noc.example', PASSWORD, '10.9.9.9');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('x-retry-after'))).toBeGreaterThan(0);
    // …while another address is unaffected.
    expect((await signIn('ama@noc.example', PASSWORD, '10.9.9.10')).status).toBe(200);
    expect(await redis.keys('ratelimit:auth:*')).not.toHaveLength(0);
  });

  it('a disabled (banned) user cannot sign in and their sessions end', async () => {
    const auth = await getAuth();
    const { id } = await createUserAccount(auth, { name: 'Wanjiru', email: 'wanjiru@noc.example', role: 'viewer', password: PASSWORD });
    const cookie = sessionCookie(await signIn('wanjiru@noc.example', PASSWORD, '10.0.3.1'))!;
    await auth.api.banUser({ body: { userId: id, banReason: 'left the company' }, headers: new Headers({ cookie: sessionCookie(await signIn('ama@noc.example', PASSWORD, '10.0.3.2'))! }) });
    await expect(whoAmI(cookie)).rejects.toMatchObject({ status: 401 });
    expect((await signIn('wanjiru@noc.example', PASSWORD, '10.0.3.3')).status).toBe(403);
  });

  it('better-auth’s admin endpoints refuse HTTP callers, viewers and admins alike (the admin pages own those checks), and audit the attempt', async () => {
    const viewer = sessionCookie(await signIn('kofi@noc.example', PASSWORD, '10.0.5.1'))!;
    const admin = sessionCookie(await signIn('ama@noc.example', PASSWORD, '10.0.5.2'))!;
    const kofi = (await whoAmI(viewer)) as { user: { id: string } };
    for (const [cookie, ip] of [[viewer, '10.0.5.1'], [admin, '10.0.5.2']] as const) {
      const res = await authPost(authRequest('/admin/set-role', { body: { userId: kofi.user.id, role: 'admin' }, cookie, ip }));
      expect(res.status).toBe(403);
    }
    await expect(whoAmI(viewer)).resolves.toMatchObject({ user: { role: 'viewer' } });
    const rows = await t.database.db.execute(sql`SELECT actor_email, action, outcome FROM audit_log WHERE outcome = 'denied' ORDER BY audit_id`);
    const entries = [...(rows as unknown as Iterable<Record<string, unknown>>)];
    expect(entries).toContainEqual({ actor_email: 'kofi@noc.example', action: 'auth.admin.set-role', outcome: 'denied' });
    expect(entries).toContainEqual({ actor_email: 'ama@noc.example', action: 'auth.admin.set-role', outcome: 'denied' });
  });

  it('sign-up is closed: accounts come from admins, the setup page or the CLI', async () => {
    const res = await authPost(authRequest('/sign-up/email', { body: { email: 'mallory@evil.example', password: PASSWORD, name: 'M' }, ip: '10.0.4.1' }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await signIn('mallory@evil.example', PASSWORD, '10.0.4.2')).status).toBe(401);
  });

  it('get-session answers without a cookie, never with someone else’s user', async () => {
    const res = await authGet(authRequest('/get-session'));
    expect(res.status).toBe(200);
    expect(await res.json()).toBeNull();
  });
});
