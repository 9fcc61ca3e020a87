/**
 * `npm start`: the production web server. Next.js serves pages and the API, except
 * `POST /api/push`, which this listener answers itself with the same handler as
 * app/api/push/route.ts. Measured on the 2-core machine, an empty Next route handler tops out
 * near 700 requests/s, while probes need thousands: the framework's routing, web-stream
 * request wrapping and response pipeline cost more than the push itself (README, Performance).
 */
import http from 'node:http';
import next from 'next';
import { config } from '../config';
import { errorMessage } from '../db/rows';
import { pushDepsFromConfig } from '../ingest/deps';
import { createLogger, log } from '../log';
import { bootWebServer } from './boot';
import { isPushRequest, servePush } from './push-listener';
import { stampClientIp } from './client-ip';

async function main(): Promise<void> {
  let logger = createLogger('fiber-api', 'info').child({ logger: 'startup' });
  try {
    const cfg = config();
    logger = log().child({ logger: 'startup' });
    // Database, migrations and the in-process worker are ready before the first request;
    // instrumentation.ts then finds the process booted (the flag lives on globalThis).
    await bootWebServer();
    const app = next({ dev: false, dir: process.cwd(), port: cfg.PORT });
    const handle = app.getRequestHandler();
    await app.prepare();
    const server = http.createServer((req, res) => {
      if (isPushRequest(req)) void servePush(req, res, pushDepsFromConfig);
      else {
        stampClientIp(req, cfg.FIBER_TRUST_PROXY);
        void handle(req, res);
      }
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(cfg.PORT, resolve);
    });
    logger.info({ context: { port: cfg.PORT, url: `http://localhost:${cfg.PORT}` } }, 'web server listening');
    // Stop accepting at once; instrumentation's handler then stops the worker and closes the database.
    const stopListening = () => {
      server.close();
      server.closeIdleConnections();
    };
    process.once('SIGTERM', stopListening);
    process.once('SIGINT', stopListening);
  } catch (err) {
    logger.fatal({ context: { error: errorMessage(err) } }, `FiberStack cannot start the web server: ${errorMessage(err)}`);
    process.exit(1);
  }
}

void main();
