// Typed client for the emulator's control API (tests, scripts). Uses fetch
// against the HTTP origin; imports only types, so it is cheap to load.

import type {
  AccountView,
  AutoConsent,
  CalendarView,
  CallCounts,
  ChannelView,
  ConsentDefaults,
  DeliveryKind,
  DeliveryView,
  EmulatorInfo,
  EndpointFault,
  EventInput,
  EventPatch,
  EventView,
  InstanceChange,
  LifecycleEvent,
  NotificationFaults,
  Provider,
  Seed,
  SeedAccount,
  SeedCalendar,
  StateSnapshot,
  SubscriptionView,
  SyncInvalidation,
} from "./types";

export type * from "./types";

export class EmulatorControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class EmulatorControl {
  private readonly base: string;

  /** `origin`: the emulator's HTTP origin (`emu.httpOrigin`), e.g. `http://localhost:4010`. */
  constructor(origin: string) {
    this.base = `${origin.replace(/\/$/, "")}/_emulator`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.base + path, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const message = (parsed as { error?: string } | undefined)?.error ?? text;
      throw new EmulatorControlError(response.status, `${method} ${path}: ${response.status} ${message}`);
    }
    return parsed as T;
  }

  // ---- state and data ---------------------------------------------------------

  info(): Promise<EmulatorInfo> {
    return this.call("GET", "/info");
  }

  state(): Promise<StateSnapshot> {
    return this.call("GET", "/state");
  }

  /** Clears everything (data, tokens, channels, subscriptions, faults, logs) and loads a seed. */
  reset(seed: Seed | "default" | "empty" = "default"): Promise<void> {
    return this.call("POST", "/reset", { seed });
  }

  /** Adds accounts (with calendars and events) and OAuth clients to the current state. */
  seed(seed: Seed): Promise<AccountView[]> {
    return this.call("POST", "/seed", seed);
  }

  addAccount(account: SeedAccount): Promise<AccountView> {
    return this.call("POST", "/accounts", account);
  }

  addCalendar(accountEmail: string, calendar: SeedCalendar, provider?: Provider): Promise<CalendarView> {
    return this.call("POST", "/calendars", { ...calendar, accountEmail, provider });
  }

  /** Removes a calendar from its account, with its events, as if the person deleted it at the provider (not a primary one). */
  removeCalendar(calendarId: string): Promise<CalendarView> {
    return this.call("DELETE", `/calendars/${encodeURIComponent(calendarId)}`);
  }

  /** The calendar id of an account's primary calendar. */
  async primaryCalendarId(accountEmail: string, provider?: Provider): Promise<string> {
    const { calendars } = await this.state();
    const calendar = calendars.find(
      (candidate) => candidate.primary && candidate.accountEmail === accountEmail.toLowerCase() && (!provider || candidate.provider === provider),
    );
    if (!calendar) throw new EmulatorControlError(404, `No primary calendar for ${accountEmail}`);
    return calendar.id;
  }

  /** Stored events of a calendar (series masters, singles, exceptions, and deleted tombstones). */
  listEvents(calendarId: string): Promise<EventView[]> {
    return this.call("GET", `/calendars/${encodeURIComponent(calendarId)}/events`);
  }

  /** Creates an event as if the user did it in the provider's UI: channels/subscriptions are notified. */
  createEvent(calendarId: string, event: EventInput & { exceptions?: InstanceChange[] }): Promise<EventView> {
    return this.call("POST", `/calendars/${encodeURIComponent(calendarId)}/events`, event);
  }

  updateEvent(calendarId: string, eventId: string, patch: EventPatch): Promise<EventView> {
    return this.call("PATCH", `/calendars/${encodeURIComponent(calendarId)}/events/${encodeURIComponent(eventId)}`, patch);
  }

  deleteEvent(calendarId: string, eventId: string): Promise<void> {
    return this.call("DELETE", `/calendars/${encodeURIComponent(calendarId)}/events/${encodeURIComponent(eventId)}`);
  }

  /** Modifies or cancels one instance of a recurring event (creates an exception). */
  changeInstance(calendarId: string, seriesId: string, change: InstanceChange): Promise<EventView> {
    return this.call("POST", `/calendars/${encodeURIComponent(calendarId)}/events/${encodeURIComponent(seriesId)}/instances`, change);
  }

  // ---- faults -------------------------------------------------------------------

  setNotificationFaults(faults: NotificationFaults): Promise<void> {
    return this.call("POST", "/faults/notifications", faults);
  }

  /** Every provider call waits `ms` before it is answered (0 turns it off), like a round trip over the internet. */
  setLatency(ms: number): Promise<void> {
    return this.call("POST", "/faults/latency", { ms });
  }

  /** The next `count` calls to `endpoint` answer `status` (with Retry-After for 429/503). */
  failNext(fault: EndpointFault): Promise<void> {
    return this.call("POST", "/faults/endpoints", fault);
  }

  /** What is set: pending endpoint faults, notification faults and the latency. */
  faults(): Promise<{ endpoints: unknown[]; notifications: Required<Omit<NotificationFaults, "seed">>; latencyMs: number }> {
    return this.call("GET", "/faults");
  }

  clearFaults(): Promise<void> {
    return this.call("DELETE", "/faults");
  }

  /** Google: later use of outstanding sync tokens answers 410 fullSyncRequired. Microsoft: delta tokens answer 410 `reason`. */
  async invalidateSyncTokens(request: SyncInvalidation): Promise<number> {
    return (await this.call<{ calendars: number }>("POST", "/sync/invalidate", request)).calendars;
  }

  async revokeRefreshToken(refreshToken: string): Promise<boolean> {
    return (await this.call<{ revoked: number }>("POST", "/oauth/revoke", { refreshToken })).revoked > 0;
  }

  /** Revokes the account's grants (all its refresh and access tokens); optionally one client's only. */
  async revokeGrant(provider: Provider, email: string, clientId?: string): Promise<number> {
    return (await this.call<{ revoked: number }>("POST", "/oauth/revoke", { provider, email, clientId })).revoked;
  }

  async expireAccessTokens(email?: string, provider?: Provider): Promise<number> {
    return (await this.call<{ expired: number }>("POST", "/oauth/expire-access-tokens", { email, provider })).expired;
  }

  setAutoConsent(rule: AutoConsent | null): Promise<void> {
    return this.call("POST", "/oauth/auto-consent", { rule });
  }

  setConsentDefaults(defaults: ConsentDefaults): Promise<void> {
    return this.call("POST", "/oauth/consent-defaults", defaults);
  }

  // ---- channels and subscriptions ------------------------------------------------

  channels(): Promise<ChannelView[]> {
    return this.call("GET", "/channels");
  }

  expireChannel(channelId: string): Promise<void> {
    return this.call("POST", `/channels/${encodeURIComponent(channelId)}/expire`);
  }

  subscriptions(): Promise<SubscriptionView[]> {
    return this.call("GET", "/subscriptions");
  }

  expireSubscription(subscriptionId: string): Promise<void> {
    return this.call("POST", `/subscriptions/${encodeURIComponent(subscriptionId)}/expire`);
  }

  /** reauthorizationRequired (optionally pausing change notifications), subscriptionRemoved (removes it), missed. */
  sendLifecycleEvent(subscriptionId: string, event: LifecycleEvent, options: { pauseDelivery?: boolean } = {}): Promise<void> {
    return this.call("POST", `/subscriptions/${encodeURIComponent(subscriptionId)}/lifecycle`, { event, ...options });
  }

  // ---- inspection -----------------------------------------------------------------

  deliveries(filter: { kind?: DeliveryKind; url?: string } = {}): Promise<DeliveryView[]> {
    const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return this.call("GET", `/deliveries${query.size ? `?${query}` : ""}`);
  }

  clearDeliveries(): Promise<void> {
    return this.call("DELETE", "/deliveries");
  }

  /** Resolves true once no notification is scheduled, delayed, retrying or in flight. */
  async waitForIdle(timeoutMs = 10_000): Promise<boolean> {
    return (await this.call<{ idle: boolean }>("POST", "/deliveries/idle", { timeoutMs })).idle;
  }

  /** Polls the delivery log until `predicate` holds for the matching records. */
  async waitForDeliveries(predicate: (records: DeliveryView[]) => boolean, options: { kind?: DeliveryKind; timeoutMs?: number } = {}): Promise<DeliveryView[]> {
    const deadline = Date.now() + (options.timeoutMs ?? 5_000);
    for (;;) {
      const records = await this.deliveries({ kind: options.kind });
      if (predicate(records)) return records;
      if (Date.now() > deadline)
        throw new EmulatorControlError(
          408,
          `Deliveries did not reach the expected state: ${JSON.stringify(records.map((r) => [r.kind, r.outcome, r.status]))}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  calls(): Promise<CallCounts> {
    return this.call("GET", "/calls");
  }

  resetCalls(): Promise<void> {
    return this.call("DELETE", "/calls");
  }

  /** Moves the emulator's clock forward (token, code, channel and subscription expiry). */
  async advanceClock(seconds: number): Promise<string> {
    return (await this.call<{ now: string }>("POST", "/clock/advance", { seconds })).now;
  }
}
