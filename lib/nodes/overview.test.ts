import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollup } from '../maintenance/queries';
import { insertMetricBatch } from '../metrics/queries';
import { createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { filterNodes, getOverview, parseOverviewQuery, sortNodes, toMapNode, type OverviewNode } from './overview';
import { insertMissingNodes } from './queries';
import type { NodeStatus } from './status';

const node = (name: string, status: NodeStatus, over: Partial<OverviewNode> = {}): OverviewNode => ({
  nodeId: name,
  nodeName: name,
  displayName: null,
  country: 'GH',
  region: 'Ghana',
  city: null,
  latitude: null,
  longitude: null,
  isActive: status !== 'inactive',
  probeVersion: null,
  hardwareInfo: null,
  tags: [],
  lastSeenAt: null,
  createdAt: null,
  updatedAt: null,
  latest: null,
  status,
  ...over,
});
const sample = (latencyMs: number | null) => ({ time: new Date(0), latencyMs, uptimePct: 100, packetLoss: 0 });

describe('overview query', () => {
  it('reads filters and sort from the URL, ignoring what it cannot use', () => {
    expect(parseOverviewQuery({ q: ' Kano ', country: 'gh', region: 'Ghana', status: 'down', tag: 'tier1', sort: 'latency', page: '3' })).toEqual({
      q: 'Kano',
      country: 'GH',
      region: 'Ghana',
      status: 'down',
      tag: 'tier1',
      sort: 'latency',
      dir: 'desc',
      page: 3,
    });
    expect(parseOverviewQuery({ q: 'x'.repeat(101), country: 'Ghana', status: 'sleepy', sort: 'toString', dir: 'up', region: '', page: '-2' })).toEqual({
      q: undefined,
      country: undefined,
      region: undefined,
      status: undefined,
      tag: undefined,
      sort: 'location',
      dir: 'asc',
      page: 1,
    });
    expect(parseOverviewQuery({ page: '1.5' }).page).toBe(1);
    expect(parseOverviewQuery({ sort: ['uptime', 'name'], dir: 'desc' })).toMatchObject({ sort: 'uptime', dir: 'desc' });
  });

  it('filters like GET /api/nodes: every given filter must hold', () => {
    const nodes = [node('a', 'up', { tags: ['tier1', 'ixp'] }), node('b', 'down', { country: 'NG', region: 'Nigeria', tags: ['tier1'] }), node('c', 'down')];
    expect(filterNodes(nodes, { tag: 'tier1' }).map((n) => n.nodeId)).toEqual(['a', 'b']);
    expect(filterNodes(nodes, { status: 'down', country: 'GH' }).map((n) => n.nodeId)).toEqual(['c']);
    expect(filterNodes(nodes, { region: 'Nigeria', tag: 'ixp' })).toEqual([]);
  });

  it('searches names, display names and cities in any case, and ids by their start', () => {
    const nodes = [
      node('0a1b2c3d-0000-4000-8000-000000000001', 'up', { nodeName: 'probe-ng-kano-01', displayName: 'Kano POP 1', city: 'Kano' }),
      node('0a1b2c3d-0000-4000-8000-000000000002', 'up', { nodeName: 'probe-gh-accra-01', displayName: null, city: 'Accra' }),
      node('ffff0000-0000-4000-8000-000000000003', 'down', { nodeName: 'probe-ke-nbo-01', displayName: 'Nairobi IXP', city: null }),
    ];
    const ids = (q: string, more: Parameters<typeof filterNodes>[1] = {}) => filterNodes(nodes, { q, ...more }).map((n) => n.nodeName);
    expect(ids('KANO')).toEqual(['probe-ng-kano-01']);
    expect(ids('accra')).toEqual(['probe-gh-accra-01']);
    expect(ids('ixp')).toEqual(['probe-ke-nbo-01']);
    expect(ids('probe-')).toHaveLength(3);
    expect(ids('0a1b2c3d')).toEqual(['probe-ng-kano-01', 'probe-gh-accra-01']);
    expect(ids('0000-4000')).toEqual([]);
    expect(ids('probe-', { status: 'down' })).toEqual(['probe-ke-nbo-01']);
    expect(ids('lagos')).toEqual([]);
  });

  it('sorts worst first by default, missing values last in either direction, ties by country and name', () => {
    const nodes = [
      node('b', 'up', { latest: sample(20) }),
      node('a', 'down', { latest: sample(null) }),
      node('c', 'degraded', { latest: sample(300) }),
      node('d', 'inactive', { latest: sample(20), country: 'ET' }),
    ];
    expect(sortNodes(nodes, 'status', 'desc').map((n) => n.nodeId)).toEqual(['a', 'c', 'b', 'd']);
    expect(sortNodes(nodes, 'latency', 'desc').map((n) => n.nodeId)).toEqual(['c', 'd', 'b', 'a']);
    expect(sortNodes(nodes, 'latency', 'asc').map((n) => n.nodeId)).toEqual(['d', 'b', 'c', 'a']);
    expect(sortNodes(nodes, 'location', 'asc').map((n) => n.nodeId)).toEqual(['d', 'a', 'b', 'c']);
  });

  it('gives the map plain props', () => {
    const n = node('a', 'up', { latitude: 5.6, longitude: -0.19, lastSeenAt: new Date('2025-11-24T16:00:00Z'), latest: sample(12.5) });
    expect(toMapNode(n)).toEqual({ id: 'a', name: 'a', city: null, country: 'GH', latitude: 5.6, longitude: -0.19, status: 'up', latencyMs: 12.5, packetLoss: 0, lastSeenAt: '2025-11-24T16:00:00.000Z' });
  });
});

describe('getOverview (PGlite + TimescaleDB)', () => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const accra = testNode({ nodeName: 'probe-gh-accra', latitude: 5.6, longitude: -0.19, tags: ['tier1'] });
  const lagos = testNode({ nodeName: 'probe-ng-lagos', country: 'NG', region: 'Nigeria', tags: ['tier1', 'ixp'] });
  const quiet = testNode({ nodeName: 'probe-gh-quiet' });

  beforeAll(async () => {
    t = await createMigratedDatabase('pglite');
    await insertMissingNodes(t.database.db, [accra, lagos, quiet]);
    const s = (nodeId: string, agoMs: number, latencyMs: number, packetLoss: number) => ({
      time: new Date(now.getTime() - agoMs),
      nodeId,
      latencyMs,
      uptimePct: 100,
      packetLoss,
      targetHost: 'h',
      probeType: 'ping',
      metadata: null,
    });
    // Accra's newest sample lies in the current hour, which a sparkline leaves out (it is not over):
    // 30 s ago, or at `now` itself when the test runs in the first minute of an hour, where 30 s ago
    // would fall in the previous hour's slot (a failure seen once in CI, at 22:00).
    const recentMs = Math.min(30_000, now.getTime() % 3_600_000);
    await insertMetricBatch(t.database.db, [s(accra.nodeId, recentMs, 10, 0), s(accra.nodeId, 2 * 3_600_000, 30, 0), s(lagos.nodeId, 60_000, 400, 1)]);
    // Sparklines read the hourly rollup (as the worker keeps it refreshed).
    await refreshRollup(t.database.db, t.mode, 'hourly', new Date(now.getTime() - 26 * 3_600_000), now);
  });
  afterAll(() => t?.cleanup());

  it('counts every node, filters and sorts the table, and gives the table its sparklines', async () => {
    const all = await getOverview(t.database.db, parseOverviewQuery({}), now);
    expect(all.nodes).toHaveLength(3);
    expect(all.counts).toEqual({ up: 1, degraded: 1, down: 1, inactive: 0 });
    expect(all.kpis).toMatchObject({ sampleCount: 2, reportingNodes: 2, medianLatencyMs: 205 });
    expect(all.options).toEqual({ countries: ['GH', 'NG'], regions: ['Ghana', 'Nigeria'], tags: ['ixp', 'tier1'] });
    const accraRow = all.rows.find((r) => r.nodeId === accra.nodeId)!;
    expect(accraRow.sparkline).toHaveLength(24);
    expect(accraRow.sparkline.filter((v) => v !== null)).toEqual([30]);

    const tier1 = await getOverview(t.database.db, parseOverviewQuery({ tag: 'tier1', sort: 'latency' }), now);
    expect(tier1.rows.map((r) => r.nodeName)).toEqual(['probe-ng-lagos', 'probe-gh-accra']);
    // The map and the counts still see the whole network.
    expect(tier1.nodes).toHaveLength(3);

    const ghana = await getOverview(t.database.db, parseOverviewQuery({ country: 'GH' }), now);
    expect(ghana.options.regions).toEqual(['Ghana']);
  });

  it('pages the table (sparklines only for the rows shown) while the map and counts keep every node', async () => {
    const byName = { sort: 'name', dir: 'asc' } as const;
    const everything = (await getOverview(t.database.db, parseOverviewQuery(byName), now)).rows.map((r) => r.nodeId);
    const first = await getOverview(t.database.db, parseOverviewQuery({ ...byName, page: '1' }), now, 2);
    const second = await getOverview(t.database.db, parseOverviewQuery({ ...byName, page: '2' }), now, 2);
    expect(first.page).toEqual({ number: 1, count: 2, size: 2 });
    expect(first.rows.map((r) => r.nodeId)).toEqual(everything.slice(0, 2));
    expect(second.rows.map((r) => r.nodeId)).toEqual(everything.slice(2));
    expect([first.matched, second.matched, second.nodes.length]).toEqual([3, 3, 3]);
    // A page past the end shows the last one.
    const beyond = await getOverview(t.database.db, parseOverviewQuery({ ...byName, page: '9' }), now, 2);
    expect(beyond.page.number).toBe(2);
    expect(beyond.rows.map((r) => r.nodeId)).toEqual(everything.slice(2));
  });
});
