import type { Db } from '../db/client';
import { errorMessage } from '../db/rows';
import { issueProbeKey } from '../keys/issue';
import { revokeProbeKeysByLabel } from '../keys/queries';
import { log } from '../log';
import { lastSeenByNode } from '../nodes/queries';
import type { PushSample } from '../ingest/schemas';
import { DEMO_NODES, type DemoNode } from '../../drizzle/seed/demo-nodes';
import { seededRandom, sampleAt, type IncidentKind } from '../../drizzle/seed/demo-samples';

const LABEL = 'demo-simulator';
const MINUTE = 60_000;
const MAX_BACKFILL_MS = 7 * 24 * 60 * MINUTE - 30 * MINUTE;
/** Probes that stay as the demo tells: Eldoret went silent, Addis Ababa is decommissioned. */
const SILENT = new Set(['probe-ke-eldoret-01', 'probe-et-addis-01']);

interface SimulatedProbe {
  node: DemoNode;
  key: string;
  rand: () => number;
  incident?: { kind: IncidentKind; untilMs: number };
}

/**
 * The live demo: every minute each demo probe pushes a sample through the real POST /api/push,
 * with a real probe key, now and then starting an incident. On start it first catches up on the
 * minutes the server was down, in batches, as a real probe coming back online would.
 */
export async function startDemoSimulator(db: Db, baseUrl: string): Promise<{ stop(): void }> {
  const logger = log().child({ logger: 'demo.simulator' });
  await revokeProbeKeysByLabel(db, LABEL);
  const lastSeen = await lastSeenByNode(db, DEMO_NODES.map((n) => n.nodeId));
  const probes: SimulatedProbe[] = [];
  for (const [i, node] of DEMO_NODES.entries()) {
    if (SILENT.has(node.nodeName) || !lastSeen.has(node.nodeId)) continue;
    const { key } = await issueProbeKey(db, node.nodeId, LABEL);
    probes.push({ node, key, rand: seededRandom(Date.now() + i) });
  }
  logger.info({ context: { probes: probes.length } }, 'demo probes pushing every minute through /api/push');

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const push = async (probe: SimulatedProbe, samples: PushSample[]) => {
    const res = await fetch(`${baseUrl}/api/push`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${probe.key}`,
        'content-type': 'application/json',
        'user-agent': `fiberstack-probe/${probe.node.probeVersion ?? '0.2.1'} (demo)`,
      },
      body: JSON.stringify(samples.length === 1 ? samples[0] : { samples }),
    });
    if (res.status !== 202) throw new Error(`push answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  };

  const backfill = async () => {
    const now = Math.floor(Date.now() / MINUTE) * MINUTE;
    for (const probe of probes) {
      const from = Math.max((lastSeen.get(probe.node.nodeId)?.getTime() ?? now) + MINUTE, now - MAX_BACKFILL_MS);
      const samples: PushSample[] = [];
      for (let t = Math.ceil(from / MINUTE) * MINUTE; t < now; t += MINUTE) samples.push(toPush(probe, t));
      for (let i = 0; i < samples.length && !stopped; i += 1000) await push(probe, samples.slice(i, i + 1000));
      if (samples.length > 0) logger.info({ node_id: probe.node.nodeId, context: { samples: samples.length } }, 'demo probe caught up');
    }
  };

  const tick = async () => {
    const t = Math.floor(Date.now() / MINUTE) * MINUTE;
    const results = await Promise.allSettled(probes.map((p) => push(p, [toPush(p, t)])));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) logger.warn({ context: { failed: failed.length, error: errorMessage((failed[0] as PromiseRejectedResult).reason) } }, 'demo pushes failed');
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void tick().finally(schedule), MINUTE - (Date.now() % MINUTE) + 1_000);
  };
  // The HTTP server starts listening after instrumentation returns: begin a few seconds later.
  timer = setTimeout(() => {
    void backfill()
      .catch((err) => logger.warn({ context: { error: errorMessage(err) } }, 'demo catch-up failed'))
      .finally(schedule);
  }, 5_000);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** One believable sample; now and then a probe drifts into an incident for 10–40 minutes. */
function toPush(probe: SimulatedProbe, t: number): PushSample {
  if (!probe.incident || probe.incident.untilMs <= t) {
    probe.incident = undefined;
    const r = probe.rand();
    if (r < 0.002) probe.incident = { kind: 'latency_spike', untilMs: t + (10 + probe.rand() * 30) * MINUTE };
    else if (r < 0.003) probe.incident = { kind: 'packet_loss', untilMs: t + (10 + probe.rand() * 30) * MINUTE };
    else if (r < 0.0035) probe.incident = { kind: 'outage', untilMs: t + (5 + probe.rand() * 15) * MINUTE };
  }
  // Never null: only the "silent" incident yields no sample, and simulated probes are never silent.
  const s = sampleAt(probe.node, t, probe.rand, probe.incident?.kind)!;
  return {
    node_id: probe.node.nodeId,
    country: probe.node.country,
    region: probe.node.region,
    timestamp: new Date(t).toISOString(),
    ...(s.latencyMs === null ? {} : { latency_ms: s.latencyMs }),
    ...(s.uptimePct === null ? {} : { uptime_pct: s.uptimePct }),
    ...(s.packetLoss === null ? {} : { packet_loss: s.packetLoss }),
    target_host: probe.node.target.host,
    probe_type: probe.node.target.probeType,
  };
}
