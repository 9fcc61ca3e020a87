import { auditDiff } from '../audit/diff';
import { shipEvent } from './shipper';
import type { EventDocument } from './types';

/**
 * System events (the spec's fiber-events documents, issue 6) and how each is worded. Events go
 * to the log store only (through the shipper's events queue), never to stdout: the services'
 * own log lines already say what happened there.
 */

export type EventInput = Omit<EventDocument, '@timestamp'> & { '@timestamp'?: string };

/** Hands the event to this process's shipper; nothing when the process does not ship. Never waits, never throws. */
export function emitEvent(event: EventInput): void {
  shipEvent({ ...event, '@timestamp': event['@timestamp'] ?? new Date().toISOString() });
}

/** "3 min 12 s", "2 h 5 min", "45 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export interface NodeTransitionFacts {
  nodeId: string;
  nodeName: string;
  state: 'up' | 'down';
  /** The node's newest sample. */
  lastSeenAt: Date;
  /** The newest sample when the node was last announced down (for node_up). */
  previousLastSeenAt: Date | null;
  /** When the node was announced down (for node_up). */
  previousChangedAt: Date;
}

export function nodeTransitionEvent(t: NodeTransitionFacts, now: Date): EventDocument {
  const base = { '@timestamp': now.toISOString(), node_id: t.nodeId };
  if (t.state === 'down') {
    const silentMs = now.getTime() - t.lastSeenAt.getTime();
    return {
      ...base,
      event_type: 'node_down',
      severity: 'critical',
      message: `${t.nodeName} stopped reporting (last sample ${formatDuration(silentMs)} ago)`,
      metadata: { node_name: t.nodeName, last_seen_at: t.lastSeenAt.toISOString(), silent_ms: silentMs },
    };
  }
  const since = t.previousLastSeenAt ?? t.previousChangedAt;
  const silentMs = t.lastSeenAt.getTime() - since.getTime();
  return {
    ...base,
    event_type: 'node_up',
    severity: 'info',
    message: `${t.nodeName} is reporting again after ${formatDuration(silentMs)} of silence`,
    metadata: {
      node_name: t.nodeName,
      last_seen_at: t.lastSeenAt.toISOString(),
      down_since: t.previousChangedAt.toISOString(),
      previous_sample_at: t.previousLastSeenAt?.toISOString() ?? null,
      silent_ms: silentMs,
    },
  };
}

/** Admin changes announced as events: audit action → event type. */
export const AUDIT_EVENT_TYPES: Readonly<Record<string, string>> = {
  'node.create': 'node_created',
  'node.update': 'node_updated',
  'node.deactivate': 'node_updated',
  'node.reactivate': 'node_updated',
  'node.delete': 'node_deleted',
  'probe_key.create': 'probe_key_issued',
  'probe_key.revoke': 'probe_key_revoked',
};

export interface AuditFacts {
  auditId: number;
  at: Date;
  actorEmail: string | null;
  action: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** Bookkeeping columns every update changes: not news. */
const NOT_CHANGES = new Set(['updated_at', 'last_seen_at']);

/**
 * The event for an audit entry, or undefined for actions that are not announced. The metadata
 * names who, the request, and what changed (field names only: a node's values are in the audit
 * trail, and a key's snapshot there is its public prefix and label, never the secret).
 */
export function auditEvent(entry: AuditFacts): EventDocument | undefined {
  const eventType = AUDIT_EVENT_TYPES[entry.action];
  if (!eventType) return undefined;
  const before = isRecord(entry.before) ? entry.before : {};
  const after = isRecord(entry.after) ? entry.after : {};
  const by = entry.actorEmail ?? 'the command line';
  const metadata: Record<string, unknown> = { action: entry.action, actor: entry.actorEmail, request_id: entry.requestId, audit_id: entry.auditId };
  let nodeId: string | undefined;
  let message: string;
  if (entry.action.startsWith('node.')) {
    nodeId = entry.targetId ?? str(after.node_id) ?? str(before.node_id);
    const name = str(after.node_name) ?? str(before.node_name) ?? nodeId ?? 'a node';
    metadata.node_name = name;
    const verb = { 'node.create': 'created', 'node.update': 'updated', 'node.deactivate': 'deactivated', 'node.reactivate': 'reactivated', 'node.delete': 'deleted' }[entry.action];
    message = `Node ${name} ${verb} by ${by}`;
    if (entry.action === 'node.update') {
      const changed = auditDiff(before, after)
        .map((c) => c.key)
        .filter((k) => !NOT_CHANGES.has(k))
        .sort();
      metadata.changed = changed;
      if (changed.length > 0) message += `: ${changed.join(', ')}`;
    }
  } else {
    const key = isRecord(entry.after) ? after : before;
    nodeId = str(key.node_id);
    const prefix = str(key.prefix) ?? entry.targetId ?? 'unknown';
    metadata.key_prefix = prefix;
    if (str(key.label)) metadata.label = key.label;
    message = `Probe key ${prefix} ${entry.action === 'probe_key.create' ? 'issued' : 'revoked'} by ${by}`;
  }
  return { '@timestamp': entry.at.toISOString(), event_type: eventType, ...(nodeId ? { node_id: nodeId } : {}), severity: 'info', message, metadata };
}

export interface DeadLetterFacts {
  entryId: string;
  reason: string;
  requestId?: string;
  nodeId?: string;
}

export function deadLetterEvent(d: DeadLetterFacts): EventDocument {
  return {
    '@timestamp': new Date().toISOString(),
    event_type: 'ingest_dead_letter',
    ...(d.nodeId ? { node_id: d.nodeId } : {}),
    severity: 'warning',
    message: `A pushed sample was dead-lettered: ${d.reason}`,
    metadata: { entry_id: d.entryId, reason: d.reason, request_id: d.requestId ?? null },
  };
}
