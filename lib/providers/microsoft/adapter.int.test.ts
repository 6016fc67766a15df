// The Microsoft adapter against the provider emulator over real HTTPS: the real
// Graph SDK, the real token endpoint, real webhook deliveries.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EventTimeView } from "@/e2e/emulator/client";
import type { Emulator } from "@/e2e/emulator/server";
import { consent, startTestEmulator, WebhookReceiver } from "@/e2e/emulator/test-support";
import { fetchTrustingCa } from "@/e2e/emulator/trust";
import { sandboxMicrosoft, type MicrosoftSettings } from "../config";
import { isProviderError, ProviderError } from "../errors";
import type { CalendarProvider, ChangesPage, ChangesRequest, EventChange, EventRecord, ProviderTokens } from "../port";
import { createMicrosoftProvider } from "./adapter";

const BOB = "bob@contoso.example";
const REDIRECT_URI = "http://127.0.0.1:3999/api/oauth/callback";
const CALENDARS_READ = "https://graph.microsoft.com/Calendars.Read";
const MAILBOX_SETTINGS_READ = "https://graph.microsoft.com/MailboxSettings.Read";
const DAY = 86_400_000;

let emu: Emulator;
let settings: MicrosoftSettings;
let trustingFetch: typeof fetch;
let provider: CalendarProvider;

beforeAll(async () => {
  emu = await startTestEmulator();
  settings = sandboxMicrosoft(emu.microsoft.origin);
  trustingFetch = fetchTrustingCa(emu.caCertPem);
  provider = createMicrosoftProvider(settings, { fetch: trustingFetch });
});
afterAll(() => emu?.stop());

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/** The whole connect flow as the app runs it: URL, consent page, callback, exchange. */
async function connect(options: { untick?: string[]; using?: CalendarProvider } = {}) {
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(8).toString("hex");
  const authUrl = (options.using ?? provider).authorizationUrl({
    state,
    codeChallenge: createHash("sha256").update(verifier).digest("base64url"),
    redirectUri: REDIRECT_URI,
    loginHint: BOB,
  });
  const back = await consent(authUrl, { email: BOB, untick: options.untick }, trustingFetch);
  expect(back.searchParams.get("state")).toBe(state);
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`No code in ${back.toString()}`);
  return { code, verifier, result: await (options.using ?? provider).exchangeCode({ code, codeVerifier: verifier, redirectUri: REDIRECT_URI }) };
}

describe("OAuth", () => {
  beforeEach(() => emu.reset());

  it("connects through the consent page: tokens, Graph identity, tenant and scopes", async () => {
    const authUrl = new URL(provider.authorizationUrl({ state: "s", codeChallenge: "c", redirectUri: REDIRECT_URI }));
    expect(`${authUrl.origin}${authUrl.pathname}`).toBe(`${emu.microsoft.origin}/${settings.tenant}/oauth2/v2.0/authorize`);

    const before = Date.now();
    const { result } = await connect();
    const { accounts } = await emu.control.state();
    const bob = accounts.find((account) => account.email === BOB)!;
    expect(result.identity).toEqual({ providerAccountId: bob.subject, email: BOB, name: "Bob Contoso", tenantId: emu.microsoft.defaultTenantId });
    expect(result.identity.tenantId).toBe(settings.tenant);
    expect(result.tokens.accessToken).not.toBe("");
    expect(result.tokens.refreshToken).not.toBeNull();
    expect(result.tokens.scopes).toEqual(expect.arrayContaining([CALENDARS_READ, "https://graph.microsoft.com/User.Read"]));
    expect(result.tokens.expiresAt.getTime()).toBeGreaterThan(before + 50 * 60_000);
    expect(result.tokens.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(provider.missingScopes(result.tokens.scopes)).toEqual([]);
  });

  it("reports Calendars.Read missing when the person unticks it (and Graph then refuses calendars)", async () => {
    const { result } = await connect({ untick: [CALENDARS_READ] });
    expect(result.tokens.scopes).not.toContain(CALENDARS_READ);
    expect(provider.missingScopes(result.tokens.scopes)).toEqual(["Calendars.Read"]);
    expect((await rejection(provider.listCalendars(result.tokens.accessToken))).kind).toBe("rejected");
  });

  it("gets no refresh token when offline_access is unticked (missingScopes cannot see that; the null token shows it)", async () => {
    const { result } = await connect({ untick: ["offline_access"] });
    expect(result.tokens.refreshToken).toBeNull();
    expect(provider.missingScopes(result.tokens.scopes)).toEqual([]);
  });

  it("refuses a redeemed code with reauthorization_required and a wrong client secret with rejected", async () => {
    const { code, verifier } = await connect();
    const replay = await rejection(provider.exchangeCode({ code, codeVerifier: verifier, redirectUri: REDIRECT_URI }));
    expect(replay).toMatchObject({ kind: "reauthorization_required", code: "invalid_grant", status: 400 });
    expect(replay.message).not.toContain(code);

    const misconfigured = createMicrosoftProvider({ ...settings, clientSecret: "wrong" }, { fetch: trustingFetch });
    const wrongSecret = await rejection(connect({ using: misconfigured }));
    expect(wrongSecret).toMatchObject({ kind: "rejected", status: 401, code: "invalid_client" });
    expect(wrongSecret.message).not.toContain("wrong");
  });

  it("refreshes with a rotated refresh token; revoked tokens and grants need reauthorization", async () => {
    const { result } = await connect();
    const first = result.tokens.refreshToken!;
    const refreshed: ProviderTokens = await provider.refreshTokens(first);
    expect(refreshed.refreshToken).not.toBeNull();
    expect(refreshed.refreshToken).not.toBe(first);
    expect(refreshed.accessToken).not.toBe(result.tokens.accessToken);
    expect(refreshed.scopes).toContain(CALENDARS_READ);
    expect((await provider.listCalendars(refreshed.accessToken)).length).toBe(2);

    expect(await emu.control.revokeRefreshToken(refreshed.refreshToken!)).toBe(true);
    const revoked = await rejection(provider.refreshTokens(refreshed.refreshToken!));
    expect(revoked).toMatchObject({ kind: "reauthorization_required", code: "invalid_grant" });
    expect(revoked.message).not.toContain(refreshed.refreshToken!);

    // The first token was not revoked by the rotation (as at Microsoft) until the grant goes.
    const again = await provider.refreshTokens(first);
    expect(await emu.control.revokeGrant("microsoft", BOB)).toBeGreaterThan(0);
    expect((await rejection(provider.refreshTokens(again.refreshToken!))).kind).toBe("reauthorization_required");
  });

  it("answers unavailable when the token endpoint cannot be reached", async () => {
    const nowhere = createMicrosoftProvider({ ...settings, loginBaseUrl: "https://127.0.0.1:1" }, { fetch: trustingFetch });
    expect((await rejection(nowhere.refreshTokens("rt"))).kind).toBe("unavailable");
  });
});

describe("calendars and delta", () => {
  let accessToken: string;
  let calendarId: string;
  const window = () => ({ start: new Date(Date.now() - DAY), end: new Date(Date.now() + 40 * DAY) });
  const request = (overrides: Partial<ChangesRequest> = {}): ChangesRequest => ({
    providerCalendarId: calendarId,
    calendarTimeZone: "America/New_York",
    cursor: null,
    pageToken: null,
    window: window(),
    ...overrides,
  });

  /** One round as the sync engine runs it: pages until the cursor. */
  async function round(first: ChangesRequest): Promise<{ pages: ChangesPage[]; changes: EventChange[]; cursor: string }> {
    const pages: ChangesPage[] = [];
    let page = await provider.fetchChanges(accessToken, first);
    pages.push(page);
    while (page.nextPageToken) {
      page = await provider.fetchChanges(accessToken, { ...first, pageToken: page.nextPageToken });
      pages.push(page);
      expect(pages.length).toBeLessThan(50);
    }
    expect(page.nextCursor).not.toBeNull();
    return { pages, changes: pages.flatMap((p) => p.changes), cursor: page.nextCursor! };
  }

  const upserts = (changes: EventChange[]): EventRecord[] => changes.flatMap((change) => (change.type === "upsert" ? [change.event] : []));
  const deletions = (changes: EventChange[]): string[] => changes.flatMap((change) => (change.type === "delete" ? [change.providerEventId] : []));
  /** The emulator's own view of a timed start (RFC 3339 with the event's offset). */
  const instantOf = (time: EventTimeView): Date => {
    if (!("dateTime" in time)) throw new Error("not a timed event");
    return new Date(time.dateTime);
  };
  const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

  beforeEach(async () => {
    await emu.reset();
    accessToken = (await connect()).result.tokens.accessToken;
    calendarId = await emu.control.primaryCalendarId(BOB);
  });
  afterEach(() => emu.control.clearFaults());

  it("lists the mailbox's calendars with the default one primary, in the mailbox's zone (Windows name to IANA)", async () => {
    const calendars = await provider.listCalendars(accessToken);
    expect(calendars).toEqual([
      { providerCalendarId: calendarId, name: "Calendar", isPrimary: true, timeZone: "America/New_York" },
      { providerCalendarId: expect.any(String), name: "Birthdays", isPrimary: false, timeZone: "America/New_York" },
    ]);
    expect(calendars[1]!.providerCalendarId).not.toBe(calendarId);
  });

  it("reads calendars as UTC when MailboxSettings.Read was not granted, and still syncs", async () => {
    const narrow = (await connect({ untick: [MAILBOX_SETTINGS_READ] })).result;
    expect(narrow.tokens.scopes).not.toContain(MAILBOX_SETTINGS_READ);
    expect(provider.missingScopes(narrow.tokens.scopes)).toEqual([]);
    expect((await provider.listCalendars(narrow.tokens.accessToken)).map((calendar) => calendar.timeZone)).toEqual(["UTC", "UTC"]);
  });

  it("puts an all-day event of a Los Angeles mailbox on its dates, at midnight there", async () => {
    await emu.control.seed({
      accounts: [
        {
          provider: "microsoft",
          email: "la@contoso.example",
          name: "LA",
          timeZone: "America/Los_Angeles",
          calendars: [
            { name: "Calendar", primary: true, timeZone: "America/Los_Angeles", events: [{ summary: "Offsite", start: "2026-03-07", end: "2026-03-09" }] },
          ],
        },
      ],
    });
    const consented = await consent(
      provider.authorizationUrl({
        state: "la",
        codeChallenge: createHash("sha256").update("v".repeat(43)).digest("base64url"),
        redirectUri: REDIRECT_URI,
        loginHint: "la@contoso.example",
      }),
      { email: "la@contoso.example" },
      trustingFetch,
    );
    const { tokens } = await provider.exchangeCode({ code: consented.searchParams.get("code")!, codeVerifier: "v".repeat(43), redirectUri: REDIRECT_URI });
    const [calendar] = await provider.listCalendars(tokens.accessToken);
    expect(calendar!.timeZone).toBe("America/Los_Angeles");
    const page = await provider.fetchChanges(tokens.accessToken, {
      providerCalendarId: calendar!.providerCalendarId,
      calendarTimeZone: calendar!.timeZone,
      cursor: null,
      pageToken: null,
      window: { start: new Date("2026-03-01T00:00:00Z"), end: new Date("2026-03-31T00:00:00Z") },
    });
    const offsite = page.changes.find((change) => change.type === "upsert")!;
    expect(offsite.type === "upsert" && offsite.event).toMatchObject({ isAllDay: true, startDate: "2026-03-07", endDate: "2026-03-09" });
    if (offsite.type !== "upsert") throw new Error("expected an upsert");
    // Midnight in Los Angeles: 08:00 UTC in winter; the DST switch on 8 March makes the end 07:00 UTC.
    expect(offsite.event.startAt.toISOString()).toBe("2026-03-07T08:00:00.000Z");
    expect(offsite.event.endAt.toISOString()).toBe("2026-03-09T07:00:00.000Z");
  });

  it("pages a full round with nextCursor only on the last page, mapping timed, all-day and recurring events", async () => {
    const { pages, changes } = await round(request({ pageSize: 2 }));
    expect(pages.length).toBe(3);
    for (const page of pages.slice(0, -1)) {
      expect(page.nextPageToken).toMatch(/^https:\/\//);
      expect(page.nextCursor).toBeNull();
      expect(page.changes.length).toBeLessThanOrEqual(2);
    }
    expect(pages.at(-1)!.nextPageToken).toBeNull();
    expect(deletions(changes)).toEqual([]);

    const events = upserts(changes);
    expect(events.map((event) => event.title).sort()).toEqual([
      "Customer call",
      "Public holiday",
      "Weekly review",
      "Weekly review",
      "Weekly review",
      "Weekly review",
    ]);

    const stored = await emu.control.listEvents(calendarId);
    const call = events.find((event) => event.title === "Customer call")!;
    const storedCall = stored.find((event) => event.summary === "Customer call")!;
    expect(call).toMatchObject({
      providerEventId: storedCall.id,
      iCalUid: storedCall.iCalUID,
      isAllDay: false,
      startDate: null,
      endDate: null,
      startTimeZone: "America/New_York",
      endTimeZone: "America/New_York",
      status: "confirmed",
      organizerEmail: BOB,
      organizerName: "Bob Contoso",
      attendeeCount: 0,
      recurringSeriesId: null,
      originalStartAt: null,
    });
    expect(call.startAt).toEqual(instantOf(storedCall.start));
    expect(call.endAt.getTime() - call.startAt.getTime()).toBe(3600_000);
    expect(call.providerUpdatedAt).toBeInstanceOf(Date);

    const holiday = events.find((event) => event.title === "Public holiday")!;
    expect(holiday).toMatchObject({ isAllDay: true, startDate: day(5), endDate: day(6) });
    // Midnight in New York (the zone the request named) is 04:00 or 05:00 UTC.
    expect(holiday.startAt.toISOString()).toMatch(new RegExp(`^${day(5)}T0[45]:00:00\\.000Z$`));
    expect(holiday.endAt.toISOString()).toMatch(new RegExp(`^${day(6)}T0[45]:00:00\\.000Z$`));

    const master = stored.find((event) => event.recurrence !== undefined)!;
    const occurrences = events.filter((event) => event.title === "Weekly review");
    expect(new Set(occurrences.map((event) => event.recurringSeriesId))).toEqual(new Set([master.id]));
    expect(occurrences.map((event) => event.providerEventId)).not.toContain(master.id);
    for (const occurrence of occurrences) {
      expect(occurrence.originalStartAt?.getTime()).toBe(occurrence.startAt.getTime());
      expect(occurrence.endAt.getTime() - occurrence.startAt.getTime()).toBe(30 * 60_000);
    }
    // Weekly in New York: seven days apart, give or take a daylight-saving hour.
    const starts = occurrences.map((event) => event.startAt.getTime()).sort((a, b) => a - b);
    for (const [index, start] of starts.slice(1).entries()) expect(Math.abs(start - starts[index]! - 7 * DAY)).toBeLessThanOrEqual(3600_000);
  });

  it("reports creations, updates, deletions, cancellations and exceptions in the next round", async () => {
    const full = await round(request());
    const events = upserts(full.changes);
    const call = events.find((event) => event.title === "Customer call")!;
    const holiday = events.find((event) => event.title === "Public holiday")!;
    const [cancelledOccurrence, movedOccurrence] = events.filter((event) => event.title === "Weekly review");
    const seriesId = cancelledOccurrence!.recurringSeriesId!;

    const created = await emu.control.createEvent(calendarId, {
      summary: "New meeting",
      start: `${day(3)}T10:00:00`,
      end: `${day(3)}T11:00:00`,
      timeZone: "Europe/Berlin",
      status: "tentative",
      attendees: [{ email: "x@example.com" }],
    });
    const calledOff = await emu.control.createEvent(calendarId, {
      summary: "Called off",
      start: `${day(4)}T10:00:00`,
      end: `${day(4)}T11:00:00`,
      status: "cancelled",
    });
    await emu.control.updateEvent(calendarId, call.providerEventId, { summary: "Customer call (moved)" });
    await emu.control.deleteEvent(calendarId, holiday.providerEventId);
    await emu.control.changeInstance(calendarId, seriesId, { originalStart: cancelledOccurrence!.originalStartAt!.toISOString(), cancelled: true });
    await emu.control.changeInstance(calendarId, seriesId, {
      originalStart: movedOccurrence!.originalStartAt!.toISOString(),
      summary: "Weekly review (special)",
    });

    const next = await round(request({ cursor: full.cursor, pageSize: 2 }));
    expect(next.pages.length).toBeGreaterThan(1);
    const byId = new Map(upserts(next.changes).map((event) => [event.providerEventId, event]));
    expect(byId.get(created.id)).toMatchObject({ title: "New meeting", status: "tentative", startTimeZone: "Europe/Berlin", attendeeCount: 1 });
    expect(byId.get(created.id)!.startAt).toEqual(instantOf(created.start));
    expect(byId.get(call.providerEventId)).toMatchObject({ title: "Customer call (moved)", startAt: call.startAt });
    expect(byId.get(movedOccurrence!.providerEventId)).toMatchObject({
      title: "Weekly review (special)",
      recurringSeriesId: seriesId,
      originalStartAt: movedOccurrence!.originalStartAt,
    });
    expect(deletions(next.changes).sort()).toEqual([holiday.providerEventId, cancelledOccurrence!.providerEventId].sort());
    // A meeting its organizer called off stays in the calendar, marked (isCancelled).
    expect(byId.get(calledOff.id)).toMatchObject({ title: "Called off", status: "cancelled" });

    const quiet = await round(request({ cursor: next.cursor }));
    expect(quiet.changes).toEqual([]);
  });

  it("answers cursor_expired for invalidated delta and next links", async () => {
    const full = await round(request());
    await emu.control.invalidateSyncTokens({ provider: "microsoft", accountEmail: BOB });
    expect(await rejection(provider.fetchChanges(accessToken, request({ cursor: full.cursor })))).toMatchObject({
      kind: "cursor_expired",
      status: 410,
      code: "syncStateNotFound",
    });

    const fresh = await provider.fetchChanges(accessToken, request({ pageSize: 1 }));
    await emu.control.invalidateSyncTokens({ provider: "microsoft", calendarId, reason: "resyncRequired" });
    expect(await rejection(provider.fetchChanges(accessToken, request({ pageToken: fresh.nextPageToken, pageSize: 1 })))).toMatchObject({
      kind: "cursor_expired",
      code: "resyncRequired",
    });

    expect((await rejection(provider.fetchChanges(accessToken, request({ cursor: "/me/calendarView/delta?$deltatoken=x" })))).kind).toBe("cursor_expired");
  });

  it("classifies throttling, outages, bad tokens, unknown calendars and unreachable Graph", async () => {
    await emu.control.failNext({ endpoint: "graph.delta", status: 429, retryAfterSeconds: 7 });
    const limited = await rejection(provider.fetchChanges(accessToken, request()));
    expect(limited).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 7000, code: "TooManyRequests" });
    expect(limited.transient).toBe(true);

    await emu.control.failNext({ endpoint: "graph.calendars", status: 503, retryAfterSeconds: 2 });
    expect(await rejection(provider.listCalendars(accessToken))).toMatchObject({ kind: "unavailable", status: 503, retryAfterMs: 2000 });

    expect(await rejection(provider.listCalendars("not-a-token"))).toMatchObject({ kind: "unauthorized", status: 401 });
    await emu.control.expireAccessTokens(BOB);
    expect((await rejection(provider.fetchChanges(accessToken, request()))).kind).toBe("unauthorized");

    const fresh = (await connect()).result.tokens.accessToken;
    expect(await rejection(provider.fetchChanges(fresh, request({ providerCalendarId: "no-such-calendar" })))).toMatchObject({
      kind: "not_found",
      status: 404,
    });

    const offline = createMicrosoftProvider({ ...settings, graphBaseUrl: "https://localhost:1" }, { fetch: trustingFetch });
    expect(await rejection(offline.listCalendars(fresh))).toMatchObject({ kind: "unavailable", status: null });
  });
});

describe("push (Graph subscriptions)", () => {
  let accessToken: string;
  let receiver: WebhookReceiver;
  const secret = randomBytes(24).toString("base64url");

  beforeEach(async () => {
    await emu.reset();
    receiver = await new WebhookReceiver().start();
    accessToken = (await connect()).result.tokens.accessToken;
  });
  afterEach(() => receiver.stop());

  const pushRequest = (expiresAt: Date) => ({
    providerCalendarId: "ignored",
    channelId: "ours-ignored",
    secret,
    notificationUrl: `${receiver.url}/api/webhooks/microsoft`,
    lifecycleUrl: `${receiver.url}/api/webhooks/microsoft/lifecycle`,
    expiresAt,
  });

  it("subscribes to me/events after the validation handshake; changes arrive with our clientState", async () => {
    const wanted = new Date(Date.now() + 2 * DAY);
    const channel = await provider.createPush(accessToken, pushRequest(wanted));
    expect(channel).toMatchObject({ resourceId: null, resource: "me/events" });
    expect(Math.abs(channel.expiresAt.getTime() - wanted.getTime())).toBeLessThan(1000);
    expect(receiver.requests.filter((r) => r.query.has("validationToken")).map((r) => r.path)).toEqual([
      "/api/webhooks/microsoft",
      "/api/webhooks/microsoft/lifecycle",
    ]);

    const subscriptions = await emu.control.subscriptions();
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]).toMatchObject({
      id: channel.externalId,
      clientState: secret,
      resource: "me/events",
      changeType: "created,updated,deleted",
      state: "live",
      accountEmail: BOB,
    });

    const calendarId = await emu.control.primaryCalendarId(BOB);
    const created = await emu.control.createEvent(calendarId, {
      summary: "Pushed",
      start: `${new Date(Date.now() + DAY).toISOString().slice(0, 10)}T10:00:00`,
      end: `${new Date(Date.now() + DAY).toISOString().slice(0, 10)}T11:00:00`,
    });
    await receiver.waitFor(() => receiver.notifications().length > 0);
    const body = JSON.parse(receiver.notifications()[0]!.body) as {
      value: Array<{ subscriptionId: string; clientState: string; changeType: string; resourceData: { id: string } }>;
    };
    expect(body.value[0]).toMatchObject({ subscriptionId: channel.externalId, clientState: secret, changeType: "created", resourceData: { id: created.id } });
  });

  it("asks for no more than Graph allows", async () => {
    expect(provider.maxPushLifetimeMs).toBeLessThan(10_080 * 60_000);
    const channel = await provider.createPush(accessToken, pushRequest(new Date(Date.now() + 30 * DAY)));
    expect(channel.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + provider.maxPushLifetimeMs);
    expect(channel.expiresAt.getTime()).toBeGreaterThan(Date.now() + provider.maxPushLifetimeMs - 60_000);
  });

  it("is rejected when our endpoint fails the validation handshake", async () => {
    receiver.responder = () => ({ status: 500 });
    const failure = await rejection(provider.createPush(accessToken, pushRequest(new Date(Date.now() + DAY))));
    expect(failure).toMatchObject({ kind: "rejected", status: 400 });
    expect(await emu.control.subscriptions()).toEqual([]);
  });

  it("extends the expiry, stops the subscription, and treats a second stop as done", async () => {
    const channel = await provider.createPush(accessToken, pushRequest(new Date(Date.now() + DAY)));
    const handle = { externalId: channel.externalId, resourceId: channel.resourceId };
    const later = new Date(Date.now() + 5 * DAY);
    const extended = await provider.extendPush(accessToken, handle, later);
    expect(Math.abs(extended.expiresAt.getTime() - later.getTime())).toBeLessThan(1000);
    expect(extended.expiresAt.getTime()).toBeGreaterThan(channel.expiresAt.getTime());
    expect(new Date((await emu.control.subscriptions())[0]!.expirationDateTime).getTime()).toBe(extended.expiresAt.getTime());

    await provider.stopPush(accessToken, handle);
    expect((await emu.control.subscriptions())[0]).toMatchObject({ id: channel.externalId, state: "deleted" });
    await expect(provider.stopPush(accessToken, handle)).resolves.toBeUndefined();
    const gone = await rejection(provider.extendPush(accessToken, handle, later));
    expect(isProviderError(gone, "not_found")).toBe(true);
  });
});
