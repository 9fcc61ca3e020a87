import { useSyncExternalStore } from 'react';

const subscribe = () => () => {};

/**
 * False on the server and while hydrating, true afterwards. Local times can only be written in
 * the browser (the server does not know the viewer's zone), so until then they are shown in UTC
 * and labelled so, and the client re-renders them once: correct at every moment, no mismatch.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
