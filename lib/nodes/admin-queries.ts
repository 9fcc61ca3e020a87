import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows, toNumber } from '../db/rows';
import { countActiveProbeKeysByNode } from '../keys/queries';
import type { NodeValues } from './admin-schema';
import { listNodesWithLatestSample, toNodeRow, type NodeRow, type NodeWithLatestSample } from './queries';

/** A `nodes` row as stored (lib/nodes/queries.ts reads it). */
export type AdminNode = NodeRow;

const jsonb = (value: unknown) => (value === null ? null : JSON.stringify(value));

export async function insertNode(db: Db, v: NodeValues): Promise<AdminNode> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`INSERT INTO nodes (node_name, display_name, country, region, city, latitude, longitude, is_active, hardware_info, tags)
        VALUES (${v.nodeName}, ${v.displayName}, ${v.country}, ${v.region}, ${v.city}, ${v.latitude}, ${v.longitude},
                ${v.isActive}, ${jsonb(v.hardwareInfo)}::jsonb, ${jsonb(v.tags)}::jsonb)
        RETURNING *`,
  );
  return toNodeRow(rows[0]!);
}

/** Every editable column (probe_version and last_seen_at belong to the probe); undefined when there is no such node. */
export async function updateNode(db: Db, nodeId: string, v: NodeValues): Promise<AdminNode | undefined> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`UPDATE nodes SET node_name = ${v.nodeName}, display_name = ${v.displayName}, country = ${v.country},
               region = ${v.region}, city = ${v.city}, latitude = ${v.latitude}, longitude = ${v.longitude},
               is_active = ${v.isActive}, hardware_info = ${jsonb(v.hardwareInfo)}::jsonb, tags = ${jsonb(v.tags)}::jsonb,
               updated_at = now()
        WHERE node_id = ${nodeId}::uuid
        RETURNING *`,
  );
  return rows[0] ? toNodeRow(rows[0]) : undefined;
}

export async function setNodeActive(db: Db, nodeId: string, active: boolean): Promise<AdminNode | undefined> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`UPDATE nodes SET is_active = ${active}, updated_at = now() WHERE node_id = ${nodeId}::uuid RETURNING *`,
  );
  return rows[0] ? toNodeRow(rows[0]) : undefined;
}

/** Its metrics and probe keys go with it (ON DELETE CASCADE); alerts do not cascade (the spec's FK), so a node with alerts is refused (23503). */
export async function deleteNode(db: Db, nodeId: string): Promise<AdminNode | undefined> {
  const rows = await queryRows<Record<string, unknown>>(db, sql`DELETE FROM nodes WHERE node_id = ${nodeId}::uuid RETURNING *`);
  return rows[0] ? toNodeRow(rows[0]) : undefined;
}

/** `forUpdate` locks the row until the transaction ends, so a before-snapshot is the row that gets changed. */
export async function getNodeForAdmin(db: Db, nodeId: string, { forUpdate = false } = {}): Promise<AdminNode | undefined> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT * FROM nodes WHERE node_id = ${nodeId}::uuid ${forUpdate ? sql`FOR UPDATE` : sql``}`,
  );
  return rows[0] ? toNodeRow(rows[0]) : undefined;
}

export async function countNodeMetrics(db: Db, nodeId: string): Promise<number> {
  const rows = await queryRows<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM metrics WHERE node_id = ${nodeId}::uuid`);
  return toNumber(rows[0]?.n) ?? 0;
}

export type AdminNodeListRow = NodeWithLatestSample & { activeKeys: number };

/** Every node, inactive ones too, with its newest sample (for its status) and its unrevoked key count. */
export async function listNodesForAdmin(db: Db): Promise<AdminNodeListRow[]> {
  const [nodes, keys] = await Promise.all([listNodesWithLatestSample(db), countActiveProbeKeysByNode(db)]);
  return nodes.map((n) => ({ ...n, activeKeys: keys.get(n.nodeId) ?? 0 }));
}
