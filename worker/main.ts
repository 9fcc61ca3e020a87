import { config } from '../lib/config';
import { closeDatabase, getDatabase, getDatabaseFor } from '../lib/db/client';
import { errorMessage } from '../lib/db/rows';
import { log, setServiceName } from '../lib/log';
import { startLogShipping, stopLogShipping } from '../lib/logs/shipper';
import { REDIS_COMMAND_TIMEOUT_MS, createRedis } from '../lib/redis';
import { prepareDatabaseWhenReachable } from '../lib/runtime/prepare';
import { consumerSettingsFrom } from './consumer';
import { startHealthServer } from './health';
import { startWorker } from './runtime';

/** `npm run worker`: the standalone worker process. */
setServiceName('fiber-worker');
const logger = log().child({ logger: 'worker.main' });

async function main(): Promise<void> {
  const cfg = config();
  const database = await getDatabase();
  const mode = await prepareDatabaseWhenReachable(database, cfg);
  startLogShipping();
  const redis = createRedis(cfg.REDIS_URL, 'worker', { commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS.worker });
  const tickMs = cfg.WORKER_TICK_SECONDS * 1000;
  const ingestDatabase = await getDatabaseFor('worker');
  const worker = await startWorker({ database, ingestDatabase, mode, redis, tickMs, workerId: cfg.WORKER_ID, consumer: consumerSettingsFrom(cfg) });
  const health = cfg.WORKER_HEALTH_PORT ? startHealthServer(cfg.WORKER_HEALTH_PORT, worker.state, tickMs) : undefined;

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      logger.warn({ context: { signal } }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ context: { signal } }, 'shutting down: finishing the running job');
    await worker.stop();
    await stopLogShipping();
    health?.close();
    redis.disconnect();
    await closeDatabase();
    logger.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

// Should anything escape its handler, say what it was: a worker that vanishes without a word is
// the hardest failure to diagnose at 3 a.m. A stray rejected promise (every promise of ours has
// a handler, so it would come from inside a client library, e.g. a pooled connection the
// database terminated) is logged and survived: nothing is acknowledged before its commit, so
// carrying on cannot lose or duplicate a sample, while exiting would stall ingest until a
// supervisor restarts us. A synchronous uncaught exception leaves state unknown: exit.
process.on('unhandledRejection', (reason) => {
  logger.error({ exception: reason }, 'unhandled promise rejection (carrying on; the ledger only acknowledges after commit)');
});
process.on('uncaughtException', (err) => {
  logger.fatal({ exception: err }, 'uncaught exception; exiting');
  process.exit(1);
});

main().catch(async (err) => {
  logger.fatal({ context: { error: errorMessage(err) } }, `worker failed to start: ${errorMessage(err)}`);
  await closeDatabase().catch(() => {});
  process.exit(1);
});
