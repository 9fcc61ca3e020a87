/**
 * Node status, derived — never stored — from the node row and its newest sample, by this one
 * function wherever a status is shown or filtered on (API, pages, map), so it never disagrees
 * with itself. Rules, first match wins:
 *
 * 1. `inactive` — `is_active = false` (decommissioned); wins over everything else.
 * 2. `down`     — no sample for DOWN_AFTER_INTERVALS push intervals: the newest sample is more
 *                 than DOWN_AFTER_MS old, or there is none at all.
 * 3. `degraded` — the newest sample is over a threshold: latency_ms > 250, packet_loss > 2 (%)
 *                 or uptime_pct < 99. A value the probe did not report (NULL) trips nothing.
 * 4. `up`       — otherwise.
 *
 * The README's "Node status" section says the same; change both together.
 */
export const NODE_STATUSES = ['up', 'degraded', 'down', 'inactive'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** Probes push a sample every minute. */
export const PUSH_INTERVAL_MS = 60_000;
export const DOWN_AFTER_INTERVALS = 3;
/** Down when the newest sample is strictly older than this (180 s). */
export const DOWN_AFTER_MS = DOWN_AFTER_INTERVALS * PUSH_INTERVAL_MS;
/** Degraded above this round-trip latency (ms). */
export const DEGRADED_LATENCY_MS = 250;
/** Degraded above this packet loss (%). */
export const DEGRADED_PACKET_LOSS_PCT = 2;
/** Degraded below this uptime (%). */
export const DEGRADED_UPTIME_PCT = 99;

export interface LatestValues {
  latencyMs: number | null;
  uptimePct: number | null;
  packetLoss: number | null;
}

export interface StatusInput {
  isActive: boolean;
  /** Time of the node's newest stored sample; null when it has none. */
  lastSampleAt: Date | null;
  /** The values of that newest sample. */
  latest: LatestValues | null;
}

export function deriveNodeStatus({ isActive, lastSampleAt, latest }: StatusInput, now: Date): NodeStatus {
  if (!isActive) return 'inactive';
  if (!lastSampleAt || now.getTime() - lastSampleAt.getTime() > DOWN_AFTER_MS) return 'down';
  if (latest && isDegraded(latest)) return 'degraded';
  return 'up';
}

function isDegraded({ latencyMs, uptimePct, packetLoss }: LatestValues): boolean {
  return (
    (latencyMs !== null && latencyMs > DEGRADED_LATENCY_MS) ||
    (packetLoss !== null && packetLoss > DEGRADED_PACKET_LOSS_PCT) ||
    (uptimePct !== null && uptimePct < DEGRADED_UPTIME_PCT)
  );
}

/** The status of a node as the node queries return it (its newest sample carries its time). */
export function statusOfNode(
  node: { isActive: boolean; latest: (LatestValues & { time: Date }) | null },
  now: Date,
): NodeStatus {
  return deriveNodeStatus({ isActive: node.isActive, lastSampleAt: node.latest?.time ?? null, latest: node.latest }, now);
}

/** How many nodes are in each status (every status present, zero when none). */
export function countByStatus(statuses: Iterable<NodeStatus>): Record<NodeStatus, number> {
  const counts: Record<NodeStatus, number> = { up: 0, degraded: 0, down: 0, inactive: 0 };
  for (const s of statuses) counts[s] += 1;
  return counts;
}
