import { LocalTime } from '@/components/local-time';
import type { StoredAuditEntry } from '@/lib/audit/queries';
import { auditDiff } from '@/lib/audit/diff';
import '../admin.css';
import '../users/users.css';

/** Old → new per changed key, as text: whatever an entry holds, React escapes it. */
function AuditChanges({ entry }: { entry: StoredAuditEntry }) {
  const changes = auditDiff(entry.before, entry.after);
  if (changes.length === 0) return <span className="audit-none">—</span>;
  return (
    <ul className="audit-diff">
      {changes.map((c) => (
        <li key={c.key}>
          <code className="audit-key">{c.key}</code>:{' '}
          {c.before !== undefined && (
            <del>
              <span className="visually-hidden">was </span>
              <code>{c.before}</code>
            </del>
          )}
          {c.before !== undefined && c.after !== undefined && ' → '}
          {c.after !== undefined && (
            <ins>
              <span className="visually-hidden">now </span>
              <code>{c.after}</code>
            </ins>
          )}
        </li>
      ))}
    </ul>
  );
}

export function AuditTable({ entries }: { entries: StoredAuditEntry[] }) {
  return (
    <div className="table-wrap">
      <table className="admin-table audit-table">
        <caption className="visually-hidden">Audit trail, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC / yours)</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Request id</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.auditId}>
              <th scope="row" className="audit-time">
                {e.at.toISOString()}
                <LocalTime iso={e.at.toISOString()} zone="local" />
              </th>
              <td>{e.actorEmail ?? <span className="audit-none">system</span>}</td>
              <td>
                <code className="admin-code">{e.action}</code>
              </td>
              <td>
                {e.targetType}
                {e.targetId && (
                  <>
                    {' '}
                    <code className="admin-code">{e.targetId}</code>
                  </>
                )}
              </td>
              <td className={`audit-outcome--${e.outcome}`}>{e.outcome}</td>
              <td>{e.requestId ? <code className="admin-code">{e.requestId}</code> : <span className="audit-none">—</span>}</td>
              <td>
                <AuditChanges entry={e} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
