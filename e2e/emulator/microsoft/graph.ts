// Microsoft Graph v1.0 (HTTPS origin): /me, /me/calendars, events by id, and
// calendarView delta with server-side round state behind opaque $skiptoken /
// $deltatoken values. Links are absolute https URLs, as the Graph SDK needs.

import type { EmulatorServices } from "../context";
import { graphError, graphErrors } from "../errors";
import type { RequestContext, RouteDefinition } from "../http";
import { randomToken } from "../opaque";
import type { Account, Calendar, StoredEvent } from "../state";
import { eventTimeInstant, instantOfWallTime, parseLocalDateTime, parseRfc3339 } from "../time";
import { formatGraphEvent, preferredTimeZone, windowsZone } from "./format";
import { graphPermissions } from "./identity";

export interface GraphCaller {
  account: Account;
  clientId: string;
}

const CALENDAR_READ = ["calendars.read", "calendars.readwrite", "calendars.read.shared", "calendars.readwrite.shared", "calendars.readbasic"];
const MAILBOX_SETTINGS_READ = ["mailboxsettings.read", "mailboxsettings.readwrite"];
const USER_READ = ["user.read", "user.readwrite", "user.readbasic.all", "user.read.all"];

export function requireGraphCaller(ctx: RequestContext, services: EmulatorServices, anyOfPermissions: string[]): GraphCaller {
  const check = services.oauth.checkBearer("microsoft", ctx.header("authorization"));
  if (!check.ok) {
    const message =
      check.reason === "missing"
        ? "Access token is empty."
        : check.reason === "expired"
          ? "Lifetime validation failed, the token is expired."
          : "Access token validation failure. Invalid audience.";
    throw graphErrors.invalidToken(message);
  }
  const permissions = graphPermissions(check.token.scopes);
  if (!anyOfPermissions.some((permission) => permissions.has(permission))) throw graphErrors.accessDenied();
  return { account: check.account, clientId: check.token.clientId };
}

/** `me` or the caller's own id / UPN (delegated access covers only the signed-in user). */
function checkUserSegment(caller: GraphCaller, user: string | undefined): void {
  if (user === undefined) return;
  const wanted = user.toLowerCase();
  if (wanted !== caller.account.subject && wanted !== caller.account.email) throw graphErrors.accessDenied();
}

interface DeltaBaseline {
  calendarId: string;
  accountId: string;
  start: number;
  end: number;
  epoch: number;
  /** Change sequence the baseline reflects. */
  seq: number;
  /** Instance id -> change sequence, as delivered to the client. */
  versions: Map<string, number>;
  path: string;
}

interface DeltaRound {
  baselineId: string;
  items: Array<Record<string, unknown>>;
}

const DELTA_UNSUPPORTED = ["$select", "$expand", "$filter", "$orderby", "$search", "$top"];

export class GraphApi {
  private baselines = new Map<string, DeltaBaseline>();
  private rounds = new Map<string, DeltaRound>();

  constructor(private readonly services: EmulatorServices) {}

  reset(): void {
    this.baselines.clear();
    this.rounds.clear();
  }

  routes(): RouteDefinition[] {
    const route = (method: RouteDefinition["method"], path: string, endpoint: string, handler: RouteDefinition["handler"]): RouteDefinition => ({
      method,
      path,
      endpoint,
      family: "graph",
      handler,
    });
    return [
      route("GET", "/v1.0/me", "graph.me", (ctx) => this.me(ctx)),
      route("GET", "/v1.0/users/:user", "graph.me", (ctx) => this.me(ctx)),
      route("GET", "/v1.0/me/mailboxSettings", "graph.mailboxSettings", (ctx) => this.mailboxSettings(ctx)),
      route("GET", "/v1.0/users/:user/mailboxSettings", "graph.mailboxSettings", (ctx) => this.mailboxSettings(ctx)),
      route("GET", "/v1.0/me/calendars", "graph.calendars", (ctx) => this.calendars(ctx)),
      route("GET", "/v1.0/users/:user/calendars", "graph.calendars", (ctx) => this.calendars(ctx)),
      route("GET", "/v1.0/me/calendar", "graph.calendars", (ctx) => this.defaultCalendar(ctx)),
      route("GET", "/v1.0/me/events/:eventId", "graph.events.get", (ctx) => this.getEvent(ctx)),
      route("GET", "/v1.0/users/:user/events/:eventId", "graph.events.get", (ctx) => this.getEvent(ctx)),
      route("GET", "/v1.0/me/calendarView/delta", "graph.delta", (ctx) => this.delta(ctx)),
      route("GET", "/v1.0/users/:user/calendarView/delta", "graph.delta", (ctx) => this.delta(ctx)),
      route("GET", "/v1.0/me/calendars/:calendarId/calendarView/delta", "graph.delta", (ctx) => this.delta(ctx)),
    ];
  }

  private metadata(path: string): string {
    return `${this.services.origins.https}/v1.0/$metadata#${path}`;
  }

  private me(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, USER_READ);
    checkUserSegment(caller, ctx.params.user);
    const { account } = caller;
    const [givenName, ...rest] = account.name.split(" ");
    ctx.sendJson(200, {
      "@odata.context": this.metadata("users/$entity"),
      businessPhones: [],
      displayName: account.name,
      givenName: givenName ?? null,
      jobTitle: null,
      mail: account.email,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: "en-US",
      surname: rest.join(" ") || null,
      userPrincipalName: account.email,
      id: account.subject,
    });
  }

  /**
   * The mailbox's settings (MailboxSettings.Read). `timeZone` is the zone of the
   * account's primary calendar, as Exchange names it: a Windows zone name.
   */
  private mailboxSettings(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, MAILBOX_SETTINGS_READ);
    checkUserSegment(caller, ctx.params.user);
    const zone = this.services.store.primaryCalendar(caller.account.id)?.timeZone ?? "UTC";
    ctx.sendJson(200, {
      "@odata.context": this.metadata(`users('${caller.account.email}')/mailboxSettings`),
      archiveFolder: null,
      timeZone: windowsZone(zone),
      automaticRepliesSetting: { status: "disabled", externalAudience: "all", internalReplyMessage: "", externalReplyMessage: "" },
      dateFormat: "yyyy-MM-dd",
      timeFormat: "HH:mm",
      delegateMeetingMessageDeliveryOptions: "sendToDelegateOnly",
      language: { locale: "en-US", displayName: "English (United States)" },
      workingHours: {
        daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"],
        startTime: "09:00:00.0000000",
        endTime: "17:00:00.0000000",
        timeZone: { name: windowsZone(zone) },
      },
      userPurpose: "user",
    });
  }

  private calendarJson(calendar: Calendar, account: Account): Record<string, unknown> {
    return {
      id: calendar.id,
      name: calendar.name,
      color: "auto",
      hexColor: "",
      groupClassId: "0006f0b7-0000-0000-c000-000000000046",
      isDefaultCalendar: calendar.primary,
      changeKey: Buffer.from(`cal-${calendar.changeSeq}`).toString("base64"),
      canShare: true,
      canViewPrivateItems: true,
      canEdit: true,
      allowedOnlineMeetingProviders: ["teamsForBusiness"],
      defaultOnlineMeetingProvider: "teamsForBusiness",
      isTallyingResponses: true,
      isRemovable: !calendar.primary,
      owner: { name: account.name, address: account.email },
    };
  }

  private calendars(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    checkUserSegment(caller, ctx.params.user);
    const calendars = this.services.store.calendarsOf(caller.account.id).sort((a, b) => Number(b.primary) - Number(a.primary));
    ctx.sendJson(200, {
      "@odata.context": this.metadata("users('" + caller.account.email + "')/calendars"),
      value: calendars.map((calendar) => this.calendarJson(calendar, caller.account)),
    });
  }

  private defaultCalendar(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    const calendar = this.services.store.primaryCalendar(caller.account.id);
    if (!calendar) throw graphErrors.itemNotFound();
    ctx.sendJson(200, {
      "@odata.context": this.metadata("users('" + caller.account.email + "')/calendar/$entity"),
      ...this.calendarJson(calendar, caller.account),
    });
  }

  private getEvent(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    checkUserSegment(caller, ctx.params.user);
    const eventId = ctx.params.eventId ?? "";
    for (const calendar of this.services.store.calendarsOf(caller.account.id)) {
      const event = this.services.store.findEventOrInstance(calendar.id, eventId);
      if (event && !event.deleted && !(event.seriesMasterId && event.status === "cancelled")) {
        const body = formatGraphEvent(event, { calendar, account: caller.account, responseTimeZone: preferredTimeZone(ctx.header("prefer")) });
        ctx.sendJson(200, { "@odata.context": this.metadata(`users('${caller.account.email}')/events/$entity`), ...body });
        return;
      }
    }
    throw graphErrors.itemNotFound();
  }

  // ---- calendarView delta ---------------------------------------------------------

  private delta(ctx: RequestContext): void {
    const caller = requireGraphCaller(ctx, this.services, CALENDAR_READ);
    checkUserSegment(caller, ctx.params.user);
    for (const name of DELTA_UNSUPPORTED) {
      if (ctx.url.searchParams.has(name))
        throw graphErrors.badRequest(`The query parameter '${name}' is not supported with change tracking over the 'CalendarView' resource.`);
    }
    const skipToken = ctx.query("$skiptoken");
    const deltaToken = ctx.query("$deltatoken");
    const responseTimeZone = preferredTimeZone(ctx.header("prefer"));
    const pageSize = this.pageSize(ctx);
    const headers: Record<string, string> = {};
    if (/odata\.maxpagesize=\d+/i.test(ctx.header("prefer") ?? "")) headers["preference-applied"] = `odata.maxpagesize=${pageSize}`;

    if (skipToken !== undefined) {
      const payload = this.services.codec.decode<{ r: string; p: number }>("graph.skip", skipToken);
      const round = payload ? this.rounds.get(payload.r) : undefined;
      const baseline = round ? this.baselines.get(round.baselineId) : undefined;
      if (!payload || !round || !baseline || baseline.accountId !== caller.account.id) throw this.staleToken(undefined);
      this.assertFresh(baseline);
      this.sendPage(ctx, round, payload.r, payload.p, pageSize, baseline.path, headers);
      return;
    }

    let baselineBefore: DeltaBaseline | undefined;
    let calendar: Calendar;
    let window: { start: number; end: number };
    if (deltaToken !== undefined) {
      const payload = this.services.codec.decode<{ b: string }>("graph.delta", deltaToken);
      baselineBefore = payload ? this.baselines.get(payload.b) : undefined;
      if (!baselineBefore || baselineBefore.accountId !== caller.account.id) throw this.staleToken(undefined);
      this.assertFresh(baselineBefore);
      calendar = this.services.store.requireCalendar(baselineBefore.calendarId);
      window = { start: baselineBefore.start, end: baselineBefore.end };
    } else {
      calendar = this.calendarFor(ctx, caller);
      window = this.windowFrom(ctx);
    }

    const path = ctx.url.pathname;
    const { items, baseline } = this.computeRound(calendar, caller.account, window, baselineBefore, responseTimeZone, path);
    const baselineId = randomToken("b", 20);
    this.baselines.set(baselineId, baseline);
    const roundId = randomToken("r", 20);
    const round: DeltaRound = { baselineId, items };
    this.rounds.set(roundId, round);
    this.sendPage(ctx, round, roundId, 0, pageSize, path, headers);
  }

  private pageSize(ctx: RequestContext): number {
    const match = /odata\.maxpagesize=(\d+)/i.exec(ctx.header("prefer") ?? "");
    const requested = match?.[1] ? Number(match[1]) : this.services.settings.graphDefaultPageSize;
    return Math.max(1, Math.min(requested, 1000, this.services.settings.maxServedPageSize ?? Infinity));
  }

  private calendarFor(ctx: RequestContext, caller: GraphCaller): Calendar {
    const calendarId = ctx.params.calendarId;
    const calendar = calendarId ? this.services.store.calendars.get(calendarId) : this.services.store.primaryCalendar(caller.account.id);
    if (!calendar || calendar.accountId !== caller.account.id) throw graphErrors.itemNotFound();
    return calendar;
  }

  private windowFrom(ctx: RequestContext): { start: number; end: number } {
    const parse = (name: string): number | undefined => {
      const raw = ctx.query(name);
      if (raw === undefined) return undefined;
      const instant = parseRfc3339(raw);
      if (instant !== undefined) return instant;
      const wall = parseLocalDateTime(raw);
      return wall ? instantOfWallTime(wall, "UTC") : Number.NaN;
    };
    const start = parse("startDateTime") ?? parse("startdatetime");
    const end = parse("endDateTime") ?? parse("enddatetime");
    if (start === undefined || end === undefined) {
      throw graphError(
        400,
        "ErrorInvalidParameter",
        "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
      );
    }
    if (Number.isNaN(start) || Number.isNaN(end))
      throw graphError(400, "ErrorInvalidParameter", "The value of the parameter 'StartDateTime' or 'EndDateTime' is invalid.");
    if (end <= start) throw graphError(400, "ErrorInvalidParameter", "The parameter 'EndDateTime' must be after 'StartDateTime'.");
    return { start, end };
  }

  private staleToken(calendar: Calendar | undefined) {
    const reason = calendar?.deltaInvalidReason ?? "syncStateNotFound";
    return reason === "resyncRequired"
      ? graphError(410, "resyncRequired", "Resync required. Replace any local cached data with the data from the initial full sync.")
      : graphError(410, "syncStateNotFound", "The sync state generation is not found or has expired. Start a new sync from the initial request.");
  }

  private assertFresh(baseline: DeltaBaseline): void {
    const calendar = this.services.store.calendars.get(baseline.calendarId);
    if (!calendar || calendar.syncEpoch !== baseline.epoch) throw this.staleToken(calendar);
  }

  /** Instances visible in the window: singles, occurrences and exceptions (never series masters). */
  private visibleInstances(calendar: Calendar, window: { start: number; end: number }): Map<string, StoredEvent> {
    const store = this.services.store;
    const visible = new Map<string, StoredEvent>();
    const inWindow = (event: StoredEvent) =>
      eventTimeInstant(event.end, calendar.timeZone) > window.start && eventTimeInstant(event.start, calendar.timeZone) < window.end;
    for (const event of store.storedEvents(calendar.id)) {
      if (event.deleted || event.seriesMasterId) continue;
      if (event.rule) {
        for (const instance of store.instancesOf(event, { until: window.end })) {
          const changed = { ...instance, changeSeq: Math.max(instance.changeSeq, event.changeSeq) };
          if (inWindow(changed)) visible.set(instance.id, changed);
        }
      } else if (inWindow(event)) {
        visible.set(event.id, event);
      }
    }
    return visible;
  }

  private computeRound(
    calendar: Calendar,
    account: Account,
    window: { start: number; end: number },
    before: DeltaBaseline | undefined,
    responseTimeZone: string,
    path: string,
  ): { items: Array<Record<string, unknown>>; baseline: DeltaBaseline } {
    const visible = this.visibleInstances(calendar, window);
    const items: Array<Record<string, unknown>> = [];
    const removed = (id: string) => ({ "@odata.type": "#microsoft.graph.event", id, "@removed": { reason: "deleted" } });
    for (const [id, event] of visible) {
      if (!before || before.versions.get(id) !== event.changeSeq) items.push(formatGraphEvent(event, { calendar, account, responseTimeZone }));
    }
    if (before) {
      for (const id of before.versions.keys()) if (!visible.has(id)) items.push(removed(id));
      // Graph also reports changes to events outside the window as @removed entries.
      for (const event of this.services.store.storedEvents(calendar.id)) {
        if (event.changeSeq > before.seq && !visible.has(event.id) && !before.versions.has(event.id) && !event.rule) items.push(removed(event.id));
      }
    }
    const versions = new Map([...visible].map(([id, event]) => [id, event.changeSeq]));
    return {
      items,
      baseline: {
        calendarId: calendar.id,
        accountId: account.id,
        start: window.start,
        end: window.end,
        epoch: calendar.syncEpoch,
        seq: this.services.store.currentSeq,
        versions,
        path,
      },
    };
  }

  private sendPage(
    ctx: RequestContext,
    round: DeltaRound,
    roundId: string,
    position: number,
    pageSize: number,
    path: string,
    headers: Record<string, string>,
  ): void {
    const page = round.items.slice(position, position + pageSize);
    const next = position + pageSize;
    const base = `${this.services.origins.https}${path}`;
    const body: Record<string, unknown> = { "@odata.context": this.metadata("Collection(event)") };
    if (next < round.items.length) {
      body["@odata.nextLink"] = `${base}?$skiptoken=${encodeURIComponent(this.services.codec.encode("graph.skip", { r: roundId, p: next }))}`;
    } else {
      body["@odata.deltaLink"] = `${base}?$deltatoken=${encodeURIComponent(this.services.codec.encode("graph.delta", { b: round.baselineId }))}`;
    }
    body.value = page;
    ctx.sendJson(200, body, headers);
  }
}
