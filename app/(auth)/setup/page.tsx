import type { Metadata } from 'next';
import { connection } from 'next/server';
import { redirect } from 'next/navigation';
import { SetupForm } from '@/components/auth/setup-form';
import { countUsers } from '@/lib/auth/queries';
import { getDatabase } from '@/lib/db/client';

export const metadata: Metadata = { title: 'First-time setup' };

/** Exists only while there is no account at all; afterwards it sends everyone to sign-in. */
export default async function SetupPage() {
  await connection();
  const { db } = await getDatabase();
  if ((await countUsers(db)) > 0) redirect('/sign-in');
  return (
    <section className="auth-card" aria-labelledby="setup-title">
      <h1 id="setup-title">Create the first admin</h1>
      <p className="subtitle">
        No account exists yet. The account you create here administers nodes, probe keys and users. This page disappears once it exists.
      </p>
      <SetupForm />
    </section>
  );
}
