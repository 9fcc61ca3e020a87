import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageMode } from '../db/mode';
import { refreshRollup } from '../maintenance/queries';
import { insertMetricBatch, type MetricSample } from '../metrics/queries';
import { STORAGE_CASES, createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { handleGetNode, handleListNodes } from './api';
import { getLatencySparklines, getNetworkKpis, getRecentSamples, insertMissingNodes, type NodeInput } from './queries';
import type { NodeStatus } from './status';

/**
 * GET /api/nodes and /api/nodes/{id} through their handlers with real Requests, and the
 * overview queries (KPIs, sparklines, recent samples), on a real database in both storage modes.
 * Each node below is built to land in one status; the expected figures are computed here from
 * the inserted samples.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = new Date(Math.floor(Date.now() / MIN) * MIN + 17_250);
const at = (agoMs: number) => new Date(NOW.getTime() - agoMs);

const healthy = { latencyMs: 40.5, uptimePct: 99.95, packetLoss: 0.12 };
const REFRESHED_TO = Math.floor(NOW.getTime() / HOUR) * HOUR - 2 * HOUR;

interface Fixture {
  node: NodeInput;
  samples: { agoMs: number; latencyMs: number | null; uptimePct: number | null; packetLoss: number | null }[];
  status: NodeStatus;
}

const fixtures: Record<string, Fixture> = {
  accra: {
    node: testNode({
      nodeName: 'probe-gh-accra-01',
      displayName: 'Accra Data Center 1',
      city: 'Accra',
      latitude: 5.6037,
      longitude: -0.187,
      probeVersion: '0.1.0',
      hardwareInfo: { cpu: '2 cores', ram: '4GB' },
      tags: ['tier1', 'datacenter'],
    }),
    // An older, bad sample: the status and `latest` follow the newest one only.
    samples: [
      { agoMs: 10 * MIN, latencyMs: 800, uptimePct: 50, packetLoss: 40 },
      { agoMs: 59 * MIN, ...healthy, latencyMs: 12.25 },
      { agoMs: 61 * MIN, ...healthy, latencyMs: 999 },
      { agoMs: MIN, ...healthy },
    ],
    status: 'up',
  },
  kumasi: { node: testNode({ nodeName: 'probe-gh-kumasi-01', tags: ['tier2'] }), samples: [{ agoMs: 181_000, ...healthy }], status: 'down' },
  lagos: {
    node: testNode({ nodeName: 'probe-ng-lagos-01', country: 'NG', region: 'Nigeria', tags: ['tier1'] }),
    samples: [{ agoMs: 30_000, ...healthy, latencyMs: 250.01 }],
    status: 'degraded',
  },
  nairobi: {
    node: testNode({ nodeName: 'probe-ke-nairobi-01', country: 'KE', region: 'Kenya', tags: ['tier1', 'datacenter', 'ixp'] }),
    samples: [{ agoMs: 20_000, ...healthy, packetLoss: 2.01 }],
    status: 'degraded',
  },
  mombasa: {
    node: testNode({ nodeName: 'probe-ke-mombasa-01', country: 'KE', region: 'Kenya' }),
    samples: [{ agoMs: 180_000, latencyMs: 250, uptimePct: 99, packetLoss: 2 }],
    status: 'up',
  },
  kisumu: {
    node: testNode({ nodeName: 'probe-ke-kisumu-01', country: 'KE', region: 'Kenya' }),
    samples: [{ agoMs: 10_000, ...healthy, uptimePct: 98.99 }],
    status: 'degraded',
  },
  eldoret: { node: testNode({ nodeName: 'probe-ke-eldoret-01', country: 'KE', region: 'Kenya' }), samples: [], status: 'down' },
  addis: {
    node: testNode({ nodeName: 'probe-et-addis-01', country: 'ET', region: 'Ethiopia', isActive: false }),
    samples: [{ agoMs: 5_000, latencyMs: 900, uptimePct: 10, packetLoss: 90 }],
    status: 'inactive',
  },
};

/** Hourly history for the sparklines: accra every 10 minutes over 26 h, except three silent hours. */
const SILENT_HOURS = [3, 4, 11];
function history(): MetricSample[] {
  const out: MetricSample[] = [];
  for (let ago = 26 * HOUR; ago > 70 * MIN; ago -= 10 * MIN) {
    const time = at(ago);
    const hoursBack = Math.floor((Math.floor(NOW.getTime() / HOUR) * HOUR - Math.floor(time.getTime() / HOUR) * HOUR) / HOUR);
    if (SILENT_HOURS.includes(hoursBack)) continue;
    out.push({ time, nodeId: fixtures.accra!.node.nodeId, latencyMs: 20 + (ago % 7_000_000) / 100_000, uptimePct: 100, packetLoss: 0, targetHost: 'h', probeType: 'ping', metadata: null });
  }
  return out.map((s) => ({ ...s, latencyMs: Math.round(s.latencyMs! * 100) / 100 }));
}

const allSamples: MetricSample[] = [
  ...Object.values(fixtures).flatMap((f) =>
    f.samples.map((s) => ({
      time: at(s.agoMs),
      nodeId: f.node.nodeId,
      latencyMs: s.latencyMs,
      uptimePct: s.uptimePct,
      packetLoss: s.packetLoss,
      targetHost: 'google.com',
      probeType: 'http',
      metadata: { seq: s.agoMs },
    })),
  ),
  ...history(),
];

const present = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
const mean = (xs: (number | null)[]) => (present(xs).length ? present(xs).reduce((s, x) => s + Math.round(x * 100), 0) / present(xs).length / 100 : null);
function median(xs: (number | null)[]): number | null {
  const v = present(xs).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = (v.length - 1) / 2;
  return (v[Math.floor(mid)]! + v[Math.ceil(mid)]!) / 2;
}

const EXPECTED_ORDER = ['addis', 'accra', 'kumasi', 'eldoret', 'kisumu', 'mombasa', 'nairobi', 'lagos'];
const NODE_KEYS = [
  'city', 'country', 'created_at', 'display_name', 'hardware_info', 'is_active', 'last_seen_at', 'latest', 'latitude', 'longitude',
  'node_id', 'node_name', 'probe_version', 'region', 'status', 'tags', 'updated_at',
];

type NodeJson = Record<string, unknown> & { node_id: string; node_name: string; status: string; latest: Record<string, unknown> | null };

describe.each(STORAGE_CASES)('nodes API: $name', ({ engine }) => {
  let t: TestDatabase & { mode: StorageMode };
  const nameOf = new Map(Object.entries(fixtures).map(([k, f]) => [f.node.nodeId, k]));

  async function list(query = ''): Promise<{ status: number; json: { nodes: NodeJson[] } & Record<string, unknown>; headers: Headers }> {
    const res = await handleListNodes(new Request(`http://test/api/nodes${query}`), { db: t.database.db, now: () => NOW });
    return { status: res.status, headers: res.headers, json: (await res.json()) as never };
  }
  const names = async (query: string) => {
    const r = await list(query);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json.nodes.map((n) => nameOf.get(n.node_id));
  };
  async function one(id: string) {
    const res = await handleGetNode(new Request(`http://test/api/nodes/${id}`), id, { db: t.database.db, now: () => NOW });
    return { status: res.status, headers: res.headers, json: (await res.json()) as NodeJson & Record<string, unknown> };
  }

  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    await insertMissingNodes(t.database.db, Object.values(fixtures).map((f) => f.node));
    expect(await insertMetricBatch(t.database.db, allSamples)).toBe(allSamples.length);
    // Materialised up to two hours ago, as the hourly refresh policy may leave it.
    await refreshRollup(t.database.db, t.mode, 'hourly', at(30 * HOUR), new Date(REFRESHED_TO));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  describe('GET /api/nodes', () => {
    it('lists every node by country and name, each with its derived status', async () => {
      const r = await list();
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.json.nodes.map((n) => nameOf.get(n.node_id))).toEqual(EXPECTED_ORDER);
      for (const n of r.json.nodes) {
        expect(Object.keys(n).sort(), n.node_name).toEqual(NODE_KEYS);
        expect(n.status, n.node_name).toBe(fixtures[nameOf.get(n.node_id)!]!.status);
      }
    });

    it('shows a node in snake_case with numbers as numbers and times in ISO 8601 UTC', async () => {
      const accra = (await list()).json.nodes.find((n) => n.node_id === fixtures.accra!.node.nodeId)!;
      expect(accra).toMatchObject({
        node_name: 'probe-gh-accra-01',
        display_name: 'Accra Data Center 1',
        country: 'GH',
        region: 'Ghana',
        city: 'Accra',
        latitude: 5.6037,
        longitude: -0.187,
        is_active: true,
        status: 'up',
        probe_version: '0.1.0',
        tags: ['tier1', 'datacenter'],
        hardware_info: { cpu: '2 cores', ram: '4GB' },
        latest: { time: at(MIN).toISOString(), latency_ms: 40.5, uptime_pct: 99.95, packet_loss: 0.12 },
      });
      expect(accra.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const eldoret = (await list()).json.nodes.find((n) => n.node_id === fixtures.eldoret!.node.nodeId)!;
      expect(eldoret).toMatchObject({ latest: null, last_seen_at: null, tags: [], latitude: null, display_name: null });
    });

    it.each([
      ['?country=GH', ['accra', 'kumasi']],
      ['?country=gh,NG', ['accra', 'kumasi', 'lagos']],
      ['?region=Kenya', ['eldoret', 'kisumu', 'mombasa', 'nairobi']],
      ['?tags=tier1', ['accra', 'nairobi', 'lagos']],
      ['?tags=tier1,datacenter', ['accra', 'nairobi']],
      ['?tags=datacenter,ixp', ['nairobi']],
      ['?tags=nonexistent', []],
      ['?status=degraded', ['kisumu', 'nairobi', 'lagos']],
      ['?status=down,inactive', ['addis', 'kumasi', 'eldoret']],
      ['?status=up', ['accra', 'mombasa']],
      ['?status=inactive', ['addis']],
      ['?status=up,degraded,down', EXPECTED_ORDER.filter((n) => n !== 'addis')],
      ['?country=KE&status=degraded', ['kisumu', 'nairobi']],
      ['?country=KE&tags=tier1&status=degraded', ['nairobi']],
      ['?region=', EXPECTED_ORDER],
    ])('filters %s', async (query, expected) => {
      expect(await names(query)).toEqual(expected);
    });

    it.each([
      ['?country=GHA', 'country'],
      ['?country=,', 'country'],
      ['?status=sideways', 'status'],
      ['?status=up,maybe', 'status'],
      ['?tags=,,', 'tags'],
      [`?region=${'x'.repeat(101)}`, 'region'],
    ])('refuses %s with a 422 naming %s', async (query, parameter) => {
      const res = await handleListNodes(new Request(`http://test/api/nodes${query}`), { db: t.database.db, now: () => NOW });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as { errors: { parameter: string }[]; detail: string };
      expect(body.errors.map((e) => e.parameter)).toEqual([parameter]);
      expect(body.detail).toContain(parameter);
    });
  });

  describe('GET /api/nodes/{id}', () => {
    it('answers the same node object as the list', async () => {
      const listed = (await list()).json.nodes;
      for (const key of ['accra', 'eldoret', 'addis']) {
        const id = fixtures[key]!.node.nodeId;
        const r = await one(id);
        expect(r.status).toBe(200);
        expect(r.json).toEqual(listed.find((n) => n.node_id === id));
      }
      expect((await one(fixtures.lagos!.node.nodeId.toUpperCase())).json.node_id).toBe(fixtures.lagos!.node.nodeId);
    });

    it('404 for an unknown id, 422 naming id for one that is not a UUID', async () => {
      const missing = await one(randomUUID());
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      const bad = await one('probe-gh-accra-01');
      expect(bad.status).toBe(422);
      expect((bad.json as unknown as { errors: { parameter: string }[] }).errors.map((e) => e.parameter)).toEqual(['id']);
    });
  });

  describe('overview queries', () => {
    it('getNetworkKpis: median latency and mean loss of the last hour, active nodes only', async () => {
      const inactive = new Set(Object.values(fixtures).filter((f) => !f.node.isActive).map((f) => f.node.nodeId));
      const window = allSamples.filter(
        (s) => !inactive.has(s.nodeId) && s.time.getTime() > NOW.getTime() - HOUR && s.time.getTime() <= NOW.getTime(),
      );
      const kpis = await getNetworkKpis(t.database.db, NOW);
      expect(kpis.sampleCount).toBe(window.length);
      expect(kpis.reportingNodes).toBe(new Set(window.map((s) => s.nodeId)).size);
      expect(kpis.medianLatencyMs).toBeCloseTo(median(window.map((s) => s.latencyMs))!, 9);
      expect(kpis.meanPacketLoss).toBeCloseTo(mean(window.map((s) => s.packetLoss))!, 9);
      // Sanity of the fixture: the 61-minute-old sample and the inactive node's are outside.
      expect(window.some((s) => s.latencyMs === 999 || s.latencyMs === 900)).toBe(false);
      const quiet = await getNetworkKpis(t.database.db, at(-10 * HOUR));
      expect(quiet).toMatchObject({ sampleCount: 0, medianLatencyMs: null, meanPacketLoss: null });
    });

    it('getLatencySparklines: one value per complete hour since `since`, gaps as null, the unmaterialised hours from raw, nothing for a node without rows', async () => {
      const since = at(24 * HOUR);
      const ids = Object.values(fixtures).map((f) => f.node.nodeId);
      const lines = await getLatencySparklines(t.database.db, ids, since, NOW);
      const first = Math.floor(since.getTime() / HOUR) * HOUR;
      const slots = Math.floor((NOW.getTime() - first) / HOUR);
      for (const id of ids) {
        const mine = allSamples.filter((s) => s.nodeId === id && s.time.getTime() >= first && s.time.getTime() < first + slots * HOUR);
        // Only nodes with a materialised hour in the window get a line.
        const materialised = mine.some((s) => s.time.getTime() < REFRESHED_TO);
        const expected = materialised
          ? Array.from({ length: slots }, (_, i) => {
              const hour = mine.filter((s) => Math.floor(s.time.getTime() / HOUR) * HOUR === first + i * HOUR);
              return hour.length ? mean(hour.map((s) => s.latencyMs)) : null;
            })
          : [];
        const got = lines.get(id)!;
        expect(got.length, nameOf.get(id)).toBe(expected.length);
        got.forEach((v, i) => (expected[i] === null ? expect(v).toBeNull() : expect(v).toBeCloseTo(expected[i]!, 9)));
      }
      const accra = lines.get(fixtures.accra!.node.nodeId)!;
      expect(accra.length).toBeGreaterThanOrEqual(24);
      expect(accra.filter((v) => v === null).length).toBeGreaterThanOrEqual(SILENT_HOURS.length);
      // The last complete hour is not materialised, yet it has its value.
      expect(accra.at(-1)).not.toBeNull();
      expect(lines.get(fixtures.eldoret!.node.nodeId)).toEqual([]);
      expect(lines.get(fixtures.lagos!.node.nodeId)).toEqual([]);
      expect(await getLatencySparklines(t.database.db, [], since, NOW)).toEqual(new Map());
    });

    it('getRecentSamples: newest first, limited', async () => {
      const accra = fixtures.accra!.node.nodeId;
      const two = await getRecentSamples(t.database.db, accra, 2);
      expect(two.map((s) => s.time.toISOString())).toEqual([at(MIN).toISOString(), at(10 * MIN).toISOString()]);
      expect(two[0]).toMatchObject({ latencyMs: 40.5, uptimePct: 99.95, packetLoss: 0.12, targetHost: 'google.com', probeType: 'http', metadata: { seq: MIN } });
      expect(await getRecentSamples(t.database.db, accra, 0)).toHaveLength(1);
      const all = await getRecentSamples(t.database.db, accra, 1000);
      expect(all.length).toBe(allSamples.filter((s) => s.nodeId === accra).length);
      expect(all.map((s) => s.time.getTime())).toEqual([...all.map((s) => s.time.getTime())].sort((a, b) => b - a));
      expect(await getRecentSamples(t.database.db, fixtures.eldoret!.node.nodeId, 10)).toEqual([]);
    });
  });
});
