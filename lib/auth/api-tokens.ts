import 'server-only';
import { z } from 'zod';
import type { Db } from '../db/client';
import { generateToken } from '../keys/tokens';
import type { ActionContext } from './action';
import { insertApiToken, listApiTokens, revokeApiToken, type StoredApiToken } from './queries';
import { fieldErrors } from './schemas';
import type { SessionUser } from './session';

/**
 * Read-only API tokens (`fsr_…`) for scripts and Grafana. The token leaves the server once, in
 * the answer to the admin who created it; the database keeps its SHA-256 hash and its prefix,
 * which is the name the list, the audit trail and error messages use.
 */
export interface TokenDeps {
  db: Db;
  actor: SessionUser;
  audit: ActionContext['audit'];
}

export const apiTokenLabelSchema = z.object({
  label: z.string().trim().min(1, { error: 'Enter a label, e.g. "Grafana on noc-mon-1".' }).max(100, { error: 'At most 100 characters.' }),
});

export type TokenFormState =
  | { ok: true; notice: string; token?: string; prefix: string }
  | { ok: false; errors: Record<string, string>; values?: { label: string } };

export interface ApiTokenRow extends Omit<StoredApiToken, 'tokenHash'> {
  creatorEmail: string | null;
}

export async function createApiTokenAs(deps: TokenDeps, input: Record<string, unknown>): Promise<TokenFormState> {
  const values = { label: typeof input.label === 'string' ? input.label : '' };
  const parsed = apiTokenLabelSchema.safeParse(values);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error), values };
  const { key, prefix, hash } = generateToken('fsr');
  const stored = await insertApiToken(deps.db, { prefix, hash, label: parsed.data.label, createdBy: deps.actor.id });
  await deps.audit({ action: 'api_token.create', targetType: 'api_token', targetId: prefix, after: { prefix, label: stored.label, status: 'active' } });
  return {
    ok: true,
    prefix,
    token: key,
    notice: `Created ${prefix} (${stored.label}). Copy the token now: it is shown only once and cannot be recovered.`,
  };
}

export async function revokeApiTokenAs(deps: TokenDeps, input: Record<string, unknown>): Promise<TokenFormState> {
  const prefix = typeof input.prefix === 'string' ? input.prefix : '';
  const revoked = prefix ? await revokeApiToken(deps.db, prefix) : undefined;
  if (!revoked) return { ok: false, errors: { form: `No active token ${prefix || '(none given)'}: it may be revoked already.` } };
  await deps.audit({
    action: 'api_token.revoke',
    targetType: 'api_token',
    targetId: prefix,
    before: { prefix, label: revoked.label, status: 'active' },
    after: { prefix, label: revoked.label, status: 'revoked' },
  });
  return { ok: true, prefix, notice: `Revoked ${prefix} (${revoked.label}). Requests with it are refused from now on.` };
}

/** The list without hashes; creators by email (a deleted creator shows as unknown). */
export async function listApiTokenRows(db: Db, emailOf: (userId: string) => string | undefined): Promise<ApiTokenRow[]> {
  return (await listApiTokens(db)).map(({ tokenHash: _hash, ...t }) => ({ ...t, creatorEmail: t.createdBy ? (emailOf(t.createdBy) ?? null) : null }));
}
