import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GET as authGet, POST as authPost } from '@/app/api/auth/[...all]/route';
import { listAuditEntries, insertAuditEntry, type StoredAuditEntry } from '@/lib/audit/queries';
import { config, parseConfig } from '@/lib/config';
import { closeDatabase, getDatabase, type Db } from '@/lib/db/client';
import { queryRows } from '@/lib/db/rows';
import { createTestDatabase, testDatabaseName, type TestDatabase } from '@/lib/testing/databases';
import { TEST_REDIS_DB, freshTestRedis } from '@/lib/testing/redis';
import { migrate } from '@/drizzle/migrate';
import { changeOwnPassword } from './account';
import { createManagedUser, listManagedUsers, manageUser, type AdminDeps } from './admin-users';
import { getAuth, type Auth } from './auth';
import { countActiveAdmins, removeAdminUnlessLast } from './queries';
import { authenticateRequest, type SessionUser } from './session';
import { createUserAccount } from './users';

/**
 * Admin user management through the real better-auth instance and route module on PostgreSQL
 * 15 (Redis db 2): what each change does to sessions and passwords, the guard rails that keep
 * an admin in charge, and audit entries that never carry a secret.
 */
const base = parseConfig(process.env);
const DB_NAME = testDatabaseName();
const databaseUrl = new URL(base.FIBER_TEST_POSTGRES_URL);
databaseUrl.pathname = `/${DB_NAME}`;
const redisUrl = new URL(base.REDIS_URL);
redisUrl.pathname = `/${TEST_REDIS_DB.admin}`;
vi.stubEnv('DATABASE_URL', databaseUrl.toString());
vi.stubEnv('REDIS_URL', redisUrl.toString());
// Sign-in rate limiting has its own tests (auth.test.ts); here it would only get in the way.
vi.stubEnv('AUTH_SIGNIN_ATTEMPTS_PER_MINUTE', '1000');

const ORIGIN = 'http://localhost:3000';
const PASSWORD = 'correct horse battery';

async function signIn(email: string, password: string): Promise<string | undefined> {
  const headers = new Headers({ host: 'localhost:3000', origin: ORIGIN, 'content-type': 'application/json', 'x-fiber-client-ip': '10.2.0.1' });
  const res = await authPost(new Request(`${ORIGIN}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify({ email, password }) }));
  return res.headers.getSetCookie().find((c) => c.startsWith('fiber.session_token='))?.split(';')[0];
}

async function mustSignIn(email: string, password = PASSWORD): Promise<string> {
  const cookie = await signIn(email, password);
  expect(cookie, `sign-in of ${email}`).toBeDefined();
  return cookie!;
}

const works = (cookie: string) =>
  authenticateRequest(new Request(`${ORIGIN}/api/nodes`, { headers: { cookie } }), 'viewer').then(
    () => true,
    () => false,
  );

/** What a server action builds from requireActionUser, for an admin signed in with `cookie`. */
function depsFor(db: Db, auth: Auth, actor: SessionUser, cookie: string): AdminDeps {
  return {
    db,
    auth,
    actor,
    headers: new Headers({ cookie, host: 'localhost:3000', origin: ORIGIN }),
    audit: (e) => insertAuditEntry(db, { ...e, actorId: actor.id, actorEmail: actor.email, requestId: 'req-admin-test' }),
  };
}

async function latestAudit(db: Db, targetId: string): Promise<StoredAuditEntry | undefined> {
  return (await listAuditEntries(db, { targetType: 'user', targetId, limit: 1 }))[0];
}

async function userId(db: Db, email: string): Promise<string> {
  return (await queryRows<{ id: string }>(db, sql`SELECT id FROM users WHERE email = ${email}`))[0]!.id;
}

describe('admin user management (better-auth on PostgreSQL 15)', () => {
  let t: TestDatabase;
  let redis: Redis;
  let db: Db;
  let auth: Auth;
  let ama: SessionUser;
  let amaDeps: AdminDeps;

  beforeAll(async () => {
    expect(config().DATABASE_URL).toBe(databaseUrl.toString());
    redis = await freshTestRedis(TEST_REDIS_DB.admin);
    t = await createTestDatabase('postgres', DB_NAME);
    await migrate(t.database, { timescale: 'auto' });
    db = (await getDatabase()).db;
    auth = await getAuth();
    const created = await createUserAccount(auth, { name: 'Ama Admin', email: 'ama@noc.example', role: 'admin', password: PASSWORD });
    ama = { id: created.id, email: created.email, name: 'Ama Admin', role: 'admin' };
    amaDeps = depsFor(db, auth, ama, await mustSignIn('ama@noc.example'));
  });

  afterAll(async () => {
    await closeDatabase();
    await t?.cleanup();
    redis?.disconnect();
  });

  it('creates a user with a chosen password, who can then sign in; the audit entry has no secret', async () => {
    const res = await createManagedUser(amaDeps, { name: 'Kofi Viewer', email: 'Kofi@NOC.example', role: 'viewer', password: PASSWORD });
    expect(res).toMatchObject({ ok: true });
    expect(res.ok && res.oneTimePassword).toBeFalsy();
    expect(await works(await mustSignIn('kofi@noc.example'))).toBe(true);
    const entry = await latestAudit(db, await userId(db, 'kofi@noc.example'));
    expect(entry).toMatchObject({ action: 'user.create', actorEmail: 'ama@noc.example', outcome: 'success', requestId: 'req-admin-test' });
    expect(entry!.after).toEqual({ name: 'Kofi Viewer', email: 'kofi@noc.example', role: 'viewer', status: 'active' });
    expectNoSecrets(entry!, [PASSWORD]);
  });

  it('creates a user with a generated passphrase, returned once, that signs in', async () => {
    const res = await createManagedUser(amaDeps, { name: 'Esi', email: 'esi@noc.example', role: 'viewer', generate: 'on', password: '' });
    expect(res.ok).toBe(true);
    const once = res.ok ? res.oneTimePassword : undefined;
    expect(once).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){4}$/);
    expect(await works(await mustSignIn('esi@noc.example', once))).toBe(true);
    expectNoSecrets((await latestAudit(db, await userId(db, 'esi@noc.example')))!, [once!]);
  });

  it('refuses a duplicate email and a weak password as field errors, storing nothing', async () => {
    const count = async () => Number((await queryRows<{ n: string }>(db, sql`SELECT count(*) AS n FROM users`))[0]!.n);
    const before = await count();
    const auditsBefore = (await listAuditEntries(db, { limit: 1000 })).length;
    const dup = await createManagedUser(amaDeps, { name: 'Another Kofi', email: 'kofi@noc.example', role: 'admin', password: 'another long passphrase' });
    expect(dup).toEqual({ ok: false, errors: { email: 'A user with this email already exists.' }, values: expect.objectContaining({ email: 'kofi@noc.example' }) });
    const weak = await createManagedUser(amaDeps, { name: 'Yaw', email: 'yaw@noc.example', role: 'viewer', password: 'short' });
    expect(weak.ok).toBe(false);
    expect(!weak.ok && weak.errors.password).toMatch(/at least 12/i);
    const bad = await createManagedUser(amaDeps, { name: '', email: 'not-an-email', role: 'root', password: PASSWORD });
    expect(!bad.ok && Object.keys(bad.errors).sort()).toEqual(['email', 'name', 'role']);
    expect(await count()).toBe(before);
    expect((await listAuditEntries(db, { limit: 1000 })).length).toBe(auditsBefore);
    expect((await queryRows(db, sql`SELECT 1 FROM users WHERE email = 'yaw@noc.example'`)).length).toBe(0);
  });

  it("recognises better-auth's refusals thrown by another copy of better-auth (Next's bundle beside tsx under npm start)", async () => {
    // A second instance of the module that defines APIError: a class of its own, as the other
    // bundle has. The auth instance lives on globalThis and throws the class of whoever built it.
    const copy = (await import(/* @vite-ignore */ `${pathToFileURL(createRequire(import.meta.url).resolve('@better-auth/core/error')).href}?copy`)) as typeof import('@better-auth/core/error');
    const { APIError } = await import('better-auth/api');
    expect(copy.APIError).not.toBe(APIError);
    const fromOtherCopy = (err: unknown) => (err instanceof APIError ? new copy.APIError(err.status, err.body) : err);
    const api = new Proxy(amaDeps.auth.api, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)).catch((err: unknown) => {
            throw fromOtherCopy(err);
          });
      },
    });
    const deps: AdminDeps = { ...amaDeps, auth: { ...amaDeps.auth, api } as Auth };
    const user = { name: 'Abla', email: 'abla@noc.example', role: 'viewer', password: 'another long passphrase' };
    expect(await createManagedUser(deps, user)).toMatchObject({ ok: true });
    const dup = await createManagedUser(deps, user);
    expect(dup).toEqual({ ok: false, errors: { email: 'A user with this email already exists.' }, values: expect.objectContaining({ email: 'abla@noc.example' }) });
  });

  it('changes a role; the new role applies to the next request of an existing session', async () => {
    const id = await userId(db, 'kofi@noc.example');
    const cookie = await mustSignIn('kofi@noc.example');
    expect(await manageUser(amaDeps, { intent: 'role', userId: id, role: 'admin' })).toMatchObject({ ok: true, notice: 'kofi@noc.example is now admin.' });
    const principal = await authenticateRequest(new Request(`${ORIGIN}/api/nodes`, { headers: { cookie } }), 'admin');
    expect(principal).toMatchObject({ kind: 'user', user: { role: 'admin' } });
    const entry = await latestAudit(db, id);
    expect(entry).toMatchObject({ action: 'user.role', before: { role: 'viewer' }, after: { role: 'admin' } });
    expect(await manageUser(amaDeps, { intent: 'role', userId: id, role: 'viewer' })).toMatchObject({ ok: true });
    expect((await listManagedUsers(auth, amaDeps.headers)).find((u) => u.id === id)?.role).toBe('viewer');
    expect(await manageUser(amaDeps, { intent: 'role', userId: id, role: 'superuser' })).toMatchObject({ ok: false, errors: { role: expect.any(String) } });
  });

  it('disabling ends every session and sign-in; enabling lets them sign in again', async () => {
    const { id } = await createUserAccount(auth, { name: 'Wanjiru', email: 'wanjiru@noc.example', role: 'viewer', password: PASSWORD });
    const [laptop, wall] = [await mustSignIn('wanjiru@noc.example'), await mustSignIn('wanjiru@noc.example')];
    expect(await manageUser(amaDeps, { intent: 'disable', userId: id })).toMatchObject({ ok: true });
    expect(await works(laptop)).toBe(false);
    expect(await works(wall)).toBe(false);
    expect(await signIn('wanjiru@noc.example', PASSWORD)).toBeUndefined();
    expect(await latestAudit(db, id)).toMatchObject({ action: 'user.disable', before: { status: 'active' }, after: { status: 'disabled' } });
    expect((await listManagedUsers(auth, amaDeps.headers)).find((u) => u.id === id)?.disabled).toBe(true);

    expect(await manageUser(amaDeps, { intent: 'enable', userId: id })).toMatchObject({ ok: true });
    expect(await works(await mustSignIn('wanjiru@noc.example'))).toBe(true);
    expect(await latestAudit(db, id)).toMatchObject({ action: 'user.enable', before: { status: 'disabled' }, after: { status: 'active' } });
  });

  it('a password reset ends every session, the old password stops working, the new one is shown once', async () => {
    const { id } = await createUserAccount(auth, { name: 'Chidi', email: 'chidi@noc.example', role: 'viewer', password: PASSWORD });
    const cookie = await mustSignIn('chidi@noc.example');
    const res = await manageUser(amaDeps, { intent: 'reset', userId: id });
    expect(res.ok).toBe(true);
    const fresh = res.ok ? res.oneTimePassword! : '';
    expect(await works(cookie)).toBe(false);
    expect(await signIn('chidi@noc.example', PASSWORD)).toBeUndefined();
    expect(await works(await mustSignIn('chidi@noc.example', fresh))).toBe(true);
    const entry = (await latestAudit(db, id))!;
    expect(entry).toMatchObject({ action: 'user.password_reset', outcome: 'success' });
    expectNoSecrets(entry, [fresh, PASSWORD]);
  });

  it('never disables or demotes the last active admin', async () => {
    for (const input of [{ intent: 'disable' }, { intent: 'role', role: 'viewer' }]) {
      const res = await manageUser(amaDeps, { ...input, userId: ama.id });
      expect(res).toEqual({ ok: false, errors: { form: 'ama@noc.example is the last active admin. Make another user admin first.' } });
    }
    expect((await listManagedUsers(auth, amaDeps.headers)).find((u) => u.id === ama.id)).toMatchObject({ role: 'admin', disabled: false });
    expect(await works(amaDeps.headers.get('cookie')!)).toBe(true);
    const entry = await latestAudit(db, ama.id);
    expect(entry).toMatchObject({ action: 'user.role', outcome: 'denied', after: { refused: expect.stringMatching(/last active admin/) } });
  });

  it('refuses to disable or demote yourself, or to reset your own password here, with another admin present', async () => {
    const { id } = await createUserAccount(auth, { name: 'Bea', email: 'bea@noc.example', role: 'admin', password: PASSWORD });
    for (const input of [{ intent: 'disable' }, { intent: 'role', role: 'viewer' }]) {
      const res = await manageUser(amaDeps, { ...input, userId: ama.id });
      expect(res).toEqual({ ok: false, errors: { form: expect.stringMatching(/^You cannot (disable|demote) your own account/) } });
    }
    expect(await manageUser(amaDeps, { intent: 'reset', userId: ama.id })).toMatchObject({ ok: false, errors: { form: expect.stringMatching(/My account/) } });
    expect(await works(amaDeps.headers.get('cookie')!)).toBe(true);
    expect((await listManagedUsers(auth, amaDeps.headers)).find((u) => u.id === ama.id)).toMatchObject({ role: 'admin', disabled: false });
    expect(await latestAudit(db, ama.id)).toMatchObject({ outcome: 'denied', action: 'user.role' });
    expect(await manageUser(amaDeps, { intent: 'role', userId: id, role: 'viewer' })).toMatchObject({ ok: true });
  });

  it('two admins removing each other at the same moment: exactly one succeeds, an active admin remains', async () => {
    for (const [n, intent] of [[1, 'role'], [2, 'disable']] as const) {
      const { id: otherId } = await createUserAccount(auth, { name: `Race ${n}`, email: `race${n}@noc.example`, role: 'admin', password: PASSWORD });
      const other: SessionUser = { id: otherId, email: `race${n}@noc.example`, name: `Race ${n}`, role: 'admin' };
      const otherDeps = depsFor(db, auth, other, await mustSignIn(other.email));
      const results = await Promise.all([
        manageUser(amaDeps, { intent, role: 'viewer', userId: otherId }),
        manageUser(otherDeps, { intent, role: 'viewer', userId: ama.id }),
      ]);
      expect(results.filter((r) => r.ok), JSON.stringify(results)).toHaveLength(1);
      const survivor = results[0].ok ? amaDeps : otherDeps;
      const admins = (await listManagedUsers(auth, survivor.headers)).filter((u) => u.role === 'admin' && !u.disabled);
      expect(admins.map((u) => u.email)).toEqual([survivor.actor.email]);
      // Whoever won, Ama must be the admin for the tests that follow.
      if (!results[0].ok) {
        await manageUser(otherDeps, { intent: intent === 'role' ? 'role' : 'enable', role: 'admin', userId: ama.id });
        amaDeps = depsFor(db, auth, ama, await mustSignIn('ama@noc.example'));
        await manageUser(amaDeps, { intent: 'role', role: 'viewer', userId: otherId });
      }
    }
  });

  it('the serialised write alone: of two concurrent removals of the only two admins, one lands', async () => {
    const { id: otherId } = await createUserAccount(auth, { name: 'Race 3', email: 'race3@noc.example', role: 'admin', password: PASSWORD });
    for (const change of [{ role: 'viewer' as const }, { banReason: 'test' }]) {
      const landed = await Promise.all([removeAdminUnlessLast(db, ama.id, change), removeAdminUnlessLast(db, otherId, change)]);
      expect(landed.filter(Boolean)).toHaveLength(1);
      expect(await countActiveAdmins(db)).toBe(1);
      await db.execute(sql`UPDATE users SET role = 'admin', banned = false, ban_reason = NULL WHERE id IN (${ama.id}, ${otherId})`);
    }
    await db.execute(sql`UPDATE users SET role = 'viewer' WHERE id = ${otherId}`);
  });

  it('a viewer’s session cannot use better-auth’s admin endpoints behind our back', async () => {
    const { id: viewerId } = await createUserAccount(auth, { name: 'Yaa', email: 'yaa@noc.example', role: 'viewer', password: PASSWORD });
    const viewer: SessionUser = { id: viewerId, email: 'yaa@noc.example', name: 'Yaa', role: 'viewer' };
    const { id } = await createUserAccount(auth, { name: 'Target', email: 'target@noc.example', role: 'viewer', password: PASSWORD });
    const res = await manageUser(depsFor(db, auth, viewer, await mustSignIn('yaa@noc.example')), { intent: 'disable', userId: id });
    expect(res).toMatchObject({ ok: false, errors: { form: expect.stringMatching(/refused/) } });
    expect((await listManagedUsers(auth, amaDeps.headers)).find((u) => u.id === id)?.disabled).toBe(false);
  });

  it('My account: a password change ends the other sessions and keeps this one', async () => {
    const { id } = await createUserAccount(auth, { name: 'Musa', email: 'musa@noc.example', role: 'viewer', password: PASSWORD });
    const here = await mustSignIn('musa@noc.example');
    const elsewhere = await mustSignIn('musa@noc.example');
    const headers = new Headers({ cookie: here, host: 'localhost:3000', origin: ORIGIN });
    const mismatch = await changeOwnPassword(auth, headers, { currentPassword: PASSWORD, newPassword: 'a brand new passphrase', confirmPassword: 'something else' });
    expect(mismatch).toEqual({ ok: false, errors: { confirmPassword: 'The new passwords do not match.' } });
    const wrong = await changeOwnPassword(auth, headers, { currentPassword: 'not my password', newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' });
    expect(wrong).toEqual({ ok: false, errors: { currentPassword: 'The current password is wrong.' } });
    expect(await works(elsewhere)).toBe(true);
    const ok = await changeOwnPassword(auth, headers, { currentPassword: PASSWORD, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' });
    expect(ok.ok).toBe(true);
    expect(await works(elsewhere)).toBe(false);
    expect(await signIn('musa@noc.example', PASSWORD)).toBeUndefined();
    expect(await works(await mustSignIn('musa@noc.example', 'a brand new passphrase'))).toBe(true);
    // Exactly one session survives besides the one just made: the fresh one better-auth issued here.
    const sessions = await queryRows(db, sql`SELECT 1 FROM sessions WHERE user_id = ${id}`);
    expect(sessions.length).toBe(2);
  });

  it('get-session with a disabled user’s old cookie answers null', async () => {
    const { id } = await createUserAccount(auth, { name: 'Gone', email: 'gone@noc.example', role: 'viewer', password: PASSWORD });
    const cookie = await mustSignIn('gone@noc.example');
    await manageUser(amaDeps, { intent: 'disable', userId: id });
    const res = await authGet(new Request(`${ORIGIN}/api/auth/get-session`, { headers: { cookie, host: 'localhost:3000' } }));
    expect(await res.json()).toBeNull();
  });

});

/** No `password`-like key, no scrypt/bcrypt/hex-digest-looking value, none of the given secrets. */
function expectNoSecrets(entry: StoredAuditEntry, secrets: string[]): void {
  const json = JSON.stringify({ before: entry.before, after: entry.after });
  expect(json).not.toMatch(/"[^"]*(password|hash|secret|token)[^"]*":/i);
  expect(json).not.toMatch(/[0-9a-f]{32,}/i);
  expect(json).not.toMatch(/\$(scrypt|2[aby])\$/);
  for (const s of secrets) expect(json).not.toContain(s);
}
