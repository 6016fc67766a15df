"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False on the server and while React hydrates, true from then on. What a component
 * shows from the client's query cache must wait for it: another component (the
 * header's badge) may have filled the cache before this one hydrates, and markup
 * that differs from the server's is a hydration mismatch React does not repair.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
