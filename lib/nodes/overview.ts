import type { MapNode } from '../../components/map/map-node';
import type { Db } from '../db/client';
import { getLatencySparklines, getNetworkKpis, listNodesWithLatestSample, type NetworkKpis, type NodeWithLatestSample } from './queries';
import { countByStatus, NODE_STATUSES, statusOfNode, type NodeStatus } from './status';

/**
 * The overview page's data: every node with its derived status (map, legend, counts), the
 * network KPIs of the last hour, and the node table filtered and sorted as the URL asks. The
 * table is filtered and sorted here, on the server, so the page ships no table JavaScript.
 */

export const OVERVIEW_SORTS = ['location', 'name', 'status', 'latency', 'uptime', 'loss', 'seen'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];
export type SortDirection = 'asc' | 'desc';

/** The direction a column sorts in when first clicked: the worst (or newest) first. */
export const DEFAULT_DIRECTION: Record<OverviewSort, SortDirection> = {
  location: 'asc',
  name: 'asc',
  status: 'desc',
  latency: 'desc',
  uptime: 'asc',
  loss: 'desc',
  seen: 'desc',
};

export interface OverviewQuery {
  /** Part of a node's name, display name or city, or the start of its id; any case. */
  q?: string;
  country?: string;
  region?: string;
  status?: NodeStatus;
  tag?: string;
  sort: OverviewSort;
  dir: SortDirection;
  /** 1-based page of the table (TABLE_PAGE_SIZE rows each). */
  page: number;
}

/**
 * Rows per table page. Measured with 1,000 nodes (npm run bench:queries), rendering every row
 * with its sparkline made the overview miss its 300 ms budget; the map, the counts and the
 * KPIs still cover the whole network.
 */
export const TABLE_PAGE_SIZE = 100;

type Params = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

/**
 * `?q=kano&country=GH&region=Ghana&status=down&tag=tier1&sort=latency&dir=desc`. A page never
 * answers 422: a value it cannot use is ignored (the filter is off, the sort is the default).
 */
export function parseOverviewQuery(params: Params): OverviewQuery {
  const q = one(params.q);
  const country = one(params.country)?.toUpperCase();
  const region = one(params.region);
  const status = one(params.status);
  const tag = one(params.tag);
  const sort = one(params.sort);
  const dir = one(params.dir);
  const page = Number(one(params.page));
  const parsedSort = (OVERVIEW_SORTS as readonly string[]).includes(sort ?? '') ? (sort as OverviewSort) : 'location';
  return {
    q: q && q.length <= 100 ? q : undefined,
    country: country && /^[A-Z]{2}$/.test(country) ? country : undefined,
    region: region && region.length <= 100 ? region : undefined,
    status: (NODE_STATUSES as readonly string[]).includes(status ?? '') ? (status as NodeStatus) : undefined,
    tag: tag && tag.length <= 100 ? tag : undefined,
    sort: parsedSort,
    dir: dir === 'asc' || dir === 'desc' ? dir : DEFAULT_DIRECTION[parsedSort],
    page: Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1,
  };
}

export interface OverviewNode extends NodeWithLatestSample {
  status: NodeStatus;
}

export interface OverviewTableRow extends OverviewNode {
  /** Hourly average latency over the last 24 h, oldest first, null for an hour without samples. */
  sparkline: (number | null)[];
}

export interface OverviewData {
  now: Date;
  /** Every node, in the API's order (country, node_name). */
  nodes: OverviewNode[];
  counts: Record<NodeStatus, number>;
  kpis: NetworkKpis;
  /** The table: this page of the nodes matching the filters, sorted. */
  rows: OverviewTableRow[];
  /** How many nodes match the filters (all pages). */
  matched: number;
  /** The page shown (clamped to the last one) and how many there are. */
  page: { number: number; count: number; size: number };
  /** What the filter selects offer, from every node. */
  options: { countries: string[]; regions: string[]; tags: string[] };
}

const SPARKLINE_MS = 24 * 3_600_000;

export async function getOverview(db: Db, query: OverviewQuery, now: Date = new Date(), pageSize = TABLE_PAGE_SIZE): Promise<OverviewData> {
  const [all, kpis] = await Promise.all([listNodesWithLatestSample(db), getNetworkKpis(db, now)]);
  const nodes = all.map((n) => ({ ...n, status: statusOfNode(n, now) }));
  const matching = sortNodes(filterNodes(nodes, query), query.sort, query.dir);
  const pageCount = Math.max(1, Math.ceil(matching.length / pageSize));
  const pageNumber = Math.min(query.page, pageCount);
  const shown = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  const sparklines = await getLatencySparklines(
    db,
    shown.map((n) => n.nodeId),
    new Date(now.getTime() - SPARKLINE_MS),
    now,
  );
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => a.localeCompare(b));
  return {
    now,
    nodes,
    counts: countByStatus(nodes.map((n) => n.status)),
    kpis,
    rows: shown.map((n) => ({ ...n, sparkline: sparklines.get(n.nodeId) ?? [] })),
    matched: matching.length,
    page: { number: pageNumber, count: pageCount, size: pageSize },
    options: {
      countries: sorted(nodes.map((n) => n.country)),
      regions: sorted(nodes.filter((n) => !query.country || n.country === query.country).map((n) => n.region)),
      tags: sorted(nodes.flatMap((n) => n.tags)),
    },
  };
}

/** The same meaning as GET /api/nodes's filters, plus the text search: all must hold. */
export function filterNodes<T extends OverviewNode>(nodes: readonly T[], q: Pick<OverviewQuery, 'q' | 'country' | 'region' | 'status' | 'tag'>): T[] {
  const text = q.q?.toLowerCase();
  return nodes.filter(
    (n) =>
      (!text || matchesText(n, text)) &&
      (!q.country || n.country === q.country) &&
      (!q.region || n.region === q.region) &&
      (!q.status || n.status === q.status) &&
      (!q.tag || n.tags.includes(q.tag)),
  );
}

/** `text` (lower case) is in the node's name, display name or city, or starts its id (pasted from a log line). */
function matchesText(n: OverviewNode, text: string): boolean {
  return [n.nodeName, n.displayName, n.city].some((v) => v?.toLowerCase().includes(text)) || n.nodeId.startsWith(text);
}

/** Worst first when descending: down, degraded, up, inactive. */
const SEVERITY: Record<NodeStatus, number> = { inactive: 0, up: 1, degraded: 2, down: 3 };

const KEYS: Record<OverviewSort, (n: OverviewNode) => number | string | null> = {
  location: (n) => `${n.country}\u0000${n.nodeName}`,
  name: (n) => (n.displayName ?? n.nodeName).toLowerCase(),
  status: (n) => SEVERITY[n.status],
  latency: (n) => n.latest?.latencyMs ?? null,
  uptime: (n) => n.latest?.uptimePct ?? null,
  loss: (n) => n.latest?.packetLoss ?? null,
  seen: (n) => n.lastSeenAt?.getTime() ?? null,
};

/** Stable sort; nodes without the value go last in either direction, ties by country and name. */
export function sortNodes<T extends OverviewNode>(nodes: readonly T[], sort: OverviewSort, dir: SortDirection): T[] {
  const key = KEYS[sort];
  const tie = KEYS.location;
  const sign = dir === 'asc' ? 1 : -1;
  const compare = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...nodes].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) {
      if (ka !== kb) return ka === null ? 1 : -1;
    } else {
      const c = compare(ka, kb) * sign;
      if (c !== 0) return c;
    }
    return compare(tie(a)!, tie(b)!);
  });
}

/** The map's serialisable props. */
export function toMapNode(n: OverviewNode): MapNode {
  return {
    id: n.nodeId,
    name: n.nodeName,
    city: n.city,
    country: n.country,
    latitude: n.latitude,
    longitude: n.longitude,
    status: n.status,
    latencyMs: n.latest?.latencyMs ?? null,
    packetLoss: n.latest?.packetLoss ?? null,
    lastSeenAt: n.lastSeenAt?.toISOString() ?? null,
  };
}
