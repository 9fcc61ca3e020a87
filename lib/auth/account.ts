import 'server-only';
// isAPIError, not instanceof APIError: see lib/auth/admin-users.ts.
import { isAPIError } from 'better-auth/api';
import { z } from 'zod';
import type { Auth } from './auth';
import { fieldErrors, passwordSchema } from './schemas';

/** "My account": a signed-in user of any role changes their own password. */
export const passwordChangeSchema = z
  .object({
    currentPassword: z.string().min(1, { error: 'Enter your current password.' }),
    newPassword: passwordSchema,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], error: 'The new passwords do not match.' })
  .refine((v) => v.newPassword !== v.currentPassword, { path: ['newPassword'], error: 'Choose a password different from the current one.' });

export type PasswordChangeState = { ok: true; notice: string } | { ok: false; errors: Record<string, string> };

/**
 * better-auth checks the current password and, with revokeOtherSessions, deletes every session
 * of the user and issues this browser a new one (nextCookies sets it on the action's response):
 * whoever else held a session, e.g. someone who learnt the old password, is signed out.
 */
export async function changeOwnPassword(auth: Auth, headers: Headers, input: Record<string, unknown>): Promise<PasswordChangeState> {
  const text = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : '');
  const parsed = passwordChangeSchema.safeParse({ currentPassword: text('currentPassword'), newPassword: text('newPassword'), confirmPassword: text('confirmPassword') });
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  try {
    await auth.api.changePassword({
      body: { currentPassword: parsed.data.currentPassword, newPassword: parsed.data.newPassword, revokeOtherSessions: true },
      headers,
    });
  } catch (err) {
    if (isAPIError(err) && err.body?.code === 'INVALID_PASSWORD') return { ok: false, errors: { currentPassword: 'The current password is wrong.' } };
    if (isAPIError(err)) return { ok: false, errors: { form: `The password was not changed: ${err.message}` } };
    throw err;
  }
  return { ok: true, notice: 'Password changed. Every other session of your account has been signed out; this one continues.' };
}
