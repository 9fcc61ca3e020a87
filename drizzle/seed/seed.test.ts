import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, toNumber } from '../../lib/db/rows';
import { createMigratedDatabase, type TestDatabase } from '../../lib/testing/databases';
import { DEMO_NODES } from './demo-nodes';
import { seedDemo, type SeedResult } from './index';

const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const MIN = 60_000;

describe.each(['pglite', 'postgres'] as const)('demo seed on %s', (engine) => {
  let t: TestDatabase & { mode: 'timescaledb' | 'postgres' };
  let first: SeedResult;
  beforeAll(async () => {
    t = await createMigratedDatabase(engine);
    first = await seedDemo(t.database, t.mode, { now: NOW });
  });
  afterAll(() => t?.cleanup());

  const q = <T = Record<string, unknown>>(query: ReturnType<typeof sql>) => queryRows<T>(t.database.db, query);

  it('creates at least 24 nodes in GH, NG, KE and neighbours, with real coordinates and metadata', async () => {
    expect(first.nodesCreated).toBeGreaterThanOrEqual(24);
    const nodes = await q<{ country: string; latitude: string; longitude: string; hardware_info: Record<string, string>; tags: string[]; city: string }>(
      sql`SELECT country, latitude, longitude, hardware_info, tags, city FROM nodes`,
    );
    expect(nodes).toHaveLength(first.nodesCreated);
    const countries = new Set(nodes.map((n) => n.country));
    for (const c of ['GH', 'NG', 'KE']) expect(nodes.filter((n) => n.country === c).length).toBeGreaterThanOrEqual(5);
    expect(countries.size).toBeGreaterThan(5);
    for (const n of nodes) {
      // Africa, roughly: 35°S–38°N, 18°W–52°E.
      expect(Number(n.latitude)).toBeGreaterThan(-35);
      expect(Number(n.latitude)).toBeLessThan(38);
      expect(Number(n.longitude)).toBeGreaterThan(-18);
      expect(Number(n.longitude)).toBeLessThan(52);
      expect(Object.keys(n.hardware_info)).toEqual(expect.arrayContaining(['cpu', 'ram', 'os']));
      expect(n.tags.length).toBeGreaterThan(0);
      expect(n.city).toBeTruthy();
    }
    const accra = nodes.find((n) => n.city === 'Accra')!;
    expect(Number(accra.latitude)).toBeCloseTo(5.6, 0);
    expect(Number(accra.longitude)).toBeCloseTo(-0.19, 1);
  });

  it('stores 7 days of 1-minute samples per node, up to now, and sets last_seen_at', async () => {
    const rows = await q<{ node_name: string; n: string; first: Date; last: Date; last_seen_at: Date }>(
      sql`SELECT n.node_name, count(m.*) AS n, min(m.time) AS first, max(m.time) AS last, n.last_seen_at
          FROM nodes n JOIN metrics m USING (node_id) GROUP BY n.node_name, n.last_seen_at`,
    );
    const byName = new Map(rows.map((r) => [r.node_name, r]));
    const accra = byName.get('probe-gh-accra-01')!;
    expect(toNumber(accra.n)).toBe(7 * 1440 + 1);
    expect(new Date(accra.first).getTime()).toBe(NOW.getTime() - 7 * 1440 * MIN);
    expect(new Date(accra.last).getTime()).toBe(NOW.getTime());
    for (const r of rows) expect(new Date(r.last_seen_at).getTime()).toBe(new Date(r.last).getTime());
    expect(first.samplesInserted).toBe(rows.reduce((sum, r) => sum + toNumber(r.n)!, 0));
  });

  it('has a daily cycle: evening latency above night latency', async () => {
    // Accra is UTC+0: compare 19:00–22:00 with 02:00–05:00 over the week.
    const [row] = await q<{ evening: string; night: string }>(
      sql`SELECT avg(latency_ms) FILTER (WHERE extract(hour FROM time AT TIME ZONE 'UTC') BETWEEN 19 AND 21) AS evening,
                 avg(latency_ms) FILTER (WHERE extract(hour FROM time AT TIME ZONE 'UTC') BETWEEN 2 AND 4) AS night
          FROM metrics JOIN nodes USING (node_id) WHERE node_name = 'probe-gh-accra-01'`,
    );
    expect(Number(row!.evening)).toBeGreaterThan(Number(row!.night) * 1.25);
  });

  it('has incidents: an outage, a latency spike, packet loss, a node gone silent, an inactive node', async () => {
    const outage = await q<{ n: string }>(
      sql`SELECT count(*) AS n FROM metrics JOIN nodes USING (node_id)
          WHERE node_name = 'probe-ke-kisumu-01' AND uptime_pct = 0 AND packet_loss = 100 AND latency_ms IS NULL`,
    );
    expect(toNumber(outage[0]!.n)).toBe(240);
    const [spike] = await q<{ peak: string; typical: string }>(
      sql`SELECT max(latency_ms) AS peak, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS typical
          FROM metrics JOIN nodes USING (node_id) WHERE node_name = 'probe-ng-lagos-lekki'`,
    );
    expect(Number(spike!.peak)).toBeGreaterThan(Number(spike!.typical) * 5);
    const [loss] = await q<{ n: string }>(
      sql`SELECT count(*) AS n FROM metrics JOIN nodes USING (node_id) WHERE node_name = 'probe-ng-kano-01' AND packet_loss >= 8`,
    );
    expect(toNumber(loss!.n)).toBe(180);
    const silent = await q<{ node_name: string; last_seen_at: Date; is_active: boolean }>(
      sql`SELECT node_name, last_seen_at, is_active FROM nodes WHERE node_name IN ('probe-ke-eldoret-01', 'probe-et-addis-01') ORDER BY node_name`,
    );
    expect(new Date(silent[1]!.last_seen_at).getTime()).toBe(NOW.getTime() - 41 * MIN);
    expect(silent[1]!.is_active).toBe(true);
    expect(NOW.getTime() - new Date(silent[0]!.last_seen_at).getTime()).toBeGreaterThan(5 * 1440 * MIN - 2 * MIN);
    expect(silent[0]!.is_active).toBe(false);
  });

  it('refreshes the hourly and daily aggregates so both views are populated at once', async () => {
    const [hourly] = await q<{ nodes: string; buckets: string; samples: string }>(
      sql`SELECT count(DISTINCT node_id) AS nodes, count(*) AS buckets, sum(sample_count) AS samples FROM aggregates_hourly`,
    );
    expect(toNumber(hourly!.nodes)).toBe(DEMO_NODES.length);
    // Every complete hour of the week is materialised (the current, incomplete hour is not).
    const [raw] = await q<{ n: string }>(
      sql`SELECT count(*) AS n FROM metrics WHERE time < date_trunc('hour', ${NOW.toISOString()}::timestamptz)`,
    );
    expect(toNumber(hourly!.samples)).toBe(toNumber(raw!.n));
    const [daily] = await q<{ nodes: string; days: string }>(
      sql`SELECT count(DISTINCT node_id) AS nodes, count(DISTINCT time) AS days FROM aggregates_daily`,
    );
    expect(toNumber(daily!.nodes)).toBe(DEMO_NODES.length);
    expect(toNumber(daily!.days)).toBeGreaterThanOrEqual(6);
  });

  it('is idempotent: seeding again adds nothing', async () => {
    const again = await seedDemo(t.database, t.mode, { now: NOW });
    expect(again).toMatchObject({ nodesCreated: 0, samplesInserted: 0 });
  });
});
