import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { toRawMetricRow } from '../metrics/queries';
import { pgArray, queryRows, toDate, toNumber } from '../db/rows';

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

export interface LatestSample {
  time: Date;
  latencyMs: number | null;
  uptimePct: number | null;
  packetLoss: number | null;
}

export interface NodeWithLatestSample
  extends Pick<
    NodeInput,
    'nodeId' | 'nodeName' | 'displayName' | 'country' | 'region' | 'city' | 'latitude' | 'longitude' | 'isActive' | 'probeVersion' | 'hardwareInfo'
  > {
  /** Always a list (a NULL or non-array `tags` reads as no tags). */
  tags: string[];
  lastSeenAt: Date | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  latest: LatestSample | null;
}

export interface NodeFilters {
  /** Any of these ISO 3166-1 alpha-2 codes (capitals). */
  countries?: readonly string[];
  region?: string;
  /** Nodes whose tags contain every one of these. */
  tags?: readonly string[];
  nodeId?: string;
  /** Only active nodes (NULL counts as active, as everywhere), or only inactive ones. */
  isActive?: boolean;
}

/**
 * Nodes (all, or those matching every given filter) with their newest sample: one descent of
 * idx_metrics_node_time per node, in one partition or chunk, whatever the table's size.
 *
 * - From `last_seen_at` up: the worker sets it to the newest sample's time, capped at the
 *   server's clock (a probe clock may run a little fast), so it is never after that sample,
 *   and runtime pruning leaves only the partition (or chunk) holding it. A node never seen by
 *   the worker (NULL) is searched in full.
 * - Up to a day ahead: the push API refuses samples more than 5 minutes in the future, and the
 *   bound prunes PostgreSQL mode's empty partitions for the weeks ahead at plan time (without
 *   it every node probed each of them).
 *
 * Before, this took two laterals (the newest time from the index alone, then its row), because a
 * single unbounded one let the planner walk idx_metrics_time backwards for small fleets, reading
 * every sample since a silent node's last one. The lower bound ends that: 1,000 nodes 11 → 5.6 ms
 * and 11,000 → 4,000 buffers, 50 nodes 0.7 → 0.6 ms (EXPLAIN ANALYZE, bench:queries' data).
 */
export async function listNodesWithLatestSample(db: Db, filters: NodeFilters = {}): Promise<NodeWithLatestSample[]> {
  const where: SQL[] = [];
  if (filters.nodeId !== undefined) where.push(sql`n.node_id = ${filters.nodeId}::uuid`);
  if (filters.countries?.length) where.push(sql`n.country = ANY(${pgArray([...filters.countries])}::char(2)[])`);
  if (filters.region !== undefined) where.push(sql`n.region = ${filters.region}`);
  if (filters.tags?.length) where.push(sql`n.tags @> ${JSON.stringify(filters.tags)}::jsonb`);
  if (filters.isActive !== undefined) where.push(filters.isActive ? sql`n.is_active IS NOT FALSE` : sql`n.is_active IS FALSE`);
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT n.node_id, n.node_name, n.display_name, n.country, n.region, n.city, n.latitude, n.longitude,
               n.is_active, n.last_seen_at, n.probe_version, n.hardware_info, n.tags, n.created_at, n.updated_at,
               m.time AS sample_time, m.latency_ms, m.uptime_pct, m.packet_loss
        FROM nodes n
        LEFT JOIN LATERAL (
          SELECT time, latency_ms, uptime_pct, packet_loss FROM metrics
          WHERE node_id = n.node_id
            AND time >= COALESCE(n.last_seen_at, '-infinity'::timestamptz)
            AND time <= now() + interval '1 day'
          ORDER BY time DESC LIMIT 1
        ) m ON true
        ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
        ORDER BY n.country, n.node_name`,
  );
  return rows.map((r) => {
    const node = toNodeRow(r);
    return {
      ...node,
      tags: node.tags ?? [],
      latest: r.sample_time
        ? {
            time: toDate(r.sample_time)!,
            latencyMs: toNumber(r.latency_ms),
            uptimePct: toNumber(r.uptime_pct),
            packetLoss: toNumber(r.packet_loss),
          }
        : null,
    };
  });
}

export async function getNodeWithLatestSample(db: Db, nodeId: string): Promise<NodeWithLatestSample | undefined> {
  return (await listNodesWithLatestSample(db, { nodeId }))[0];
}

/** The node's name, or undefined when there is no such node. */
export async function findNodeName(db: Db, nodeId: string): Promise<string | undefined> {
  const rows = await queryRows<{ node_name: string }>(db, sql`SELECT node_name FROM nodes WHERE node_id = ${nodeId}::uuid`);
  return rows[0]?.node_name;
}

export async function nodeExists(db: Db, nodeId: string): Promise<boolean> {
  return (await findNodeName(db, nodeId)) !== undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

// ---- overview and node page ------------------------------------------------------------------

const HOUR_MS = 3_600_000;

export interface NetworkKpis {
  /** The window the figures cover: (from, to]. */
  from: Date;
  to: Date;
  /** Median of every latency sample in the window across all active nodes; null without samples. */
  medianLatencyMs: number | null;
  /** Mean packet loss (%) over the same samples; null without samples. */
  meanPacketLoss: number | null;
  sampleCount: number;
  /** Active nodes with at least one sample in the window. */
  reportingNodes: number;
}

/**
 * Network-wide figures over the hour up to `now`, from the raw samples of active nodes (a
 * decommissioned probe that still pushes does not skew them). Reads the last hour through
 * idx_metrics_time. Node counts by status come from `countByStatus` over the node list.
 * Reporting nodes are counted by one idx_metrics_node_time probe per node rather than
 * count(DISTINCT node_id), which sorts the hour's samples (60,000 with 1,000 nodes) a second time.
 */
export async function getNetworkKpis(db: Db, now: Date): Promise<NetworkKpis> {
  const from = new Date(now.getTime() - HOUR_MS);
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT k.*,
               (SELECT count(*) FROM nodes n
                WHERE n.is_active IS NOT FALSE
                  AND EXISTS (SELECT 1 FROM metrics m
                              WHERE m.node_id = n.node_id
                                AND m.time > ${from.toISOString()}::timestamptz AND m.time <= ${now.toISOString()}::timestamptz)) AS reporting_nodes
        FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m.latency_ms) AS median_latency_ms,
                     avg(m.packet_loss) AS mean_packet_loss,
                     count(*) AS sample_count
              FROM metrics m
              JOIN nodes n ON n.node_id = m.node_id AND n.is_active IS NOT FALSE
              WHERE m.time > ${from.toISOString()}::timestamptz AND m.time <= ${now.toISOString()}::timestamptz) k`,
  );
  const r = rows[0] ?? {};
  return {
    from,
    to: now,
    medianLatencyMs: toNumber(r.median_latency_ms),
    meanPacketLoss: toNumber(r.mean_packet_loss),
    sampleCount: toNumber(r.sample_count) ?? 0,
    reportingNodes: toNumber(r.reporting_nodes) ?? 0,
  };
}

/**
 * Hourly average latency per node, one slot per complete hour from the hour containing `since`
 * up to `until`, in time order, null where the hour has no value (a sparkline shows that as a
 * gap). Read from aggregates_hourly (idx_agg_hourly_node_time); the hours after a node's newest
 * materialised one (the rollup is refreshed hourly, so up to two) are averaged from its raw
 * samples, as the metrics API does. A node without any hourly row in the window gets an empty
 * list: no scan of a day of raw samples per node for the overview.
 *
 * The raw part is a LATERAL lookup per node on idx_metrics_node_time from that node's own mark:
 * joined by hash instead, PostgreSQL cannot bound `time` and reads every partition whole (seen
 * with 1,000 nodes × 7 days: a 10 M-row scan, 6.5 s). One row per node comes back, with its
 * slots and values as number arrays: parsing 24 × N rows with a Date and a numeric string each
 * cost more than the query itself.
 */
export async function getLatencySparklines(
  db: Db,
  nodeIds: readonly string[],
  since: Date,
  until: Date = new Date(),
): Promise<Map<string, (number | null)[]>> {
  const result = new Map<string, (number | null)[]>(nodeIds.map((id) => [id, []]));
  const first = Math.floor(since.getTime() / HOUR_MS) * HOUR_MS;
  const slots = Math.max(0, Math.floor((until.getTime() - first) / HOUR_MS));
  if (nodeIds.length === 0 || slots === 0) return result;
  const from = new Date(first).toISOString();
  const to = new Date(first + slots * HOUR_MS).toISOString();
  const rows = await queryRows<{ node_id: string; slots: unknown; values: unknown }>(
    db,
    sql`WITH stored AS (
          SELECT node_id, time, avg_latency_ms FROM aggregates_hourly
          WHERE node_id = ANY(${pgArray([...nodeIds])}::uuid[]) AND time >= ${from}::timestamptz AND time < ${to}::timestamptz
        ), mark AS (
          SELECT node_id, max(time) + interval '1 hour' AS after FROM stored GROUP BY node_id
        ), hours AS (
          SELECT node_id, time, avg_latency_ms FROM stored
          UNION ALL
          SELECT mark.node_id, r.time, r.avg_latency_ms
          FROM mark CROSS JOIN LATERAL (
            SELECT date_bin(interval '1 hour', m.time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS time, avg(m.latency_ms) AS avg_latency_ms
            FROM metrics m
            WHERE m.node_id = mark.node_id AND m.time >= mark.after AND m.time < ${to}::timestamptz
            GROUP BY 1
          ) r
        )
        SELECT node_id::text AS node_id,
               array_agg(round(extract(epoch FROM time - ${from}::timestamptz) / 3600)::int) AS slots,
               array_agg(avg_latency_ms::float8) AS values
        FROM hours GROUP BY node_id`,
  );
  for (const r of rows) {
    if (!result.has(r.node_id)) continue;
    const slotList = numberArray(r.slots);
    const valueList = numberArray(r.values);
    const values = new Array<number | null>(slots).fill(null);
    slotList.forEach((slot, k) => {
      if (slot !== null && slot >= 0 && slot < slots) values[slot] = valueList[k] ?? null;
    });
    result.set(r.node_id, values);
  }
  return result;
}

/** An int or float array column as numbers (both drivers parse these array types; NULL stays null). */
function numberArray(value: unknown): (number | null)[] {
  return Array.isArray(value) ? value.map(toNumber) : [];
}

export interface RecentSample extends LatestSample {
  targetHost: string | null;
  probeType: string | null;
  metadata: Record<string, unknown> | null;
}

/** A node's newest raw samples, newest first (idx_metrics_node_time); `limit` is clamped to 1–1000. */
export async function getRecentSamples(db: Db, nodeId: string, limit: number): Promise<RecentSample[]> {
  const n = Math.min(1000, Math.max(1, Math.floor(limit)));
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT time, latency_ms, uptime_pct, packet_loss, target_host, probe_type, metadata FROM metrics
        WHERE node_id = ${nodeId}::uuid
        ORDER BY time DESC LIMIT ${n}`,
  );
  return rows.map((r) => ({ ...toRawMetricRow(r), metadata: isObject(r.metadata) ? r.metadata : null }));
}

/** A `nodes` row as stored (tags and hardware_info keep NULL apart from empty, for audit snapshots). */
export interface NodeRow {
  nodeId: string;
  nodeName: string;
  displayName: string | null;
  country: string;
  region: string;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  isActive: boolean;
  lastSeenAt: Date | null;
  probeVersion: string | null;
  hardwareInfo: Record<string, unknown> | null;
  tags: string[] | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

/** The one reading of a `nodes` row's columns (numerics to numbers, JSONB checked). */
export function toNodeRow(r: Record<string, unknown>): NodeRow {
  return {
    nodeId: String(r.node_id),
    nodeName: String(r.node_name),
    displayName: (r.display_name as string | null) ?? null,
    country: String(r.country),
    region: String(r.region),
    city: (r.city as string | null) ?? null,
    latitude: toNumber(r.latitude),
    longitude: toNumber(r.longitude),
    // The spec's column is nullable; NULL reads as active, as on every page.
    isActive: r.is_active !== false,
    lastSeenAt: toDate(r.last_seen_at),
    probeVersion: (r.probe_version as string | null) ?? null,
    hardwareInfo: isObject(r.hardware_info) ? r.hardware_info : null,
    tags: Array.isArray(r.tags) ? r.tags.map(String) : null,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}
