import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { pgArray, queryRows } from '../db/rows';

export interface StoredProbeKey {
  keyId: string;
  nodeId: string;
  prefix: string;
  keyHash: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

function toKey(r: Record<string, unknown>): StoredProbeKey {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    keyId: String(r.key_id),
    nodeId: String(r.node_id),
    prefix: String(r.prefix),
    keyHash: String(r.key_hash),
    label: (r.label as string | null) ?? null,
    createdAt: date(r.created_at)!,
    lastUsedAt: date(r.last_used_at),
    revokedAt: date(r.revoked_at),
  };
}

export async function insertProbeKey(db: Db, key: { nodeId: string; prefix: string; hash: string; label: string | null }): Promise<StoredProbeKey> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`INSERT INTO probe_keys (node_id, prefix, key_hash, label)
        VALUES (${key.nodeId}, ${key.prefix}, ${key.hash}, ${key.label})
        RETURNING *`,
  );
  return toKey(rows[0]!);
}

/** The key with this prefix, revoked or not (the caller compares the hash in constant time). */
export async function findProbeKeyByPrefix(db: Db, prefix: string): Promise<StoredProbeKey | undefined> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`SELECT * FROM probe_keys WHERE prefix = ${prefix}`);
  return rows[0] ? toKey(rows[0]) : undefined;
}

export async function listProbeKeys(db: Db, nodeId: string): Promise<StoredProbeKey[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT * FROM probe_keys WHERE node_id = ${nodeId} ORDER BY created_at DESC`,
  );
  return rows.map(toKey);
}

export async function revokeProbeKey(db: Db, prefix: string): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`UPDATE probe_keys SET revoked_at = now() WHERE prefix = ${prefix} AND revoked_at IS NULL RETURNING key_id`,
  );
  return rows.length > 0;
}

export async function revokeProbeKeysByLabel(db: Db, label: string): Promise<number> {
  const rows = await queryRows(db, sql`UPDATE probe_keys SET revoked_at = now() WHERE label = ${label} AND revoked_at IS NULL RETURNING key_id`);
  return rows.length;
}

/** Coarse on purpose (at most once a minute per key): a write per push would cost more than the push. */
export async function touchProbeKeysUsed(db: Db, prefixes: string[]): Promise<void> {
  if (prefixes.length === 0) return;
  await db.execute(sql`
    UPDATE probe_keys SET last_used_at = now()
    WHERE prefix = ANY(${pgArray(prefixes)}::varchar[])
      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`);
}

/** True when some key of the node has ever authenticated a push. */
export async function nodeKeyEverUsed(db: Db, nodeId: string): Promise<boolean> {
  const rows = await queryRows(db, sql`SELECT 1 FROM probe_keys WHERE node_id = ${nodeId} AND last_used_at IS NOT NULL LIMIT 1`);
  return rows.length > 0;
}

export async function revokeNodeKeys(db: Db, nodeId: string): Promise<number> {
  const rows = await queryRows(db, sql`UPDATE probe_keys SET revoked_at = now() WHERE node_id = ${nodeId} AND revoked_at IS NULL RETURNING key_id`);
  return rows.length;
}

/** Unrevoked keys per node id; nodes without one are absent. */
export async function countActiveProbeKeysByNode(db: Db): Promise<Map<string, number>> {
  const rows = await queryRows<{ node_id: string; n: string | number }>(
    db,
    sql`SELECT node_id, count(*) AS n FROM probe_keys WHERE revoked_at IS NULL GROUP BY node_id`,
  );
  return new Map(rows.map((r) => [String(r.node_id), Number(r.n)]));
}
