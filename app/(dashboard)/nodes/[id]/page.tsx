import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { cache } from 'react';
import { AutoRefresh } from '@/components/controls/auto-refresh';
import { parseRange, parseTimeZone, rangeWindow } from '@/components/controls/range';
import { TimeRangePicker } from '@/components/controls/time-range-picker';
import { TimeZoneToggle } from '@/components/controls/time-zone-toggle';
import { NodeCharts } from '@/components/node-page/node-charts';
import { NodeDetails } from '@/components/node-page/node-details';
import { RangeSummary } from '@/components/node-page/range-summary';
import { RecentSamples } from '@/components/node-page/recent-samples';
import { StatusBadge } from '@/components/status-badge';
import { requirePageUser } from '@/lib/auth/page';
import { getDatabaseFor } from '@/lib/db/client';
import { getNodePageData } from '@/lib/metrics/node-page';
import { nodeIdSchema } from '@/lib/nodes/schemas';

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/** One read per request, shared by the title and the page. */
const loadNodePage = cache(async (rawId: string, range: string | undefined) => {
  const id = nodeIdSchema.safeParse(rawId);
  if (!id.success) return undefined;
  const window = rangeWindow(parseRange(range));
  const { db } = await getDatabaseFor('reader');
  const data = await getNodePageData(db, id.data, window, window.end);
  return data && { ...data, window };
});

const rangeParam = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  await connection();
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  await requirePageUser('viewer', `/nodes/${id}`);
  const data = await loadNodePage(id, rangeParam(sp.range));
  return { title: data ? (data.node.displayName ?? data.node.nodeName) : 'Node not found' };
}

export default async function NodePage({ params, searchParams }: Props) {
  await connection();
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  await requirePageUser('viewer', `/nodes/${id}`);
  const data = await loadNodePage(id, rangeParam(sp.range));
  if (!data) notFound();
  const zone = parseTimeZone(sp.tz);
  const { node, status, series, points, recent, apiUrl, window } = data;

  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/">Network overview</Link> / <span aria-current="page">{node.nodeName}</span>
      </nav>
      <div className="page-head node-head">
        <h1>{node.displayName ?? node.nodeName}</h1>
        <StatusBadge status={status} />
        <span className="subtitle">{[node.city, node.region, node.country].filter(Boolean).join(', ')}</span>
      </div>
      <div className="dashboard-controls">
        <TimeRangePicker />
        <TimeZoneToggle />
        <AutoRefresh />
      </div>
      <RangeSummary series={series} range={window.range} zone={zone} apiUrl={apiUrl} />
      <NodeCharts points={points} aggregation={series.aggregation} timeZone={zone} />
      <div className="node-panels">
        <RecentSamples samples={recent} zone={zone} />
        <NodeDetails node={node} zone={zone} />
      </div>
    </>
  );
}
