// Wire types of the control API, shared by the server and the typed client.
// This file must stay free of runtime imports: tests import it through client.ts.

export type Provider = "google" | "microsoft";

/**
 * An event as the control API takes it (provider-neutral).
 * - All-day: `start`/`end` are `YYYY-MM-DD`, `end` exclusive (as both providers store them).
 * - Timed: `start`/`end` are RFC 3339 with an offset (`2026-01-05T09:00:00+01:00`), or
 *   local `YYYY-MM-DDTHH:MM[:SS]` read in `timeZone` (default: the calendar's zone).
 */
export interface EventInput {
  /** Optional fixed id (Google rules: 5-1024 chars of a-v0-9). Generated otherwise. */
  id?: string;
  /** The invitation's UID, shared by the copies of one meeting in several calendars. Generated otherwise. */
  iCalUID?: string;
  summary: string;
  description?: string;
  location?: string;
  start: string;
  end: string;
  /** Inferred from a date-only `start` when omitted. */
  allDay?: boolean;
  timeZone?: string;
  /** RFC 5545 lines, e.g. `["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"]`. DAILY/WEEKLY, COUNT/UNTIL/INTERVAL/BYDAY, EXDATE. */
  recurrence?: string[];
  /** `cancelled` on Google means deleted; on Microsoft it sets `isCancelled` (organizer cancelled the meeting). */
  status?: "confirmed" | "tentative" | "cancelled";
  attendees?: Array<{
    email: string;
    name?: string;
    responseStatus?: "needsAction" | "accepted" | "declined" | "tentative";
    optional?: boolean;
    resource?: boolean;
  }>;
  /** Graph `location.address` (Google keeps only the `location` line). */
  locationAddress?: { street?: string; city?: string; state?: string; countryOrRegion?: string; postalCode?: string };
  /** Graph `location.coordinates`. */
  locationCoordinates?: { latitude: number; longitude: number };
  /** Someone else's meeting copied into this calendar (default: the calendar's owner organizes it). */
  organizer?: { email: string; name?: string };
  /** Google `conferenceData` (Meet, or Teams/Zoom add-ons); Graph `onlineMeeting` (Teams only). */
  conference?: { type: "meet" | "teams" | "zoom"; joinUrl: string; phone?: string; pin?: string };
  /** Graph `showAs`; Google shows `free` as `transparency: "transparent"`, the rest as opaque. Default busy. */
  showAs?: "free" | "tentative" | "busy" | "oof" | "workingElsewhere";
  /** Google `visibility`, Graph `sensitivity`. Default `default`. */
  visibility?: "default" | "public" | "private" | "confidential";
  /** Google `eventType`. Default `default`. */
  eventType?: "default" | "focusTime" | "outOfOffice" | "workingLocation";
}

export type EventPatch = Partial<Omit<EventInput, "id" | "iCalUID" | "recurrence">> & { recurrence?: string[] | null };

/** Changes to one instance of a recurring event; creates or updates an exception. */
export interface InstanceChange extends EventPatch {
  /** The instance's original start: `YYYY-MM-DD` for all-day series, else RFC 3339 with offset. */
  originalStart: string;
  /** Cancel (remove) just this instance. */
  cancelled?: boolean;
}

export interface SeedEvent extends EventInput {
  exceptions?: InstanceChange[];
}

export interface SeedCalendar {
  /** Google: defaults to a generated `...@group.calendar.google.com` (or the email for the primary). */
  id?: string;
  name: string;
  timeZone?: string;
  primary?: boolean;
  events?: SeedEvent[];
}

export interface SeedAccount {
  provider: Provider;
  email: string;
  name: string;
  /** Microsoft only; defaults to the emulator's default tenant. */
  tenantId?: string;
  /**
   * Zone of the primary calendar created when `calendars` has no primary, and the
   * Microsoft mailbox's zone (GET /me/mailboxSettings answers it as a Windows name). Default UTC.
   */
  timeZone?: string;
  calendars?: SeedCalendar[];
}

export interface OAuthClientInput {
  provider: Provider;
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs. Empty or omitted: any http(s) URI is accepted (local ports vary). */
  redirectUris?: string[];
}

export interface Seed {
  accounts: SeedAccount[];
  /** OAuth clients; the default clients (see README) are added when omitted. */
  clients?: OAuthClientInput[];
}

export type EventTimeView = { date: string } | { dateTime: string; timeZone: string };

export interface AccountView {
  id: string;
  provider: Provider;
  email: string;
  name: string;
  /** Google `sub` (numeric string) or Microsoft `oid` (GUID). */
  subject: string;
  tenantId?: string;
}

export interface CalendarView {
  id: string;
  accountId: string;
  accountEmail: string;
  provider: Provider;
  name: string;
  timeZone: string;
  primary: boolean;
}

export interface EventView {
  id: string;
  calendarId: string;
  provider: Provider;
  summary: string;
  description?: string;
  location?: string;
  start: EventTimeView;
  end: EventTimeView;
  allDay: boolean;
  recurrence?: string[];
  /** Set on exceptions (modified or cancelled instances). */
  seriesMasterId?: string;
  originalStart?: EventTimeView;
  status: "confirmed" | "tentative" | "cancelled";
  attendees: NonNullable<EventInput["attendees"]>;
  locationAddress?: EventInput["locationAddress"];
  locationCoordinates?: EventInput["locationCoordinates"];
  organizer?: EventInput["organizer"];
  conference?: EventInput["conference"];
  showAs: NonNullable<EventInput["showAs"]>;
  visibility: NonNullable<EventInput["visibility"]>;
  eventType: NonNullable<EventInput["eventType"]>;
  deleted: boolean;
  iCalUID: string;
  updated: string;
}

export interface ChannelView {
  id: string;
  resourceId: string;
  resourceUri: string;
  calendarId: string;
  accountEmail: string;
  address: string;
  token?: string;
  /** Epoch ms. */
  expiration: number;
  state: "live" | "stopped" | "expired";
  createdAt: string;
  endedAt?: string;
  lastMessageNumber: number;
}

export interface SubscriptionView {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationDateTime: string;
  accountEmail: string;
  applicationId: string;
  state: "live" | "deleted" | "expired" | "removed";
  /** A reauthorizationRequired lifecycle event was sent and not yet answered (PATCH or reauthorize). */
  needsReauthorization: boolean;
  /** Change notifications are withheld (lost) until the app reauthorizes. */
  deliveryPaused: boolean;
  createdAt: string;
  endedAt?: string;
}

export type DeliveryKind = "google.push" | "graph.notification" | "graph.lifecycle" | "graph.validation";

export interface DeliveryView {
  id: number;
  kind: DeliveryKind;
  url: string;
  channelId?: string;
  subscriptionIds: string[];
  /** 1 for the first attempt; retries count up. */
  attempt: number;
  /** A copy injected by the duplicate fault. */
  duplicate: boolean;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number | null;
  responseBody?: string;
  responseContentType?: string;
  error?: string;
  startedAt: string;
  latencyMs: number;
  /** The app answered 2xx within 3 s (Graph's bar; recorded for Google too). */
  okWithin3s: boolean;
  /**
   * ok: 2xx. rejected: other status. timeout / network-error: no answer.
   * dropped: the drop fault ate it (never sent). paused: withheld while a subscription awaits reauthorization.
   */
  outcome: "ok" | "rejected" | "timeout" | "network-error" | "dropped" | "paused";
}

export interface CallCounts {
  byEndpoint: Record<string, number>;
  /** Keyed by account email, then endpoint name. Calls without a valid bearer token are not attributed. */
  byAccount: Record<string, Record<string, number>>;
}

export interface NotificationFaults {
  /** Share (0-1) of change notifications silently dropped. */
  dropRate?: number;
  /** Delay before the first delivery attempt. */
  delayMs?: number;
  /** Share (0-1) of change notifications delivered twice. */
  duplicateRate?: number;
  /** Hold notifications for this long and release them in reverse order. 0 = off. */
  reorderWindowMs?: number;
  /** Seed of the fault RNG (drop/duplicate decisions are reproducible). */
  seed?: number;
}

/**
 * Endpoint names: google.oauth.authorize, google.token, google.revoke, google.tokeninfo, google.userinfo,
 * google.discovery, google.jwks, google.calendarList.list, google.calendarList.get, google.events.list,
 * google.events.get, google.events.insert, google.events.patch, google.events.update, google.events.delete,
 * google.events.watch, google.channels.stop, microsoft.authorize, microsoft.token,
 * microsoft.discovery, microsoft.jwks, microsoft.userinfo, graph.me, graph.calendars, graph.delta,
 * graph.events.get, graph.mailboxSettings, graph.subscriptions.create, graph.subscriptions.list, graph.subscriptions.get,
 * graph.subscriptions.update, graph.subscriptions.delete, graph.subscriptions.reauthorize.
 * A trailing `*` matches a prefix (`google.events.*`).
 */
export interface EndpointFault {
  endpoint: string;
  status: 403 | 429 | 500 | 502 | 503 | 504;
  /** How many matching calls fail (default 1). */
  count?: number;
  /** Matching calls that succeed before the failures start (default 0): a round that breaks part-way. */
  afterCalls?: number;
  /** Sent as Retry-After (seconds); default 1 for 429/503. */
  retryAfterSeconds?: number;
  /** Only calls made with this account's token (OAuth token endpoints have no account: leave unset). */
  accountEmail?: string;
}

export interface SyncInvalidation {
  provider: Provider;
  accountEmail?: string;
  calendarId?: string;
  /** Microsoft only: error code of the 410 (default syncStateNotFound). */
  reason?: "syncStateNotFound" | "resyncRequired";
}

export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

/**
 * Answer the next authorization requests of a provider without showing the consent
 * page (for headless app tests). `withholdScopes` narrows the grant; `deny` refuses.
 */
export interface AutoConsent {
  provider: Provider;
  email: string;
  withholdScopes?: string[];
  deny?: boolean;
  /** How many authorizations to answer (default: until cleared). */
  times?: number;
}

export interface ConsentDefaults {
  provider: Provider;
  /** Scopes whose checkbox starts unticked on the consent page. */
  withholdScopes: string[];
}

export interface GoogleUrls {
  /** Origin, also the googleapis `rootUrl` (with trailing slash) and the OpenID issuer (without). */
  origin: string;
  rootUrl: string;
  issuer: string;
  authUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  tokenInfoUrl: string;
  userInfoUrl: string;
  discoveryUrl: string;
  jwksUrl: string;
  pemCertsUrl: string;
}

export interface MicrosoftUrls {
  /** HTTPS origin serving the identity platform and Graph. */
  origin: string;
  /** Authority base: `${loginBaseUrl}/${tenant}/oauth2/v2.0/...`. Same as origin. */
  loginBaseUrl: string;
  /** Graph base URL for the SDK's `baseUrl` (no trailing slash). */
  graphBaseUrl: string;
  /** Host name to put in the Graph client's `customHosts`. */
  graphHost: string;
  defaultTenantId: string;
  /** Convenience URLs for the default tenant. */
  /**
   * The sign-in and consent page, the one Microsoft endpoint a browser visits: on
   * the HTTP origin, so a stock browser shows no certificate warning (the token,
   * keys and Graph endpoints, called by servers, stay on HTTPS).
   */
  authorizeUrl: string;
  /** Base of the browser-facing pages: `${browserLoginBaseUrl}/${tenant}/oauth2/v2.0/authorize`. */
  browserLoginBaseUrl: string;
  tokenUrl: string;
  discoveryUrl: string;
  jwksUrl: string;
}

export interface EmulatorInfo {
  httpOrigin: string;
  httpsOrigin: string;
  controlUrl: string;
  webUrl: string;
  caCertPath: string;
  google: GoogleUrls;
  microsoft: MicrosoftUrls;
  clients: OAuthClientInput[];
}

export interface StateSnapshot {
  accounts: AccountView[];
  calendars: CalendarView[];
  events: EventView[];
  channels: ChannelView[];
  subscriptions: SubscriptionView[];
}
