import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMetricBatch, type MetricSample } from '../metrics/queries';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { insertMissingNodes, listNodesWithLatestSample, markNodesSeen, type NodeInput } from './queries';

/**
 * listNodesWithLatestSample looks for a node's newest sample from its last_seen_at up, which the
 * worker moves to the newest sample's time capped at its own clock (worker/consumer.ts). These
 * are the cases where last_seen_at and the newest sample differ, on both engines.
 */

const MIN = 60_000;
const NOW = Date.now();

const sample = (node: NodeInput, time: number, latencyMs: number): MetricSample => ({
  time: new Date(time),
  nodeId: node.nodeId,
  latencyMs,
  uptimePct: 100,
  packetLoss: 0,
  targetHost: 'example.net',
  probeType: 'ping',
  metadata: null,
});

const fast = testNode({ nodeName: 'probe-fast-clock' });
const late = testNode({ nodeName: 'probe-late-batch' });
const silent = testNode({ nodeName: 'probe-silent' });
const unseen = testNode({ nodeName: 'probe-never-marked' });
const empty = testNode({ nodeName: 'probe-no-samples' });

describe.each(STORAGE_CASES)('newest sample per node: $name', ({ engine }) => {
  let t: TestDatabase;
  const latestOf = async (node: NodeInput) => {
    const nodes = await listNodesWithLatestSample(t.database.db);
    return nodes.find((n) => n.nodeId === node.nodeId)?.latest ?? null;
  };

  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    const db = t.database.db;
    await insertMissingNodes(db, [fast, late, silent, unseen, empty]);
    await insertMetricBatch(db, [
      sample(fast, NOW - MIN, 10),
      // Four minutes ahead of the server's clock: accepted (up to 5), last_seen_at stops at now.
      sample(fast, NOW + 4 * MIN, 11),
      sample(late, NOW - 30_000, 20),
      sample(silent, NOW - 180 * MIN, 30),
      sample(silent, NOW - 181 * MIN, 31),
      sample(unseen, NOW - 2 * MIN, 40),
    ]);
    // As the worker marks them: each node's newest sample time, never after its own clock.
    await markNodesSeen(db, [
      { nodeId: fast.nodeId, at: new Date(NOW), probeVersion: null },
      { nodeId: late.nodeId, at: new Date(NOW - 30_000), probeVersion: null },
      { nodeId: silent.nodeId, at: new Date(NOW - 180 * MIN), probeVersion: null },
    ]);
    // A late batch from a probe that was offline: older than what the node already reported.
    await insertMetricBatch(db, [sample(late, NOW - 120 * MIN, 21)]);
  });
  afterAll(() => t?.cleanup());

  it('a probe clock running ahead of the server: its newest sample, after last_seen_at', async () => {
    expect(await latestOf(fast)).toMatchObject({ time: new Date(NOW + 4 * MIN), latencyMs: 11 });
  });

  it('a late sample does not replace the newest one', async () => {
    expect(await latestOf(late)).toMatchObject({ time: new Date(NOW - 30_000), latencyMs: 20 });
  });

  it('a node silent for hours: its last sample, found in the partition or chunk that holds it', async () => {
    expect(await latestOf(silent)).toMatchObject({ time: new Date(NOW - 180 * MIN), latencyMs: 30 });
  });

  it('a node whose samples the worker never marked (last_seen_at NULL) is searched in full', async () => {
    expect(await latestOf(unseen)).toMatchObject({ time: new Date(NOW - 2 * MIN), latencyMs: 40 });
  });

  it('a node without samples has none', async () => {
    const nodes = await listNodesWithLatestSample(t.database.db);
    expect(nodes.find((n) => n.nodeId === empty.nodeId)).toMatchObject({ lastSeenAt: null, latest: null });
  });
});
