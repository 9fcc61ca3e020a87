/**
 * `npm start`: the production web server. Next.js serves pages and the API, except
 * `POST /api/push`, which this listener answers itself with the same handler as
 * app/api/push/route.ts, and the read API's GETs (read-api-listener.ts), with the route
 * modules' own handlers. Measured on the 2-core machine, an empty Next route handler tops out
 * near 700 requests/s, while probes need thousands: the framework's routing, web-stream
 * request wrapping and response pipeline cost more than the push itself (README, Performance).
 */
import http from 'node:http';
import { register } from 'node:module';
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
    const { hasMalformedPath, readApiHandler, serveMalformedPath, serveReadApi } = await importReadApi();
    const app = next({ dev: false, dir: process.cwd(), port: cfg.PORT });
    const handle = app.getRequestHandler();
    await app.prepare();
    const server = http.createServer((req, res) => {
      if (isPushRequest(req)) return void servePush(req, res, pushDepsFromConfig);
      stampClientIp(req, cfg.FIBER_TRUST_PROXY);
      if (hasMalformedPath(req)) return void serveMalformedPath(req, res);
      const readApi = readApiHandler(req);
      if (readApi) void serveReadApi(req, res, readApi);
      else void handle(req, res);
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

/**
 * The read API's modules are the app's route modules, which import `server-only` (a guard that
 * throws unless resolved under React's `react-server` condition, as Next's server bundles and
 * vitest resolve it). Node resolves that one package under that condition here too, before the
 * modules are loaded; nothing else changes resolution.
 */
async function importReadApi(): Promise<typeof import('./read-api-listener')> {
  const hook = `export async function resolve(specifier, context, next) {
    return specifier === 'server-only' ? next(specifier, { ...context, conditions: [...context.conditions, 'react-server'] }) : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  return import('./read-api-listener');
}

void main();
