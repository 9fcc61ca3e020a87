import type { Database } from '../../lib/db/client';
import type { StorageMode } from '../../lib/db/mode';
import { log } from '../../lib/log';
import { ensureMetricsPartitions, refreshRollup } from '../../lib/maintenance/queries';
import { ROLLUPS, floorTo } from '../../lib/maintenance/rollups';
import { insertMetricBatch, touchLastSeenFromMetrics, type MetricSample } from '../../lib/metrics/queries';
import { insertMissingNodes } from '../../lib/nodes/queries';
import { DEMO_NODES } from './demo-nodes';
import { demoSamples } from './demo-samples';

const BATCH = 20_000;
const DAY = 86_400_000;

export interface SeedResult {
  nodesCreated: number;
  samplesInserted: number;
  /** Time spent writing nodes and samples; the rest of `ms` is the rollup refresh. */
  insertMs: number;
  ms: number;
}

/**
 * Demo network: the demo nodes and `days` of 1-minute samples up to `now`, then the rollups
 * refreshed so hourly and daily views have data at once. Safe to re-run: existing nodes keep
 * their edits and samples already stored are skipped.
 */
export async function seedDemo(
  database: Database,
  mode: StorageMode,
  options: { days?: number; now?: Date } = {},
): Promise<SeedResult> {
  const started = performance.now();
  const { db } = database;
  const nowMs = Math.floor((options.now ?? new Date()).getTime() / 60_000) * 60_000;
  const fromMs = nowMs - (options.days ?? 7) * DAY;

  const nodesCreated = await insertMissingNodes(db, DEMO_NODES);
  if (mode === 'postgres') await ensureMetricsPartitions(db, new Date(fromMs), new Date(nowMs + DAY));

  let samplesInserted = 0;
  let batch: MetricSample[] = [];
  const flush = async () => {
    samplesInserted += await insertMetricBatch(db, batch);
    batch = [];
  };
  for (const [i, node] of DEMO_NODES.entries()) {
    for (const s of demoSamples(node, i + 1, fromMs, nowMs + 1, nowMs)) {
      batch.push(s);
      if (batch.length >= BATCH) await flush();
    }
  }
  await flush();
  await touchLastSeenFromMetrics(db, new Date(fromMs));
  const insertMs = Math.round(performance.now() - started);

  // From bucket boundaries, so the first, partial hour and day are materialised too.
  await refreshRollup(db, mode, 'hourly', new Date(floorTo(fromMs, ROLLUPS.hourly.bucketMs)), new Date(nowMs));
  await refreshRollup(db, mode, 'daily', new Date(floorTo(fromMs, ROLLUPS.daily.bucketMs)), new Date(nowMs));

  const result = { nodesCreated, samplesInserted, insertMs, ms: Math.round(performance.now() - started) };
  log().child({ logger: 'seed' }).info({ context: { ...result, mode, database: database.location } }, 'demo data seeded');
  return result;
}
