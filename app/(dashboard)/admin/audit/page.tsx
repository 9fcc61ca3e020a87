import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { z } from 'zod';
import { AuditTable } from '@/components/admin/audit/audit-table';
import { urlFormKey } from '@/components/controls/url-form-key';
import { listAuditEntries, type AuditEntry } from '@/lib/audit/queries';
import { requirePageUser } from '@/lib/auth/page';
import { getDatabase } from '@/lib/db/client';
import '@/components/admin/admin.css';
import '@/components/admin/users/users.css';

export const metadata: Metadata = { title: 'Audit trail' };

const PAGE_SIZE = 50;
const TARGET_TYPES = ['user', 'api_token', 'node', 'probe_key', 'session'] as const satisfies readonly AuditEntry['targetType'][];
const TYPE_NAMES: Record<(typeof TARGET_TYPES)[number], string> = {
  user: 'Users',
  api_token: 'API tokens',
  node: 'Nodes',
  probe_key: 'Probe keys',
  session: 'Sessions (denied actions)',
};

/** A malformed parameter is ignored rather than refused: this is a page people type URLs into. */
const querySchema = z.object({
  type: z.enum(TARGET_TYPES).optional().catch(undefined),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
});

type SearchParams = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;

function href(type: string | undefined, before?: number): string {
  const q = new URLSearchParams();
  if (type) q.set('type', type);
  if (before) q.set('before', String(before));
  const s = q.toString();
  return s ? `/admin/audit?${s}` : '/admin/audit';
}

export default async function AdminAuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePageUser('admin', '/admin/audit');
  await connection();
  const params = await searchParams;
  const { type, before } = querySchema.parse({ type: first(params.type), before: first(params.before) });
  const { db } = await getDatabase();
  // One extra row says whether an older page exists, without a count over the whole log.
  const rows = await listAuditEntries(db, { targetType: type, beforeId: before, limit: PAGE_SIZE + 1 });
  const entries = rows.slice(0, PAGE_SIZE);
  const older = rows.length > PAGE_SIZE ? entries.at(-1)?.auditId : undefined;

  return (
    <>
      <div className="admin-head">
        <h1>Audit trail</h1>
        <p className="subtitle">Every admin change and every refused action: who, what, before and after, when, and the request id to find it in the logs.</p>
      </div>
      <form key={urlFormKey(type)} className="audit-filter" method="get" action="/admin/audit" aria-label="Filter the audit trail">
        <div className="admin-field">
          <label htmlFor="audit-type">Target type</label>
          <select id="audit-type" name="type" className="admin-input" defaultValue={type ?? ''}>
            <option value="">All</option>
            {TARGET_TYPES.map((t) => (
              <option key={t} value={t}>
                {TYPE_NAMES[t]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="admin-button">
          Filter
        </button>
      </form>
      {entries.length === 0 ? (
        <div className="empty" role="status">
          {before ? 'No older entries.' : type ? `No entries for ${TYPE_NAMES[type].toLowerCase()} yet.` : 'No entries yet: changes made by admins appear here.'}
        </div>
      ) : (
        <AuditTable entries={entries} />
      )}
      <nav className="audit-pager" aria-label="Audit trail pages">
        {before && <Link href={href(type)}>Newest entries</Link>}
        {older && <Link href={href(type, older)}>Older entries</Link>}
      </nav>
    </>
  );
}
