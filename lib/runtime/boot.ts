import { config } from '../config';
import { closeDatabase, getDatabase, getDatabaseFor } from '../db/client';
import { errorMessage } from '../db/rows';
import { createLogger, log } from '../log';
import { startLogShipping, stopLogShipping } from '../logs/shipper';
import { REDIS_COMMAND_TIMEOUT_MS, createRedis, getRedis } from '../redis';
import { consumerSettingsFrom } from '../../worker/consumer';
import { startWorker, type RunningWorker } from '../../worker/runtime';
import { startDemoSimulator } from '../demo/simulator';
import { prepareDatabaseWhenReachable } from './prepare';
import { startPushPathBeacon } from './push-beacon';

const globalForBoot = globalThis as unknown as { fiberBooted?: boolean; fiberWorker?: RunningWorker };

/**
 * Start-up of the web process (called once from instrumentation.ts): open the database,
 * migrate and seed as configured, and in the embedded default run the worker loop in-process,
 * since PGlite can only be opened by one process. Any failure here is fatal and says why.
 */
export async function bootWebServer(): Promise<void> {
  if (globalForBoot.fiberBooted) return;
  globalForBoot.fiberBooted = true;
  // Until the configuration is known to be valid, log at a fixed level: a bad LOG_LEVEL must
  // still produce the message that names it.
  let logger = createLogger('fiber-api', 'info').child({ logger: 'startup' });
  try {
    const cfg = config();
    logger = log().child({ logger: 'startup' });
    // `next build` evaluates server code too; it must not open (and lock) the database.
    if (cfg.NEXT_PHASE === 'phase-production-build') return;
    const database = await getDatabase();
    const mode = await prepareDatabaseWhenReachable(database, cfg);
    // From here on (the store's tables exist), log lines and events also go to the log store.
    startLogShipping();
    logger.info({ context: { database: database.location, mode, inProcessWorker: cfg.inProcessWorker } }, 'database ready');
    let redis: ReturnType<typeof createRedis> | undefined;
    if (cfg.inProcessWorker) {
      redis = createRedis(cfg.REDIS_URL, 'worker', { commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS.worker });
      globalForBoot.fiberWorker = await startWorker({
        database,
        ingestDatabase: await getDatabaseFor('worker'),
        mode,
        redis,
        tickMs: cfg.WORKER_TICK_SECONDS * 1000,
        workerId: cfg.WORKER_ID,
        consumer: consumerSettingsFrom(cfg),
      });
    }
    const stopBeacon = startPushPathBeacon(getRedis(cfg.REDIS_URL));
    const simulator =
      cfg.embedded && cfg.FIBER_DEMO && cfg.inProcessWorker ? await startDemoSimulator(database.db, `http://127.0.0.1:${cfg.PORT}`) : undefined;
    // Signals are ours: the `npm start` server (lib/runtime/server.ts) embeds Next without its
    // CLI's handlers, which would exit before a running job ends or PGlite flushes.
    const shutdown = async (signal: string) => {
      logger.info({ context: { signal } }, 'shutting down');
      simulator?.stop();
      stopBeacon();
      await globalForBoot.fiberWorker?.stop();
      await stopLogShipping();
      redis?.disconnect();
      await closeDatabase();
      logger.info('shutdown complete');
      // 1 when the shutdown was ours because the embedded database thread died (lib/db/client.ts).
      process.exit(process.exitCode ?? 0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  } catch (err) {
    logger.fatal({ context: { error: errorMessage(err) } }, `FiberStack cannot start: ${errorMessage(err)}`);
    await closeDatabase().catch(() => {});
    process.exit(1);
  }
}
