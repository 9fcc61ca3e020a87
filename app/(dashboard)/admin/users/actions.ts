'use server';

import { revalidatePath } from 'next/cache';
import { headers } from 'next/headers';
import { requireActionUser, type ActionContext } from '@/lib/auth/action';
import { createManagedUser, manageUser, parseUserIntent, USER_AUDIT_ACTIONS, type AdminDeps, type UserFormState } from '@/lib/auth/admin-users';
import { getAuth } from '@/lib/auth/auth';
import { getDatabase } from '@/lib/db/client';

/**
 * Thin: the role check first (requireActionUser audits a denial and answers 403), then
 * lib/auth/admin-users validates, applies the change through better-auth with this admin's
 * session, and writes the audit entry.
 */
async function depsOf(ctx: ActionContext): Promise<AdminDeps> {
  const [{ db }, auth, h] = await Promise.all([getDatabase(), getAuth(), headers()]);
  return { db, auth, headers: new Headers(h), actor: ctx.user, audit: ctx.audit };
}

const fields = (form: FormData) => Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'));

export async function createUserAction(_prev: UserFormState, form: FormData): Promise<UserFormState> {
  const ctx = await requireActionUser('admin', 'user.create');
  const result = await createManagedUser(await depsOf(ctx), fields(form));
  if (result.ok) revalidatePath('/admin/users');
  return result;
}

/** One form per user row; the pressed button (intent) names the change and its audit action. */
export async function manageUserAction(_prev: UserFormState, form: FormData): Promise<UserFormState> {
  const ctx = await requireActionUser('admin', USER_AUDIT_ACTIONS[parseUserIntent(fields(form)) ?? 'role']);
  const result = await manageUser(await depsOf(ctx), fields(form));
  if (result.ok) revalidatePath('/admin/users');
  return result;
}
