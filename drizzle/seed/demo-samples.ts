import type { MetricSample } from '../../lib/metrics/queries';
import type { DemoNode } from './demo-nodes';

/**
 * Believable 1-minute samples: an evening peak and a smaller late-morning one in each site's
 * local time, jitter, the odd blip, and scripted incidents so every dashboard state has data.
 */

export type IncidentKind = 'latency_spike' | 'packet_loss' | 'outage' | 'degraded' | 'silent';

export interface Incident {
  nodeName: string;
  kind: IncidentKind;
  /** Minutes before `now` that the incident starts. */
  startsAgoMin: number;
  /** Omitted: it lasts until now. */
  durationMin?: number;
}

export const DEMO_INCIDENTS: Incident[] = [
  { nodeName: 'probe-ng-lagos-lekki', kind: 'latency_spike', startsAgoMin: 2 * 1440 + 300, durationMin: 120 },
  { nodeName: 'probe-ng-kano-01', kind: 'packet_loss', startsAgoMin: 4 * 1440 + 600, durationMin: 180 },
  { nodeName: 'probe-ke-kisumu-01', kind: 'outage', startsAgoMin: 3 * 1440 + 200, durationMin: 240 },
  { nodeName: 'probe-gh-tamale-01', kind: 'outage', startsAgoMin: 5 * 1440 + 900, durationMin: 90 },
  { nodeName: 'probe-bf-ouagadougou-01', kind: 'degraded', startsAgoMin: 90 },
  { nodeName: 'probe-ke-eldoret-01', kind: 'silent', startsAgoMin: 40 },
  { nodeName: 'probe-et-addis-01', kind: 'silent', startsAgoMin: 5 * 1440 },
];

/** mulberry32: tiny, fast, seeded; the demo looks the same every time it is generated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** 1 at night, ~1.45 at the evening peak (20:30 local), ~1.15 late morning. */
export function dailyLoad(utcMs: number, utcOffsetHours: number): number {
  const h = (((utcMs / 3_600_000 + utcOffsetHours) % 24) + 24) % 24;
  const bump = (centre: number, width: number) => Math.exp(-((h - centre) ** 2) / (2 * width ** 2));
  return 1 + 0.45 * bump(20.5, 2) + 0.15 * bump(11, 2.5);
}

export function sampleAt(node: DemoNode, utcMs: number, rand: () => number, incident?: IncidentKind): MetricSample | null {
  if (incident === 'silent') return null;
  const load = dailyLoad(utcMs, node.utcOffsetHours);
  let latency = node.baseLatencyMs * load * (1 + 0.06 * gauss(rand)) + Math.abs(gauss(rand)) * 1.5;
  let loss = Math.max(0, (load - 1) * 0.6 + 0.02 + 0.08 * gauss(rand));
  let uptime = rand() < 0.002 ? 97 + rand() * 3 : 100;
  if (rand() < 0.003) latency *= 2 + rand() * 2;

  switch (incident) {
    case 'latency_spike':
      latency *= 5 + rand() * 3;
      break;
    case 'packet_loss':
      loss = 8 + rand() * 17;
      uptime = 96 + rand() * 3;
      break;
    case 'degraded':
      latency *= 3.5 + rand();
      loss = 3 + rand() * 3;
      break;
    case 'outage':
      return sample(node, utcMs, null, 0, 100);
  }
  return sample(node, utcMs, clamp(round2(latency), 0, 9999.99), round2(clamp(uptime, 0, 100)), round2(clamp(loss, 0, 100)));
}

function sample(node: DemoNode, utcMs: number, latencyMs: number | null, uptimePct: number, packetLoss: number): MetricSample {
  return {
    time: new Date(utcMs),
    nodeId: node.nodeId,
    latencyMs,
    uptimePct,
    packetLoss,
    targetHost: node.target.host,
    probeType: node.target.probeType,
    metadata: null,
  };
}

export function incidentAt(incidents: Incident[], nodeName: string, utcMs: number, nowMs: number): IncidentKind | undefined {
  for (const i of incidents) {
    if (i.nodeName !== nodeName) continue;
    const start = nowMs - i.startsAgoMin * 60_000;
    const end = i.durationMin === undefined ? Infinity : start + i.durationMin * 60_000;
    if (utcMs >= start && utcMs < end) return i.kind;
  }
  return undefined;
}

/** Every minute in [fromMs, toMs) for one node, incidents applied. */
export function* demoSamples(node: DemoNode, seed: number, fromMs: number, toMs: number, nowMs: number): Generator<MetricSample> {
  const rand = seededRandom(seed);
  for (let t = Math.ceil(fromMs / 60_000) * 60_000; t < toMs; t += 60_000) {
    const s = sampleAt(node, t, rand, incidentAt(DEMO_INCIDENTS, node.nodeName, t, nowMs));
    if (s) yield s;
  }
}
