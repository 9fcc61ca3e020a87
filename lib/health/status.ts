import type { Redis } from 'ioredis';
import type { Database } from '../db/client';
import { readRecordedMode } from '../db/mode';
import { pingDatabase } from '../db/queries';
import { errorMessage } from '../db/rows';
import { heartbeatKey, queueStats, type QueueStats } from '../queue/stream';
import { whenReady } from '../redis';
import { withTimeout } from '../timeout';
import type { ShipperStats } from '../logs/shipper';
import type { WorkerState } from '../../worker/runtime';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  checked_at: string;
  database: { ok: boolean; engine?: string; mode?: string; error?: string };
  redis: { ok: boolean; error?: string };
  queue: (QueueStats & { ok: boolean }) | null;
  workers: (WorkerState & { pid?: number; at?: string; logs?: ShipperStats | null })[];
  /** This process's log shipping (issue 6); null when it does not ship. */
  logs: LogsHealth | null;
  problems: string[];
}

export interface LogsHealth {
  store: 'postgres' | 'elasticsearch';
  ok: boolean;
  buffered: number;
  dropped: number;
  rejected: number;
  lastError: string | null;
}

/** Documents dropped this recently keep the report degraded after the store came back. */
const DROPPED_RECENTLY_MS = 15 * 60_000;

/** The shipper's figures as /api/health shows them, with the problem they amount to, if any. */
export function logsHealth(stats: ShipperStats | undefined, now: number = Date.now()): { logs: LogsHealth | null; problem?: string } {
  if (!stats) return { logs: null };
  const droppedRecently = stats.lastDroppedAt !== null && now - Date.parse(stats.lastDroppedAt) < DROPPED_RECENTLY_MS;
  const logs: LogsHealth = {
    store: stats.store,
    ok: !stats.failing && !droppedRecently,
    buffered: stats.buffered,
    dropped: stats.dropped,
    rejected: stats.rejected,
    lastError: stats.lastError,
  };
  if (stats.failing) return { logs, problem: `log store (${stats.store}) unavailable: ${stats.buffered} documents buffered, ${stats.dropped} dropped` };
  if (droppedRecently) return { logs, problem: `log documents dropped in the last ${DROPPED_RECENTLY_MS / 60_000} minutes (${stats.dropped} in all)` };
  return { logs };
}

/** A backlog older than this means the workers are not keeping up (or not running). */
const MAX_HEALTHY_LAG_MS = 120_000;

/**
 * What /api/health reports: the stores answer (or the error they gave), the ingest queue's
 * length, pending entries, lag and dead letters, and every live worker's heartbeat with its
 * ingest figures, and this process's log shipping. `down` (HTTP 503) when the database or Redis
 * does not answer; `degraded` when they do but no worker is alive, the queue lags, the log store
 * is failing or log documents were dropped lately (logging never takes the service down).
 */
export async function healthReport(getDatabase: () => Promise<Database>, redis: Redis, shipping?: ShipperStats): Promise<HealthReport> {
  const problems: string[] = [];
  const database: HealthReport['database'] = { ok: false };
  try {
    const db = await noAnswerWithin(getDatabase(), 3_000);
    await noAnswerWithin(pingDatabase(db.db), 3_000);
    Object.assign(database, { ok: true, engine: db.engine, mode: (await readRecordedMode(db.db)) ?? 'unmigrated' });
  } catch (err) {
    database.error = errorMessage(err);
    problems.push('database unavailable');
  }

  const redisCheck: HealthReport['redis'] = { ok: false };
  let queue: HealthReport['queue'] = null;
  let workers: HealthReport['workers'] = [];
  try {
    await whenReady(redis, 1_000);
    await noAnswerWithin(redis.ping(), 2_000);
    redisCheck.ok = true;
    const stats = await queueStats(redis);
    queue = { ...stats, ok: stats.lagMs < MAX_HEALTHY_LAG_MS };
    if (!queue.ok) problems.push(`ingest queue lags ${Math.round(stats.lagMs / 1000)} s`);
    workers = await workerHeartbeats(redis);
    if (workers.length === 0) problems.push('no worker heartbeat');
    // A standalone worker's log shipping (an in-process worker shares this process's, reported below).
    for (const w of workers) {
      const { problem } = w.pid === process.pid ? {} : logsHealth(w.logs ?? undefined);
      if (problem) problems.push(`worker ${w.workerId}: ${problem}`);
    }
  } catch (err) {
    redisCheck.error = errorMessage(err);
    problems.push('redis unavailable');
  }

  const { logs, problem: logsProblem } = logsHealth(shipping);
  if (logsProblem) problems.push(logsProblem);

  const status = !database.ok || !redisCheck.ok ? 'down' : problems.length > 0 ? 'degraded' : 'ok';
  return { status, checked_at: new Date().toISOString(), database, redis: redisCheck, queue, workers, logs, problems };
}

async function workerHeartbeats(redis: Redis): Promise<HealthReport['workers']> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', heartbeatKey('*'), 'COUNT', 100);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0' && keys.length < 1000);
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.flatMap((v) => {
    try {
      return v ? [JSON.parse(v)] : [];
    } catch {
      return [];
    }
  });
}

function noAnswerWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  return withTimeout(promise, ms, () => new Error(`no answer within ${ms} ms`));
}
