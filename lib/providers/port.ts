// The one provider interface. Everything outside lib/providers (and the webhook
// parsers in lib/webhooks) talks to Google and Microsoft through this port, so no
// other code branches on provider. Adapters: ./google, ./microsoft; chosen in ./index.

/** Every provider calsync speaks, with the names people know it by: the one list. */
export const PROVIDER_LABELS = {
  google: { shortName: "Google", productName: "Google Calendar" },
  microsoft: { shortName: "Microsoft", productName: "Outlook Calendar" },
} as const satisfies Record<string, { shortName: string; productName: string }>;

export type ProviderName = keyof typeof PROVIDER_LABELS;
/** The providers in a fixed order (a non-empty tuple, so zod can enumerate it). */
export const PROVIDERS = Object.keys(PROVIDER_LABELS) as [ProviderName, ...ProviderName[]];

/** Tokens as a token endpoint returned them. */
export interface ProviderTokens {
  accessToken: string;
  /** Null when the provider sent none (Google sends one only with consent; keep the old one). */
  refreshToken: string | null;
  expiresAt: Date;
  /** Granted scopes, as the provider names them in the token response. */
  scopes: string[];
}

/** Who the connected account is. */
export interface ProviderIdentity {
  /** Google `sub` / Microsoft `oid`: stable across email changes. */
  providerAccountId: string;
  email: string;
  name: string | null;
  /** Microsoft tenant id; null for Google. */
  tenantId: string | null;
}

export interface ProviderCalendar {
  providerCalendarId: string;
  name: string;
  isPrimary: boolean;
  /** IANA zone; "UTC" when the provider gives none (Microsoft without MailboxSettings.Read). */
  timeZone: string;
}

/** An attendee's answer, in Google's words (Graph's `responseStatus.response` mapped onto them). */
export const ATTENDEE_RESPONSES = ["needsAction", "accepted", "tentative", "declined"] as const;
export type AttendeeResponse = (typeof ATTENDEE_RESPONSES)[number];

/** Busy/free: Google `transparency` (and `eventType`), Graph `showAs`. */
export const BUSY_STATUSES = ["free", "tentative", "busy", "out_of_office", "working_elsewhere", "unknown"] as const;
export type BusyStatus = (typeof BUSY_STATUSES)[number];

/** Google `visibility` / Graph `sensitivity` (Graph's "normal" is "default"). */
export const EVENT_VISIBILITIES = ["default", "public", "personal", "private", "confidential"] as const;
export type EventVisibility = (typeof EVENT_VISIBILITIES)[number];

/** Where a join link leads. Found in Google conferenceData / Graph onlineMeeting, else in the location or body. */
export const CONFERENCE_PROVIDERS = ["meet", "teams", "zoom", "other"] as const;
export type ConferenceProvider = (typeof CONFERENCE_PROVIDERS)[number];

export interface AttendeeRecord {
  /** Lower-cased: the key an attendee is matched by across calendars. */
  email: string;
  name: string | null;
  response: AttendeeResponse;
  optional: boolean;
  organizer: boolean;
  /** A room or equipment (Google `resource: true`, Graph attendee type `resource`). */
  resource: boolean;
  /** The calendar's owner. */
  self: boolean;
}

export interface ConferenceRecord {
  provider: ConferenceProvider;
  joinUrl: string;
  /** A phone number to dial in, with its PIN when the provider gives one ("+1 555-0100 PIN 123456"). */
  dialIn: string | null;
}

/**
 * An event as we store it: one typed object per event, every field the adapters
 * map (the sync writes it to `events` and `event_attendees`; a field-by-field
 * diff of two records is a diff of the mirror). All-day events carry their dates
 * (`YYYY-MM-DD`, end exclusive) and, as instants, midnight of those dates in the
 * calendar's zone.
 */
export interface EventRecord {
  providerEventId: string;
  iCalUid: string | null;
  title: string;
  /** Plain text, from the HTML body when that is all the provider gives. */
  descriptionText: string | null;
  /** The provider's HTML body, stored as given: never render it unsanitised. */
  descriptionHtml: string | null;
  location: string | null;
  /** One line ("1 Main St, Springfield, IL 62701, US") when the provider gives an address. */
  locationAddress: string | null;
  locationLatitude: number | null;
  locationLongitude: number | null;
  /** Google `htmlLink`, Graph `webLink`. */
  webLink: string | null;
  isAllDay: boolean;
  startAt: Date;
  endAt: Date;
  startDate: string | null;
  endDate: string | null;
  startTimeZone: string | null;
  endTimeZone: string | null;
  /**
   * `cancelled`: a meeting its organizer called off that the provider still shows in
   * this calendar (Graph `isCancelled`). Google's cancelled items are deletions.
   */
  status: "confirmed" | "tentative" | "cancelled";
  busyStatus: BusyStatus;
  visibility: EventVisibility;
  /** Google `eventType` (default, focusTime, outOfOffice, workingLocation, ...), Graph `type` (singleInstance, occurrence, exception). */
  eventType: string | null;
  organizerEmail: string | null;
  organizerName: string | null;
  attendeeCount: number;
  attendees: AttendeeRecord[];
  /** The calendar owner's own answer; null when they are not invited (their own event, or a calendar without a person). */
  selfResponse: AttendeeResponse | "organizer" | null;
  conference: ConferenceRecord | null;
  providerCreatedAt: Date | null;
  providerUpdatedAt: Date | null;
  /** Google recurringEventId / Graph seriesMasterId, for instances of a series. */
  recurringSeriesId: string | null;
  originalStartAt: Date | null;
  /**
   * The provider's item as it came, as JSON text (secrets removed:
   * lib/providers/enrich.ts), for fields we do not model yet; stored as `events.raw`.
   * Null when the organization keeps only busy/free of it.
   */
  rawJson: string | null;
}

/** A series' rule, stored once per series (Google `recurrence`, Graph `patternedRecurrence`). */
export interface SeriesRecord {
  providerSeriesId: string;
  /** RFC 5545 lines (`RRULE:FREQ=WEEKLY;BYDAY=MO`), converted from Graph's pattern and range. */
  rrule: string[];
  /** The zone the rule is read in. */
  timeZone: string | null;
  /** The provider's own form of the rule, as given. */
  rule: unknown;
}

export interface SeriesRequest {
  providerCalendarId: string;
  providerSeriesIds: string[];
}

/** One entry of a change feed: upsert this event, or remove the event with this id. */
export type EventChange = { type: "upsert"; event: EventRecord } | { type: "delete"; providerEventId: string };

export interface ChangesRequest {
  providerCalendarId: string;
  /** The calendar's IANA zone: all-day dates become instants in it. */
  calendarTimeZone: string;
  /** The connected account's address: its attendee entry is `self` (Graph does not say). */
  ownerEmail?: string | null;
  /**
   * The stored cursor (Google nextSyncToken, Graph deltaLink), or null for a full
   * sync over `window`.
   */
  cursor: string | null;
  /** The page to fetch within the current round (Google pageToken, Graph nextLink); null for the first. */
  pageToken: string | null;
  /** What a full sync covers. Google bounds only the past (incremental calls cannot be bounded). */
  window: { start: Date; end: Date };
  /** Page size hint; without it the adapter asks for the provider's largest page. */
  pageSize?: number;
}

export interface ChangesPage {
  changes: EventChange[];
  /** More pages in this round. Never set together with `nextCursor`. */
  nextPageToken: string | null;
  /** Set on the last page only: the cursor to store once every page has been applied. */
  nextCursor: string | null;
}

export interface PushRequest {
  providerCalendarId: string;
  /** Our id for the channel (Google channel id). Graph ignores it and assigns its own. */
  channelId: string;
  /** Per-channel random secret: Google channel token / Graph clientState. */
  secret: string;
  notificationUrl: string;
  /** Graph lifecycleNotificationUrl. */
  lifecycleUrl: string;
  expiresAt: Date;
}

export interface PushChannel {
  /** Google channel id / Graph subscription id: what notifications name. */
  externalId: string;
  /** Google resourceId (needed to stop the channel); null for Graph. */
  resourceId: string | null;
  /** Google resourceUri / Graph resource path. */
  resource: string;
  /** As the provider granted it (it clamps what we ask for). */
  expiresAt: Date;
}

export interface PushHandle {
  externalId: string;
  resourceId: string | null;
}

export interface AuthorizationRequest {
  state: string;
  /** PKCE S256 challenge. */
  codeChallenge: string;
  redirectUri: string;
  loginHint?: string;
}

export interface CodeExchange {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

/**
 * What disconnecting does to the grant at the provider. "endpoint": the provider
 * has a revocation endpoint and `revokeGrant` ends the grant (refresh and access
 * tokens). "self_service": it has none for a delegated grant; the person removes
 * the app's access themselves at one of `places`.
 */
export type GrantRevocation = { kind: "endpoint" } | { kind: "self_service"; places: ReadonlyArray<{ label: string; url: string }> };

export interface CalendarProvider {
  readonly name: ProviderName;
  /** Human name for messages ("Google", "Microsoft"). */
  readonly displayName: string;
  /**
   * Google channels watch one calendar ("calendar"); a Graph subscription watches
   * the whole mailbox ("account"), so its notifications sync every enabled calendar.
   */
  readonly pushScope: "calendar" | "account";
  /** Google has no renew call (a new channel replaces the old); Graph extends by PATCH. */
  readonly renewal: "replace" | "extend";
  /** Longest lifetime worth asking for. */
  readonly maxPushLifetimeMs: number;
  readonly revocation: GrantRevocation;

  /** Consent URL: offline access, consent prompt, calendar read scopes, PKCE S256. */
  authorizationUrl(request: AuthorizationRequest): string;
  /** Code for tokens, then the account's identity. ProviderError("reauthorization_required"/"failed") on failure. */
  exchangeCode(exchange: CodeExchange): Promise<{ tokens: ProviderTokens; identity: ProviderIdentity }>;
  /** ProviderError("reauthorization_required") on invalid_grant. Microsoft returns a rotated refresh token. */
  refreshTokens(refreshToken: string): Promise<ProviderTokens>;
  /**
   * Ends the grant the token (preferably the refresh token) belongs to. "unsupported"
   * when revocation is "self_service". A token already revoked or expired counts as
   * revoked; other failures throw ProviderError.
   */
  revokeGrant(token: string): Promise<"revoked" | "unsupported">;
  /** The required scopes missing from a grant (empty when all were granted). */
  missingScopes(granted: string[]): string[];

  listCalendars(accessToken: string): Promise<ProviderCalendar[]>;
  /** One page of changes. ProviderError("cursor_expired") when the cursor is no longer valid. */
  fetchChanges(accessToken: string, request: ChangesRequest): Promise<ChangesPage>;
  /** The rules of these series (their masters); a series that is gone is left out. */
  fetchSeries(accessToken: string, request: SeriesRequest): Promise<SeriesRecord[]>;

  createPush(accessToken: string, request: PushRequest): Promise<PushChannel>;
  /** Graph only (renewal "extend"): move the expiry. ProviderError("not_found") when it is gone. */
  extendPush(accessToken: string, handle: PushHandle, expiresAt: Date): Promise<{ expiresAt: Date }>;
  /** Stop a channel / delete a subscription. Already gone (404) counts as stopped. */
  stopPush(accessToken: string, handle: PushHandle): Promise<void>;
}
