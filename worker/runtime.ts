import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Database } from '../lib/db/client';
import type { StorageMode } from '../lib/db/mode';
import { errorMessage } from '../lib/db/rows';
import { logShippingStats } from '../lib/logs/shipper';
import { log } from '../lib/log';
import { HEARTBEAT_TTL_SECONDS, heartbeatKey, queueStats } from '../lib/queue/stream';
import { duplicateRedis, whenReady } from '../lib/redis';
import { jobsFor } from './jobs';
import { StreamConsumer, type ConsumerSettings, type ConsumerStats } from './consumer';
import { JobScheduler } from './scheduler';


export interface WorkerState {
  ingest: ConsumerStats | null;
  workerId: string;
  mode: StorageMode;
  engine: Database['engine'];
  startedAt: string;
  lastTickAt: string | null;
  lastTickOk: boolean;
  jobs: string[];
}

export interface RunningWorker {
  state: WorkerState;
  /** Resolves once the first tick has finished (tests and start-up logs use it). */
  firstTick: Promise<void>;
  /** Finishes the job in progress, stops the timers, removes the heartbeat. Does not close the pools. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  database: Database;
  mode: StorageMode;
  redis?: Redis;
  tickMs: number;
  workerId?: string;
  /** The ingest path's database (DATABASE_WORKER_URL, e.g. as etl_writer); default `database`, which runs the jobs. */
  ingestDatabase?: Database;
  /** Consume fiber:etl:queue as well (needs `redis`). */
  consumer?: ConsumerSettings;
}

/**
 * The worker loop, the same in the standalone process and inside the web server (embedded
 * default): a tick every `tickMs` runs the due jobs; a heartbeat key in Redis says it is alive.
 * A database or Redis outage is logged and retried on the next tick, never a crash.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const logger = log('fiber-worker').child({ logger: 'worker' });
  const workerId = options.workerId ?? `${hostname()}-${process.pid}`;
  const streamRedis = options.redis && options.consumer ? duplicateRedis(options.redis, 'etl', { blockMs: options.consumer.blockMs }) : undefined;
  const consumer =
    streamRedis && options.consumer
      ? new StreamConsumer(
          options.ingestDatabase ?? options.database,
          options.mode,
          streamRedis,
          workerId,
          options.consumer,
          log('fiber-worker').child({ logger: 'worker.etl' }),
          options.database,
        )
      : undefined;
  const ingestFailedAt = () => (consumer?.stats.lastFailureAt ? new Date(consumer.stats.lastFailureAt) : undefined);
  const scheduler = new JobScheduler(options.database.db, await jobsFor(options.database, options.mode, { ingestFailedAt }), workerId, logger);
  const state: WorkerState = {
    ingest: consumer?.stats ?? null,
    workerId,
    mode: options.mode,
    engine: options.database.engine,
    startedAt: new Date().toISOString(),
    lastTickAt: null,
    lastTickOk: false,
    jobs: scheduler.jobNames,
  };
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let loggedProcessed = 0;

  const beat = async () => {
    const redis = options.redis;
    if (!redis) return;
    try {
      await whenReady(redis, 2_000);
      // The standalone worker's log shipping shows in /api/health through this heartbeat.
      const value = JSON.stringify({ ...state, logs: logShippingStats() ?? null, pid: process.pid, at: new Date().toISOString() });
      await redis.set(heartbeatKey(workerId), value, 'EX', HEARTBEAT_TTL_SECONDS);
    } catch (err) {
      logger.debug({ context: { error: errorMessage(err) } }, 'heartbeat not written');
    }
  };

  const tick = async () => {
    try {
      const result = await scheduler.runDue(() => stopping);
      state.lastTickOk = result.failed.length === 0;
    } catch (err) {
      state.lastTickOk = false;
      logger.warn({ context: { error: errorMessage(err) } }, 'job tick failed (database unavailable?); retrying next tick');
    }
    state.lastTickAt = new Date().toISOString();
    if (consumer && options.redis && consumer.stats.processed !== loggedProcessed) {
      loggedProcessed = consumer.stats.processed;
      const queue = await queueStats(options.redis).catch(() => undefined);
      logger.info({ context: { ...consumer.stats, pending: queue?.pending, lag_ms: queue?.lagMs, dead_letters_total: queue?.deadLetters } }, 'ingest figures');
    }
    await beat();
  };

  const schedule = () => {
    if (stopping) return;
    timer = setTimeout(() => {
      current = tick().finally(schedule);
    }, options.tickMs);
  };

  logger.info({ context: { workerId, mode: options.mode, engine: options.database.engine, jobs: state.jobs } }, 'worker started');
  current = tick();
  const firstTick = current;
  consumer?.start();
  void current.finally(schedule);
  const beatTimer = setInterval(() => void beat(), Math.min(10_000, options.tickMs));

  return {
    state,
    firstTick,
    async stop() {
      if (stopping) return current;
      stopping = true;
      clearTimeout(timer);
      clearInterval(beatTimer);
      await Promise.all([current, consumer?.stop()]);
      streamRedis?.disconnect();
      await options.redis?.del(heartbeatKey(workerId)).catch(() => {});
      logger.info({ context: { workerId } }, 'worker stopped');
    },
  };
}
