import type { Metadata } from 'next';
import { connection } from 'next/server';
import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/auth/sign-in-form';
import { currentUser } from '@/lib/auth/page';
import { countUsers } from '@/lib/auth/queries';
import { getDatabase } from '@/lib/db/client';

export const metadata: Metadata = { title: 'Sign in' };

/** Only same-site paths: `?next=https://evil.example` must not turn sign-in into an open redirect. */
function safeNext(value: string | string[] | undefined): string {
  const next = Array.isArray(value) ? value[0] : value;
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const next = safeNext((await searchParams).next);
  if (await currentUser()) redirect(next);
  const { db } = await getDatabase();
  if ((await countUsers(db)) === 0) redirect('/setup');
  return (
    <section className="auth-card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p className="subtitle">FiberStack-Lite network operations dashboard</p>
      <SignInForm next={next} />
    </section>
  );
}
