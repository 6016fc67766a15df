import type { CalendarsResponse, UpcomingEventsResponse } from "@/lib/api/types";
import { fetchJson } from "@/components/api-client";

// Query keys shared by every screen, so a change made in one (a toggle, a
// disconnect) refreshes the others through invalidation.
export const UPCOMING_DAYS = 7;
export const calendarsQueryKey = ["calendars"] as const;
export const upcomingEventsQueryKey = ["events", "upcoming", UPCOMING_DAYS] as const;

/** Background changes (push, polls) should show within seconds without a reload. */
export const LIVE_REFRESH_MS = 2_000;

export const fetchCalendars = ({ signal }: { signal?: AbortSignal }) => fetchJson<CalendarsResponse>("/api/calendars", { signal });
export const fetchUpcomingEvents = ({ signal }: { signal?: AbortSignal }) =>
  fetchJson<UpcomingEventsResponse>(`/api/events/upcoming?days=${UPCOMING_DAYS}`, { signal });
