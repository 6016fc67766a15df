import { watchOrganization } from "./hub";
import { changedKinds, watermarkId, watermarkOf, type ChangeKind, type Watermark } from "./watermark";

// The server-sent event stream of one organization's changes. Small messages that
// name what changed; the browser refetches what it shows (no data in the stream,
// so nothing here needs the viewer's permissions beyond the organization).

export const HEARTBEAT_MS = 15_000;
/** The stream ends itself before Vercel's function limit (maxDuration 300 s); EventSource reconnects after `retry`. */
export const STREAM_LIFETIME_MS = 250_000;
export const RECONNECT_MS = 1_000;

export interface ChangedMessage {
  kind: ChangeKind;
  seq: number;
}

/** One SSE message: `id` makes a reconnect resume from here (Last-Event-ID). */
export function sseMessage(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const sseComment = (text: string) => `: ${text}\n\n`;

export interface OrganizationStream {
  organizationId: string;
  /** The watermark the client last saw (Last-Event-ID): what moved since is sent at once. */
  since: Watermark | null;
  signal: AbortSignal;
  heartbeatMs?: number;
  lifetimeMs?: number;
}

export function organizationStream(options: OrganizationStream): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const lifetimeMs = options.lifetimeMs ?? STREAM_LIFETIME_MS;
  let close = () => {};
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      let closed = false;
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const changed = (kinds: ChangeKind[], mark: Watermark) => {
        for (const kind of kinds) send(sseMessage("changed", { kind, seq: mark[kind] } satisfies ChangedMessage, watermarkId(mark)));
      };
      let unwatch = () => {};
      const heartbeat = setInterval(() => send(sseComment("heartbeat")), heartbeatMs);
      const lifetime = setTimeout(() => close(), lifetimeMs);
      close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        unwatch();
        options.signal.removeEventListener("abort", close);
        try {
          controller.close();
        } catch {
          // Already closed by the runtime when the client went away.
        }
      };
      options.signal.addEventListener("abort", close, { once: true });
      if (options.signal.aborted) return close();

      send(`retry: ${RECONNECT_MS}\n\n`);
      let mark: Watermark;
      try {
        mark = await watermarkOf(options.organizationId);
      } catch (err) {
        close();
        throw err;
      }
      if (closed) return;
      // `ready` carries the mark as its id, so even a stream that saw no change resumes from it.
      send(sseMessage("ready", {}, watermarkId(mark)));
      if (options.since) changed(changedKinds(options.since, mark), mark);
      unwatch = watchOrganization(options.organizationId, (notice) => {
        const kinds = changedKinds(mark, notice.mark);
        mark = notice.mark;
        changed(kinds, mark);
      });
    },
    cancel() {
      close();
    },
  });
}
