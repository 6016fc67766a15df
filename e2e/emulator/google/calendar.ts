// Google Calendar API v3 under /calendar/v3 at the origin root (googleapis
// keeps only the origin of an API-level rootUrl): calendarList and events,
// with Google's paging and sync-token rules.

import type { EmulatorServices } from "../context";
import { googleApiError, googleErrors } from "../errors";
import type { RequestContext, RouteDefinition } from "../http";
import { InvalidInputError, type Account, type Calendar, type StoredEvent } from "../state";
import { eventTimeInstant, formatIsoUtc, isValidTimeZone, parseRfc3339 } from "../time";
import { callerCalendar, GOOGLE_SCOPES, requireGoogleCaller, type GoogleCaller } from "./auth";
import { checkClientEventId, formatGoogleEvent, googleEventFields, type GoogleEventBody, mergePatch } from "./format";

const EVENTS_DEFAULT_PAGE = 250;
const EVENTS_MAX_PAGE = 2500;
const CALENDAR_LIST_DEFAULT_PAGE = 100;
const CALENDAR_LIST_MAX_PAGE = 250;

/** Parameters Google refuses alongside syncToken. */
const FORBIDDEN_WITH_SYNC_TOKEN = ["iCalUID", "orderBy", "privateExtendedProperty", "q", "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin"];

interface SyncTokenPayload {
  c: string; // calendar id
  s: number; // change sequence covered
  e: number; // calendar sync epoch
}

interface PageTokenPayload {
  q: string; // fingerprint of the query
  s: number; // snapshot sequence: later changes wait for the next sync
  a: string; // sort key of the last item served
}

export function googleCalendarRoutes(services: EmulatorServices): RouteDefinition[] {
  const api = "/calendar/v3";
  return [
    {
      method: "GET",
      path: `${api}/users/me/calendarList`,
      endpoint: "google.calendarList.list",
      family: "google-api",
      handler: (ctx) => listCalendars(ctx, services),
    },
    {
      method: "GET",
      path: `${api}/users/me/calendarList/:calendarId`,
      endpoint: "google.calendarList.get",
      family: "google-api",
      handler: (ctx) => getCalendarListEntry(ctx, services),
    },
    {
      method: "GET",
      path: `${api}/calendars/:calendarId/events`,
      endpoint: "google.events.list",
      family: "google-api",
      handler: (ctx) => listEvents(ctx, services),
    },
    {
      method: "POST",
      path: `${api}/calendars/:calendarId/events`,
      endpoint: "google.events.insert",
      family: "google-api",
      handler: (ctx) => insertEvent(ctx, services),
    },
    {
      method: "GET",
      path: `${api}/calendars/:calendarId/events/:eventId`,
      endpoint: "google.events.get",
      family: "google-api",
      handler: (ctx) => getEvent(ctx, services),
    },
    {
      method: "PATCH",
      path: `${api}/calendars/:calendarId/events/:eventId`,
      endpoint: "google.events.patch",
      family: "google-api",
      handler: (ctx) => writeEvent(ctx, services, "patch"),
    },
    {
      method: "PUT",
      path: `${api}/calendars/:calendarId/events/:eventId`,
      endpoint: "google.events.update",
      family: "google-api",
      handler: (ctx) => writeEvent(ctx, services, "update"),
    },
    {
      method: "DELETE",
      path: `${api}/calendars/:calendarId/events/:eventId`,
      endpoint: "google.events.delete",
      family: "google-api",
      handler: (ctx) => deleteEvent(ctx, services),
    },
  ];
}

// ---- calendarList -------------------------------------------------------------

function calendarListEntry(calendar: Calendar): Record<string, unknown> {
  return {
    kind: "calendar#calendarListEntry",
    etag: `"${calendar.changeSeq}"`,
    id: calendar.id,
    summary: calendar.name,
    timeZone: calendar.timeZone,
    colorId: "14",
    backgroundColor: "#9fe1e7",
    foregroundColor: "#000000",
    selected: true,
    accessRole: "owner",
    defaultReminders: [],
    ...(calendar.primary ? { primary: true } : {}),
    conferenceProperties: { allowedConferenceSolutionTypes: ["hangoutsMeet"] },
  };
}

function listCalendars(ctx: RequestContext, services: EmulatorServices): void {
  const caller = requireGoogleCaller(ctx, services, GOOGLE_SCOPES.calendarListRead);
  const maxResults = pageSize(ctx, CALENDAR_LIST_DEFAULT_PAGE, CALENDAR_LIST_MAX_PAGE);
  const syncToken = ctx.query("syncToken");
  let since = -1;
  if (syncToken !== undefined) {
    const payload = services.codec.decode<{ a: string; s: number }>("google.calendarList.sync", syncToken);
    if (!payload || payload.a !== caller.account.id) throw googleErrors.fullSyncRequired();
    since = payload.s;
  }
  const calendars = services.store
    .calendarsOf(caller.account.id)
    .filter((calendar) => calendar.changeSeq > since)
    .sort((a, b) => a.changeSeq - b.changeSeq);
  const pageToken = ctx.query("pageToken");
  const offset = pageToken === undefined ? 0 : (services.codec.decode<{ o: number }>("google.calendarList.page", pageToken)?.o ?? -1);
  if (offset < 0) throw googleErrors.badRequest("Invalid page token value.", "pageToken");
  const page = calendars.slice(offset, offset + maxResults);
  const more = offset + maxResults < calendars.length;
  ctx.sendJson(200, {
    kind: "calendar#calendarList",
    etag: `"${services.store.currentSeq}"`,
    ...(more
      ? { nextPageToken: services.codec.encode("google.calendarList.page", { o: offset + maxResults }) }
      : { nextSyncToken: services.codec.encode("google.calendarList.sync", { a: caller.account.id, s: services.store.currentSeq }) }),
    items: page.map(calendarListEntry),
  });
}

function getCalendarListEntry(ctx: RequestContext, services: EmulatorServices): void {
  const caller = requireGoogleCaller(ctx, services, GOOGLE_SCOPES.calendarListRead);
  ctx.sendJson(200, calendarListEntry(callerCalendar(services, caller, ctx.params.calendarId ?? "")));
}

// ---- events.list ----------------------------------------------------------------

function pageSize(ctx: RequestContext, fallback: number, max: number): number {
  const raw = ctx.query("maxResults");
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw googleApiError(400, `Invalid value '${raw}'. Values must be within the range: [1, ${max}]`, {
      reason: "invalidParameter",
      locationType: "parameter",
      location: "maxResults",
    });
  }
  return Math.min(value, max); // Google caps the page size instead of failing
}

function booleanParam(ctx: RequestContext, name: string): boolean | undefined {
  const raw = ctx.query(name);
  if (raw === undefined) return undefined;
  if (raw !== "true" && raw !== "false") throw googleErrors.badRequest(`Invalid boolean value: '${raw}'.`, name);
  return raw === "true";
}

function timeParam(ctx: RequestContext, name: string): number | undefined {
  const raw = ctx.query(name);
  if (raw === undefined) return undefined;
  const instant = parseRfc3339(raw);
  if (instant === undefined) throw googleApiError(400, "Bad Request", { reason: "badRequest" });
  return instant;
}

interface ListItem {
  key: string;
  event: StoredEvent;
  changeSeq: number;
}

interface CachedListing {
  key: string;
  items: ListItem[];
  /**
   * The store's change sequence when computed: any later change invalidates it. Time
   * does not (a listing reads no clock), so a listing paged for longer than a minute,
   * as a 1,000,000-event one is, stays linear, as Google's does.
   */
  seq: number;
}

const LISTING_CACHE_SIZE = 8;
const listingCaches = new WeakMap<EmulatorServices, CachedListing[]>();

function cachedListing(services: EmulatorServices, key: string): ListItem[] | undefined {
  const entry = listingCaches.get(services)?.find((candidate) => candidate.key === key);
  if (!entry || entry.seq !== services.store.currentSeq) return undefined;
  return entry.items;
}

function rememberListing(services: EmulatorServices, key: string, items: ListItem[]): void {
  const entries = (listingCaches.get(services) ?? []).filter((entry) => entry.key !== key);
  entries.push({ key, items, seq: services.store.currentSeq });
  listingCaches.set(services, entries.slice(-LISTING_CACHE_SIZE));
}

const padNumber = (value: number, width = 16) => String(Math.max(0, Math.round(value) + 1e14)).padStart(width, "0");

function listEvents(ctx: RequestContext, services: EmulatorServices): void {
  const caller = requireGoogleCaller(ctx, services, GOOGLE_SCOPES.eventsRead);
  const calendar = callerCalendar(services, caller, ctx.params.calendarId ?? "");
  const store = services.store;
  const maxResults = Math.min(pageSize(ctx, EVENTS_DEFAULT_PAGE, EVENTS_MAX_PAGE), services.settings.maxServedPageSize ?? Infinity);
  const singleEvents = booleanParam(ctx, "singleEvents") ?? false;
  const showDeletedParam = booleanParam(ctx, "showDeleted");
  const syncTokenText = ctx.query("syncToken");
  const orderBy = ctx.query("orderBy");
  const responseTimeZone = ctx.query("timeZone") ?? calendar.timeZone;
  if (!isValidTimeZone(responseTimeZone)) throw googleErrors.badRequest("Invalid time zone.", "timeZone");

  let sinceSeq: number | undefined;
  if (syncTokenText !== undefined) {
    for (const name of FORBIDDEN_WITH_SYNC_TOKEN) {
      if (ctx.query(name) !== undefined)
        throw googleApiError(400, `The '${name}' parameter cannot be used together with syncToken.`, {
          reason: "invalid",
          locationType: "parameter",
          location: name,
        });
    }
    if (showDeletedParam === false)
      throw googleApiError(400, "showDeleted=false cannot be used together with syncToken.", {
        reason: "invalid",
        locationType: "parameter",
        location: "showDeleted",
      });
    const token = services.codec.decode<SyncTokenPayload>("google.events.sync", syncTokenText);
    if (!token) throw googleApiError(400, "Invalid sync token value.", { reason: "invalid", locationType: "parameter", location: "syncToken" });
    if (token.c !== calendar.id || token.e !== calendar.syncEpoch) throw googleErrors.fullSyncRequired();
    sinceSeq = token.s;
  }
  if (orderBy !== undefined && orderBy !== "startTime" && orderBy !== "updated")
    throw googleErrors.badRequest(`Invalid value for orderBy: ${orderBy}`, "orderBy");
  if (orderBy === "startTime" && !singleEvents)
    throw googleApiError(400, "The requested ordering is not available for the particular query.", { reason: "badRequest" });
  const timeMin = timeParam(ctx, "timeMin");
  const timeMax = timeParam(ctx, "timeMax");
  if (timeMin !== undefined && timeMax !== undefined && timeMin >= timeMax)
    throw googleApiError(400, "The specified time range is empty.", { reason: "timeRangeEmpty", locationType: "parameter", location: "timeMax" });
  const updatedMin = timeParam(ctx, "updatedMin");
  const q = ctx.query("q")?.toLowerCase();
  const iCalUID = ctx.query("iCalUID");
  // Incremental results (and updatedMin) always include deletions.
  const includeDeleted = sinceSeq !== undefined || updatedMin !== undefined || showDeletedParam === true;

  // Paging: the first page fixes a snapshot; later changes go to the next sync.
  const fingerprint = [...ctx.url.searchParams.entries()]
    .filter(([name]) => name !== "pageToken")
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const pageTokenText = ctx.query("pageToken");
  let snapshotSeq = store.currentSeq;
  let afterKey = "";
  if (pageTokenText !== undefined) {
    const page = services.codec.decode<PageTokenPayload>("google.events.page", pageTokenText);
    if (!page || page.q !== fingerprint) throw googleErrors.badRequest("Invalid page token value.", "pageToken");
    snapshotSeq = page.s;
    afterKey = page.a;
  }

  const overlaps = (event: StoredEvent): boolean => {
    const start = eventTimeInstant(event.start, calendar.timeZone);
    const end = eventTimeInstant(event.end, calendar.timeZone);
    // timeMin bounds the end (exclusive), timeMax the start (exclusive), as documented.
    return (timeMin === undefined || end > timeMin) && (timeMax === undefined || start < timeMax);
  };
  const horizon = timeMax ?? undefined;
  const keyFor = (event: StoredEvent, seriesOrdinal: number): string => {
    if (orderBy === "startTime") return `${padNumber(eventTimeInstant(event.start, calendar.timeZone))}/${event.id}`;
    if (orderBy === "updated") return `${padNumber(event.updatedAt)}/${event.id}`;
    return `${padNumber(seriesOrdinal, 10)}/${padNumber(event.originalStart ? eventTimeInstant(event.originalStart, calendar.timeZone) : 0)}/${event.id}`;
  };

  // Later pages of a listing reuse its first page's sorted result while nothing has
  // changed: recomputing it per page makes paging a large calendar quadratic.
  const listingKey = `${calendar.id}\n${fingerprint}\n${snapshotSeq}`;
  const cached = pageTokenText === undefined ? undefined : cachedListing(services, listingKey);
  const candidates: ListItem[] = [];
  const stored = cached ? [] : store.storedEvents(calendar.id);
  const masters = new Map(stored.filter((event) => event.rule).map((event) => [event.id, event]));
  for (const event of stored) {
    const master = event.seriesMasterId ? masters.get(event.seriesMasterId) : undefined;
    if (singleEvents) {
      if (event.seriesMasterId) continue; // instances come from their series below
      if (event.rule) {
        for (const instance of store.instancesOf(event, { until: horizon, includeCancelled: true })) {
          const cancelled = event.deleted || instance.deleted || instance.status === "cancelled";
          if (cancelled && !includeDeleted) continue;
          if (!overlaps(instance)) continue;
          const changeSeq = Math.max(instance.changeSeq, event.changeSeq);
          candidates.push({ key: keyFor(instance, event.ordinal), event: event.deleted ? { ...instance, deleted: true } : instance, changeSeq });
        }
        continue;
      }
    } else if (event.rule) {
      if (event.deleted && !includeDeleted) continue;
      const live = store.instancesOf(event, { until: horizon });
      if (!event.deleted && (timeMin !== undefined || timeMax !== undefined) && !live.some(overlaps)) continue;
      candidates.push({ key: keyFor(event, event.ordinal), event, changeSeq: event.changeSeq });
      continue;
    } else if (event.seriesMasterId) {
      // A cancelled exception of a live series is returned even without showDeleted ("hide this instance").
      const parentGone = !master || master.deleted;
      if ((event.deleted || event.status === "cancelled") && parentGone && !includeDeleted) continue;
      if (!overlaps(event) && !(event.originalStart && overlaps({ ...event, start: event.originalStart, end: event.originalStart }))) continue;
      candidates.push({ key: keyFor(event, master?.ordinal ?? event.ordinal), event, changeSeq: event.changeSeq });
      continue;
    }
    const cancelled = event.deleted || event.status === "cancelled";
    if (cancelled && !includeDeleted) continue;
    if (!overlaps(event)) continue;
    candidates.push({ key: keyFor(event, event.ordinal), event, changeSeq: event.changeSeq });
  }

  const sorted =
    cached ??
    candidates
      .filter((item) => item.changeSeq <= snapshotSeq)
      .filter((item) => sinceSeq === undefined || item.changeSeq > sinceSeq)
      .filter((item) => updatedMin === undefined || item.event.updatedAt >= updatedMin)
      .filter((item) => !iCalUID || item.event.iCalUID === iCalUID)
      .filter((item) => !q || [item.event.summary, item.event.description, item.event.location].some((text) => text?.toLowerCase().includes(q)))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (!cached) rememberListing(services, listingKey, sorted);
  // Keys are unique (they end with the event id): the page starts after the last key served.
  let from = 0;
  for (let high = sorted.length; from < high;) {
    const middle = (from + high) >>> 1;
    if (sorted[middle]!.key > afterKey) high = middle;
    else from = middle + 1;
  }
  const matching = sorted.slice(from, from + maxResults + 1);

  const page = matching.slice(0, maxResults);
  const more = matching.length > maxResults;
  const account = store.accountOf(calendar);
  const body: Record<string, unknown> = {
    kind: "calendar#events",
    etag: `"${snapshotSeq}"`,
    summary: calendar.name,
    description: "",
    updated: formatIsoUtc(Math.max(0, ...page.map((item) => item.event.updatedAt)) || services.clock.now()),
    timeZone: calendar.timeZone,
    accessRole: "owner",
    defaultReminders: [],
  };
  if (more) {
    body.nextPageToken = services.codec.encode("google.events.page", {
      q: fingerprint,
      s: snapshotSeq,
      a: page[page.length - 1]?.key ?? afterKey,
    } satisfies PageTokenPayload);
  } else {
    // Only the last page carries the sync token, never together with nextPageToken.
    body.nextSyncToken = services.codec.encode("google.events.sync", { c: calendar.id, s: snapshotSeq, e: calendar.syncEpoch } satisfies SyncTokenPayload);
  }
  body.items = page.map((item) => formatGoogleEvent(item.event, { calendar, account, origin: ctx.origin, responseTimeZone, minimalIfCancelled: true }));
  ctx.sendJson(200, body);
}

// ---- single events --------------------------------------------------------------

function render(ctx: RequestContext, services: EmulatorServices, calendar: Calendar, event: StoredEvent, status = 200): void {
  const account: Account = services.store.accountOf(calendar);
  const responseTimeZone = ctx.query("timeZone") ?? calendar.timeZone;
  ctx.sendJson(status, formatGoogleEvent(event, { calendar, account, origin: ctx.origin, responseTimeZone, minimalIfCancelled: false }));
}

async function readEventBody(ctx: RequestContext): Promise<GoogleEventBody> {
  let body: unknown;
  try {
    body = await ctx.json();
  } catch {
    throw googleApiError(400, "Parse Error", { reason: "parseError" });
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw googleApiError(400, "Bad Request", { reason: "badRequest" });
  return body as GoogleEventBody;
}

function findEvent(services: EmulatorServices, calendar: Calendar, eventId: string): StoredEvent {
  const event = services.store.findEventOrInstance(calendar.id, eventId);
  if (!event) throw googleErrors.notFound();
  return event;
}

function mutate<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof InvalidInputError) throw error.message.includes("already exists") ? googleErrors.duplicate() : googleErrors.invalid(error.message);
    throw error;
  }
}

function getEvent(ctx: RequestContext, services: EmulatorServices): void {
  const caller = requireGoogleCaller(ctx, services, GOOGLE_SCOPES.eventsRead);
  const calendar = callerCalendar(services, caller, ctx.params.calendarId ?? "");
  render(ctx, services, calendar, findEvent(services, calendar, ctx.params.eventId ?? ""));
}

async function insertEvent(ctx: RequestContext, services: EmulatorServices): Promise<void> {
  const caller: GoogleCaller = requireGoogleCaller(ctx, services, GOOGLE_SCOPES.eventsWrite);
  const calendar = callerCalendar(services, caller, ctx.params.calendarId ?? "");
  const body = await readEventBody(ctx);
  const id = checkClientEventId(body.id);
  const fields = googleEventFields(body, calendar, { isInstance: false });
  const event = mutate(() => services.store.createEvent(calendar, fields, { id }));
  render(ctx, services, calendar, event);
}

async function writeEvent(ctx: RequestContext, services: EmulatorServices, mode: "patch" | "update"): Promise<void> {
  const caller = requireGoogleCaller(ctx, services, GOOGLE_SCOPES.eventsWrite);
  const calendar = callerCalendar(services, caller, ctx.params.calendarId ?? "");
  const existing = findEvent(services, calendar, ctx.params.eventId ?? "");
  const body = await readEventBody(ctx);
  const account = services.store.accountOf(calendar);
  const current = formatGoogleEvent(existing, { calendar, account, origin: ctx.origin, responseTimeZone: calendar.timeZone, minimalIfCancelled: false });
  const merged = mode === "patch" ? mergePatch(current, body) : body;
  const fields = googleEventFields(merged as GoogleEventBody, calendar, { isInstance: Boolean(existing.seriesMasterId) });
  const updated = mutate(() => services.store.updateEvent(calendar, existing, fields));
  render(ctx, services, calendar, updated);
}

function deleteEvent(ctx: RequestContext, services: EmulatorServices): void {
  const caller = requireGoogleCaller(ctx, services, GOOGLE_SCOPES.eventsWrite);
  const calendar = callerCalendar(services, caller, ctx.params.calendarId ?? "");
  const event = findEvent(services, calendar, ctx.params.eventId ?? "");
  if (event.deleted || (event.seriesMasterId && event.status === "cancelled")) throw googleErrors.deleted();
  services.store.deleteEvent(calendar, event);
  ctx.send(204);
}
