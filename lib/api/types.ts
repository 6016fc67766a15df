// JSON shapes of the app's own API (route handlers under app/api), shared by the
// handlers that build them and the UI that reads them. Dates are ISO strings.

import type { ProviderName } from "@/lib/providers/port";

export type ConnectionStatus = "active" | "needs_reconnect" | "revoked" | "error";
export type PushStatus = "active" | "pending" | "expired" | "stopped" | "failed" | "none";
export type SyncRunStatus = "running" | "succeeded" | "failed";

export interface PushSummary {
  status: PushStatus;
  expiresAt: string | null;
  lastNotificationAt: string | null;
  /** Set when a poll found changes no notification announced. */
  suspect: boolean;
}

export interface ConnectionSummary {
  id: string;
  provider: ProviderName;
  accountEmail: string;
  status: ConnectionStatus;
  lastError: string | null;
  lastSyncedAt: string | null;
  calendarCount: number;
  syncedCalendarCount: number;
  /** A sync is running, or the first sync has not finished yet. */
  syncing: boolean;
  push: PushSummary;
  createdAt: string;
}

export interface ProviderSummary {
  provider: ProviderName;
  displayName: string;
  /** OAuth credentials exist on this server (always true in sandbox mode). */
  configured: boolean;
  connection: ConnectionSummary | null;
}

/** GET /api/connections */
export interface ConnectionsResponse {
  sandbox: boolean;
  providers: ProviderSummary[];
}

export interface SyncRunSummary {
  id: string;
  trigger: "initial" | "webhook" | "poll" | "manual" | "lifecycle";
  mode: "incremental" | "full";
  status: SyncRunStatus;
  created: number;
  updated: number;
  deleted: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface CalendarSummary {
  id: string;
  connectionId: string;
  provider: ProviderName;
  accountEmail: string;
  name: string;
  isPrimary: boolean;
  timeZone: string;
  syncEnabled: boolean;
  lastSyncedAt: string | null;
  lastRun: SyncRunSummary | null;
  /** When the 15-minute poll will next look at it (null when sync is off). */
  nextPollAt: string | null;
  eventCount: number;
}

/** GET /api/calendars */
export interface CalendarsResponse {
  calendars: CalendarSummary[];
}

/** PATCH /api/calendars/:id body */
export interface CalendarPatch {
  syncEnabled: boolean;
}

export interface UpcomingEvent {
  id: string;
  calendarId: string;
  calendarName: string;
  provider: ProviderName;
  title: string;
  isAllDay: boolean;
  startAt: string;
  endAt: string;
  /** All-day events: `YYYY-MM-DD`, end exclusive. */
  startDate: string | null;
  endDate: string | null;
  status: "confirmed" | "tentative" | "cancelled";
  recurring: boolean;
}

/** GET /api/events/upcoming?days=7 */
export interface UpcomingEventsResponse {
  from: string;
  to: string;
  events: UpcomingEvent[];
}

/** Every error answer: see lib/http/errors.ts. */
export interface ErrorBody {
  error: { kind: string; message: string; fields?: Record<string, string> };
}
