import type { TimeZoneMode } from '@/components/format';
import type { EventHitJson } from '@/lib/logs/api';
import { SeverityBadge } from './badges';
import { HighlightedText } from './highlighted-text';
import { LogTime } from './log-time';
import { NodeLink } from './node-link';

/** Events, newest first; metadata as compact JSON text. */
export function EventTable({ hits, nodeNames, zone }: { hits: EventHitJson[]; nodeNames: ReadonlyMap<string, string>; zone: TimeZoneMode }) {
  return (
    <div className="table-wrap">
      <table className="log-table event-table">
        <caption className="visually-hidden">Events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">Severity</th>
            <th scope="col">Node</th>
            <th scope="col">Message</th>
            <th scope="col">Metadata</th>
          </tr>
        </thead>
        <tbody>
          {hits.map((hit) => (
            <tr key={hit.id} data-severity={hit.severity}>
              <td className="log-time">
                <LogTime iso={hit['@timestamp']} zone={zone} />
              </td>
              <td>
                <code>{hit.event_type}</code>
              </td>
              <td>
                <SeverityBadge severity={hit.severity} />
              </td>
              <td>
                <NodeLink nodeId={hit.node_id} names={nodeNames} />
              </td>
              <td className="log-message">
                <HighlightedText text={hit.message} segments={hit.highlight} />
              </td>
              <td className="event-metadata">{hit.metadata && Object.keys(hit.metadata).length > 0 ? <code>{JSON.stringify(hit.metadata)}</code> : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
