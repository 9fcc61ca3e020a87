import { createServer, type Server } from 'node:http';
import type { WorkerState } from './runtime';

/** A batch still in flight after this long is stuck (a normal one takes well under a second). */
export const STUCK_BATCH_MS = 5 * 60_000;

/**
 * Alive while ticks keep happening (none finished for three tick intervals: stalled) and no
 * ingest batch has been in flight for STUCK_BATCH_MS: a query that never settles (a driver
 * wedged by a dropped connection) would otherwise stop ingest behind a worker that looks alive.
 */
export function workerLiveness(state: WorkerState, tickMs: number, now = Date.now()): { healthy: boolean; problem: string | null } {
  const last = state.lastTickAt ? Date.parse(state.lastTickAt) : Date.parse(state.startedAt);
  if (now - last >= 3 * tickMs + 30_000) return { healthy: false, problem: `no tick finished for ${Math.round((now - last) / 1000)} s` };
  const batch = state.ingest?.oldestBatchStartedAt;
  if (batch && now - Date.parse(batch) >= STUCK_BATCH_MS) return { healthy: false, problem: `an ingest batch has been in flight for ${Math.round((now - Date.parse(batch)) / 1000)} s` };
  return { healthy: true, problem: null };
}

/**
 * Optional liveness endpoint for orchestrators (WORKER_HEALTH_PORT): 200 while the worker is
 * alive (workerLiveness), 503 `stalled` with the problem otherwise, so it gets restarted.
 */
export function startHealthServer(port: number, state: WorkerState, tickMs: number): Server {
  const server = createServer((req, res) => {
    if (req.url !== '/health') {
      res.writeHead(404).end();
      return;
    }
    const { healthy, problem } = workerLiveness(state, tickMs);
    res
      .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ status: healthy ? 'ok' : 'stalled', ...(problem ? { problem } : {}), ...state }));
  });
  server.listen(port, '0.0.0.0');
  return server;
}
