import { z } from 'zod';
import { insertAuditEntry } from '../audit/queries';
import type { Db } from '../db/client';
import type { Auth } from './auth';
import { claimFirstRunSetup, countUsers, releaseFirstRunSetup } from './queries';
import { emailSchema, fieldErrors, passwordSchema } from './schemas';
import { createUserAccount } from './users';

export type SetupState = { ok: false; errors: Record<string, string>; values?: { name: string; email: string } } | { ok: true; email: string };

const setupSchema = z
  .object({
    name: z.string().trim().min(1, { error: 'Enter a name.' }).max(100),
    email: emailSchema,
    password: passwordSchema,
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], error: 'The passwords do not match.' });

/**
 * The one-time setup: creates the first admin only while no account exists. Two people
 * submitting at once are serialised by a claim row (INSERT … ON CONFLICT DO NOTHING): the
 * second finds it taken. A failed creation releases the claim so setup can be retried.
 */
export async function createFirstAdmin(db: Db, auth: Auth, input: Record<string, unknown>, requestId: string | null): Promise<SetupState> {
  const parsed = setupSchema.safeParse(Object.fromEntries(Object.entries(input).map(([k, v]) => [k, typeof v === 'string' ? v : ''])));
  const values = { name: String(input.name ?? ''), email: String(input.email ?? '') };
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error), values };
  const alreadySetUp = { ok: false as const, errors: { form: 'Setup is already done: an account exists. Sign in instead.' }, values };
  if ((await countUsers(db)) > 0) return alreadySetUp;
  if (!(await claimFirstRunSetup(db))) return alreadySetUp;
  try {
    const user = await createUserAccount(auth, { name: parsed.data.name, email: parsed.data.email, password: parsed.data.password, role: 'admin' });
    await insertAuditEntry(db, {
      actorId: user.id,
      actorEmail: user.email,
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      after: { email: user.email, role: 'admin', via: 'setup page' },
      requestId,
    });
    return { ok: true, email: user.email };
  } catch (err) {
    await releaseFirstRunSetup(db);
    throw err;
  }
}
