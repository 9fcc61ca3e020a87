import type { Db } from '../db/client';
import { errorMessage } from '../db/rows';
import { issueProbeKey } from '../keys/issue';
import { revokeProbeKeysByLabel } from '../keys/queries';
import { log } from '../log';
import { lastSeenByNode } from '../nodes/queries';
import type { PushSample } from '../ingest/schemas';
import { DEMO_NODES, type DemoNode } from '../../drizzle/seed/demo-nodes';
import { DEMO_INCIDENTS, seededRandom, sampleAt, type IncidentKind } from '../../drizzle/seed/demo-samples';

/** The label of the simulator's probe keys; a start revokes the previous run's. */
export const DEMO_KEY_LABEL = 'demo-simulator';
const MINUTE = 60_000;
const MAX_BACKFILL_MS = 7 * 24 * 60 * MINUTE - 30 * MINUTE;

interface SimulatedProbe {
  node: DemoNode;
  key: string;
  rand: () => number;
  incident?: { kind: IncidentKind; untilMs: number };
  /** The newest minute this probe has pushed (or the seed stored). */
  lastMs: number;
}

/**
 * The seed's incidents that last until now go on live, so the demo's story holds for as long as
 * it runs: Ouagadougou stays degraded; Eldoret (silent) and Addis Ababa (decommissioned) never
 * push at all.
 */
function standingIncident(nodeName: string): IncidentKind | undefined {
  return DEMO_INCIDENTS.find((i) => i.nodeName === nodeName && i.durationMin === undefined)?.kind;
}

export interface DemoFleet {
  /** How many probes push (the demo nodes that were seeded and are not silent). */
  readonly size: number;
  /**
   * Each probe pushes every minute after its newest pushed sample up to and including the minute
   * of `untilMs`, in batches of up to 1,000 (one sample when one is due), as a probe that buffers
   * while its link or the server is down does. Probes push one after another.
   */
  catchUp(untilMs: number, stopped?: () => boolean): Promise<void>;
  /** The same for every probe at once, for the regular minute; resolves with how many probes failed. */
  pushDue(untilMs: number): Promise<number>;
}

/**
 * The demo probes, each with a fresh probe key (the previous run's keys are revoked), pushing
 * through the real POST /api/push at `baseUrl` as real probes would.
 */
export async function createDemoFleet(db: Db, baseUrl: string): Promise<DemoFleet> {
  const logger = log().child({ logger: 'demo.simulator' });
  await revokeProbeKeysByLabel(db, DEMO_KEY_LABEL);
  const lastSeen = await lastSeenByNode(db, DEMO_NODES.map((n) => n.nodeId));
  const probes: SimulatedProbe[] = [];
  for (const [i, node] of DEMO_NODES.entries()) {
    const seen = lastSeen.get(node.nodeId);
    const standing = standingIncident(node.nodeName);
    // Not seeded here (lastSeenByNode leaves out inactive nodes), or silent by the story.
    if (!seen || standing === 'silent') continue;
    const { key } = await issueProbeKey(db, node.nodeId, DEMO_KEY_LABEL);
    probes.push({
      node,
      key,
      rand: seededRandom(Date.now() + i),
      lastMs: Math.floor(seen.getTime() / MINUTE) * MINUTE,
      ...(standing ? { incident: { kind: standing, untilMs: Infinity } } : {}),
    });
  }

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

  /** Pushes what is due for one probe; a failed push is retried with the next call. */
  const pushProbe = async (probe: SimulatedProbe, untilMs: number, stopped: () => boolean): Promise<number> => {
    const until = Math.floor(untilMs / MINUTE) * MINUTE;
    const from = Math.max(probe.lastMs + MINUTE, until - MAX_BACKFILL_MS);
    let pushed = 0;
    for (let start = from; start <= until && !stopped(); start += 1000 * MINUTE) {
      const samples: PushSample[] = [];
      for (let t = start; t <= until && t < start + 1000 * MINUTE; t += MINUTE) samples.push(toPush(probe, t));
      await push(probe, samples);
      probe.lastMs = start + (samples.length - 1) * MINUTE;
      pushed += samples.length;
    }
    return pushed;
  };

  return {
    size: probes.length,
    async catchUp(untilMs, stopped = () => false) {
      for (const probe of probes) {
        const pushed = await pushProbe(probe, untilMs, stopped);
        if (pushed > 1) logger.info({ node_id: probe.node.nodeId, context: { samples: pushed } }, 'demo probe caught up');
      }
    },
    async pushDue(untilMs) {
      const results = await Promise.allSettled(probes.map((p) => pushProbe(p, untilMs, () => false)));
      const failed = results.filter((r) => r.status === 'rejected');
      if (failed.length > 0) logger.warn({ context: { failed: failed.length, error: errorMessage((failed[0] as PromiseRejectedResult).reason) } }, 'demo pushes failed');
      return failed.length;
    },
  };
}

/**
 * The live demo: every minute each demo probe pushes a sample through the real POST /api/push,
 * with a real probe key, now and then starting an incident. On start it first catches up on the
 * minutes the server was down (the current one included), in batches, as a real probe coming
 * back online would; a minute missed later (a failed push, a slow catch-up) goes with the next.
 */
export async function startDemoSimulator(db: Db, baseUrl: string): Promise<{ stop(): void }> {
  const fleet = await createDemoFleet(db, baseUrl);
  const logger = log().child({ logger: 'demo.simulator' });
  logger.info({ context: { probes: fleet.size } }, 'demo probes pushing every minute through /api/push');

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void fleet.pushDue(Date.now()).finally(schedule), MINUTE - (Date.now() % MINUTE) + 1_000);
  };
  // The HTTP server starts listening after instrumentation returns: begin a few seconds later.
  timer = setTimeout(() => {
    void fleet
      .catchUp(Date.now(), () => stopped)
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
  // Never null: only the "silent" incident yields no sample, and silent probes are not simulated.
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
