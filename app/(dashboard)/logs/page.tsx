import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { parseTimeZone } from '@/components/controls/range';
import { TimeZoneToggle } from '@/components/controls/time-zone-toggle';
import { EventSearchForm } from '@/components/logs/event-search-form';
import { LogSearchForm } from '@/components/logs/log-search-form';
import { LogsTabs } from '@/components/logs/logs-tabs';
import { EventResults, LogResults } from '@/components/logs/search-results';
import { logsHref, readLogsUrl } from '@/components/logs/urls';
import { requirePageUser } from '@/lib/auth/page';
import { getDatabaseFor } from '@/lib/db/client';
import { nodeNamesFor, parseEventSearch, parseLogSearch, searchEvents, searchForPage, searchLogs } from '@/lib/logs/api';
import { getLogStore } from '@/lib/logs/store';

export const metadata: Metadata = { title: 'Logs' };

type SearchParams = Record<string, string | string[] | undefined>;

/** Log and event search; the whole state (tab, filters, range, page) is in the URL. */
export default async function LogsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePageUser('viewer', '/logs');
  // Rendered per request: results change by the second and must never be frozen at build time.
  await connection();
  const params = await searchParams;
  const { tab, search, state } = readLogsUrl(params);
  const zone = parseTimeZone(params.tz);
  const now = new Date();
  const { db } = await getDatabaseFor('reader');

  if (tab === 'events') {
    const outcome = await searchForPage(() => parseEventSearch(search, now), (q) => searchEvents(getLogStore, q));
    const nodeNames = await nodeNamesFor(db, [search.node_id?.toLowerCase(), ...(outcome.status === 'ok' ? outcome.result.hits.map((h) => h.node_id) : [])]);
    return (
      <>
        <Head subtitle="System events: nodes going down and up, admin changes, probe keys, refused data." />
        <LogsTabs tab={tab} state={state} />
        <EventSearchForm state={state} />
        <EventResults outcome={outcome} search={search} state={state} nodeNames={nodeNames} zone={zone} />
      </>
    );
  }

  const outcome = await searchForPage(() => parseLogSearch(search, now), (q) => searchLogs(getLogStore, q));
  const nodeNames = await nodeNamesFor(db, [search.node_id?.toLowerCase(), ...(outcome.status === 'ok' ? outcome.result.hits.map((h) => h.node_id) : [])]);
  const requestId = outcome.status === 'ok' ? outcome.query.requestId : undefined;
  return (
    <>
      <Head subtitle="Application logs of every service, newest first." />
      <LogsTabs tab={tab} state={state} />
      <LogSearchForm state={state} />
      {requestId ? (
        <div className="log-trace-head">
          <h2>Request {requestId}</h2>
          <p className="subtitle">
            Every line of this request across services, {outcome.status === 'ok' && outcome.query.ascending ? 'oldest' : 'newest'} first.{' '}
            <Link href={logsHref(state, { request_id: null, order: null, cursor: null })} prefetch={false}>
              All requests
            </Link>
          </p>
        </div>
      ) : null}
      <LogResults outcome={outcome} search={search} state={state} nodeNames={nodeNames} zone={zone} now={now} />
    </>
  );
}

function Head({ subtitle }: { subtitle: string }) {
  return (
    <>
      <div className="page-head">
        <h1>Logs</h1>
        <p className="subtitle">{subtitle}</p>
      </div>
      <div className="dashboard-controls">
        <TimeZoneToggle />
      </div>
    </>
  );
}
