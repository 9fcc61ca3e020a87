import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminNodeTable } from '@/components/admin/admin-node-table';
import { listAuditEntries } from '@/lib/audit/queries';
import { queryRows } from '@/lib/db/rows';
import { authenticatePush, clearProbeKeyCache } from '@/lib/keys/authenticate';
import { listProbeKeys } from '@/lib/keys/queries';
import { hashProbeKey } from '@/lib/keys/tokens';
import { insertMetricBatch } from '@/lib/metrics/queries';
import { createMigratedDatabase, type TestDatabase } from '@/lib/testing/databases';
import { createNode, createProbeKey, deleteNode, revokeNodeProbeKey, setNodeActive, updateNode, type AuditActor } from './admin';
import { getNodeForAdmin, listNodesForAdmin } from './admin-queries';
import { EMPTY_NODE_FORM, type NodeFormInput } from './admin-schema';

/** Node administration on PostgreSQL 15: each change, its audit entry, and the refusals that must not throw. */
const actor: AuditActor = { actorId: 'user-ama', actorEmail: 'ama@noc.example', requestId: 'req-admin-test' };
const form = (over: Partial<NodeFormInput> = {}): NodeFormInput => ({
  ...EMPTY_NODE_FORM,
  nodeName: 'probe-gh-accra-01',
  displayName: 'Accra Data Center 1',
  country: 'GH',
  region: 'Ghana',
  city: 'Accra',
  latitude: '5.6037',
  longitude: '-0.187',
  tags: ['tier1'],
  cpu: '2 cores',
  ...over,
});

describe('node administration', () => {
  let t: TestDatabase;
  const db = () => t.database.db;
  const count = async (table: 'nodes' | 'metrics' | 'probe_keys' | 'audit_log', nodeId?: string) => {
    const where = nodeId ? sql` WHERE ${sql.identifier(table === 'audit_log' ? 'target_id' : 'node_id')}::text = ${nodeId}` : sql``;
    const rows = await queryRows<{ n: string }>(db(), sql`SELECT count(*) AS n FROM ${sql.identifier(table)}${where}`);
    return Number(rows[0]!.n);
  };
  const entries = (targetId: string) => listAuditEntries(db(), { targetId, limit: 50 });
  const push = (key: string) => authenticatePush(db(), `Bearer ${key}`, undefined);

  beforeAll(async () => {
    t = await createMigratedDatabase('postgres');
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('creates a node and audits it with the stored row and the request id', async () => {
    const result = await createNode(db(), form({ hardwareJson: '{"disk": "32GB"}' }), actor);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const stored = (await getNodeForAdmin(db(), result.node.nodeId))!;
    expect(stored).toMatchObject({ nodeName: 'probe-gh-accra-01', latitude: 5.6037, longitude: -0.187, tags: ['tier1'], hardwareInfo: { disk: '32GB', cpu: '2 cores' } });
    const [entry] = await entries(stored.nodeId);
    expect(entry).toMatchObject({ action: 'node.create', targetType: 'node', outcome: 'success', actorId: 'user-ama', requestId: 'req-admin-test', before: null });
    expect(entry!.after).toMatchObject({ node_id: stored.nodeId, node_name: 'probe-gh-accra-01', latitude: 5.6037, tags: ['tier1'] });
  });

  it('refuses a duplicate node_name on the field, storing nothing and throwing nothing', async () => {
    const [nodes, audits] = [await count('nodes'), await count('audit_log')];
    const result = await createNode(db(), form({ displayName: 'Twin' }), actor);
    expect(result).toEqual({ ok: false, errors: { nodeName: expect.stringContaining('already exists') } });
    expect([await count('nodes'), await count('audit_log')]).toEqual([nodes, audits]);
  });

  it('refuses invalid input per field before touching the database', async () => {
    const result = await createNode(db(), form({ nodeName: 'probe-new', latitude: '91', country: 'gh' }), actor);
    expect(result.ok).toBe(false);
    expect(!result.ok && Object.keys(result.errors).sort()).toEqual(['country', 'latitude']);
    expect((await listNodesForAdmin(db())).map((n) => n.nodeName)).not.toContain('probe-new');
  });

  it('updates every field, moves updated_at, and audits before and after; a taken name is a field error', async () => {
    const other = await createNode(db(), form({ nodeName: 'probe-ng-lagos-01', country: 'NG', region: 'Nigeria' }), actor);
    if (!other.ok) throw new Error('setup');
    const before = other.node;
    const result = await updateNode(db(), before.nodeId, form({ nodeName: 'probe-ng-lagos-02', country: 'NG', region: 'Nigeria', city: '', tags: [], cpu: '', latitude: '', longitude: '' }), actor);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.node).toMatchObject({ nodeName: 'probe-ng-lagos-02', city: null, tags: null, hardwareInfo: null, latitude: null });
    expect(result.node.updatedAt!.getTime()).toBeGreaterThanOrEqual(before.updatedAt!.getTime());
    const [entry] = await entries(before.nodeId);
    expect(entry).toMatchObject({ action: 'node.update', requestId: 'req-admin-test' });
    expect(entry!.before).toMatchObject({ node_name: 'probe-ng-lagos-01', city: 'Accra', tags: ['tier1'] });
    expect(entry!.after).toMatchObject({ node_name: 'probe-ng-lagos-02', city: null, tags: null });

    const clash = await updateNode(db(), before.nodeId, form(), actor);
    expect(clash).toEqual({ ok: false, errors: { nodeName: expect.stringContaining('already exists') } });
    expect((await getNodeForAdmin(db(), before.nodeId))!.nodeName).toBe('probe-ng-lagos-02');
  });

  it('deactivates and reactivates, auditing each change once', async () => {
    const created = await createNode(db(), form({ nodeName: 'probe-ke-nairobi-01', country: 'KE', region: 'Kenya' }), actor);
    if (!created.ok) throw new Error('setup');
    const id = created.node.nodeId;
    expect(await setNodeActive(db(), id, false, actor)).toMatchObject({ ok: true, node: { isActive: false } });
    expect(await setNodeActive(db(), id, false, actor)).toMatchObject({ ok: true });
    expect(await setNodeActive(db(), id, true, actor)).toMatchObject({ ok: true, node: { isActive: true } });
    const actions = (await entries(id)).map((e) => [e.action, (e.before as { is_active: boolean } | null)?.is_active, (e.after as { is_active: boolean }).is_active]);
    expect(actions).toEqual([
      ['node.reactivate', false, true],
      ['node.deactivate', true, false],
      ['node.create', undefined, true],
    ]);
    expect(await setNodeActive(db(), '00000000-0000-4000-8000-000000000000', false, actor)).toMatchObject({ ok: false });
  });

  it('issues a key shown once (only its hash stored, audit without the secret), and a revoked key stops authenticating at once', async () => {
    const created = await createNode(db(), form({ nodeName: 'probe-keys-01' }), actor);
    if (!created.ok) throw new Error('setup');
    const id = created.node.nodeId;
    const issued = await createProbeKey(db(), id, '  rack 4 ', actor);
    if (!issued.ok) throw new Error(JSON.stringify(issued.errors));
    expect(issued.key).toMatch(/^fsp_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(issued).toMatchObject({ prefix: issued.key.slice(0, 12), label: 'rack 4' });

    const rows = await queryRows<Record<string, unknown>>(db(), sql`SELECT * FROM probe_keys WHERE node_id = ${id}::uuid`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_hash).toBe(hashProbeKey(issued.key));
    const secret = issued.key.split('_')[2]!;
    expect(JSON.stringify(rows)).not.toContain(secret);
    const audit = await queryRows<{ all: string }>(db(), sql`SELECT string_agg(row_to_json(a)::text, ' ') AS all FROM audit_log a`);
    expect(audit[0]!.all).not.toContain(secret);
    expect(audit[0]!.all).not.toContain(hashProbeKey(issued.key));
    const [entry] = await entries(issued.prefix);
    expect(entry).toMatchObject({ action: 'probe_key.create', targetType: 'probe_key', requestId: 'req-admin-test', after: { node_id: id, prefix: issued.prefix, label: 'rack 4', revoked_at: null } });

    expect(await push(issued.key)).toEqual({ kind: 'node', prefix: issued.prefix, nodeId: id });
    // Cached now; revoking must still take effect on this replica immediately.
    expect(await revokeNodeProbeKey(db(), id, issued.prefix, actor)).toEqual({ ok: true, prefix: issued.prefix });
    await expect(push(issued.key)).rejects.toMatchObject({ status: 401 });
    const [revoked] = await entries(issued.prefix);
    expect(revoked).toMatchObject({ action: 'probe_key.revoke', before: { revoked_at: null }, after: { prefix: issued.prefix, revoked_at: expect.any(String) } });
    expect((await listNodesForAdmin(db())).find((n) => n.nodeId === id)!.activeKeys).toBe(0);
  });

  it('refuses to revoke another node’s key, and a label past 100 characters', async () => {
    const a = await createNode(db(), form({ nodeName: 'probe-keys-a' }), actor);
    const b = await createNode(db(), form({ nodeName: 'probe-keys-b' }), actor);
    if (!a.ok || !b.ok) throw new Error('setup');
    const key = await createProbeKey(db(), a.node.nodeId, '', actor);
    if (!key.ok) throw new Error('setup');
    expect(key.label).toBeNull();
    expect(await revokeNodeProbeKey(db(), b.node.nodeId, key.prefix, actor)).toMatchObject({ ok: false, errors: { form: expect.any(String) } });
    expect((await listProbeKeys(db(), a.node.nodeId))[0]!.revokedAt).toBeNull();
    expect(await createProbeKey(db(), a.node.nodeId, 'x'.repeat(101), actor)).toMatchObject({ ok: false, errors: { label: expect.any(String) } });
    expect(await createProbeKey(db(), '00000000-0000-4000-8000-000000000000', 'gone', actor)).toMatchObject({ ok: false, errors: { form: expect.any(String) } });
  });

  it('deletes a node only with its name typed, taking its metrics and keys along, and audits what went', async () => {
    const created = await createNode(db(), form({ nodeName: 'probe-doomed-01' }), actor);
    if (!created.ok) throw new Error('setup');
    const id = created.node.nodeId;
    const key = await createProbeKey(db(), id, 'doomed', actor);
    if (!key.ok) throw new Error('setup');
    const now = Date.now();
    await insertMetricBatch(
      db(),
      [3, 2, 1].map((m) => ({ time: new Date(now - m * 60_000), nodeId: id, latencyMs: 20, uptimePct: 100, packetLoss: 0, targetHost: null, probeType: null, metadata: null })),
    );
    expect(await push(key.key)).toMatchObject({ nodeId: id });

    const wrong = await deleteNode(db(), id, 'probe-doomed', actor);
    expect(wrong).toMatchObject({ ok: false, errors: { confirmation: expect.stringContaining('probe-doomed-01') } });
    expect(await count('nodes', id)).toBe(1);

    expect(await deleteNode(db(), id, ' probe-doomed-01 ', actor)).toMatchObject({ ok: true });
    expect([await count('nodes', id), await count('metrics', id), await count('probe_keys', id)]).toEqual([0, 0, 0]);
    await expect(push(key.key)).rejects.toMatchObject({ status: 401 });
    const [entry] = await entries(id);
    expect(entry).toMatchObject({ action: 'node.delete', requestId: 'req-admin-test', after: null });
    expect(entry!.before).toMatchObject({ node_name: 'probe-doomed-01', deleted_with: { metrics: 3, probe_keys: [key.prefix] } });
    expect(await deleteNode(db(), id, 'probe-doomed-01', actor)).toMatchObject({ ok: false, errors: { form: expect.any(String) } });
  });

  it('refuses to delete a node that has alerts (their FK does not cascade) with a message, not a throw', async () => {
    const created = await createNode(db(), form({ nodeName: 'probe-alerted-01' }), actor);
    if (!created.ok) throw new Error('setup');
    const id = created.node.nodeId;
    await db().execute(sql`INSERT INTO alerts (node_id, alert_type, severity, message) VALUES (${id}::uuid, 'high_latency', 'warning', 'slow')`);
    const audits = await count('audit_log');
    expect(await deleteNode(db(), id, 'probe-alerted-01', actor)).toMatchObject({ ok: false, errors: { form: expect.stringContaining('alerts') } });
    expect([await count('nodes', id), await count('audit_log')]).toEqual([1, audits]);
  });

  it('stores markup in names and tags as text, and the admin table renders it as text', async () => {
    clearProbeKeyCache();
    const xss = '<img src=x onerror=alert(1)>';
    const created = await createNode(db(), form({ nodeName: xss, displayName: '', tags: ['<script>alert(2)</script>'] }), actor);
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    expect(created.node.nodeName).toBe(xss);
    const html = renderToStaticMarkup(createElement(AdminNodeTable, { nodes: await listNodesForAdmin(db()), now: new Date() }));
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).not.toMatch(/<img|<script/);
  });
});

describe('node administration on PGlite + TimescaleDB (the embedded default)', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createMigratedDatabase('pglite');
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('maps its constraint errors the same way and cascades a delete into the hypertable', async () => {
    const db = t.database.db;
    expect(t.mode).toBe('timescaledb');
    const created = await createNode(db, form(), actor);
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    expect(await createNode(db, form(), actor)).toEqual({ ok: false, errors: { nodeName: expect.stringContaining('already exists') } });
    const id = created.node.nodeId;
    await insertMetricBatch(db, [
      { time: new Date(Date.now() - 60_000), nodeId: id, latencyMs: 20, uptimePct: 100, packetLoss: 0, targetHost: null, probeType: null, metadata: null },
    ]);
    expect(await deleteNode(db, id, 'probe-gh-accra-01', actor)).toMatchObject({ ok: true });
    const rows = await queryRows<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM metrics WHERE node_id = ${id}::uuid`);
    expect(Number(rows[0]!.n)).toBe(0);
  });
});
