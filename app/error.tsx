'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useTransition } from 'react';

/** A wall screen must come back by itself once the outage is over. */
const RETRY_EVERY_MS = 30_000;

/**
 * A page that failed on the server. Production hides the cause from the browser (the digest
 * points at the server log's line); by far the most common one is the database being away.
 * Retrying asks the server again (router.refresh) and then re-renders the segment (reset):
 * reset alone would only re-render what the browser already has.
 */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const [retrying, startTransition] = useTransition();
  const retry = useCallback(
    () =>
      startTransition(() => {
        router.refresh();
        reset();
      }),
    [router, reset],
  );
  useEffect(() => {
    const timer = setInterval(retry, RETRY_EVERY_MS);
    return () => clearInterval(timer);
  }, [retry]);

  return (
    <div className="error" role="alert">
      <h1>This page could not be loaded</h1>
      <p>
        The server could not answer, most often because the database is unavailable; <a href="/api/health">/api/health</a> shows which
        service is down. The server log has the details{error.digest ? ` (reference ${error.digest})` : ''}.
      </p>
      <p>This page tries again every {RETRY_EVERY_MS / 1000} s.</p>
      <button type="button" onClick={retry} disabled={retrying}>
        {retrying ? 'Trying…' : 'Try again'}
      </button>
    </div>
  );
}
