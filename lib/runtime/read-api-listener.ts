import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { GET as getMetrics } from '../../app/api/metrics/route';
import { GET as getNode } from '../../app/api/nodes/[id]/route';
import { GET as getNodes } from '../../app/api/nodes/route';
import { ApiError, problemBody } from '../http/problem';
import { SECURITY_HEADERS } from '../http/security-headers';
import { log } from '../log';
import { logRequestFailure } from '../http/failures';

/**
 * The `npm start` server answers the read API (`GET /api/metrics`, `/api/nodes`,
 * `/api/nodes/{id}`) itself, with the route modules' own handlers (withAuth included), on a
 * web Request built from Node's request. Next's routing and response pipeline cost ~3 ms per
 * request here, more than a cached answer or the node lookup (README, "Query performance");
 * `next dev` and every other method still go through Next, to the same handlers.
 */

type Handler = (req: Request) => Promise<Response>;

const gzipAsync = promisify(gzip);
/** Smaller bodies are not worth the header; level 4 keeps a 560 KB node list to a few ms. */
const COMPRESS_FROM_BYTES = 1024;
const GZIP_LEVEL = 4;

const NODE_PATH = /^\/api\/nodes\/([^/?#]+)\/?$/;

/** The read-API handler for this request, or undefined when Next should answer it. */
export function readApiHandler(req: http.IncomingMessage): Handler | undefined {
  if (req.method !== 'GET' || !req.url) return undefined;
  const query = req.url.indexOf('?');
  const path = query === -1 ? req.url : req.url.slice(0, query);
  if (path === '/api/metrics' || path === '/api/metrics/') return getMetrics;
  if (path === '/api/nodes' || path === '/api/nodes/') return getNodes;
  const node = NODE_PATH.exec(path);
  if (!node) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(node[1]!);
  } catch {
    return undefined; // Next answers a malformed path as it always has.
  }
  return (request) => getNode(request, { params: Promise.resolve({ id }) });
}

/**
 * A request path that is not valid percent-encoded UTF-8 (`/nodes/%E0%A4%A`): no route can match
 * it, and Next answers one that falls on a dynamic route with a bare 500 and no log line.
 */
export function hasMalformedPath(req: http.IncomingMessage): boolean {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  try {
    decodeURIComponent(query === -1 ? url : url.slice(0, query));
    return false;
  } catch {
    return true;
  }
}

/** 400 problem+json for such a path, with the usual headers. */
export async function serveMalformedPath(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const problem = problemBody(new ApiError(400, 'The request path is not valid percent-encoded UTF-8.', { code: 'malformed-path' }), randomUUID());
  await writeAnswer(req, res, new Response(problem.body, { status: problem.status, headers: problem.headers })).catch(() => res.destroy());
}

/** Runs the handler and writes its answer, with the headers next.config.ts gives every response. */
export async function serveReadApi(req: http.IncomingMessage, res: http.ServerResponse, handler: Handler): Promise<void> {
  try {
    await writeAnswer(req, res, await handler(toWebRequest(req)));
  } catch (err) {
    // The handlers answer their own failures; this is one that escaped them.
    const requestId = randomUUID();
    logRequestFailure(log().child({ logger: 'api.routes.read', request_id: requestId }), err, 'read API request failed unexpectedly', { path: req.url });
    if (res.headersSent) return void res.destroy();
    const problem = problemBody(err, requestId);
    await writeAnswer(req, res, new Response(problem.body, { status: problem.status, headers: problem.headers })).catch(() => res.destroy());
  }
}

async function writeAnswer(req: http.IncomingMessage, res: http.ServerResponse, answer: Response): Promise<void> {
  let body = Buffer.from(await answer.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  for (const { key, value } of SECURITY_HEADERS) headers[key.toLowerCase()] = value;
  answer.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = answer.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  // As Next compresses its answers: JSON shrinks ~10× (a NOC far from the server feels it).
  headers['vary'] = 'Accept-Encoding';
  if (body.length >= COMPRESS_FROM_BYTES && acceptsGzip(req) && !headers['content-encoding']) {
    body = await gzipAsync(body, { level: GZIP_LEVEL });
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = String(body.length);
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** `Accept-Encoding` names gzip (or `*`) without `q=0`. */
function acceptsGzip(req: http.IncomingMessage): boolean {
  const accepted = req.headers['accept-encoding'];
  if (typeof accepted !== 'string') return false;
  return accepted.split(',').some((entry) => {
    const [coding, ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q.slice(2)) > 0);
  });
}

function toWebRequest(req: http.IncomingMessage): Request {
  // req.headers, not rawHeaders: the server has already overwritten the client-address header.
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (value) for (const v of value) headers.append(name, v);
  }
  // The handlers read the path and query only; the origin is fixed so a Host header cannot
  // make the URL unparsable.
  return new Request(`http://localhost${req.url}`, { method: 'GET', headers });
}
