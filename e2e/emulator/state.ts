// The in-memory calendar store both provider halves read and write. It keeps a
// global change sequence (every mutation stamps the touched records), keeps
// deleted events as tombstones (Google's incremental sync must return them),
// and tells listeners about every change so push/notification code can react.

import { newGuid, opaqueIdFrom, randomString, BASE32HEX_LOWER } from "./opaque";
import { expandOccurrences, parseRecurrence, type RecurrenceRule } from "./recurrence";
import { eventTimeInstant, type EventTime, originalStartKey } from "./time";
import type { AccountView, Provider } from "./types";

export interface Clock {
  now(): number;
}

/** An account as stored is exactly what the control API shows of it. */
export type Account = AccountView;

export interface Calendar {
  id: string;
  accountId: string;
  name: string;
  timeZone: string;
  primary: boolean;
  changeSeq: number;
  /** Bumped to invalidate every sync/delta token of the calendar. */
  syncEpoch: number;
  /** Code of the 410 a stale Graph delta token gets. */
  deltaInvalidReason: "syncStateNotFound" | "resyncRequired";
}

export interface Attendee {
  email: string;
  name?: string;
  responseStatus: "needsAction" | "accepted" | "declined" | "tentative";
  /** Google `optional` / Graph attendee type `optional`. */
  optional?: boolean;
  /** A room or equipment: Google `resource` / Graph attendee type `resource`. */
  resource?: boolean;
}

/** Postal address of a location, in Graph's `physicalAddress` fields. */
export interface LocationAddress {
  street?: string;
  city?: string;
  state?: string;
  countryOrRegion?: string;
  postalCode?: string;
}

/**
 * An online meeting attached to the event. Google shows it as `conferenceData`
 * (Meet natively, Teams and Zoom as add-ons); Graph as `onlineMeeting` for Teams
 * only (a Zoom or Meet link on Outlook lives in the location or body).
 */
export interface Conference {
  type: "meet" | "teams" | "zoom";
  joinUrl: string;
  /** Dial-in number, e.g. `+1 555-0100`. */
  phone?: string;
  pin?: string;
}

/** Busy/free in Graph's `showAs` words; Google has only `transparency` (free = transparent). */
export type ShowAs = "free" | "tentative" | "busy" | "oof" | "workingElsewhere";
/** Google `visibility`; Graph `sensitivity` (default and public are `normal`). */
export type Visibility = "default" | "public" | "private" | "confidential";
/** Google `eventType`; Graph has none (its `type` says single/occurrence/exception). */
export type GoogleEventType = "default" | "focusTime" | "outOfOffice" | "workingLocation";

/** The fields of an event a writer can set (already validated and normalised). */
export interface EventFields {
  summary: string;
  /** Free text or HTML (Google's description; Graph's body, as HTML). */
  description?: string;
  location?: string;
  locationAddress?: LocationAddress;
  locationCoordinates?: { latitude: number; longitude: number };
  start: EventTime;
  end: EventTime;
  recurrence?: string[];
  status: "confirmed" | "tentative" | "cancelled";
  attendees: Attendee[];
  /** Someone else's meeting copied into this calendar; default: the calendar's owner organizes. */
  organizer?: { email: string; name?: string };
  conference?: Conference;
  showAs: ShowAs;
  visibility: Visibility;
  eventType: GoogleEventType;
}

export interface StoredEvent extends EventFields {
  id: string;
  calendarId: string;
  iCalUID: string;
  /** Creation order, for stable listing. */
  ordinal: number;
  /** Exceptions (and synthesised instances) point at their series. */
  seriesMasterId?: string;
  originalStart?: EventTime;
  /** Tombstone: kept so incremental sync can report the deletion. */
  deleted: boolean;
  createdAt: number;
  updatedAt: number;
  sequence: number;
  changeSeq: number;
  /** True for instances computed from a master (never stored). */
  synthetic?: boolean;
  rule?: RecurrenceRule;
}

export type ChangeType = "created" | "updated" | "deleted";

export interface EventChange {
  event: StoredEvent;
  changeType: ChangeType;
}

export interface ChangeNotice {
  account: Account;
  calendar: Calendar;
  changes: EventChange[];
}

export class NotFoundError extends Error {}
export class InvalidInputError extends Error {}

/** How far an endless series is expanded when no window bounds it. */
const DEFAULT_EXPANSION_DAYS = 730;
const MAX_INSTANCES = 2500;
/** Graph instance ids start like other Exchange ids; the rest encodes series and original start. */
const GRAPH_INSTANCE_PREFIX = "AAMkAGI";

export class CalendarStore {
  private seq = 0;
  private ordinal = 0;
  readonly accounts = new Map<string, Account>();
  readonly calendars = new Map<string, Calendar>();
  private readonly eventsByCalendar = new Map<string, Map<string, StoredEvent>>();
  private readonly listeners: Array<(notice: ChangeNotice) => void> = [];

  constructor(readonly clock: Clock) {}

  /** The current change sequence: tokens remember it, later changes have higher numbers. */
  get currentSeq(): number {
    return this.seq;
  }

  onChange(listener: (notice: ChangeNotice) => void): void {
    this.listeners.push(listener);
  }

  clear(): void {
    this.accounts.clear();
    this.calendars.clear();
    this.eventsByCalendar.clear();
    // seq keeps counting so tokens issued before a reset never look current.
  }

  // ---- accounts and calendars -------------------------------------------------

  addAccount(input: { provider: Provider; email: string; name: string; tenantId?: string }): Account {
    if (this.findAccount(input.provider, input.email)) {
      throw new InvalidInputError(`${input.provider} account ${input.email} already exists`);
    }
    const account: Account = {
      id: newGuid(),
      provider: input.provider,
      email: input.email.toLowerCase(),
      name: input.name,
      subject: input.provider === "google" ? `1${randomString(20, "0123456789")}` : newGuid(),
      tenantId: input.provider === "microsoft" ? input.tenantId : undefined,
    };
    this.accounts.set(account.id, account);
    return account;
  }

  findAccount(provider: Provider | undefined, email: string): Account | undefined {
    const wanted = email.toLowerCase();
    for (const account of this.accounts.values()) {
      if (account.email === wanted && (!provider || account.provider === provider)) return account;
    }
    return undefined;
  }

  requireAccount(provider: Provider | undefined, email: string): Account {
    const account = this.findAccount(provider, email);
    if (!account) throw new NotFoundError(`No ${provider ?? ""} account ${email}`.replace("  ", " "));
    return account;
  }

  addCalendar(account: Account, input: { id?: string; name: string; timeZone: string; primary: boolean }): Calendar {
    if (input.primary && this.primaryCalendar(account.id)) {
      throw new InvalidInputError(`${account.email} already has a primary calendar`);
    }
    const id =
      input.id ??
      (account.provider === "google"
        ? input.primary
          ? account.email
          : `${randomString(26, BASE32HEX_LOWER)}@group.calendar.google.com`
        : `AAMkAGCal${randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}AAA=`);
    if (this.calendars.has(id)) throw new InvalidInputError(`Calendar ${id} already exists`);
    const calendar: Calendar = {
      id,
      accountId: account.id,
      name: input.name,
      timeZone: input.timeZone,
      primary: input.primary,
      changeSeq: ++this.seq,
      syncEpoch: 0,
      deltaInvalidReason: "syncStateNotFound",
    };
    this.calendars.set(id, calendar);
    this.eventsByCalendar.set(id, new Map());
    return calendar;
  }

  /**
   * The account no longer has the calendar (deleted, or Google's calendarList.delete):
   * it leaves the calendar list with its events, and its channels hear nothing more.
   * A primary calendar cannot go, as at both providers.
   */
  removeCalendar(calendarId: string): Calendar {
    const calendar = this.requireCalendar(calendarId);
    if (calendar.primary) throw new InvalidInputError(`${calendarId} is a primary calendar, which cannot be removed`);
    this.calendars.delete(calendarId);
    this.eventsByCalendar.delete(calendarId);
    return calendar;
  }

  calendarsOf(accountId: string): Calendar[] {
    return [...this.calendars.values()].filter((calendar) => calendar.accountId === accountId);
  }

  primaryCalendar(accountId: string): Calendar | undefined {
    return this.calendarsOf(accountId).find((calendar) => calendar.primary);
  }

  requireCalendar(calendarId: string): Calendar {
    const calendar = this.calendars.get(calendarId);
    if (!calendar) throw new NotFoundError(`No calendar ${calendarId}`);
    return calendar;
  }

  accountOf(calendar: Calendar): Account {
    const account = this.accounts.get(calendar.accountId);
    if (!account) throw new Error(`Calendar ${calendar.id} has no account`);
    return account;
  }

  // ---- events ---------------------------------------------------------------

  /** Stored events (masters, singles, exceptions, tombstones) in creation order. */
  storedEvents(calendarId: string): StoredEvent[] {
    return [...(this.eventsByCalendar.get(calendarId)?.values() ?? [])].sort((a, b) => a.ordinal - b.ordinal);
  }

  getStoredEvent(calendarId: string, eventId: string): StoredEvent | undefined {
    return this.eventsByCalendar.get(calendarId)?.get(eventId);
  }

  /** A stored event or a computed instance of a series (by its instance id). */
  findEventOrInstance(calendarId: string, eventId: string): StoredEvent | undefined {
    const stored = this.getStoredEvent(calendarId, eventId);
    if (stored) return stored;
    const calendar = this.calendars.get(calendarId);
    const masterId = calendar && this.masterIdOfInstanceId(calendar, eventId);
    const master = masterId ? this.getStoredEvent(calendarId, masterId) : undefined;
    if (!master?.rule || master.deleted) return undefined;
    // Expand just past the instance's original start (encoded in the id) so far-future instances resolve.
    const key = /_(\d{8})(?:T(\d{6})Z)?$/.exec(eventId);
    const keyInstant = key ? Date.parse(`${key[1]!.replace(/(\d{4})(\d{2})(\d{2})/, "$1-$2-$3")}T00:00:00Z`) + 2 * 86_400_000 : undefined;
    return this.instancesOf(master, { until: keyInstant }).find((candidate) => candidate.id === eventId);
  }

  /**
   * Instance ids. Google: `<masterId>_<YYYYMMDDTHHMMSSZ>` (timed) or `<masterId>_<YYYYMMDD>`
   * (all-day). Graph: opaque, but stable and derived from the series and original start.
   */
  instanceId(calendar: Calendar, masterId: string, originalStart: EventTime): string {
    const key = originalStartKey(originalStart);
    return this.accountOf(calendar).provider === "google" ? `${masterId}_${key}` : `${GRAPH_INSTANCE_PREFIX}${opaqueIdFrom(`${masterId}|${key}`)}`;
  }

  private masterIdOfInstanceId(calendar: Calendar, instanceId: string): string | undefined {
    if (this.accountOf(calendar).provider === "google") {
      const underscore = instanceId.lastIndexOf("_");
      return underscore > 0 ? instanceId.slice(0, underscore) : undefined;
    }
    if (!instanceId.startsWith(GRAPH_INSTANCE_PREFIX)) return undefined;
    const decoded = Buffer.from(instanceId.slice(GRAPH_INSTANCE_PREFIX.length), "base64url").toString("utf8");
    const bar = decoded.lastIndexOf("|");
    return bar > 0 ? decoded.slice(0, bar) : undefined;
  }

  private newEventId(calendar: Calendar): string {
    return this.accountOf(calendar).provider === "google"
      ? randomString(26, BASE32HEX_LOWER)
      : `AAMkAG${randomString(46, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}AAA=`;
  }

  createEvent(calendar: Calendar, fields: EventFields, options: { id?: string; iCalUID?: string } = {}): StoredEvent {
    const events = this.eventsByCalendar.get(calendar.id)!;
    const id = options.id ?? this.newEventId(calendar);
    if (events.has(id)) throw new InvalidInputError(`The requested identifier already exists.`);
    const now = this.clock.now();
    const provider = this.accountOf(calendar).provider;
    const event: StoredEvent = {
      ...fields,
      id,
      calendarId: calendar.id,
      iCalUID:
        options.iCalUID ??
        (provider === "google" ? `${id}@google.com` : `040000008200E00074C5B7101A82E008${Buffer.from(id).toString("hex").slice(0, 56).toUpperCase()}`),
      ordinal: ++this.ordinal,
      deleted: false,
      createdAt: now,
      updatedAt: now,
      sequence: 0,
      changeSeq: 0,
      rule: fields.recurrence ? parseRecurrence(fields.recurrence) : undefined,
    };
    this.stamp(event);
    events.set(id, event);
    this.emit(calendar, [{ event, changeType: "created" }]);
    return event;
  }

  updateEvent(calendar: Calendar, event: StoredEvent, fields: Partial<EventFields>): StoredEvent {
    if (event.synthetic) return this.upsertException(calendar, event.seriesMasterId!, event.originalStart!, fields);
    const timeChanged =
      (fields.start && JSON.stringify(fields.start) !== JSON.stringify(event.start)) ||
      (fields.end && JSON.stringify(fields.end) !== JSON.stringify(event.end));
    Object.assign(event, fields);
    if ("recurrence" in fields) event.rule = fields.recurrence ? parseRecurrence(fields.recurrence) : undefined;
    const wasDeleted = event.deleted;
    event.deleted = false;
    if (timeChanged) event.sequence += 1;
    this.stamp(event);
    this.emit(calendar, [{ event, changeType: wasDeleted ? "created" : "updated" }]);
    return event;
  }

  /** Deletes an event; a series takes its exceptions with it; an instance becomes a cancelled exception. */
  deleteEvent(calendar: Calendar, event: StoredEvent): void {
    if (event.synthetic) {
      this.upsertException(calendar, event.seriesMasterId!, event.originalStart!, { status: "cancelled" }, { cancel: true });
      return;
    }
    if (event.seriesMasterId) {
      // An exception: deleting it cancels the instance (it stays as a cancelled exception).
      event.status = "cancelled";
      event.deleted = true;
      this.stamp(event);
      this.emit(calendar, [{ event, changeType: "deleted" }]);
      return;
    }
    const changes: EventChange[] = [{ event, changeType: "deleted" }];
    event.deleted = true;
    this.stamp(event);
    for (const other of this.storedEvents(calendar.id)) {
      if (other.seriesMasterId === event.id && !other.deleted) {
        other.deleted = true;
        this.stamp(other);
      }
    }
    this.emit(calendar, changes);
  }

  /**
   * Modifies (or cancels) one instance of a series. The exception is stored under
   * the instance id, so clients see the same id before and after.
   */
  upsertException(
    calendar: Calendar,
    masterId: string,
    originalStart: EventTime,
    fields: Partial<EventFields>,
    options: { cancel?: boolean } = {},
  ): StoredEvent {
    const master = this.getStoredEvent(calendar.id, masterId);
    if (!master || !master.rule || master.deleted) throw new NotFoundError(`No recurring event ${masterId}`);
    const id = this.instanceId(calendar, masterId, originalStart);
    const events = this.eventsByCalendar.get(calendar.id)!;
    let exception = events.get(id);
    if (!exception) {
      const until = eventTimeInstant(originalStart, "UTC") + 2 * 86_400_000;
      const base = this.instancesOf(master, { includeCancelled: true, until }).find((instance) => instance.id === id);
      if (!base) throw new NotFoundError(`No instance ${id}`);
      exception = { ...base, synthetic: undefined, recurrence: undefined, rule: undefined, ordinal: ++this.ordinal, createdAt: this.clock.now() };
      events.set(id, exception);
    }
    Object.assign(exception, fields);
    exception.recurrence = undefined;
    exception.rule = undefined;
    if (options.cancel) {
      exception.status = "cancelled";
      exception.deleted = true;
    }
    this.stamp(exception);
    this.emit(calendar, [{ event: exception, changeType: options.cancel ? "deleted" : "updated" }]);
    return exception;
  }

  /**
   * The instances of a series in order (exceptions merged in). Cancelled
   * instances are left out unless `includeCancelled`.
   */
  instancesOf(master: StoredEvent, options: { until?: number; includeCancelled?: boolean } = {}): StoredEvent[] {
    if (!master.rule) return [];
    const calendar = this.requireCalendar(master.calendarId);
    // Endless series are expanded up to a horizon past today (or past the series start, if later).
    const until = options.until ?? Math.max(this.clock.now(), eventTimeInstant(master.start, "UTC")) + DEFAULT_EXPANSION_DAYS * 86_400_000;
    const duration = eventTimeInstant(master.end, "UTC") - eventTimeInstant(master.start, "UTC");
    const exceptions = new Map<string, StoredEvent>();
    for (const stored of this.storedEvents(calendar.id)) {
      if (stored.seriesMasterId === master.id) exceptions.set(stored.id, stored);
    }
    const instances: StoredEvent[] = [];
    for (const originalStart of expandOccurrences(master.rule, master.start, { until, max: MAX_INSTANCES })) {
      const id = this.instanceId(calendar, master.id, originalStart);
      const exception = exceptions.get(id);
      if (exception) {
        if (options.includeCancelled || exception.status !== "cancelled") instances.push(exception);
        continue;
      }
      const start = originalStart;
      const end: EventTime =
        start.kind === "date"
          ? { kind: "date", date: new Date(Date.parse(`${start.date}T00:00:00Z`) + duration).toISOString().slice(0, 10) }
          : { kind: "dateTime", instant: start.instant + duration, timeZone: master.end.kind === "dateTime" ? master.end.timeZone : start.timeZone };
      instances.push({
        ...master,
        id,
        start,
        end,
        recurrence: undefined,
        rule: undefined,
        seriesMasterId: master.id,
        originalStart,
        synthetic: true,
      });
    }
    return instances;
  }

  /** Marks a record as changed now: sync tokens issued before this see it as a change. */
  private stamp(event: StoredEvent): void {
    event.changeSeq = ++this.seq;
    event.updatedAt = this.clock.now();
  }

  private emit(calendar: Calendar, changes: EventChange[]): void {
    const notice: ChangeNotice = { account: this.accountOf(calendar), calendar, changes };
    for (const listener of this.listeners) listener(notice);
  }

  /** Makes every outstanding sync/delta token of the calendar stale. */
  invalidateTokens(calendar: Calendar, reason?: Calendar["deltaInvalidReason"]): void {
    calendar.syncEpoch += 1;
    if (reason) calendar.deltaInvalidReason = reason;
  }
}
