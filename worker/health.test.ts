import { describe, expect, it } from 'vitest';
import type { ConsumerStats } from './consumer';
import { STUCK_BATCH_MS, workerLiveness } from './health';
import type { WorkerState } from './runtime';

/** What an orchestrator's liveness probe (WORKER_HEALTH_PORT) is told, from the worker's own state. */
describe('worker liveness', () => {
  const NOW = Date.parse('2026-11-29T12:00:00Z');
  const TICK_MS = 60_000;
  const ago = (ms: number) => new Date(NOW - ms).toISOString();
  const ingest = (oldestBatchStartedAt: string | null): ConsumerStats => ({
    processed: 10,
    inserted: 10,
    duplicates: 0,
    deadLettered: 0,
    batches: 1,
    lastBatchMs: 12,
    peakInFlight: 1,
    oldestBatchStartedAt,
    lastError: null,
    lastFailureAt: null,
  });
  const state = (overrides: Partial<WorkerState>): WorkerState => ({
    ingest: ingest(null),
    workerId: 'w1',
    mode: 'postgres',
    engine: 'postgres',
    startedAt: ago(10 * 60_000),
    lastTickAt: ago(5_000),
    lastTickOk: true,
    jobs: [],
    ...overrides,
  });

  it('is alive while ticks finish and no batch is stuck', () => {
    expect(workerLiveness(state({}), TICK_MS, NOW)).toEqual({ healthy: true, problem: null });
    expect(workerLiveness(state({ ingest: ingest(ago(2_000)) }), TICK_MS, NOW).healthy).toBe(true);
    expect(workerLiveness(state({ ingest: null }), TICK_MS, NOW).healthy).toBe(true);
  });

  it('is stalled when no tick finished for three intervals', () => {
    const r = workerLiveness(state({ lastTickAt: ago(3 * TICK_MS + 31_000) }), TICK_MS, NOW);
    expect(r).toEqual({ healthy: false, problem: 'no tick finished for 211 s' });
  });

  it('is stalled when an ingest batch has been in flight too long, though ticks go on', () => {
    expect(workerLiveness(state({ ingest: ingest(ago(STUCK_BATCH_MS - 1_000)) }), TICK_MS, NOW).healthy).toBe(true);
    const r = workerLiveness(state({ ingest: ingest(ago(STUCK_BATCH_MS + 1_000)) }), TICK_MS, NOW);
    expect(r).toEqual({ healthy: false, problem: 'an ingest batch has been in flight for 301 s' });
  });
});
