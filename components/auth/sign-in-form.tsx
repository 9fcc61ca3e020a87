'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import './auth.css';

/**
 * Posts to better-auth's own endpoint (not a server action) so that its origin check and its
 * Redis-backed sign-in rate limit apply; the session cookie comes back httpOnly.
 */
export function SignInForm({ next }: { next: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      const res = await fetch('/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: form.get('email'), password: form.get('password') }),
      });
      if (res.ok) {
        router.replace(next);
        router.refresh();
        return;
      }
      setError(messageFor(res.status, res.headers.get('x-retry-after')));
    } catch {
      setError('The server cannot be reached. Check the connection and try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="auth-form" onSubmit={onSubmit} noValidate={false}>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      <button type="submit" className="primary-button" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function messageFor(status: number, retryAfter: string | null): string {
  if (status === 401) return 'Email or password is wrong.';
  if (status === 403) return 'This account is disabled. Ask an admin.';
  if (status === 429) return `Too many attempts. Try again in ${retryAfter ?? 'a few'} seconds.`;
  if (status === 503) return 'The server cannot reach its database right now. Try again in a moment.';
  return `Sign-in failed (HTTP ${status}). Try again; if it keeps failing, the server log has the details.`;
}
