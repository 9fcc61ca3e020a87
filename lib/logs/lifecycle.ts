import { Redis } from 'ioredis';
import { config } from '../config';
import type { Db } from '../db/client';
import { DOWN_AFTER_MS } from '../nodes/status';
import { queueStats } from '../queue/stream';
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
 *   unknown (Redis unreachable) no node is announced down.
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
}

export async function announceNodeTransitions(db: Db, options: NodeStateOptions): Promise<{ recorded: number; down: number; up: number }> {
  const now = options.now ?? new Date();
  const emit = options.emit ?? emitEvent;
  const allowDown = options.ingestLagMs !== undefined;
  const asOf = new Date(now.getTime() - (options.ingestLagMs ?? 0));
  const recorded = await recordFirstNodeStates(db, now, asOf, DOWN_AFTER_MS, allowDown);
  const transitions = await claimNodeTransitions(db, now, asOf, DOWN_AFTER_MS, allowDown);
  for (const t of transitions) emit(nodeTransitionEvent(t, now));
  const down = transitions.filter((t) => t.state === 'down').length;
  return { recorded, down, up: transitions.length - down };
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
 * their own); undefined when Redis does not answer within a second.
 */
export async function ingestStreamLagMs(url: string = config().REDIS_URL): Promise<number | undefined> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null, connectionName: 'fiberstack:events' });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await queueStats(redis)).lagMs;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** The worker's job (worker/jobs.ts): node transitions and admin changes, every 30 s, once across workers. */
export function lifecycleEventsJob(db: Db, lag: () => Promise<number | undefined> = () => ingestStreamLagMs()) {
  return {
    name: 'events:lifecycle',
    intervalMs: 30_000,
    run: async () => {
      const ingestLagMs = await lag();
      const nodes = await announceNodeTransitions(db, { ingestLagMs });
      const audit = await announceAuditChanges(db);
      return { ...nodes, ...audit, ingest_lag_ms: ingestLagMs ?? null };
    },
  };
}
