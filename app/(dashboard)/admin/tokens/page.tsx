import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { connection } from 'next/server';
import { CreateTokenForm } from '@/components/admin/tokens/create-token-form';
import { TokensTable } from '@/components/admin/tokens/tokens-table';
import { listManagedUsers } from '@/lib/auth/admin-users';
import { listApiTokenRows } from '@/lib/auth/api-tokens';
import { getAuth } from '@/lib/auth/auth';
import { requirePageUser } from '@/lib/auth/page';
import { getDatabase } from '@/lib/db/client';
import '@/components/admin/admin.css';
import '@/components/admin/users/users.css';

export const metadata: Metadata = { title: 'API tokens' };

export default async function AdminTokensPage() {
  await requirePageUser('admin', '/admin/tokens');
  await connection();
  const [{ db }, auth, h] = await Promise.all([getDatabase(), getAuth(), headers()]);
  const users = await listManagedUsers(auth, new Headers(h));
  const emails = new Map(users.map((u) => [u.id, u.email]));
  const tokens = await listApiTokenRows(db, (id) => emails.get(id));
  const active = tokens.filter((t) => !t.revokedAt).length;

  return (
    <>
      <div className="admin-head">
        <h1>API tokens</h1>
        <p className="subtitle">
          Read-only tokens for scripts and Grafana: <code className="admin-code">GET /api/metrics</code> and <code className="admin-code">GET /api/nodes</code> with{' '}
          <code className="admin-code">Authorization: Bearer fsr_…</code>. They cannot change anything. {active} active.
        </p>
      </div>
      <section className="admin-section" aria-labelledby="new-token-heading">
        <h2 id="new-token-heading">New token</h2>
        <CreateTokenForm />
      </section>
      <section aria-labelledby="all-tokens-heading">
        <h2 id="all-tokens-heading">All tokens</h2>
        {tokens.length === 0 ? (
          <div className="empty" role="status">
            No API tokens yet. Create one above for each script or dashboard, so each can be revoked on its own.
          </div>
        ) : (
          <TokensTable tokens={tokens} />
        )}
      </section>
    </>
  );
}
