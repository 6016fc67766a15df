"use client";

import { useEffect, useSyncExternalStore } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";

// One EventSource per page, shared by every component that calls useLiveUpdates():
// on `changed` the page's mounted queries refetch (inactive ones only go stale), and
// `live` says whether the stream is open, so polling can slow to a fallback.

export const LIVE_STREAM_URL = "/api/live";
/** While the stream is live, polling only guards against a stream that died without saying so. */
export const LIVE_FALLBACK_MS = 30_000;

let source: EventSource | null = null;
let users = 0;
let live = false;
const subscribers = new Set<() => void>();
const setLive = (value: boolean) => {
  if (live === value) return;
  live = value;
  for (const notify of subscribers) notify();
};

function open(queryClient: QueryClient) {
  if (source || typeof EventSource === "undefined") return;
  source = new EventSource(LIVE_STREAM_URL);
  source.addEventListener("ready", () => setLive(true));
  source.addEventListener("changed", () => void queryClient.invalidateQueries());
  // EventSource reconnects by itself (retry:, Last-Event-ID); until it does, polling takes over.
  source.addEventListener("error", () => setLive(false));
}

function close() {
  source?.close();
  source = null;
  setLive(false);
}

const subscribe = (notify: () => void) => {
  subscribers.add(notify);
  return () => void subscribers.delete(notify);
};

/** Opens (or shares) the page's live stream; returns whether it is live. */
export function useLiveUpdates(): { live: boolean } {
  const queryClient = useQueryClient();
  useEffect(() => {
    users += 1;
    open(queryClient);
    return () => {
      users -= 1;
      if (users === 0) close();
    };
  }, [queryClient]);
  return {
    live: useSyncExternalStore(
      subscribe,
      () => live,
      () => false,
    ),
  };
}

/** A query's refetch interval: its own when the stream is down, the slow fallback while live. */
export function fallbackInterval(isLive: boolean, pollingMs: number): number {
  return isLive ? Math.max(pollingMs, LIVE_FALLBACK_MS) : pollingMs;
}
