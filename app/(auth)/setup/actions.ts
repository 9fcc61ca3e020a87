'use server';

import { randomUUID } from 'node:crypto';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getAuth } from '@/lib/auth/auth';
import { createFirstAdmin, type SetupState } from '@/lib/auth/setup';
import { getDatabase } from '@/lib/db/client';

/**
 * No session can exist yet, so the guard is the setup claim itself: createFirstAdmin refuses
 * once any account exists, atomically. Next has already refused a cross-origin POST.
 */
export async function setupFirstAdmin(_prev: SetupState, form: FormData): Promise<SetupState> {
  const [{ db }, auth, h] = await Promise.all([getDatabase(), getAuth(), headers()]);
  const result = await createFirstAdmin(db, auth, {
    name: form.get('name'),
    email: form.get('email'),
    password: form.get('password'),
    confirm: form.get('confirm'),
  }, h.get('x-request-id') ?? randomUUID());
  if (!result.ok) return result;
  // Signs the new admin in (nextCookies sets the session cookie on this response).
  await auth.api.signInEmail({ body: { email: result.email, password: String(form.get('password')) }, headers: h });
  redirect('/');
}
