import 'server-only';
import { randomBytes } from 'node:crypto';
// isAPIError, not instanceof: Next's bundle and tsx (the read API of `npm start`) each load their
// own better-auth, and the auth instance on globalThis throws the class of whichever built it.
import { isAPIError } from 'better-auth/api';
import { z } from 'zod';
import type { Db } from '../db/client';
import type { ActionContext } from './action';
import type { Auth } from './auth';
import { countActiveAdmins, removeAdminUnlessLast } from './queries';
import { ROLES, type Role } from './roles';
import { fieldErrors, newUserSchema } from './schemas';
import type { SessionUser } from './session';

/**
 * Admin user management (issue 5). Server actions only authenticate and hand over; everything
 * that decides lives here, so tests drive it with a real better-auth instance and database.
 * better-auth's admin endpoints are called with the acting admin's headers: it checks that
 * session's role itself, a second lock behind requireActionUser.
 */
export interface AdminDeps {
  db: Db;
  auth: Auth;
  headers: Headers;
  actor: SessionUser;
  audit: ActionContext['audit'];
}

/** A form's answer. `oneTimePassword` travels to the admin's browser once and is stored nowhere. */
export type UserFormState =
  | { ok: true; notice: string; oneTimePassword?: string }
  | { ok: false; errors: Record<string, string>; values?: Record<string, string> };

export interface ManagedUser {
  id: string;
  name: string;
  email: string;
  role: string;
  disabled: boolean;
  createdAt: Date;
}

export const USER_INTENTS = ['role', 'disable', 'enable', 'reset'] as const;
export type UserIntent = (typeof USER_INTENTS)[number];
/** The audit action (and denied-action name) of each row button. */
export const USER_AUDIT_ACTIONS: Record<UserIntent, string> = {
  role: 'user.role',
  disable: 'user.disable',
  enable: 'user.enable',
  reset: 'user.password_reset',
};

const manageUserSchema = z.object({
  intent: z.enum(USER_INTENTS, { error: 'Unknown change.' }),
  userId: z.string().min(1, { error: 'No user chosen.' }).max(100),
  role: z.enum(ROLES, { error: 'Choose admin or viewer.' }).optional(),
});

/**
 * A passphrase for the admin to hand over by word of mouth: 25 characters of 31 (about 123
 * random bits; the modulo bias costs under one), in five-letter groups that are easier to read
 * out than one long string, with no look-alike characters (0/o, 1/l/i) to mistype.
 */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(25);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15, 20].map((i) => chars.slice(i, i + 5).join('')).join('-');
}

type BetterAuthUser = { id: string; name: string; email: string; role?: string | null; banned?: boolean | null; createdAt: Date | string };

function toManagedUser(u: BetterAuthUser): ManagedUser {
  return { id: u.id, name: u.name, email: u.email, role: u.role ?? 'viewer', disabled: Boolean(u.banned), createdAt: new Date(u.createdAt) };
}

/** What the audit trail records of a user: never a password or a hash. */
function snapshot(u: ManagedUser) {
  return { name: u.name, email: u.email, role: u.role, status: u.disabled ? 'disabled' : 'active' };
}

export async function listManagedUsers(auth: Auth, headers: Headers): Promise<ManagedUser[]> {
  const { users } = await auth.api.listUsers({ query: { sortBy: 'createdAt', sortDirection: 'asc', limit: 1000 }, headers });
  return (users as BetterAuthUser[]).map(toManagedUser);
}

async function findUser(deps: AdminDeps, id: string): Promise<ManagedUser | undefined> {
  try {
    return toManagedUser((await deps.auth.api.getUser({ query: { id }, headers: deps.headers })) as BetterAuthUser);
  } catch (err) {
    if (isAPIError(err) && err.status === 'NOT_FOUND') return undefined;
    throw err;
  }
}

const failure = (form: string): UserFormState => ({ ok: false, errors: { form } });

export async function createManagedUser(deps: AdminDeps, input: Record<string, unknown>): Promise<UserFormState> {
  const text = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : '');
  const generate = input.generate === 'on' || input.generate === true;
  const values = { name: text('name'), email: text('email'), role: text('role') };
  const parsed = newUserSchema.safeParse({ ...values, password: generate ? generatePassword() : text('password') });
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error), values };
  const { name, email, role, password } = parsed.data;
  let created: BetterAuthUser;
  try {
    created = (await deps.auth.api.createUser({ body: { name, email, role, password }, headers: deps.headers })).user as BetterAuthUser;
  } catch (err) {
    if (isAPIError(err) && /exist/i.test(err.message)) {
      return { ok: false, errors: { email: 'A user with this email already exists.' }, values };
    }
    const refused = refusal(err);
    if (refused) return { ...refused, values };
    throw err;
  }
  const user = toManagedUser(created);
  await deps.audit({ action: 'user.create', targetType: 'user', targetId: user.id, after: snapshot(user) });
  if (!generate) return { ok: true, notice: `Created ${email} (${role}) with the password you chose.` };
  return {
    ok: true,
    notice: `Created ${email} (${role}). Pass this temporary passphrase on to them now: it is shown only once.`,
    oneTimePassword: password,
  };
}

const lastAdmin = (target: ManagedUser) => `${target.email} is the last active admin. Make another user admin first.`;

/**
 * Someone must always be able to administer the system: the last active admin cannot be
 * disabled or demoted, and an admin cannot lock themselves out. A refusal is audited as
 * `denied`. This is the early, readable answer; removeAdminUnlessLast is the atomic one.
 */
async function refuseAdminLoss(deps: AdminDeps, target: ManagedUser, action: string, verb: 'disable' | 'demote'): Promise<UserFormState | undefined> {
  let reason: string | undefined;
  if (target.role === 'admin' && !target.disabled && (await countActiveAdmins(deps.db)) <= 1) reason = lastAdmin(target);
  else if (target.id === deps.actor.id) reason = `You cannot ${verb} your own account. Another admin can do it.`;
  return reason ? deny(deps, target, action, reason) : undefined;
}

async function deny(deps: AdminDeps, target: ManagedUser, action: string, reason: string): Promise<UserFormState> {
  await deps.audit({ action, targetType: 'user', targetId: target.id, outcome: 'denied', before: snapshot(target), after: { refused: reason } });
  return failure(reason);
}

const isActiveAdmin = (u: ManagedUser) => u.role === 'admin' && !u.disabled;

export async function changeUserRole(deps: AdminDeps, userId: string, role: Role): Promise<UserFormState> {
  const target = await findUser(deps, userId);
  if (!target) return failure('That user no longer exists.');
  if (target.role === role) return { ok: true, notice: `${target.email} is already ${role}.` };
  if (role !== 'admin') {
    const refused = await refuseAdminLoss(deps, target, USER_AUDIT_ACTIONS.role, 'demote');
    if (refused) return refused;
  }
  // Demoting an active admin goes through the serialised write; anything else cannot remove the last admin.
  if (role !== 'admin' && isActiveAdmin(target)) {
    if (!(await removeAdminUnlessLast(deps.db, userId, { role }))) return deny(deps, target, USER_AUDIT_ACTIONS.role, lastAdmin(target));
  } else {
    await deps.auth.api.setRole({ body: { userId, role }, headers: deps.headers });
  }
  await deps.audit({ action: USER_AUDIT_ACTIONS.role, targetType: 'user', targetId: userId, before: snapshot(target), after: snapshot({ ...target, role }) });
  return { ok: true, notice: `${target.email} is now ${role}.` };
}

/** better-auth's ban: the flag is checked on every request and all their sessions are deleted. */
export async function disableUser(deps: AdminDeps, userId: string): Promise<UserFormState> {
  const target = await findUser(deps, userId);
  if (!target) return failure('That user no longer exists.');
  if (target.disabled) return { ok: true, notice: `${target.email} is already disabled.` };
  const refused = await refuseAdminLoss(deps, target, USER_AUDIT_ACTIONS.disable, 'disable');
  if (refused) return refused;
  const banReason = `Disabled by ${deps.actor.email}`;
  // An admin is disabled by the serialised write, so the audit entry follows it at once; banUser
  // then ends their sessions (the banned flag already refuses them on every request).
  const claim = isActiveAdmin(target);
  if (claim && !(await removeAdminUnlessLast(deps.db, userId, { banReason }))) return deny(deps, target, USER_AUDIT_ACTIONS.disable, lastAdmin(target));
  if (!claim) await deps.auth.api.banUser({ body: { userId, banReason }, headers: deps.headers });
  await deps.audit({ action: USER_AUDIT_ACTIONS.disable, targetType: 'user', targetId: userId, before: snapshot(target), after: snapshot({ ...target, disabled: true }) });
  if (claim) await deps.auth.api.banUser({ body: { userId, banReason }, headers: deps.headers });
  return { ok: true, notice: `${target.email} is disabled and signed out everywhere.` };
}

export async function enableUser(deps: AdminDeps, userId: string): Promise<UserFormState> {
  const target = await findUser(deps, userId);
  if (!target) return failure('That user no longer exists.');
  if (!target.disabled) return { ok: true, notice: `${target.email} is already active.` };
  await deps.auth.api.unbanUser({ body: { userId }, headers: deps.headers });
  await deps.audit({ action: USER_AUDIT_ACTIONS.enable, targetType: 'user', targetId: userId, before: snapshot(target), after: snapshot({ ...target, disabled: false }) });
  return { ok: true, notice: `${target.email} can sign in again.` };
}

/**
 * A new temporary passphrase, and every session of the user ends (setUserPassword alone keeps
 * them). Admins change their own password on My account, which needs the current one.
 */
export async function resetUserPassword(deps: AdminDeps, userId: string): Promise<UserFormState> {
  const target = await findUser(deps, userId);
  if (!target) return failure('That user no longer exists.');
  if (target.id === deps.actor.id) return failure('Change your own password on My account: it asks for the current one.');
  const password = generatePassword();
  await deps.auth.api.setUserPassword({ body: { userId, newPassword: password }, headers: deps.headers });
  await deps.auth.api.revokeUserSessions({ body: { userId }, headers: deps.headers });
  await deps.audit({
    action: USER_AUDIT_ACTIONS.reset,
    targetType: 'user',
    targetId: userId,
    before: snapshot(target),
    after: { ...snapshot(target), sessions: 'all revoked' },
  });
  return {
    ok: true,
    notice: `${target.email} has a new temporary passphrase and was signed out everywhere. Pass it on now: it is shown only once.`,
    oneTimePassword: password,
  };
}

/** The row form's dispatcher: one form per user row, the pressed button names the change. */
export function parseUserIntent(input: Record<string, unknown>): UserIntent | undefined {
  const parsed = manageUserSchema.shape.intent.safeParse(input.intent);
  return parsed.success ? parsed.data : undefined;
}

export async function manageUser(deps: AdminDeps, input: Record<string, unknown>): Promise<UserFormState> {
  const parsed = manageUserSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const { intent, userId, role } = parsed.data;
  try {
    if (intent === 'role') return role ? await changeUserRole(deps, userId, role) : { ok: false, errors: { role: 'Choose admin or viewer.' } };
    if (intent === 'disable') return await disableUser(deps, userId);
    if (intent === 'enable') return await enableUser(deps, userId);
    return await resetUserPassword(deps, userId);
  } catch (err) {
    const refused = refusal(err);
    if (refused) return refused;
    throw err;
  }
}

/** better-auth's own refusals (its session and role check, a vanished user), as a form error. */
function refusal(err: unknown): { ok: false; errors: Record<string, string> } | undefined {
  if (!isAPIError(err)) return undefined;
  if (err.status === 'UNAUTHORIZED' || err.status === 'FORBIDDEN') {
    return { ok: false, errors: { form: 'The change was refused: your session no longer has admin rights. Sign in again.' } };
  }
  return { ok: false, errors: { form: `The change was refused: ${err.message || err.status}.` } };
}
