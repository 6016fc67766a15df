import { logger } from "@/lib/log";
import { changedKinds, watermarkOf, type ChangeKind, type Watermark } from "./watermark";

// One poller per organization per process, shared by every stream open for it:
// the database sees one watermark query per POLL_MS per organization and instance,
// not one per browser tab. It stops when the last listener leaves.

export const POLL_MS = 400;

export interface ChangeNotice {
  kinds: ChangeKind[];
  mark: Watermark;
}
type Listener = (notice: ChangeNotice) => void;

interface Watch {
  listeners: Set<Listener>;
  mark: Watermark | null;
  /** The poll loop is alive (a query in flight or a timer set). */
  polling: boolean;
  timer: ReturnType<typeof setTimeout> | null;
}

const watches = new Map<string, Watch>();

async function tick(organizationId: string, watch: Watch): Promise<void> {
  try {
    const mark = await watermarkOf(organizationId);
    // The first read is told too: a listener compares with the mark it read itself, so nothing between the two is lost.
    const kinds = watch.mark ? changedKinds(watch.mark, mark) : [];
    const first = watch.mark === null;
    watch.mark = mark;
    if (first || kinds.length > 0) for (const listener of watch.listeners) listener({ kinds, mark });
  } catch (err) {
    // A database blip: keep the last mark and try again; the browser's fallback poll covers the gap.
    logger.warn("realtime.poll_failed", { error: err instanceof Error ? err.message : String(err) });
  }
  if (watch.listeners.size > 0) watch.timer = setTimeout(() => void tick(organizationId, watch), POLL_MS);
  else watch.polling = false;
}

/** Calls `listener` with each change of the organization's watermark; returns the unsubscribe. */
export function watchOrganization(organizationId: string, listener: Listener): () => void {
  let watch = watches.get(organizationId);
  if (!watch) {
    watch = { listeners: new Set(), mark: null, polling: false, timer: null };
    watches.set(organizationId, watch);
  }
  watch.listeners.add(listener);
  // Joining a running poller: its newest mark at once, for the same reason as the first read.
  if (watch.mark) {
    const notice = { kinds: [], mark: watch.mark };
    queueMicrotask(() => listener(notice));
  }
  if (!watch.polling) {
    watch.polling = true;
    void tick(organizationId, watch);
  }
  const current = watch;
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0) {
      if (current.timer) clearTimeout(current.timer);
      current.timer = null;
      current.polling = false;
      if (watches.get(organizationId) === current) watches.delete(organizationId);
    }
  };
}
