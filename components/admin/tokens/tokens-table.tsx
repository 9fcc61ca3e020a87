import { LocalTime } from '@/components/local-time';
import type { ApiTokenRow } from '@/lib/auth/api-tokens';
import { RevokeTokenButton } from './revoke-token-button';
import '../admin.css';
import '../users/users.css';

const when = (d: Date | null, none: string) => (d ? <LocalTime iso={d.toISOString()} zone="local" /> : <span className="audit-none">{none}</span>);

/** Tokens by their public prefix; the secret part was shown once and exists nowhere now. */
export function TokensTable({ tokens }: { tokens: ApiTokenRow[] }) {
  return (
    <div className="table-wrap">
      <table className="admin-table key-table tokens-table">
        <caption className="visually-hidden">API tokens: prefix, label, creator, created, last used, revoked</caption>
        <thead>
          <tr>
            <th scope="col">Prefix</th>
            <th scope="col">Label</th>
            <th scope="col">Created by</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Revoked</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.tokenId} className={t.revokedAt ? 'key-revoked' : undefined}>
              <th scope="row">
                <code>{t.prefix}</code>
              </th>
              <td className="token-label">{t.label}</td>
              <td>{t.creatorEmail ?? <span className="audit-none">{t.createdBy ? 'deleted user' : 'unknown'}</span>}</td>
              <td>{when(t.createdAt, '—')}</td>
              <td>{when(t.lastUsedAt, 'never')}</td>
              <td>{when(t.revokedAt, 'no')}</td>
              <td>{t.revokedAt ? null : <RevokeTokenButton prefix={t.prefix} label={t.label} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
