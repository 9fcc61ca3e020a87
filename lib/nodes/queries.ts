import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { pgArray, queryRows, toNumber } from '../db/rows';

export interface NodeInput {
  nodeId: string;
  nodeName: string;
  displayName: string | null;
  country: string;
  region: string;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  isActive: boolean;
  probeVersion: string | null;
  hardwareInfo: Record<string, unknown> | null;
  tags: string[] | null;
}

/** Creates the nodes that do not exist yet (by node_name); existing ones keep their edits. */
export async function insertMissingNodes(db: Db, nodes: NodeInput[]): Promise<number> {
  let created = 0;
  for (const n of nodes) {
    const rows = await queryRows(
      db,
      sql`INSERT INTO nodes (node_id, node_name, display_name, country, region, city, latitude, longitude,
                             is_active, probe_version, hardware_info, tags)
          VALUES (${n.nodeId}, ${n.nodeName}, ${n.displayName}, ${n.country}, ${n.region}, ${n.city},
                  ${n.latitude}, ${n.longitude}, ${n.isActive}, ${n.probeVersion},
                  ${n.hardwareInfo === null ? null : JSON.stringify(n.hardwareInfo)}::jsonb,
                  ${n.tags === null ? null : JSON.stringify(n.tags)}::jsonb)
          ON CONFLICT (node_name) DO NOTHING
          RETURNING node_id`,
    );
    created += rows.length;
  }
  return created;
}

export async function countNodes(db: Db): Promise<number> {
  const rows = await queryRows<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM nodes`);
  return toNumber(rows[0]?.n) ?? 0;
}

export interface NodeWithLatestSample
  extends Pick<NodeInput, 'nodeId' | 'nodeName' | 'displayName' | 'country' | 'region' | 'city' | 'isActive'> {
  lastSeenAt: Date | null;
  latest: { time: Date; latencyMs: number | null; uptimePct: number | null; packetLoss: number | null } | null;
}

/**
 * Every node with its newest sample. The lateral lookup walks idx_metrics_node_time backwards,
 * so it reads one index entry per node whatever the table's size. (Not bounded by
 * last_seen_at: that is capped at the server's clock, and a probe clock may run a little fast.)
 */
export async function listNodesWithLatestSample(db: Db): Promise<NodeWithLatestSample[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT n.node_id, n.node_name, n.display_name, n.country, n.region, n.city, n.is_active, n.last_seen_at,
               m.time AS sample_time, m.latency_ms, m.uptime_pct, m.packet_loss
        FROM nodes n
        LEFT JOIN LATERAL (
          SELECT time, latency_ms, uptime_pct, packet_loss FROM metrics
          WHERE node_id = n.node_id
          ORDER BY time DESC LIMIT 1
        ) m ON true
        ORDER BY n.country, n.node_name`,
  );
  return rows.map((r) => ({
    nodeId: String(r.node_id),
    nodeName: String(r.node_name),
    displayName: (r.display_name as string | null) ?? null,
    country: String(r.country),
    region: String(r.region),
    city: (r.city as string | null) ?? null,
    isActive: r.is_active !== false,
    lastSeenAt: toDate(r.last_seen_at),
    latest: r.sample_time
      ? {
          time: toDate(r.sample_time)!,
          latencyMs: toNumber(r.latency_ms),
          uptimePct: toNumber(r.uptime_pct),
          packetLoss: toNumber(r.packet_loss),
        }
      : null,
  }));
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

export async function findNodeTags(db: Db, nodeId: string): Promise<{ tags: string[] } | undefined> {
  const rows = await queryRows<{ tags: string[] | null }>(db, sql`SELECT tags FROM nodes WHERE node_id = ${nodeId}`);
  return rows[0] ? { tags: Array.isArray(rows[0].tags) ? rows[0].tags : [] } : undefined;
}

export async function existingNodeIds(db: Db, nodeIds: string[]): Promise<Set<string>> {
  if (nodeIds.length === 0) return new Set();
  const rows = await queryRows<{ node_id: string }>(db, sql`SELECT node_id FROM nodes WHERE node_id = ANY(${pgArray(nodeIds)}::uuid[])`);
  return new Set(rows.map((r) => String(r.node_id)));
}

/**
 * Moves each node's last_seen_at forward to its newest sample (never back: a late batch from
 * yesterday does not make a live node look stale) and records the probe version it reported.
 */
/**
 * Batches commit concurrently (WORKER_CONCURRENCY, several workers): two transactions updating
 * overlapping nodes in different orders would deadlock, so this short update is serialised on a
 * transaction-scoped advisory lock. The inserts before it still run side by side (their foreign
 * key checks take KEY SHARE locks, which do not conflict with this update).
 */
const LAST_SEEN_LOCK_KEY = 4_721_002;

export async function markNodesSeen(db: Db, seen: { nodeId: string; at: Date; probeVersion: string | null }[]): Promise<void> {
  if (seen.length === 0) return;
  await db.execute(sql`SELECT pg_advisory_xact_lock(${LAST_SEEN_LOCK_KEY})`);
  await db.execute(sql`
    UPDATE nodes n
    SET last_seen_at = GREATEST(n.last_seen_at, v.at),
        probe_version = COALESCE(v.probe_version, n.probe_version)
    FROM unnest(${pgArray(seen.map((s) => s.nodeId))}::uuid[],
                ${pgArray(seen.map((s) => s.at.toISOString()))}::timestamptz[],
                ${pgArray(seen.map((s) => s.probeVersion))}::varchar[]) AS v(node_id, at, probe_version)
    WHERE n.node_id = v.node_id`);
}

export async function lastSeenByNode(db: Db, nodeIds: string[]): Promise<Map<string, Date>> {
  const rows = await queryRows<{ node_id: string; last_seen_at: Date | string | null }>(
    db,
    sql`SELECT node_id, last_seen_at FROM nodes WHERE node_id = ANY(${pgArray(nodeIds)}::uuid[]) AND is_active`,
  );
  return new Map(rows.filter((r) => r.last_seen_at).map((r) => [String(r.node_id), new Date(r.last_seen_at!)]));
}
