import { Redis } from 'ioredis';
import { config } from '../config';
import type { Db } from '../db/client';
import { DOWN_AFTER_MS } from '../nodes/status';
import { pushPathAlive, queueStats } from '../queue/stream';
import { AUDIT_EVENT_TYPES, auditEvent, emitEvent, nodeTransitionEvent } from './events';
import { claimAuditEntries, claimNodeTransitions, forgetAuditAnnouncementsBefore, recordFirstNodeStates } from './lifecycle-queries';
import type { EventDocument } from './types';

/**
 * What the worker announces as events (issue 6), from the database, so that any number of
 * workers announce each change exactly once and a restart neither repeats nor loses one:
 *
 * - node_down / node_up: a node is down when active and its newest sample (nodes.last_seen_at)
 *   is older than lib/nodes/status.ts's DOWN_AFTER_MS, the rule every page shows. The last
 *   announced state is in `node_states`; a transition is claimed with an UPDATE … WHERE state
 *   <> new. A node never seen, or inactive, is not announced. A node's first observed state is
 *   recorded silently. Samples still waiting in the ingest stream are not silence: the
 *   judgement is made as of the oldest entry waiting (now − stream lag), so a worker catching
 *   up on a backlog (after a restart, say) does not announce every node down; when the lag is
 *   unknown (Redis unreachable, or no web process taking pushes) no node is announced down.
 *   Nor for DOWN_AFTER_MS after the ingest path was last seen unavailable (those two, or the
 *   worker not yet running): while pushes were refused, every node looks silent once they are
 *   taken again though none of them was; a probe that is really gone is announced once that
 *   grace ends.
 * - node_created / node_updated / node_deleted / probe_key_issued / probe_key_revoked: from
 *   the audit trail, once committed (announcing from inside the admin's transaction could
 *   announce a change that then rolled back), claimed in `audit_announcements`.
 */

/** Audit entries older than this when first seen are not announced (a worker that was away for longer). */
export const AUDIT_LOOKBACK_MS = 24 * 3_600_000;
const AUDIT_BATCH = 500;

export interface AnnounceOptions {
  now?: Date;
  /** Where the events go (default: this process's shipper). */
  emit?: (event: EventDocument) => void;
}

export interface NodeStateOptions extends AnnounceOptions {
  /** Age of the oldest entry waiting in the ingest stream (ms); undefined when unknown. */
  ingestLagMs: number | undefined;
  /**
   * The last moment the ingest path could not be watched: Redis unreachable or no web process
   * taking pushes (pushes were refused), or before this worker ran. Silence that overlaps it proves nothing, so no node is
   * announced down until DOWN_AFTER_MS of watched time has passed since.
   */
  blindAt?: Date;
}

export interface NodeTransitionCounts {
  recorded: number;
  down: number;
  up: number;
  /** While node_down is held back after a blind spot (ISO 8601); null when it is not. */
  downs_held_until: string | null;
}

export async function announceNodeTransitions(db: Db, options: NodeStateOptions): Promise<NodeTransitionCounts> {
  const now = options.now ?? new Date();
  const emit = options.emit ?? emitEvent;
  const asOf = new Date(now.getTime() - (options.ingestLagMs ?? 0));
  // The silence judged is (asOf − DOWN_AFTER_MS, asOf]: every moment of it must have been watched.
  const heldUntil = options.blindAt && options.blindAt.getTime() + DOWN_AFTER_MS >= asOf.getTime() ? new Date(options.blindAt.getTime() + DOWN_AFTER_MS) : undefined;
  const allowDown = options.ingestLagMs !== undefined && heldUntil === undefined;
  const recorded = await recordFirstNodeStates(db, now, asOf, DOWN_AFTER_MS, allowDown);
  const transitions = await claimNodeTransitions(db, now, asOf, DOWN_AFTER_MS, allowDown);
  for (const t of transitions) emit(nodeTransitionEvent(t, now));
  const down = transitions.filter((t) => t.state === 'down').length;
  return { recorded, down, up: transitions.length - down, downs_held_until: heldUntil?.toISOString() ?? null };
}

export async function announceAuditChanges(db: Db, options: AnnounceOptions = {}): Promise<{ announced: number }> {
  const now = options.now ?? new Date();
  const emit = options.emit ?? emitEvent;
  const actions = Object.keys(AUDIT_EVENT_TYPES);
  let announced = 0;
  for (;;) {
    const entries = await claimAuditEntries(db, actions, new Date(now.getTime() - AUDIT_LOOKBACK_MS), AUDIT_BATCH);
    for (const entry of entries) {
      const event = auditEvent(entry);
      if (event) emit(event);
    }
    announced += entries.length;
    if (entries.length < AUDIT_BATCH) break;
  }
  // A claim must outlive the look-back window, or its entry would look new again.
  await forgetAuditAnnouncementsBefore(db, new Date(now.getTime() - 2 * AUDIT_LOOKBACK_MS));
  return { announced };
}

/**
 * The ingest stream's lag, from a short-lived connection (the jobs have no Redis client of
 * their own); undefined when it is unknown: Redis does not answer within a second, or no web
 * process takes pushes (its beacon, PUSH_PATH_KEY, has expired: down, or restarting).
 */
export async function ingestStreamLagMs(url: string = config().REDIS_URL): Promise<number | undefined> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null, connectionName: 'fiberstack:events' });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const [stats, taking] = await Promise.all([queueStats(redis), pushPathAlive(redis)]);
    return taking ? stats.lagMs : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

export interface LifecycleJobOptions {
  /** The ingest stream's lag; undefined when unknown (default: ingestStreamLagMs). */
  lag?: () => Promise<number | undefined>;
  /** When this worker's stream consumer last failed to reach Redis or the database (worker/consumer.ts). */
  ingestFailedAt?: () => Date | undefined;
  now?: () => Date;
}

/**
 * The worker's job (worker/jobs.ts): node transitions and admin changes, every 30 s, once across
 * workers. Each worker keeps its own blind spot: its start, the runs that found the lag
 * unknown, and its consumer's failures, which every worker sees for itself (so whichever
 * worker claims the first run after an outage knows of it).
 */
export function lifecycleEventsJob(db: Db, options: LifecycleJobOptions = {}) {
  const lag = options.lag ?? (() => ingestStreamLagMs());
  const clock = options.now ?? (() => new Date());
  let blindAt = clock();
  return {
    name: 'events:lifecycle',
    intervalMs: 30_000,
    run: async () => {
      const ingestLagMs = await lag();
      const now = clock();
      if (ingestLagMs === undefined) blindAt = now;
      const failedAt = options.ingestFailedAt?.();
      if (failedAt && failedAt > blindAt) blindAt = failedAt;
      const nodes = await announceNodeTransitions(db, { now, ingestLagMs, blindAt });
      const audit = await announceAuditChanges(db);
      return { ...nodes, ...audit, ingest_lag_ms: ingestLagMs ?? null };
    },
  };
}
