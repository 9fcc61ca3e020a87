import { formatValue, type TimeZoneMode } from '@/components/format';
import { LocalTime } from '@/components/local-time';
import type { RecentSample } from '@/lib/nodes/queries';

/** The newest raw samples, newest first, as the probe sent them. */
export function RecentSamples({ samples, zone }: { samples: RecentSample[]; zone: TimeZoneMode }) {
  return (
    <section className="panel" aria-labelledby="recent-heading">
      <h2 id="recent-heading">Recent samples</h2>
      {samples.length === 0 ? (
        <div className="empty" role="status">
          This node has not sent a sample yet.
        </div>
      ) : (
        <div className="table-wrap recent-samples">
          <table aria-label="Recent samples">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col" className="num">Latency</th>
                <th scope="col" className="num">Uptime</th>
                <th scope="col" className="num">Packet loss</th>
                <th scope="col">Target</th>
                <th scope="col">Probe</th>
              </tr>
            </thead>
            <tbody>
              {samples.map((s, i) => (
                <tr key={`${s.time.toISOString()}-${s.probeType}-${s.targetHost}-${i}`}>
                  <th scope="row">
                    <LocalTime iso={s.time.toISOString()} zone={zone} />
                  </th>
                  <td className="num">{formatValue(s.latencyMs, 'ms', 2)}</td>
                  <td className="num">{formatValue(s.uptimePct, '%', 2)}</td>
                  <td className="num">{formatValue(s.packetLoss, '%', 2)}</td>
                  <td>{s.targetHost ?? '—'}</td>
                  <td>{s.probeType ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
