import { LocalTime } from '@/components/local-time';
import type { RevokeKeyState } from '@/lib/nodes/admin-schema';
import { RevokeKeyButton } from './revoke-key-button';
import './admin.css';

export interface ProbeKeyRow {
  prefix: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface ProbeKeyTableProps {
  keys: ProbeKeyRow[];
  revokeAction: (prev: RevokeKeyState, form: FormData) => Promise<RevokeKeyState>;
}

const when = (d: Date | null, none: string) => (d ? <LocalTime iso={d.toISOString()} zone="local" /> : <span className="key-revoked">{none}</span>);

/** A node's keys by their public prefix, newest first; the secrets are not stored, so they cannot be listed. */
export function ProbeKeyTable({ keys, revokeAction }: ProbeKeyTableProps) {
  if (keys.length === 0) {
    return (
      <p className="empty" role="status">
        No probe keys yet. Create one for the probe to push with.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="key-table" aria-label="Probe keys">
        <thead>
          <tr>
            <th scope="col">Prefix</th>
            <th scope="col">Label</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.prefix} data-prefix={k.prefix} className={k.revokedAt ? 'key-revoked' : undefined}>
              <th scope="row">
                <code>{k.prefix}</code>
              </th>
              <td>{k.label ?? '—'}</td>
              <td>{when(k.createdAt, '—')}</td>
              <td>{when(k.lastUsedAt, 'never')}</td>
              <td>{k.revokedAt ? <>Revoked {when(k.revokedAt, '')}</> : 'Active'}</td>
              <td>{k.revokedAt ? null : <RevokeKeyButton prefix={k.prefix} action={revokeAction} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
