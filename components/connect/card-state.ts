import type { ConnectionSummary, ProviderSummary, PushSummary } from "@/lib/api/types";
import { formatShortDateTime, type ZoneOptions } from "@/components/format/time";
import type { BadgeTone } from "@/components/ui/badge";

export type CardState = "not_connected" | "connecting" | "connected" | "needs_reconnect" | "error" | "not_configured";

/**
 * What a provider card shows. "revoked" reads as "needs reconnect": either way
 * calsync holds no working grant and the person's next step is the same.
 */
export function cardState(summary: Pick<ProviderSummary, "configured">, connection: ConnectionSummary | null, connecting: boolean): CardState {
  if (!summary.configured && !connection) return "not_configured";
  if (connecting) return "connecting";
  if (!connection) return "not_connected";
  switch (connection.status) {
    case "active":
      return "connected";
    case "needs_reconnect":
    case "revoked":
      return "needs_reconnect";
    case "error":
      return "error";
  }
}

export interface PushDescription {
  tone: BadgeTone;
  label: string;
  detail: string;
}

const POLLING = "Polling every 5 min";

/** How changes reach calsync for this account, in one badge and one line. */
export function describePush(push: PushSummary, zone: ZoneOptions = {}): PushDescription {
  switch (push.status) {
    case "active":
      return {
        tone: "success",
        label: "Push active",
        detail: push.expiresAt ? `Renews before ${formatShortDateTime(push.expiresAt, zone)}` : "Changes arrive within seconds",
      };
    case "pending":
      return { tone: "info", label: "Push pending", detail: `Waiting for the provider to confirm. ${POLLING} meanwhile` };
    case "expired":
      return { tone: "warning", label: "Push expired", detail: `${POLLING} until it is renewed` };
    case "failed":
      return { tone: "danger", label: "Push failed", detail: `${POLLING}; renewal is retried automatically` };
    case "stopped":
      return { tone: "neutral", label: "Push stopped", detail: POLLING };
    case "none":
      return { tone: "neutral", label: "No push", detail: POLLING };
  }
}

/** "Importing… 6 events so far" while an account syncs ("Syncing…" until its first event lands). */
export function importProgress(connection: Pick<ConnectionSummary, "mirroredWhileSyncing">): string {
  const count = connection.mirroredWhileSyncing ?? 0;
  if (count === 0) return "Syncing…";
  return `Importing… ${count.toLocaleString("en-US")} ${count === 1 ? "event" : "events"} so far`;
}

/** "2 of 3 selected" (or "No calendars found" for an account with none). */
export function describeCalendarCount(connection: Pick<ConnectionSummary, "calendarCount" | "syncedCalendarCount">): string {
  const { calendarCount: total, syncedCalendarCount: synced } = connection;
  if (total === 0) return "No calendars found yet";
  return `${synced} of ${total} selected`;
}

/** Whether anything is connected, for the "Go to dashboard" link. */
export function hasAnyConnection(providers: readonly ProviderSummary[]): boolean {
  return providers.some((provider) => provider.connections.length > 0);
}

/** Whether any account is in its first sync or a running one: the page then refreshes faster. */
export function isAnySyncing(providers: readonly ProviderSummary[]): boolean {
  return providers.some((provider) => provider.connections.some((connection) => connection.syncing));
}
