import type { Metadata } from 'next';
import { connection } from 'next/server';
import { PasswordForm } from '@/components/account/password-form';
import { requirePageUser } from '@/lib/auth/page';
import '@/components/admin/admin.css';
import '@/components/admin/users/users.css';

export const metadata: Metadata = { title: 'My account' };

export default async function AccountPage() {
  const user = await requirePageUser('viewer', '/account');
  await connection();
  return (
    <>
      <div className="admin-head">
        <h1>My account</h1>
        <p className="subtitle">Your name, email and role are set by an admin.</p>
      </div>
      <section className="admin-section" aria-labelledby="account-details-heading">
        <h2 id="account-details-heading" className="visually-hidden">
          Account details
        </h2>
        <dl className="account-details">
          <div>
            <dt>Name</dt>
            <dd>{user.name}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{user.email}</dd>
          </div>
          <div>
            <dt>Role</dt>
            <dd>{user.role}</dd>
          </div>
        </dl>
      </section>
      <section className="admin-section" aria-labelledby="change-password-heading">
        <h2 id="change-password-heading">Change password</h2>
        <p className="admin-field-hint">Changing it signs you out everywhere else (other browsers, the wall screen); this browser stays signed in.</p>
        <PasswordForm />
      </section>
    </>
  );
}
