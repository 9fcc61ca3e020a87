'use client';

import './controls.css';
import { useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState, useTransition } from 'react';
import { parseAutoRefresh } from '@/components/controls/range';
import { useSearchParamUpdater } from '@/components/controls/use-search-param-updater';

/**
 * Re-renders the page's server components every `intervalSeconds` (router.refresh keeps client
 * state: map zoom, open tooltips, chart zoom). Paused is `?refresh=off`, so a paused wall screen
 * stays paused after a reload. A hidden tab does not refresh; it catches up when shown again.
 */
export function AutoRefresh({ intervalSeconds = 60 }: { intervalSeconds?: number }) {
  const router = useRouter();
  const searchParams = useSearchParams();
  const update = useSearchParamUpdater();
  const running = parseAutoRefresh(searchParams.get('refresh'));
  const [refreshing, startTransition] = useTransition();
  const [remaining, setRemaining] = useState(intervalSeconds);

  useEffect(() => {
    if (!running) return;
    let due = Date.now() + intervalSeconds * 1000;
    const timer = setInterval(() => {
      let left = Math.ceil((due - Date.now()) / 1000);
      if (left <= 0 && !document.hidden) {
        startTransition(() => router.refresh());
        due = Date.now() + intervalSeconds * 1000;
        left = intervalSeconds;
      }
      setRemaining(Math.max(0, left));
    }, 1000);
    return () => clearInterval(timer);
  }, [running, intervalSeconds, router]);

  const refreshNow = () => startTransition(() => router.refresh());

  return (
    <div className="refresh-control" role="group" aria-label="Auto-refresh" data-refresh-state={running ? 'running' : 'paused'} aria-busy={refreshing || undefined}>
      <button type="button" className="control-button" onClick={() => update({ refresh: running ? 'off' : null })}>
        {running ? 'Pause auto-refresh' : 'Resume auto-refresh'}
      </button>
      <button type="button" className="control-button" onClick={refreshNow} disabled={refreshing}>
        Refresh now
      </button>
      <span className="refresh-status">
        {refreshing ? 'Refreshing…' : running ? `Every ${intervalSeconds} s · next in ${remaining} s` : 'Auto-refresh paused'}
      </span>
    </div>
  );
}
