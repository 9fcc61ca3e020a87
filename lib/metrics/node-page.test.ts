import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertMissingNodes } from '../nodes/queries';
import { createMigratedDatabase, testNode, type TestDatabase } from '../testing/databases';
import { getNodePageData, toChartPoint } from './node-page';
import { insertMetricBatch } from './queries';
import { buildMetricsResponse, resolveMetricsRequest } from './series';

const HOUR = 3_600_000;

describe('toChartPoint', () => {
  it('renames the API columns for the charts and leaves missing ones out', () => {
    expect(toChartPoint({ time: 't', latency_ms: 10, p50_latency_ms: 9, p95_latency_ms: 20, p99_latency_ms: 30, uptime_pct: 100, packet_loss: 0, max_packet_loss: 1, sample_count: 60 })).toEqual({
      time: 't',
      avgLatencyMs: 10,
      p50LatencyMs: 9,
      p95LatencyMs: 20,
      p99LatencyMs: 30,
      uptimePct: 100,
      packetLoss: 0,
      maxPacketLoss: 1,
    });
    expect(toChartPoint({ time: 't', availability_pct: 99.5 })).toEqual({ time: 't', availabilityPct: 99.5 });
  });
});

describe('getNodePageData (PGlite + TimescaleDB)', () => {
  let t: TestDatabase;
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 12_000);
  const node = testNode({ nodeName: 'probe-gh-page' });
  const empty = testNode({ nodeName: 'probe-gh-empty' });

  beforeAll(async () => {
    t = await createMigratedDatabase('pglite');
    await insertMissingNodes(t.database.db, [node, empty]);
    const samples = Array.from({ length: 30 }, (_, i) => ({
      time: new Date(now.getTime() - (i + 1) * 20 * 60_000),
      nodeId: node.nodeId,
      latencyMs: 10 + i,
      uptimePct: i === 3 ? null : 100,
      packetLoss: i % 4,
      targetHost: 'h',
      probeType: 'ping',
      metadata: null,
    }));
    await insertMetricBatch(t.database.db, samples);
  });
  afterAll(() => t?.cleanup());

  it('answers the same series and summary as GET /api/metrics for the same timeframe', async () => {
    const window = { start: new Date(Math.floor((now.getTime() - 24 * HOUR) / HOUR) * HOUR), end: now, aggregation: 'hourly' as const };
    const page = await getNodePageData(t.database.db, node.nodeId, window, now);
    const api = await buildMetricsResponse(t.database.db, resolveMetricsRequest({ node_id: node.nodeId, start: window.start, end: window.end, aggregation: 'hourly' }, now));
    expect(page!.series).toEqual(api);
    expect(page!.points).toHaveLength(api.data.length);
    expect(page!.recent).toHaveLength(30);
    expect(page!.recent[0]!.latencyMs).toBe(10);
    const query = new URL(page!.apiUrl, 'http://x').searchParams;
    expect(Object.fromEntries(query)).toEqual({ node_id: node.nodeId, start: api.timeframe.start, end: api.timeframe.end, aggregation: 'hourly' });
  });

  it('a node without samples has an empty series; an unknown node is undefined', async () => {
    const window = { start: new Date(now.getTime() - 90 * 24 * HOUR), end: now, aggregation: 'daily' as const };
    const page = await getNodePageData(t.database.db, empty.nodeId, window, now);
    expect(page!.series.data).toEqual([]);
    expect(page!.series.summary).toEqual({ sample_count: 0 });
    expect(page!.status).toBe('down');
    expect(await getNodePageData(t.database.db, randomUUID(), window, now)).toBeUndefined();
  });
});
