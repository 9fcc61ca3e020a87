import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { errorMessage } from '../db/rows';
import { log } from '../log';
import { PUSH_PATH_BEAT_MS, markPushPathAlive } from '../queue/stream';

/**
 * The web process says it takes pushes (PUSH_PATH_KEY), now and every PUSH_PATH_BEAT_MS until
 * stopped, so the worker does not take the silence of probes for theirs while no web process
 * runs (lib/logs/lifecycle.ts). Stopping leaves the key to expire: another web process may still
 * be taking pushes, and deleting it would blind the worker until that one's next beat.
 */
export function startPushPathBeacon(redis: Redis, server = `${hostname()}-${process.pid}`): () => void {
  const logger = log().child({ logger: 'push.beacon' });
  const beat = () =>
    markPushPathAlive(redis, server).catch((err: unknown) => logger.debug({ context: { error: errorMessage(err) } }, 'push path beacon not written'));
  void beat();
  const timer = setInterval(() => void beat(), PUSH_PATH_BEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}
