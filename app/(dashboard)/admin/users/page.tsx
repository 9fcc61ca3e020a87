import type { Metadata } from 'next';
import { headers } from 'next/headers';
import Link from 'next/link';
import { connection } from 'next/server';
import { CreateUserForm } from '@/components/admin/users/create-user-form';
import { UsersTable } from '@/components/admin/users/users-table';
import { listManagedUsers } from '@/lib/auth/admin-users';
import { getAuth } from '@/lib/auth/auth';
import { requirePageUser } from '@/lib/auth/page';
import '@/components/admin/admin.css';
import '@/components/admin/users/users.css';

export const metadata: Metadata = { title: 'Users' };

export default async function AdminUsersPage() {
  const me = await requirePageUser('admin', '/admin/users');
  await connection();
  const [auth, h] = await Promise.all([getAuth(), headers()]);
  const users = await listManagedUsers(auth, new Headers(h));
  const active = users.filter((u) => !u.disabled);
  const admins = active.filter((u) => u.role === 'admin').length;

  return (
    <>
      <div className="admin-head">
        <h1>Users</h1>
        <p className="subtitle">
          {users.length} {users.length === 1 ? 'account' : 'accounts'}, {active.length} active, {admins} active {admins === 1 ? 'admin' : 'admins'}. Every change here
          is recorded in the <Link href="/admin/audit?type=user">audit trail</Link>.
        </p>
      </div>
      <section className="admin-section" aria-labelledby="add-user-heading">
        <h2 id="add-user-heading">Add a user</h2>
        <CreateUserForm />
      </section>
      <section aria-labelledby="all-users-heading">
        <h2 id="all-users-heading">All users</h2>
        <p className="admin-field-hint">
          Disabling signs the user out everywhere and refuses their sign-in until enabled again. Resetting a password gives them a temporary passphrase and signs
          them out everywhere. You cannot disable or demote yourself, and the last active admin always stays.
        </p>
        {users.length === 0 ? (
          <div className="empty" role="status">
            No accounts yet.
          </div>
        ) : (
          <UsersTable users={users} meId={me.id} />
        )}
      </section>
    </>
  );
}
