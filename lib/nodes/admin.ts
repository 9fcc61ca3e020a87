import 'server-only';
import { insertAuditEntry, type AuditEntry } from '../audit/queries';
import type { Db } from '../db/client';
import { clearProbeKeyCache } from '../keys/authenticate';
import { issueProbeKey } from '../keys/issue';
import { findProbeKeyByPrefix, listProbeKeys, revokeProbeKey, type StoredProbeKey } from '../keys/queries';
import { nodeWriteErrors } from './admin-errors';
import * as q from './admin-queries';
import { probeKeyLabelSchema, validateNodeForm, type FieldErrors, type NodeFormInput } from './admin-schema';

/**
 * Node administration: validate with the form's schema, write, and record the change in the
 * audit log in the same transaction, so no change is ever stored without its entry (nor an
 * entry without its change). The server actions beside /admin/nodes are thin wrappers.
 */

/** Who acts, for the audit entries (requireActionUser's user and request id). */
export interface AuditActor {
  actorId: string | null;
  actorEmail: string | null;
  requestId: string | null;
}

export type Refused = { ok: false; errors: FieldErrors };
export type NodeResult = { ok: true; node: q.AdminNode } | Refused;

const GONE: Refused = { ok: false, errors: { form: 'This node no longer exists: someone may have deleted it.' } };

/** The row under its spec column names, as the audit log keeps it. */
export function nodeSnapshot(n: q.AdminNode) {
  return {
    node_id: n.nodeId,
    node_name: n.nodeName,
    display_name: n.displayName,
    country: n.country,
    region: n.region,
    city: n.city,
    latitude: n.latitude,
    longitude: n.longitude,
    is_active: n.isActive,
    last_seen_at: n.lastSeenAt?.toISOString() ?? null,
    probe_version: n.probeVersion,
    hardware_info: n.hardwareInfo,
    tags: n.tags,
    created_at: n.createdAt?.toISOString() ?? null,
    updated_at: n.updatedAt?.toISOString() ?? null,
  };
}

/** A key as the audit log may show it: its public prefix and label, never the secret or its hash. */
const keySnapshot = (k: StoredProbeKey) => ({
  node_id: k.nodeId,
  prefix: k.prefix,
  label: k.label,
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

type Entry = Omit<AuditEntry, 'actorId' | 'actorEmail' | 'requestId'>;
const audit = (db: Db, actor: AuditActor, entry: Entry) => insertAuditEntry(db, { ...actor, ...entry });

/** Runs a write; a data refusal by the database becomes field errors, anything else is thrown. */
async function refusable<T>(nodeName: string, run: () => Promise<T | Refused>, messages?: { foreignKey?: string }): Promise<T | Refused> {
  try {
    return await run();
  } catch (err) {
    const errors = nodeWriteErrors(err, nodeName, messages);
    if (!errors) throw err;
    return { ok: false, errors };
  }
}

export async function createNode(db: Db, input: NodeFormInput, actor: AuditActor): Promise<NodeResult> {
  const parsed = validateNodeForm(input);
  if (!parsed.ok) return parsed;
  return refusable(parsed.values.nodeName, () =>
    db.transaction(async (tx) => {
      const node = await q.insertNode(tx, parsed.values);
      await audit(tx, actor, { action: 'node.create', targetType: 'node', targetId: node.nodeId, after: nodeSnapshot(node) });
      return { ok: true as const, node };
    }),
  );
}

export async function updateNode(db: Db, nodeId: string, input: NodeFormInput, actor: AuditActor): Promise<NodeResult> {
  const parsed = validateNodeForm(input);
  if (!parsed.ok) return parsed;
  return refusable(parsed.values.nodeName, () =>
    db.transaction(async (tx) => {
      const before = await q.getNodeForAdmin(tx, nodeId, { forUpdate: true });
      const after = before && (await q.updateNode(tx, nodeId, parsed.values));
      if (!before || !after) return GONE;
      await audit(tx, actor, { action: 'node.update', targetType: 'node', targetId: nodeId, before: nodeSnapshot(before), after: nodeSnapshot(after) });
      return { ok: true as const, node: after };
    }),
  );
}

/** Deactivating keeps the node, its data and its keys; it only leaves the network figures. Setting the state it already has changes nothing. */
export async function setNodeActive(db: Db, nodeId: string, active: boolean, actor: AuditActor): Promise<NodeResult> {
  return db.transaction(async (tx) => {
    const before = await q.getNodeForAdmin(tx, nodeId, { forUpdate: true });
    if (!before) return GONE;
    if (before.isActive === active) return { ok: true as const, node: before };
    const after = (await q.setNodeActive(tx, nodeId, active))!;
    const action = active ? 'node.reactivate' : 'node.deactivate';
    await audit(tx, actor, { action, targetType: 'node', targetId: nodeId, before: nodeSnapshot(before), after: nodeSnapshot(after) });
    return { ok: true as const, node: after };
  });
}

/**
 * Deletes the node after the admin typed its name, with its metrics and probe keys (ON DELETE
 * CASCADE). The audit entry keeps the row and what went with it.
 */
export async function deleteNode(db: Db, nodeId: string, confirmation: string, actor: AuditActor): Promise<NodeResult> {
  const result = await refusable<{ ok: true; node: q.AdminNode }>(
    confirmation,
    () =>
      db.transaction(async (tx) => {
        const before = await q.getNodeForAdmin(tx, nodeId, { forUpdate: true });
        if (!before) return GONE;
        if (confirmation.trim() !== before.nodeName) {
          return { ok: false, errors: { confirmation: `Type the node name, ${before.nodeName}, exactly to confirm.` } };
        }
        const keys = await listProbeKeys(tx, nodeId);
        const metrics = await q.countNodeMetrics(tx, nodeId);
        await q.deleteNode(tx, nodeId);
        await audit(tx, actor, {
          action: 'node.delete',
          targetType: 'node',
          targetId: nodeId,
          before: { ...nodeSnapshot(before), deleted_with: { metrics, probe_keys: keys.map((k) => k.prefix) } },
        });
        return { ok: true as const, node: before };
      }),
    { foreignKey: 'This node has alerts, which are kept for the record, so it cannot be deleted. Deactivate it instead.' },
  );
  // Its keys are gone: this replica must stop accepting them now, not when the cache expires.
  if (result.ok) clearProbeKeyCache();
  return result;
}

export type KeyResult = { ok: true; key: string; prefix: string; label: string | null } | Refused;

/** Issues a key for the node; the returned `key` is the only time it exists in the clear (only its hash is stored). */
export async function createProbeKey(db: Db, nodeId: string, labelInput: string, actor: AuditActor): Promise<KeyResult> {
  const label = probeKeyLabelSchema.safeParse(labelInput);
  if (!label.success) return { ok: false, errors: { label: label.error.issues[0]!.message } };
  return refusable(
    '',
    () =>
      db.transaction(async (tx) => {
        if (!(await q.getNodeForAdmin(tx, nodeId, { forUpdate: true }))) return GONE;
        const { key, stored } = await issueProbeKey(tx, nodeId, label.data);
        await audit(tx, actor, { action: 'probe_key.create', targetType: 'probe_key', targetId: stored.prefix, after: keySnapshot(stored) });
        return { ok: true as const, key, prefix: stored.prefix, label: stored.label };
      }),
    { foreignKey: GONE.errors.form },
  );
}

export type RevokeResult = { ok: true; prefix: string } | Refused;

/** Revokes one of the node's keys; pushes with it are refused at once on this replica, within the key cache's 10 s on others. */
export async function revokeNodeProbeKey(db: Db, nodeId: string, prefix: string, actor: AuditActor): Promise<RevokeResult> {
  const result = await db.transaction(async (tx): Promise<RevokeResult> => {
    const before = await findProbeKeyByPrefix(tx, prefix);
    if (!before || before.nodeId !== nodeId) return { ok: false, errors: { form: `This node has no key ${prefix}.` } };
    if (before.revokedAt) return { ok: true, prefix };
    await revokeProbeKey(tx, prefix);
    const after = (await findProbeKeyByPrefix(tx, prefix))!;
    await audit(tx, actor, { action: 'probe_key.revoke', targetType: 'probe_key', targetId: prefix, before: keySnapshot(before), after: keySnapshot(after) });
    return { ok: true, prefix };
  });
  if (result.ok) clearProbeKeyCache();
  return result;
}
