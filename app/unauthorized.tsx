import Link from 'next/link';

/** unauthorized(): no valid session (answered with HTTP 401), e.g. it expired or was revoked. */
export default function Unauthorized() {
  return (
    <section className="error" role="alert">
      <h1>Signed out</h1>
      <p>Your session has ended (it expired, or your password or account changed).</p>
      <Link href="/sign-in">Sign in again</Link>
    </section>
  );
}
