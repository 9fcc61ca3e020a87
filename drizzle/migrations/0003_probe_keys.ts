import { sql } from 'drizzle-orm';
import type { Migration } from './types';

/**
 * Probe keys: bearer tokens for POST /api/push, each bound to one node. Only a SHA-256 hash of
 * the key is stored (the keys are 256-bit random, so a fast hash is the right tool, as for
 * API tokens generally); `prefix` is the public part shown in the UI and used in rate-limit keys.
 */
export const probeKeys: Migration = {
  version: 3,
  name: 'probe_keys',
  async up(tx) {
    await tx.execute(sql`
      CREATE TABLE probe_keys (
        key_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        node_id UUID NOT NULL REFERENCES nodes(node_id) ON DELETE CASCADE,
        prefix VARCHAR(32) NOT NULL UNIQUE,
        key_hash CHAR(64) NOT NULL UNIQUE,
        label VARCHAR(100),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ
      )`);
    await tx.execute(sql`CREATE INDEX idx_probe_keys_node ON probe_keys (node_id)`);
    await tx.execute(sql`COMMENT ON TABLE probe_keys IS 'Bearer keys of probe nodes for POST /api/push (SHA-256 hashes only)'`);
  },
  async down(tx) {
    await tx.execute(sql`DROP TABLE IF EXISTS probe_keys`);
  },
};
