'use server';

import { headers } from 'next/headers';
import { changeOwnPassword, type PasswordChangeState } from '@/lib/auth/account';
import { requireActionUser } from '@/lib/auth/action';
import { getAuth } from '@/lib/auth/auth';

/**
 * Any role may change their own password. better-auth checks the current one; the change ends
 * every other session and nextCookies gives this browser its new session cookie.
 */
export async function changePasswordAction(_prev: PasswordChangeState, form: FormData): Promise<PasswordChangeState> {
  const ctx = await requireActionUser('viewer', 'account.password');
  const [auth, h] = await Promise.all([getAuth(), headers()]);
  const result = await changeOwnPassword(auth, new Headers(h), {
    currentPassword: form.get('currentPassword'),
    newPassword: form.get('newPassword'),
    confirmPassword: form.get('confirmPassword'),
  });
  // Recorded without any password: who changed their own, and that the other sessions ended.
  if (result.ok) await ctx.audit({ action: 'account.password', targetType: 'user', targetId: ctx.user.id, after: { email: ctx.user.email, otherSessions: 'revoked' } });
  return result;
}
