import { sql } from 'drizzle-orm';
import type { Migration } from './types';

/**
 * Accounts (issue 5). `users`, `sessions`, `accounts` and `verifications` are better-auth's four
 * tables (plus its admin plugin's role/ban columns) under our own names, written here because
 * its schema CLI needs Node 22. `api_tokens` are read-only bearer tokens for scripts and
 * Grafana (SHA-256 hashes only, like probe keys). `audit_log` records every admin change.
 * `app_secrets` holds the generated session-signing secret when FIBER_AUTH_SECRET is not set,
 * so a zero-setup install keeps its sessions across restarts and replicas share one secret.
 */
export const accounts: Migration = {
  version: 4,
  name: 'accounts',
  async up(tx) {
    await tx.execute(sql`
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE,
        email_verified BOOLEAN NOT NULL DEFAULT false,
        image TEXT,
        role TEXT NOT NULL DEFAULT 'viewer' CHECK (role IN ('admin', 'viewer')),
        banned BOOLEAN NOT NULL DEFAULT false,
        ban_reason TEXT,
        ban_expires TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await tx.execute(sql`
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at TIMESTAMPTZ NOT NULL,
        ip_address TEXT,
        user_agent TEXT,
        impersonated_by TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await tx.execute(sql`CREATE INDEX idx_sessions_user ON sessions (user_id)`);
    await tx.execute(sql`
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        access_token TEXT,
        refresh_token TEXT,
        id_token TEXT,
        access_token_expires_at TIMESTAMPTZ,
        refresh_token_expires_at TIMESTAMPTZ,
        scope TEXT,
        password TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await tx.execute(sql`CREATE INDEX idx_accounts_user ON accounts (user_id)`);
    await tx.execute(sql`
      CREATE TABLE verifications (
        id TEXT PRIMARY KEY,
        identifier TEXT NOT NULL,
        value TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await tx.execute(sql`CREATE INDEX idx_verifications_identifier ON verifications (identifier)`);
    await tx.execute(sql`
      CREATE TABLE api_tokens (
        token_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        prefix VARCHAR(32) NOT NULL UNIQUE,
        token_hash CHAR(64) NOT NULL UNIQUE,
        label VARCHAR(100) NOT NULL,
        created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
      )`);
    await tx.execute(sql`
      CREATE TABLE audit_log (
        audit_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL DEFAULT now(),
        actor_id TEXT,
        actor_email TEXT,
        action VARCHAR(64) NOT NULL,
        target_type VARCHAR(32) NOT NULL,
        target_id TEXT,
        outcome VARCHAR(16) NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'denied', 'failed')),
        before JSONB,
        after JSONB,
        request_id VARCHAR(128)
      )`);
    await tx.execute(sql`CREATE INDEX idx_audit_log_at ON audit_log (at DESC)`);
    await tx.execute(sql`CREATE INDEX idx_audit_log_target ON audit_log (target_type, target_id, at DESC)`);
    await tx.execute(sql`
      CREATE TABLE app_secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await tx.execute(sql`COMMENT ON TABLE users IS 'Dashboard accounts (better-auth user + admin plugin columns); roles admin and viewer'`);
    await tx.execute(sql`COMMENT ON TABLE api_tokens IS 'Read-only bearer tokens for GET /api/metrics and /api/nodes (SHA-256 hashes only)'`);
    await tx.execute(sql`COMMENT ON TABLE audit_log IS 'Every admin change: who, what, before/after, when (UTC), request id'`);
  },
  async down(tx) {
    for (const table of ['app_secrets', 'audit_log', 'api_tokens', 'verifications', 'accounts', 'sessions', 'users']) {
      await tx.execute(sql.raw(`DROP TABLE IF EXISTS ${table}`));
    }
  },
};
