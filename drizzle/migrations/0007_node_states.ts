import { sql } from 'drizzle-orm';
import type { Migration } from './types';

/**
 * What the worker has announced (issue 6), kept in the database so that N workers announce each
 * change once and a restarted worker neither repeats nor forgets one (lib/logs/lifecycle.ts):
 *
 * - `node_states`: the last announced state of each node that was ever seen, `up` or `down`.
 *   A transition is claimed by the UPDATE that changes the row (`WHERE state <> new`), so of
 *   two workers racing only one gets it back. `last_seen_at` is the newest sample when the
 *   state was recorded (a `node_up` says how long the node was silent).
 * - `audit_announcements`: the audit entries already turned into events (node created, key
 *   revoked, …). Entries are announced from the audit trail once committed, never from inside
 *   the admin's transaction, so a change that rolled back is never announced. Entries older
 *   than this migration are marked as announced: history is not replayed as news.
 *
 * Neither table holds anything the dashboard reader may not see (states, audit ids).
 */
export const nodeStates: Migration = {
  version: 7,
  name: 'node_states',
  async up(tx, ctx) {
    await tx.execute(sql`
      CREATE TABLE node_states (
        node_id UUID PRIMARY KEY REFERENCES nodes (node_id) ON DELETE CASCADE,
        state VARCHAR(8) NOT NULL CHECK (state IN ('up', 'down')),
        changed_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ
      )`);
    await tx.execute(sql`
      CREATE TABLE audit_announcements (
        audit_id BIGINT PRIMARY KEY REFERENCES audit_log (audit_id) ON DELETE CASCADE,
        announced_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await tx.execute(sql`CREATE INDEX idx_audit_announcements_at ON audit_announcements (announced_at)`);
    await tx.execute(sql`
      INSERT INTO audit_announcements (audit_id, announced_at)
      SELECT audit_id, ${ctx.now.toISOString()}::timestamptz FROM audit_log`);
    await tx.execute(sql`COMMENT ON TABLE node_states IS 'Last announced up/down state per node (node_down / node_up events), claimed once across workers'`);
    await tx.execute(sql`COMMENT ON TABLE audit_announcements IS 'Audit entries already announced as events (node_created, probe_key_revoked, ...)'`);
  },
  async down(tx) {
    await tx.execute(sql`DROP TABLE IF EXISTS audit_announcements`);
    await tx.execute(sql`DROP TABLE IF EXISTS node_states`);
  },
};
