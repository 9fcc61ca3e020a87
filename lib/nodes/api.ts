import type { Db } from '../db/client';
import { ApiError, problemResponse } from '../http/problem';
import { invalidParameters, parameterErrors, requestIdOf, searchParamsObject } from '../http/request';
import { ServerTiming, withServerTiming } from '../http/server-timing';
import { log } from '../log';
import { getNodeWithLatestSample, listNodesWithLatestSample, type NodeWithLatestSample } from './queries';
import { nodeIdSchema, nodesQuerySchema } from './schemas';
import { statusOfNode, type NodeStatus } from './status';
import { logRequestFailure } from '../http/failures';

export interface NodesDeps {
  db: Db;
  now?: () => Date;
}

/**
 * A node as the API shows it: the `nodes` columns under their spec names (NULL stays null), its
 * derived `status`, and its newest sample (`latest`, null when it has none).
 */
export function nodeJson(node: NodeWithLatestSample, status: NodeStatus) {
  return {
    node_id: node.nodeId,
    node_name: node.nodeName,
    display_name: node.displayName,
    country: node.country,
    region: node.region,
    city: node.city,
    latitude: node.latitude,
    longitude: node.longitude,
    is_active: node.isActive,
    status,
    last_seen_at: node.lastSeenAt?.toISOString() ?? null,
    probe_version: node.probeVersion,
    tags: node.tags,
    hardware_info: node.hardwareInfo,
    created_at: node.createdAt?.toISOString() ?? null,
    updated_at: node.updatedAt?.toISOString() ?? null,
    latest: node.latest
      ? {
          time: node.latest.time.toISOString(),
          latency_ms: node.latest.latencyMs,
          uptime_pct: node.latest.uptimePct,
          packet_loss: node.latest.packetLoss,
        }
      : null,
  };
}

export type NodeJson = ReturnType<typeof nodeJson>;

/** GET /api/nodes: `{ nodes: [...] }`, by country then node_name, filtered by country, region, tags and status. */
export async function handleListNodes(req: Request, deps: NodesDeps): Promise<Response> {
  return answer(req, 'api.routes.nodes', async () => {
    const parsed = nodesQuerySchema.safeParse(searchParamsObject(req.url));
    if (!parsed.success) throw invalidParameters(parameterErrors(parsed.error.issues));
    const { country, region, tags, status } = parsed.data;
    const now = deps.now?.() ?? new Date();
    const nodes = await listNodesWithLatestSample(deps.db, { countries: country, region, tags, isActive: activeFilterFor(status) });
    const shown = nodes.map((n) => nodeJson(n, statusOfNode(n, now))).filter((n) => !status || status.includes(n.status));
    return { nodes: shown };
  });
}

/**
 * `inactive` is the one status SQL knows by itself (`is_active = false`): a list without it (the
 * spec's "active nodes list") skips the decommissioned nodes' sample lookups, a list of only it
 * skips everyone else's. Any other mix is filtered after the statuses are derived.
 */
function activeFilterFor(status: readonly NodeStatus[] | undefined): boolean | undefined {
  if (!status) return undefined;
  if (!status.includes('inactive')) return true;
  return status.every((s) => s === 'inactive') ? false : undefined;
}

/** GET /api/nodes/{id}: one node, 404 when there is none. */
export async function handleGetNode(req: Request, id: string, deps: NodesDeps): Promise<Response> {
  return answer(req, 'api.routes.nodes', async () => {
    const parsed = nodeIdSchema.safeParse(id);
    if (!parsed.success) throw invalidParameters(parsed.error.issues.map((i) => ({ parameter: 'id', message: i.message })));
    const node = await getNodeWithLatestSample(deps.db, parsed.data);
    if (!node) throw new ApiError(404, `No node with id ${parsed.data}.`, { code: 'node-not-found' });
    return nodeJson(node, statusOfNode(node, deps.now?.() ?? new Date()));
  });
}

async function answer(req: Request, logger: string, run: () => Promise<unknown>): Promise<Response> {
  const requestId = requestIdOf(req);
  const timing = new ServerTiming();
  try {
    const result = await timing.time('query', run);
    const body = await timing.time('json', () => JSON.stringify(result));
    return withServerTiming(new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-id': requestId } }), timing);
  } catch (err) {
    logRequestFailure(log().child({ logger, request_id: requestId }), err, 'nodes request failed unexpectedly');
    return problemResponse(err, requestId);
  }
}
