import Link from 'next/link';

/** forbidden(): signed in, but the role does not allow this (answered with HTTP 403). */
export default function Forbidden() {
  return (
    <section className="error" role="alert">
      <h1>Not allowed</h1>
      <p>Your account cannot open this page or do this. Ask an admin if you need access.</p>
      <Link href="/">Back to the overview</Link>
    </section>
  );
}
