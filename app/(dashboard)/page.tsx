import type { Metadata } from 'next';
import { connection } from 'next/server';
import { AutoRefresh } from '@/components/controls/auto-refresh';
import { parseTimeZone } from '@/components/controls/range';
import { TimeZoneToggle } from '@/components/controls/time-zone-toggle';
import { LocalTime } from '@/components/local-time';
import { NodeMap } from '@/components/map/node-map';
import { isPlottable } from '@/components/map/map-node';
import { NodeTable } from '@/components/node-table';
import { KpiPanel } from '@/components/overview/kpi-panel';
import { NodeFilters } from '@/components/overview/node-filters';
import { TablePager } from '@/components/overview/table-pager';
import { UnplottedNodes } from '@/components/overview/unplotted-nodes';
import { config } from '@/lib/config';
import { requirePageUser } from '@/lib/auth/page';
import { getDatabaseFor } from '@/lib/db/client';
import { readRecordedMode } from '@/lib/db/mode';
import { getOverview, parseOverviewQuery, toMapNode } from '@/lib/nodes/overview';

export const metadata: Metadata = { title: 'Network overview' };

type SearchParams = Record<string, string | string[] | undefined>;

const flatten = (params: SearchParams) =>
  new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? (v[0] ?? '') : v]])));

export default async function OverviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  // Rendered per request: the rows change every minute and must never be frozen at build time.
  await connection();
  await requirePageUser();
  const params = await searchParams;
  const query = parseOverviewQuery(params);
  const zone = parseTimeZone(params.tz);
  const { db, engine } = await getDatabaseFor('reader');
  const [data, mode] = await Promise.all([getOverview(db, query), readRecordedMode(db)]);
  const { NEXT_PUBLIC_MAP_TILE_URL: tileUrl, NEXT_PUBLIC_MAP_TILE_ATTRIBUTION: tileAttribution } = config();
  const search = flatten(params);
  const keep = Object.fromEntries(['sort', 'dir', 'tz', 'refresh'].flatMap((k) => (search.get(k) ? [[k, search.get(k)!]] : [])));
  const mapNodes = data.nodes.map(toMapNode);
  const unplotted = data.nodes.filter((_, i) => !isPlottable(mapNodes[i]!));

  return (
    <>
      <div className="page-head">
        <h1>Network overview</h1>
        <p className="subtitle">
          {data.nodes.length} {data.nodes.length === 1 ? 'node' : 'nodes'} · storage:{' '}
          {mode === 'timescaledb' ? 'TimescaleDB' : 'plain PostgreSQL'} ({engine === 'pglite' ? 'embedded' : 'server'}) · as of{' '}
          <LocalTime iso={data.now.toISOString()} zone={zone} />
        </p>
      </div>
      <div className="dashboard-controls">
        <TimeZoneToggle />
        <AutoRefresh />
      </div>
      {data.nodes.length === 0 ? (
        <div className="empty" role="status">
          No probe nodes yet. Run <code>npm run db:seed</code> for the demo network, or register a probe.
        </div>
      ) : (
        <>
          <div className="overview-grid">
            <NodeMap nodes={mapNodes} tileUrl={tileUrl} tileAttribution={tileAttribution} />
            <div className="overview-side">
              <KpiPanel counts={data.counts} kpis={data.kpis} />
              <UnplottedNodes nodes={unplotted} />
            </div>
          </div>
          <section id="nodes" className="overview-nodes" aria-labelledby="nodes-heading">
            <h2 id="nodes-heading">Probe nodes</h2>
            <NodeFilters query={query} options={data.options} keep={keep} shown={data.matched} total={data.nodes.length} />
            {data.rows.length === 0 ? (
              <div className="empty" role="status">
                No node matches these filters.
              </div>
            ) : (
              <>
                <NodeTable rows={data.rows} now={data.now} sort={query.sort} dir={query.dir} search={search.toString()} />
                <TablePager page={data.page} matched={data.matched} search={search.toString()} />
              </>
            )}
          </section>
        </>
      )}
    </>
  );
}
