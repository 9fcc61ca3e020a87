'use server';

import { revalidatePath } from 'next/cache';
import { requireActionUser, type ActionContext } from '@/lib/auth/action';
import { createApiTokenAs, revokeApiTokenAs, type TokenDeps, type TokenFormState } from '@/lib/auth/api-tokens';
import { getDatabase } from '@/lib/db/client';

/** Thin: the role check first, then lib/auth/api-tokens validates, writes and audits. */
async function depsOf(ctx: ActionContext): Promise<TokenDeps> {
  const { db } = await getDatabase();
  return { db, actor: ctx.user, audit: ctx.audit };
}

const fields = (form: FormData) => Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'));

export async function createTokenAction(_prev: TokenFormState, form: FormData): Promise<TokenFormState> {
  const ctx = await requireActionUser('admin', 'api_token.create');
  const result = await createApiTokenAs(await depsOf(ctx), fields(form));
  if (result.ok) revalidatePath('/admin/tokens');
  return result;
}

export async function revokeTokenAction(_prev: TokenFormState, form: FormData): Promise<TokenFormState> {
  const ctx = await requireActionUser('admin', 'api_token.revoke');
  const result = await revokeApiTokenAs(await depsOf(ctx), fields(form));
  if (result.ok) revalidatePath('/admin/tokens');
  return result;
}
