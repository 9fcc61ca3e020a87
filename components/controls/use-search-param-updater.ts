import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback } from 'react';
import { withSearchParams } from '@/components/controls/range';

/**
 * Writes dashboard state into the URL, keeping the other parameters. `replace` for settings that
 * should not fill the back button (time zone, pause), `push` for what one navigates (range).
 */
export function useSearchParamUpdater() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  return useCallback(
    (updates: Record<string, string | null>, mode: 'push' | 'replace' = 'replace') => {
      const url = `${pathname}${withSearchParams(searchParams.toString(), updates)}`;
      if (mode === 'push') router.push(url, { scroll: false });
      else router.replace(url, { scroll: false });
    },
    [router, pathname, searchParams],
  );
}
