// JSON shapes of the app's own API (route handlers under app/api), shared by the
// handlers that build them and the UI that reads them. Dates are ISO strings.

import type { GrantRevocation, ProviderName } from "@/lib/providers/port";

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
  /** While syncing, how many events of it are mirrored so far (first-sync progress); null otherwise. */
  mirroredWhileSyncing: number | null;
  push: PushSummary;
  createdAt: string;
  /** The person who connected (or last reconnected) it; null once they are gone. */
  connectedBy: { name: string | null; email: string } | null;
}

export interface ProviderSummary {
  provider: ProviderName;
  displayName: string;
  /** OAuth credentials exist on this server (always true in sandbox mode). */
  configured: boolean;
  /** What disconnecting does to the grant at the provider; null when the provider is not configured. */
  revocation: GrantRevocation | null;
  /** Every connection of the organization with this provider that is not disconnected, oldest first. */
  connections: ConnectionSummary[];
}

/** DELETE /api/connections/:id */
export interface DisconnectResponse {
  ok: true;
  stoppedSubscriptions: number;
  deletedEvents: number;
  /** lib/connections/disconnect.ts GrantOutcome. */
  grant: "revoked" | "self_service" | "failed";
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
  /** When the poll will next look at it (null when sync is off, or before its first sync). */
  nextPollAt: string | null;
  /** The provider offers no push for it (Google holiday calendars): polled every this many minutes; null when it has push. */
  pollOnlyMinutes: number | null;
  /** Found at the provider after the account was connected and not chosen yet: shown as new. */
  discovered: boolean;
  /** When the provider stopped listing it: not synced, its events gone, shown until dismissed (DELETE /api/calendars/:id). */
  removedAt: string | null;
  eventCount: number;
}

/** GET /api/calendars */
export interface CalendarsResponse {
  calendars: CalendarSummary[];
}

/** POST /api/calendars/:id/sync (202: the sync runs in the background) */
export interface CalendarSyncResponse {
  calendarId: string;
  requested: true;
  /** Runs that started at or after this are the one asked for. */
  requestedAt: string;
}

/** DELETE /api/calendars/:id: a calendar the provider no longer lists, dismissed. */
export interface CalendarDismissResponse {
  calendarId: string;
  dismissed: true;
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
  /** The event's own IANA zone (its start's, else its calendar's): shown on hover when it is not the viewer's. */
  timeZone: string;
}

/** GET /api/events/upcoming?days=7 */
export interface UpcomingEventsResponse {
  from: string;
  to: string;
  events: UpcomingEvent[];
}

/** GET /api/admin/meeting-hours?weeks=8&timeZone=Europe/Berlin */
export interface MeetingHoursResponse {
  weeks: number;
  timeZone: string;
  /** One row per person and week with meetings, weeks ascending. */
  rows: Array<{ email: string; name: string | null; week: string; hours: number; meetings: number }>;
}

/** GET and PATCH /api/admin/privacy */
export interface PrivacySettingsResponse {
  settings: { privateEvents: "everything" | "busy_only" | "nothing"; keepDeclined: boolean };
  /** Rows rewritten or removed at once by a change (0 for GET). */
  rewritten: number;
  /** Calendars whose full resync the change asked for (0 for GET). */
  resynced: number;
}

/** Every error answer: see lib/http/errors.ts. */
export interface ErrorBody {
  error: { kind: string; message: string; fields?: Record<string, string> };
}

// ---------------------------------------------------------------------------
// Operations console (admins only): /api/admin/**
// ---------------------------------------------------------------------------

export type WebhookEventStatus = "pending" | "processed" | "ignored" | "duplicate" | "failed" | "dead";
export type SubscriptionStatus = "pending" | "active" | "expired" | "stopped" | "failed";
export type ResyncMode = "incremental" | "full";

/** One stored notification, as lists show it. */
export interface AdminWebhookEvent {
  id: string;
  provider: ProviderName;
  status: WebhookEventStatus;
  /** The channel or subscription id as received (may be one a renewal replaced). */
  externalId: string;
  subscriptionId: string | null;
  calendarId: string | null;
  calendarName: string | null;
  /** Google resource state or Graph change type / lifecycle event. */
  changeType: string | null;
  /** Google X-Goog-Message-Number, as a string (it is a 64-bit counter). */
  messageNumber: string | null;
  attempts: number;
  error: string | null;
  nextAttemptAt: string | null;
  receivedAt: string;
  processedAt: string | null;
  /** processedAt - receivedAt, when processed. */
  latencyMs: number | null;
}

/** GET /api/admin/webhook-events/:id: headers and body as stored (secrets redacted). */
export interface AdminWebhookEventDetail extends AdminWebhookEvent {
  accountEmail: string | null;
  resource: string | null;
  dedupKey: string | null;
  requestId: string | null;
  headers: Record<string, unknown>;
  body: unknown;
}

/** GET /api/admin/webhook-events?provider&status&calendarId&from&to&q&cursor&limit */
export interface AdminWebhookEventsResponse {
  events: AdminWebhookEvent[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** POST /api/admin/webhook-events/replay body (at least one of the two). */
export interface AdminReplayRequest {
  ids?: string[];
  status?: "dead" | "failed";
}

/** POST /api/admin/webhook-events/replay and /api/admin/webhook-events/:id/replay */
export interface AdminReplayResponse {
  replayed: number;
  /** Events of the selected status still waiting (a replay by status resets one batch); 0 for named events. */
  remaining: number;
}

export interface AdminSubscription {
  id: string;
  provider: ProviderName;
  connectionId: string;
  connectionStatus: ConnectionStatus;
  accountEmail: string;
  calendarId: string | null;
  /** The watched calendar's name, or "All calendars" for an account-wide Graph subscription. */
  calendarName: string;
  externalId: string;
  status: SubscriptionStatus;
  expiresAt: string | null;
  lastNotificationAt: string | null;
  lastRenewedAt: string | null;
  notifications24h: number;
  suspect: boolean;
  suspectCount: number;
  renewalFailures: number;
  lastError: string | null;
  createdAt: string;
  /** Its five most recent notifications, newest first. */
  recentEvents: AdminWebhookEvent[];
}

/** GET /api/admin/subscriptions */
export interface AdminSubscriptionsResponse {
  subscriptions: AdminSubscription[];
}

/** POST /api/admin/subscriptions/:id/refresh, /reregister and DELETE /api/admin/subscriptions/:id */
export interface AdminSubscriptionActionResponse {
  action: "extended" | "replaced" | "recreated" | "skipped" | "stopped";
  expiresAt: string | null;
  /** Why it was skipped, when it was. */
  message: string | null;
  subscription: AdminSubscription;
}

/** POST /api/admin/calendars/:id/resync body */
export interface AdminResyncRequest {
  mode: ResyncMode;
}

/** POST /api/admin/calendars/:id/resync (202: the sync runs in the background) */
export interface AdminResyncResponse {
  calendarId: string;
  mode: ResyncMode;
  requested: true;
}

export interface AdminSyncRun extends SyncRunSummary {
  calendarId: string;
  calendarName: string;
  provider: ProviderName;
  accountEmail: string;
  pages: number;
  providerCalls: number;
}

/** GET /api/admin/sync-runs?calendarId&status&cursor&limit */
export interface AdminSyncRunsResponse {
  runs: AdminSyncRun[];
  nextCursor: string | null;
}

export type HealthStatus = "ok" | "degraded" | "unhealthy";

export interface HealthFigures {
  lastNotificationAt: string | null;
  /** The most recent successful sync of any calendar. */
  lastSuccessfulSyncAt: string | null;
  /** The soonest expiry of a live subscription. */
  expiryHorizon: string | null;
  failures: {
    /** Events waiting for a retry. */
    failedEvents: number;
    /** Events whose retries are exhausted (the dead letter queue). */
    deadEvents: number;
    failedRuns24h: number;
  };
  suspectSubscriptions: number;
  notifications24h: number;
  /** processed / (processed + failed + dead) over the last 24 h; null without any. */
  successRate: number | null;
  /** processed_at - received_at of events processed in the last 24 h. */
  latency: { p50Ms: number | null; p95Ms: number | null };
}

/** One hour of the charts' 24-hour window. */
export interface HealthHour {
  /** Start of the hour (the last one is the current, partial hour). */
  start: string;
  notifications: number;
  processed: number;
  /** Failed or dead. */
  failed: number;
  successRate: number | null;
  p95LatencyMs: number | null;
}

export interface HealthConnection extends HealthFigures {
  id: string;
  organizationId: string;
  provider: ProviderName;
  accountEmail: string;
  /** Who connected it (ConnectionSummary's connectedBy). */
  connectedBy: { name: string | null; email: string } | null;
  status: ConnectionStatus;
  lastError: string | null;
  /** The provider circuit breaker of this server process, when it has seen the connection. */
  breaker: { state: "closed" | "open" | "half_open"; failures: number; openedAt: string | null } | null;
}

export interface HealthCardItem {
  /** Subscription, connection or calendar id, or a fixed key for aggregated items. */
  id: string;
  title: string;
  detail: string;
  /** Where to act on it in the console. */
  href: string | null;
  /** The instant the item is about (an expiry, a failure), when there is one. */
  at: string | null;
}

export interface HealthCards {
  /** Live subscriptions expiring within 24 h. */
  expiringSoon: HealthCardItem[];
  suspect: HealthCardItem[];
  /** Expired or failed push, failing renewals, calendars whose last sync failed, failed and dead events. */
  failing: HealthCardItem[];
  needsReconnect: HealthCardItem[];
}

/** GET /api/admin/health (and the operators' `health-check`, installation-wide). */
export interface HealthReport extends HealthFigures {
  status: HealthStatus;
  /** Something needs a person: status is not "ok". */
  attention: boolean;
  /** One sentence per problem, worst first. */
  problems: string[];
  /** null: the whole installation. */
  organizationId: string | null;
  generatedAt: string;
  hourly: HealthHour[];
  connections: HealthConnection[];
  cards: HealthCards;
}

export type MembershipRole = "owner" | "admin" | "member";

/** GET /api/organizations: the switcher. */
export interface OrganizationSummary {
  id: string;
  name: string;
  role: MembershipRole;
}

export interface OrganizationsResponse {
  currentId: string;
  organizations: OrganizationSummary[];
}

export interface MemberSummary {
  /** The membership's id (PATCH/DELETE /api/members/:id). */
  id: string;
  userId: string;
  name: string | null;
  email: string;
  role: MembershipRole;
  joinedAt: string;
  /** The caller's own membership. */
  you: boolean;
  /** The roles the caller may give this member (lib/organizations/members.ts allowedActions). */
  assignableRoles: MembershipRole[];
  /** The caller may remove this member (or leave, on their own row). */
  removable: boolean;
}

export interface InvitationSummary {
  id: string;
  email: string;
  role: MembershipRole;
  createdAt: string;
  expiresAt: string;
  invitedBy: string | null;
}

/** GET /api/members: pending invitations are listed to owners and admins only. */
export interface MembersResponse {
  role: MembershipRole;
  members: MemberSummary[];
  invitations: InvitationSummary[];
}

/** POST /api/invitations */
export interface InvitationCreated {
  invitation: InvitationSummary;
  /** "sent": mailed; "not_configured": no SMTP_URL; "failed": the mail server refused. */
  delivery: "sent" | "not_configured" | "failed";
  /** The link to pass on, whenever it was not mailed; null when it was. */
  link: string | null;
}
