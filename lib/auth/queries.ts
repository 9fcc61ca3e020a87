import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/rows';

/** All SQL of accounts that is not better-auth's own: the signing secret, user counts, API tokens. */

/** The stored secret called `name`, created (random, 256 bits) by whoever asks first. */
export async function getOrCreateSecret(db: Db, name: string): Promise<string> {
  const fresh = randomBytes(32).toString('base64url');
  await db.execute(sql`INSERT INTO app_secrets (name, value) VALUES (${name}, ${fresh}) ON CONFLICT (name) DO NOTHING`);
  const rows = await queryRows<{ value: string }>(db, sql`SELECT value FROM app_secrets WHERE name = ${name}`);
  return rows[0]!.value;
}

/** The one-time setup's claim: true for the first caller only, however many submit at once. */
export async function claimFirstRunSetup(db: Db): Promise<boolean> {
  const claimed = await queryRows(
    db,
    sql`INSERT INTO app_secrets (name, value) VALUES ('setup-claim', ${new Date().toISOString()}) ON CONFLICT (name) DO NOTHING RETURNING name`,
  );
  return claimed.length > 0;
}

/** Gives the claim back after a failed setup, so it can be retried. */
export async function releaseFirstRunSetup(db: Db): Promise<void> {
  await db.execute(sql`DELETE FROM app_secrets WHERE name = 'setup-claim'`);
}

export async function countUsers(db: Db): Promise<number> {
  const rows = await queryRows<{ n: number | string }>(db, sql`SELECT count(*) AS n FROM users`);
  return Number(rows[0]?.n ?? 0);
}

export async function countActiveAdmins(db: Db): Promise<number> {
  const rows = await queryRows<{ n: number | string }>(db, sql`SELECT count(*) AS n FROM users WHERE role = 'admin' AND NOT banned`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Demotes or disables an active admin only while another active admin remains. The
 * transaction-scoped advisory lock serialises these changes (across replicas as well), so two
 * admins removing each other at the same moment cannot both succeed. False: nothing changed.
 */
export async function removeAdminUnlessLast(db: Db, userId: string, change: { role: 'viewer' } | { banReason: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('fiber:admin-removal'))`);
    const set = 'role' in change ? sql`role = 'viewer'` : sql`banned = true, ban_reason = ${change.banReason}`;
    const rows = await queryRows(
      tx,
      sql`UPDATE users SET ${set}, updated_at = now()
          WHERE id = ${userId} AND role = 'admin' AND NOT banned
            AND EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND NOT banned AND id <> ${userId})
          RETURNING id`,
    );
    return rows.length > 0;
  });
}

export interface StoredApiToken {
  tokenId: string;
  prefix: string;
  tokenHash: string;
  label: string;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

function toToken(r: Record<string, unknown>): StoredApiToken {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    tokenId: String(r.token_id),
    prefix: String(r.prefix),
    tokenHash: String(r.token_hash),
    label: String(r.label),
    createdBy: (r.created_by as string | null) ?? null,
    createdAt: date(r.created_at)!,
    lastUsedAt: date(r.last_used_at),
    revokedAt: date(r.revoked_at),
  };
}

export async function insertApiToken(db: Db, token: { prefix: string; hash: string; label: string; createdBy: string | null }): Promise<StoredApiToken> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`INSERT INTO api_tokens (prefix, token_hash, label, created_by)
        VALUES (${token.prefix}, ${token.hash}, ${token.label}, ${token.createdBy}) RETURNING *`,
  );
  return toToken(rows[0]!);
}

export async function findApiTokenByPrefix(db: Db, prefix: string): Promise<StoredApiToken | undefined> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`SELECT * FROM api_tokens WHERE prefix = ${prefix}`);
  return rows[0] ? toToken(rows[0]) : undefined;
}

export async function listApiTokens(db: Db): Promise<StoredApiToken[]> {
  return (await queryRows<Record<string, unknown>>(db, sql`SELECT * FROM api_tokens ORDER BY created_at DESC`)).map(toToken);
}

export async function revokeApiToken(db: Db, prefix: string): Promise<StoredApiToken | undefined> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`UPDATE api_tokens SET revoked_at = now() WHERE prefix = ${prefix} AND revoked_at IS NULL RETURNING *`,
  );
  return rows[0] ? toToken(rows[0]) : undefined;
}

/** At most once a minute per token, so a Grafana polling every 10 s does not write every time. */
export async function touchApiToken(db: Db, tokenId: string): Promise<void> {
  await db.execute(
    sql`UPDATE api_tokens SET last_used_at = now()
        WHERE token_id = ${tokenId} AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
  );
}

export interface StoredSession {
  expiresAt: Date;
  user: { id: string; email: string; name: string; role: string; banned: boolean };
}

/**
 * A session and its user in one indexed read (better-auth's own lookup takes two): the hot path
 * of every signed-in request (lib/auth/session.ts).
 */
export async function findSessionWithUser(db: Db, token: string): Promise<StoredSession | undefined> {
  const rows = await queryRows<{ expires_at: Date | string; id: string; email: string; name: string; role: string; banned: boolean }>(
    db,
    sql`SELECT s.expires_at, u.id, u.email, u.name, u.role, u.banned
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token = ${token}`,
  );
  const r = rows[0];
  if (!r) return undefined;
  return { expiresAt: new Date(r.expires_at), user: { id: r.id, email: r.email, name: r.name, role: r.role, banned: r.banned } };
}
