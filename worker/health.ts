import { createServer, type Server } from 'node:http';
import type { WorkerState } from './runtime';

/**
 * Optional liveness endpoint for orchestrators (WORKER_HEALTH_PORT): 200 while ticks keep
 * happening, 503 once none finished for three tick intervals.
 */
export function startHealthServer(port: number, state: WorkerState, tickMs: number): Server {
  const server = createServer((req, res) => {
    if (req.url !== '/health') {
      res.writeHead(404).end();
      return;
    }
    const last = state.lastTickAt ? Date.parse(state.lastTickAt) : Date.parse(state.startedAt);
    const healthy = Date.now() - last < 3 * tickMs + 30_000;
    res
      .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ status: healthy ? 'ok' : 'stalled', ...state }));
  });
  server.listen(port, '0.0.0.0');
  return server;
}
