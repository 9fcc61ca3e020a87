import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { pgArray, queryRows, toDate, toNumber } from '../db/rows';
import type { AuditFacts, NodeTransitionFacts } from './events';

/*
 * The SQL of the worker's announcements (lib/logs/lifecycle.ts), on the tables of migration 7.
 * Each statement claims what it returns: of several workers running it at once, one gets each
 * row back, because a row lock (UPDATE) or a primary key (INSERT … ON CONFLICT DO NOTHING)
 * decides between them.
 */

/**
 * The state each active, once-seen node is in at `asOf`: down when its newest sample is
 * strictly older than `downAfterMs` (lib/nodes/status.ts's rule), up otherwise. With
 * `allowDown` false (the ingest backlog is unknown), nodes that look down are left out.
 */
const observed = (asOf: Date, downAfterMs: number, allowDown: boolean) => sql`
  SELECT node_id, node_name, last_seen_at,
         CASE WHEN last_seen_at < ${new Date(asOf.getTime() - downAfterMs).toISOString()}::timestamptz THEN 'down' ELSE 'up' END AS state
  FROM nodes
  WHERE is_active AND last_seen_at IS NOT NULL
    AND (${allowDown}::boolean OR last_seen_at >= ${new Date(asOf.getTime() - downAfterMs).toISOString()}::timestamptz)`;

/** Nodes seen for the first time: their state is recorded, not announced (nothing changed). */
export async function recordFirstNodeStates(db: Db, now: Date, asOf: Date, downAfterMs: number, allowDown: boolean): Promise<number> {
  const rows = await queryRows(
    db,
    sql`INSERT INTO node_states (node_id, state, changed_at, last_seen_at)
        SELECT o.node_id, o.state, ${now.toISOString()}::timestamptz, o.last_seen_at
        FROM (${observed(asOf, downAfterMs, allowDown)}) o
        WHERE NOT EXISTS (SELECT 1 FROM node_states s WHERE s.node_id = o.node_id)
        ON CONFLICT (node_id) DO NOTHING
        RETURNING node_id`,
  );
  return rows.length;
}

/**
 * Claims every change of state: the UPDATE's `state <> new` is checked again on the row it
 * locked, so a worker that lost the race to the same row updates nothing and returns nothing.
 * `p` is the row as it was (the previous state's time and newest sample, for node_up).
 */
export async function claimNodeTransitions(db: Db, now: Date, asOf: Date, downAfterMs: number, allowDown: boolean): Promise<NodeTransitionFacts[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`UPDATE node_states s
        SET state = o.state, changed_at = ${now.toISOString()}::timestamptz, last_seen_at = o.last_seen_at
        FROM (${observed(asOf, downAfterMs, allowDown)}) o, node_states p
        WHERE s.node_id = o.node_id AND p.node_id = s.node_id AND s.state <> o.state
        RETURNING s.node_id, s.state, o.node_name, o.last_seen_at, p.changed_at AS previous_changed_at, p.last_seen_at AS previous_last_seen_at`,
  );
  return rows.map((r) => ({
    nodeId: String(r.node_id),
    nodeName: String(r.node_name),
    state: r.state === 'down' ? 'down' : 'up',
    lastSeenAt: toDate(r.last_seen_at)!,
    previousChangedAt: toDate(r.previous_changed_at)!,
    previousLastSeenAt: toDate(r.previous_last_seen_at),
  }));
}

/**
 * Claims up to `limit` committed, successful audit entries of these actions since `since` that
 * no one announced yet. Only committed entries are visible here, so a change whose transaction
 * rolled back is never announced.
 */
export async function claimAuditEntries(db: Db, actions: string[], since: Date, limit: number): Promise<AuditFacts[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`WITH claimed AS (
          INSERT INTO audit_announcements (audit_id)
          SELECT a.audit_id FROM audit_log a
          WHERE a.at >= ${since.toISOString()}::timestamptz AND a.action = ANY(${pgArray(actions)}::text[]) AND a.outcome = 'success'
            AND NOT EXISTS (SELECT 1 FROM audit_announcements x WHERE x.audit_id = a.audit_id)
          ORDER BY a.audit_id
          LIMIT ${limit}
          ON CONFLICT (audit_id) DO NOTHING
          RETURNING audit_id
        )
        SELECT a.audit_id, a.at, a.actor_email, a.action, a.target_id, a.before, a.after, a.request_id
        FROM audit_log a JOIN claimed c ON c.audit_id = a.audit_id
        ORDER BY a.audit_id`,
  );
  return rows.map((r) => ({
    auditId: toNumber(r.audit_id)!,
    at: toDate(r.at)!,
    actorEmail: (r.actor_email as string | null) ?? null,
    action: String(r.action),
    targetId: (r.target_id as string | null) ?? null,
    before: jsonValue(r.before),
    after: jsonValue(r.after),
    requestId: (r.request_id as string | null) ?? null,
  }));
}

/** JSONB as the driver gave it: parsed already (postgres.js, PGlite), or text from some paths. */
function jsonValue(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** Claims older than the look-back window are no longer needed to tell old from new. */
export async function forgetAuditAnnouncementsBefore(db: Db, cutoff: Date): Promise<number> {
  const rows = await queryRows(db, sql`DELETE FROM audit_announcements WHERE announced_at < ${cutoff.toISOString()}::timestamptz RETURNING audit_id`);
  return rows.length;
}
