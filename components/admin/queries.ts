import type {
  AdminReplayResponse,
  AdminResyncResponse,
  AdminSubscriptionActionResponse,
  AdminSubscriptionsResponse,
  AdminSyncRun,
  AdminSyncRunsResponse,
  AdminWebhookEventDetail,
  AdminWebhookEventsResponse,
  HealthReport,
  MeetingHoursResponse,
  PrivacySettingsResponse,
  ResyncMode,
} from "@/lib/api/types";
import { fetchJson } from "@/components/api-client";

// The console's side of /api/admin. Keys start with "admin" so one invalidation
// after an action refreshes every admin screen, and the nav badge shares the
// health query with the overview instead of asking twice.

export const adminQueryKey = ["admin"] as const;
export const adminHealthQueryKey = ["admin", "health"] as const;
export const adminSubscriptionsQueryKey = ["admin", "subscriptions"] as const;

/** Operations data changes with every notification; a few seconds old is fine. */
export const ADMIN_REFRESH_MS = 10_000;

type Signal = { signal?: AbortSignal };

export const fetchAdminHealth = ({ signal }: Signal) => fetchJson<HealthReport>("/api/admin/health", { signal });
export const fetchAdminSubscriptions = ({ signal }: Signal) => fetchJson<AdminSubscriptionsResponse>("/api/admin/subscriptions", { signal });

export function fetchWebhookEvents(query: URLSearchParams, signal?: AbortSignal) {
  return fetchJson<AdminWebhookEventsResponse>(`/api/admin/webhook-events?${query}`, { signal });
}

export const fetchWebhookEvent = (id: string, signal?: AbortSignal) => fetchJson<AdminWebhookEventDetail>(`/api/admin/webhook-events/${id}`, { signal });

export function fetchSyncRuns(query: URLSearchParams, signal?: AbortSignal) {
  return fetchJson<AdminSyncRunsResponse>(`/api/admin/sync-runs?${query}`, { signal });
}

export const fetchSyncRun = (id: string, signal?: AbortSignal) => fetchJson<AdminSyncRun>(`/api/admin/sync-runs/${id}`, { signal });

export type SubscriptionAction = "refresh" | "reregister" | "delete";

export function runSubscriptionAction(id: string, action: SubscriptionAction) {
  return action === "delete"
    ? fetchJson<AdminSubscriptionActionResponse>(`/api/admin/subscriptions/${id}`, { method: "DELETE" })
    : fetchJson<AdminSubscriptionActionResponse>(`/api/admin/subscriptions/${id}/${action}`, { method: "POST" });
}

export const replayEvent = (id: string) => fetchJson<AdminReplayResponse>(`/api/admin/webhook-events/${id}/replay`, { method: "POST" });

export const replayEvents = (selection: { ids?: string[]; status?: "dead" | "failed" }) =>
  fetchJson<AdminReplayResponse>("/api/admin/webhook-events/replay", { method: "POST", body: JSON.stringify(selection) });

export const resyncCalendar = (calendarId: string, mode: ResyncMode) =>
  fetchJson<AdminResyncResponse>(`/api/admin/calendars/${calendarId}/resync`, { method: "POST", body: JSON.stringify({ mode }) });

export const fetchMeetingHours = (query: { weeks: number; timeZone: string }, signal?: AbortSignal) =>
  fetchJson<MeetingHoursResponse>(`/api/admin/meeting-hours?${new URLSearchParams({ weeks: String(query.weeks), timeZone: query.timeZone })}`, { signal });

export const fetchPrivacy = ({ signal }: Signal) => fetchJson<PrivacySettingsResponse>("/api/admin/privacy", { signal });
export const savePrivacy = (settings: PrivacySettingsResponse["settings"]) =>
  fetchJson<PrivacySettingsResponse>("/api/admin/privacy", { method: "PATCH", body: JSON.stringify(settings) });
