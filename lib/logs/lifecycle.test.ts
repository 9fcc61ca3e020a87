import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuditEntry } from '../audit/queries';
import { openDatabase, type Database } from '../db/client';
import { createNode, createProbeKey, deleteNode, revokeNodeProbeKey, setNodeActive, updateNode, type AuditActor } from '../nodes/admin';
import { EMPTY_NODE_FORM, type NodeFormInput } from '../nodes/admin-schema';
import { insertMissingNodes, markNodesSeen } from '../nodes/queries';
import { createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { announceAuditChanges, announceNodeTransitions, ingestStreamLagMs, lifecycleEventsJob } from './lifecycle';
import { createPostgresLogStore } from './postgres-store';
import { startLogShipping, stopLogShipping } from './shipper';
import type { EventDocument } from './types';

/*
 * The worker's announcements on PostgreSQL 15: node_down / node_up from last_seen_at, admin
 * changes from the audit trail, each once however many workers race for it.
 */

const MIN = 60_000;
const SEC = 1000;

describe('node_down / node_up on PostgreSQL 15', () => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  /** Two more pools on the same database: racing workers. */
  let others: Database[];
  const db = () => t.database.db;
  const t0 = Date.now();

  async function node(overrides: Parameters<typeof testNode>[0] = {}): Promise<{ nodeId: string; nodeName: string }> {
    const n = testNode(overrides);
    await insertMissingNodes(db(), [n]);
    return { nodeId: n.nodeId, nodeName: n.nodeName };
  }
  const seen = (nodeIds: string[], at: number) => markNodesSeen(db(), nodeIds.map((nodeId) => ({ nodeId, at: new Date(at), probeVersion: null })));

  /** `lag`: the ingest stream's lag, null when unknown. */
  async function detect(at: number, lag: number | null = 0, on: Database = t.database): Promise<EventDocument[]> {
    const events: EventDocument[] = [];
    await announceNodeTransitions(on.db, { now: new Date(at), ingestLagMs: lag ?? undefined, emit: (e) => events.push(e) });
    return events;
  }
  const about = (events: EventDocument[], nodeIds: string[]) => events.filter((e) => nodeIds.includes(e.node_id!));

  beforeAll(async () => {
    t = await createMigratedDatabase('postgres');
    others = await Promise.all([openDatabase({ url: t.url, poolMax: 2 }), openDatabase({ url: t.url, poolMax: 2 })]);
  });
  afterAll(async () => {
    await Promise.all((others ?? []).map((o) => o.close()));
    await t?.cleanup();
  });

  it('a node going silent produces one node_down; reporting again, one node_up; both reach the log store', async () => {
    const store = createPostgresLogStore(db(), t.mode);
    await store.setup();
    const shipper = startLogShipping({ store: async () => store, storeKind: 'postgres', intervalMs: 60_000 });
    try {
      const a = await node();
      await seen([a.nodeId], t0 - 30 * SEC);
      // First sight: recorded, nothing to announce.
      expect(about(await detect(t0), [a.nodeId])).toEqual([]);
      expect(about(await detect(t0 + 2 * MIN), [a.nodeId])).toEqual([]);

      const down = about(await detect(t0 + 4 * MIN), [a.nodeId]);
      expect(down).toEqual([
        {
          '@timestamp': new Date(t0 + 4 * MIN).toISOString(),
          event_type: 'node_down',
          node_id: a.nodeId,
          severity: 'critical',
          message: `${a.nodeName} stopped reporting (last sample 4 min 30 s ago)`,
          metadata: { node_name: a.nodeName, last_seen_at: new Date(t0 - 30 * SEC).toISOString(), silent_ms: 4 * MIN + 30 * SEC },
        },
      ]);
      expect(about(await detect(t0 + 5 * MIN), [a.nodeId])).toEqual([]);

      await seen([a.nodeId], t0 + 10 * MIN);
      const up = about(await detect(t0 + 10 * MIN + 5 * SEC), [a.nodeId]);
      expect(up).toEqual([
        expect.objectContaining({
          event_type: 'node_up',
          node_id: a.nodeId,
          severity: 'info',
          message: `${a.nodeName} is reporting again after 10 min 30 s of silence`,
        }),
      ]);
      expect(about(await detect(t0 + 11 * MIN), [a.nodeId])).toEqual([]);

      // The default emitter is the process's shipper: the events land in the store.
      await announceNodeTransitions(db(), { now: new Date(t0 + 15 * MIN), ingestLagMs: 0 });
      expect(await shipper.flush()).toBe(true);
      const stored = await store.searchEvents({ from: new Date(t0 - MIN), to: new Date(t0 + 20 * MIN), nodeId: a.nodeId, limit: 10 });
      expect(stored.hits.map((h) => h.doc.event_type)).toEqual(['node_down']);
    } finally {
      await stopLogShipping(1_000);
    }
  });

  it('a node never seen, and an inactive node, announce nothing', async () => {
    const never = await node();
    const inactive = await node({ isActive: false });
    await seen([inactive.nodeId], t0 - 30 * SEC);
    expect(about(await detect(t0), [never.nodeId, inactive.nodeId])).toEqual([]);
    expect(about(await detect(t0 + 60 * MIN), [never.nodeId, inactive.nodeId])).toEqual([]);
    const rows = await t.database.db.execute(sql`SELECT count(*)::int AS n FROM node_states WHERE node_id IN (${never.nodeId}::uuid, ${inactive.nodeId}::uuid)`);
    expect(Array.from(rows as unknown as { n: number }[])[0]!.n).toBe(0);
  });

  it('samples still waiting in the ingest stream are not silence; with the lag unknown, nobody is announced down', async () => {
    const b = await node();
    await seen([b.nodeId], t0);
    await detect(t0);
    // 5 min later, but the stream holds entries 4 min old: b may well have pushed since.
    expect(about(await detect(t0 + 5 * MIN, 4 * MIN), [b.nodeId])).toEqual([]);
    expect(about(await detect(t0 + 5 * MIN, null), [b.nodeId])).toEqual([]);
    expect(about(await detect(t0 + 5 * MIN, 0), [b.nodeId]).map((e) => e.event_type)).toEqual(['node_down']);
    // Coming back is announced even while the lag is unknown.
    await seen([b.nodeId], t0 + 6 * MIN);
    expect(about(await detect(t0 + 6 * MIN, null), [b.nodeId]).map((e) => e.event_type)).toEqual(['node_up']);
  });

  it('after the ingest path was blind (Redis down: every push refused), node_down waits until a whole threshold was watched', async () => {
    const [gone, back] = [await node(), await node()];
    await seen([gone.nodeId, back.nodeId], t0);
    await detect(t0);
    // Redis was unreachable until t0 + 4 min: both nodes look silent, but their pushes were refused.
    const blindAt = new Date(t0 + 4 * MIN);
    const judge = async (at: number) => {
      const events: EventDocument[] = [];
      const counts = await announceNodeTransitions(db(), { now: new Date(at), ingestLagMs: 0, blindAt, emit: (e) => events.push(e) });
      return { counts, events: about(events, [gone.nodeId, back.nodeId]) };
    };
    const held = await judge(t0 + 5 * MIN);
    expect(held.events).toEqual([]);
    expect(held.counts.downs_held_until).toBe(new Date(t0 + 7 * MIN).toISOString());
    // `back` pushes again once Redis is back (a probe retries, or sends what it buffered).
    await seen([back.nodeId], t0 + 5 * MIN + 30 * SEC);
    expect((await judge(t0 + 6 * MIN)).events).toEqual([]);
    // A whole threshold watched since: `gone` really is silent, `back` is not.
    const judged = await judge(t0 + 7 * MIN + SEC);
    expect(judged.counts.downs_held_until).toBeNull();
    expect(judged.events.map((e) => [e.event_type, e.node_id])).toEqual([['node_down', gone.nodeId]]);
  });

  it('three workers racing announce each transition exactly once', async () => {
    const nodes = await Promise.all(Array.from({ length: 12 }, () => node()));
    const ids = nodes.map((n) => n.nodeId);
    const base = t0 + 60 * MIN;
    await seen(ids, base);
    const race = async (at: number) => (await Promise.all([detect(at, 0), detect(at, 0, others[0]), detect(at, 0, others[1])])).flat();

    const first = about(await race(base + 10 * SEC), ids);
    expect(first).toEqual([]);
    const down = about(await race(base + 4 * MIN), ids);
    expect(down.map((e) => e.event_type)).toEqual(Array(12).fill('node_down'));
    expect(new Set(down.map((e) => e.node_id)).size).toBe(12);
    await seen(ids, base + 5 * MIN);
    const up = about(await race(base + 5 * MIN + SEC), ids);
    expect(up.map((e) => e.event_type)).toEqual(Array(12).fill('node_up'));
    expect(new Set(up.map((e) => e.node_id)).size).toBe(12);
    expect(about(await race(base + 6 * MIN), ids)).toEqual([]);
  });

  it('the job runs both announcements and reports what it did; an unreachable Redis is an unknown lag', async () => {
    const job = lifecycleEventsJob(db(), { lag: async () => 0 });
    expect(job).toMatchObject({ name: 'events:lifecycle', intervalMs: 30_000 });
    expect(await job.run()).toMatchObject({ ingest_lag_ms: 0, announced: expect.any(Number), down: expect.any(Number), up: expect.any(Number) });
    const started = Date.now();
    expect(await ingestStreamLagMs('redis://127.0.0.1:1')).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('the job holds node_down from its start, after a run that found Redis unreachable, and after its consumer failed', async () => {
    const quiet = await node();
    await seen([quiet.nodeId], t0);
    let clock = t0 + 10 * MIN; // quiet has been silent for 10 min when this worker starts
    let lag: number | undefined = 0;
    let consumerFailedAt: Date | undefined = undefined;
    const job = lifecycleEventsJob(db(), { lag: async () => lag, now: () => new Date(clock), ingestFailedAt: () => consumerFailedAt });
    const run = async (at: number) => {
      clock = at;
      return (await job.run()) as { downs_held_until: string | null };
    };
    const stateOf = async () =>
      String(Array.from((await db().execute(sql`SELECT state FROM node_states WHERE node_id = ${quiet.nodeId}::uuid`)) as unknown as { state: string }[])[0]?.state);
    // Just started: what happened before it ran was not watched.
    expect((await run(t0 + 10 * MIN + 30 * SEC)).downs_held_until).toBe(new Date(t0 + 13 * MIN).toISOString());
    expect(await stateOf()).not.toBe('down');
    await run(t0 + 13 * MIN + SEC);
    expect(await stateOf()).toBe('down');

    // Redis unreachable at one run: held for a threshold after that run.
    await seen([quiet.nodeId], t0 + 14 * MIN);
    await run(t0 + 14 * MIN);
    lag = undefined;
    await run(t0 + 16 * MIN);
    lag = 0;
    expect((await run(t0 + 18 * MIN)).downs_held_until).toBe(new Date(t0 + 19 * MIN).toISOString());
    expect(await stateOf()).toBe('up');
    await run(t0 + 19 * MIN + SEC);
    expect(await stateOf()).toBe('down');

    // The consumer failing (seen by every worker, whichever claims the run) holds it the same way.
    await seen([quiet.nodeId], t0 + 20 * MIN);
    await run(t0 + 20 * MIN);
    consumerFailedAt = new Date(t0 + 22 * MIN);
    expect((await run(t0 + 24 * MIN)).downs_held_until).toBe(new Date(t0 + 25 * MIN).toISOString());
    expect(await stateOf()).toBe('up');
  });
});

describe('admin changes → events, from the audit trail, on PostgreSQL 15', () => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let other: Database;
  const db = () => t.database.db;
  const actor: AuditActor = { actorId: 'user-ama', actorEmail: 'ama@noc.example', requestId: 'req-admin-events' };
  const form = (over: Partial<NodeFormInput> = {}): NodeFormInput => ({
    ...EMPTY_NODE_FORM,
    nodeName: 'probe-gh-accra-01',
    country: 'GH',
    region: 'Ghana',
    city: 'Accra',
    ...over,
  });
  async function announce(on: Database = t.database): Promise<EventDocument[]> {
    const events: EventDocument[] = [];
    await announceAuditChanges(on.db, { emit: (e) => events.push(e) });
    return events;
  }

  beforeAll(async () => {
    t = await createMigratedDatabase('postgres');
    other = await openDatabase({ url: t.url, poolMax: 2 });
  });
  afterAll(async () => {
    await other?.close();
    await t?.cleanup();
  });

  it('node and probe-key changes become events once, with who, the request and what changed, never a key', async () => {
    const created = await createNode(db(), form(), actor);
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const nodeId = created.node.nodeId;
    expect((await updateNode(db(), nodeId, form({ city: 'Tema', displayName: 'Tema 1' }), actor)).ok).toBe(true);
    expect((await setNodeActive(db(), nodeId, false, actor)).ok).toBe(true);
    expect((await setNodeActive(db(), nodeId, true, actor)).ok).toBe(true);
    const issued = await createProbeKey(db(), nodeId, 'rack 4', actor);
    if (!issued.ok) throw new Error('no key');
    expect((await revokeNodeProbeKey(db(), nodeId, issued.prefix, actor)).ok).toBe(true);
    expect((await deleteNode(db(), nodeId, 'probe-gh-accra-01', actor)).ok).toBe(true);

    const events = await announce();
    expect(events.map((e) => [e.event_type, e.node_id, e.severity, e.message])).toEqual([
      ['node_created', nodeId, 'info', 'Node probe-gh-accra-01 created by ama@noc.example'],
      ['node_updated', nodeId, 'info', 'Node probe-gh-accra-01 updated by ama@noc.example: city, display_name'],
      ['node_updated', nodeId, 'info', 'Node probe-gh-accra-01 deactivated by ama@noc.example'],
      ['node_updated', nodeId, 'info', 'Node probe-gh-accra-01 reactivated by ama@noc.example'],
      ['probe_key_issued', nodeId, 'info', `Probe key ${issued.prefix} issued by ama@noc.example`],
      ['probe_key_revoked', nodeId, 'info', `Probe key ${issued.prefix} revoked by ama@noc.example`],
      ['node_deleted', nodeId, 'info', 'Node probe-gh-accra-01 deleted by ama@noc.example'],
    ]);
    expect(events[1]!.metadata).toMatchObject({ action: 'node.update', actor: 'ama@noc.example', request_id: 'req-admin-events', changed: ['city', 'display_name'] });
    expect(events[4]!.metadata).toMatchObject({ key_prefix: issued.prefix, label: 'rack 4' });
    expect(JSON.stringify(events)).not.toContain(issued.key);
    expect(await announce()).toEqual([]);
  });

  it('a change that rolled back is never announced, one still open only once committed', async () => {
    const entry = (targetId: string) => ({ actorId: null, actorEmail: 'ama@noc.example', action: 'node.create', targetType: 'node' as const, targetId, after: { node_name: targetId }, requestId: null });
    await expect(
      db().transaction(async (tx) => {
        await insertAuditEntry(tx, entry('probe-rolled-back'));
        throw new Error('constraint violated after the audit entry');
      }),
    ).rejects.toThrow(/constraint violated/);

    let whileOpen: EventDocument[] = [];
    await db().transaction(async (tx) => {
      await insertAuditEntry(tx, entry('probe-committed-later'));
      whileOpen = await announce(other);
    });
    expect(whileOpen).toEqual([]);
    expect((await announce()).map((e) => e.message)).toEqual(['Node probe-committed-later created by ama@noc.example']);
  });

  it('workers racing for the same entries announce each once; actions that are not news are left alone', async () => {
    for (let i = 0; i < 30; i += 1) {
      await insertAuditEntry(db(), { actorId: null, actorEmail: null, action: 'node.create', targetType: 'node', targetId: `race-${i}`, after: { node_name: `race-${i}` }, requestId: null });
    }
    await insertAuditEntry(db(), { actorId: 'u', actorEmail: 'x@y', action: 'user.role', targetType: 'user', targetId: 'u2', requestId: null });
    const results = await Promise.all([announce(), announce(other), announce()]);
    const all = results.flat();
    expect(all).toHaveLength(30);
    expect(new Set(all.map((e) => e.message)).size).toBe(30);
    expect(all[0]!.message).toMatch(/^Node race-\d+ created by the command line$/);
  });
});
