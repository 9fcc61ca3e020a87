import type http from 'node:http';
import { nodeBody } from '../http/body';
import { problemBody, type PlainResponse } from '../http/problem';
import { ingestPush, type PushDeps } from '../ingest/push';
import { log } from '../log';

const PUSH_PATH = '/api/push';

/** `POST /api/push`, with or without a query string or trailing slash. */
export function isPushRequest(req: http.IncomingMessage): boolean {
  if (req.method !== 'POST' || !req.url?.startsWith(PUSH_PATH)) return false;
  const rest = req.url.slice(PUSH_PATH.length);
  return rest === '' || rest === '/' || rest.startsWith('?') || rest.startsWith('/?');
}

function send(res: http.ServerResponse, answer: PlainResponse): void {
  res.writeHead(answer.status, { ...answer.headers, 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/**
 * Answers a push on Node's own request and response objects: the same ingestPush as the Next
 * route (app/api/push/route.ts), minus the framework's per-request cost.
 */
export async function servePush(req: http.IncomingMessage, res: http.ServerResponse, deps: () => Promise<PushDeps>): Promise<void> {
  try {
    const answer = await ingestPush({ header: (name) => singleHeader(req, name), body: nodeBody(req) }, await deps());
    // A body left unread (413) would otherwise be read as the next request on this connection.
    if (!req.complete) res.setHeader('connection', 'close');
    send(res, answer);
  } catch (err) {
    // ingestPush answers every failure itself; this is a dependency that could not even be set up.
    log().child({ logger: 'api.routes.push' }).error({ exception: err }, 'push failed before it could be handled');
    if (!res.headersSent) send(res, problemBody(err, 'unknown'));
  }
}

function singleHeader(req: http.IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}
