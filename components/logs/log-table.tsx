import Link from 'next/link';
import type { TimeZoneMode } from '@/components/format';
import type { LogHitJson } from '@/lib/logs/api';
import { LevelBadge } from './badges';
import { HighlightedText } from './highlighted-text';
import { LogTime } from './log-time';
import { NodeLink } from './node-link';
import { traceHref, type UrlState } from './urls';

interface LogTableProps {
  hits: LogHitJson[];
  nodeNames: ReadonlyMap<string, string>;
  state: UrlState;
  zone: TimeZoneMode;
  /** The render's clock, for the trace links' bounds. */
  now: Date;
  ascending: boolean;
}

/** Log lines, in the order searched (newest first, or oldest first in a request's trace). */
export function LogTable({ hits, nodeNames, state, zone, now, ascending }: LogTableProps) {
  return (
    <div className="table-wrap">
      <table className="log-table">
        <caption className="visually-hidden">Log lines, {ascending ? 'oldest' : 'newest'} first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Service</th>
            <th scope="col">Level</th>
            <th scope="col">Message</th>
            <th scope="col">Request</th>
            <th scope="col">Node</th>
          </tr>
        </thead>
        <tbody>
          {hits.map((hit) => (
            <tr key={hit.id} data-level={hit.level}>
              <td className="log-time">
                <LogTime iso={hit['@timestamp']} zone={zone} />
              </td>
              <td>{hit.service}</td>
              <td>
                <LevelBadge level={hit.level} />
              </td>
              <td className="log-message">
                <HighlightedText text={hit.message} segments={hit.highlight} />
                <LogDetails hit={hit} />
              </td>
              <td>
                {hit.request_id ? (
                  <Link href={traceHref(state, hit.request_id, hit['@timestamp'], now)} prefetch={false} title="Every line of this request, oldest first" className="log-request">
                    {hit.request_id}
                  </Link>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>
                <NodeLink nodeId={hit.node_id} names={nodeNames} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The rest of the line (logger, user, exception, context), folded away. */
function LogDetails({ hit }: { hit: LogHitJson }) {
  const rows: [string, string][] = [];
  if (hit.logger) rows.push(['logger', hit.logger]);
  if (hit.user_id) rows.push(['user', hit.user_id]);
  if (hit.exception) rows.push(['exception', [hit.exception.type, hit.exception.message].filter(Boolean).join(': ')]);
  if (hit.context && Object.keys(hit.context).length > 0) rows.push(['context', JSON.stringify(hit.context)]);
  if (rows.length === 0 && !hit.exception?.stacktrace) return null;
  return (
    <details className="log-details">
      <summary>Details</summary>
      <dl>
        {rows.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>
              <code>{value}</code>
            </dd>
          </div>
        ))}
      </dl>
      {hit.exception?.stacktrace ? <pre className="log-stack">{hit.exception.stacktrace}</pre> : null}
    </details>
  );
}
