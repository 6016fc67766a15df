// The Google adapter against the provider emulator over real HTTP: OAuth through
// the consent page, calendar list, full and incremental sync, error kinds, and
// push channels delivering to a local receiver.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { consent, startTestEmulator, WebhookReceiver } from "@/e2e/emulator/test-support";
import { sandboxGoogle, type GoogleSettings } from "../config";
import { ProviderError, type ProviderErrorKind } from "../errors";
import type { CalendarProvider, ChangesRequest, EventChange, EventRecord, ProviderIdentity, ProviderTokens } from "../port";
import { createGoogleProvider } from "./adapter";

const ALICE = "alice@example.com";
const CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly";
const REDIRECT_URI = "http://127.0.0.1:3999/api/oauth/google/callback";
const DAY_MS = 24 * 3600 * 1000;

let emu: Emulator;
let settings: GoogleSettings;
let provider: CalendarProvider;

beforeAll(async () => {
  emu = await startTestEmulator();
  const client = emu.info.clients.find((candidate) => candidate.provider === "google")!;
  settings = { ...sandboxGoogle(emu.google.origin), clientId: client.clientId, clientSecret: client.clientSecret };
  provider = createGoogleProvider(settings);
});
afterAll(() => emu?.stop());
beforeEach(() => emu.reset());

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The whole connect flow as the app runs it: consent URL, the person on the consent page, code exchange. */
async function connect(
  options: { untick?: string[]; verifier?: string; using?: CalendarProvider } = {},
): Promise<{ tokens: ProviderTokens; identity: ProviderIdentity; authUrl: string }> {
  const { verifier, challenge } = pkce();
  const authUrl = provider.authorizationUrl({ state: "state-1", codeChallenge: challenge, redirectUri: REDIRECT_URI, loginHint: ALICE });
  const back = await consent(authUrl, { email: ALICE, untick: options.untick });
  expect(back.searchParams.get("state")).toBe("state-1");
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`No code in ${back.toString()}`);
  const result = await (options.using ?? provider).exchangeCode({ code, codeVerifier: options.verifier ?? verifier, redirectUri: REDIRECT_URI });
  return { ...result, authUrl };
}

async function accessToken(): Promise<string> {
  return (await connect()).tokens.accessToken;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

async function expectKind(promise: Promise<unknown>, kind: ProviderErrorKind): Promise<ProviderError> {
  const error = await failure(promise);
  expect(error.kind).toBe(kind);
  return error;
}

function request(overrides: Partial<ChangesRequest> = {}): ChangesRequest {
  return {
    providerCalendarId: ALICE,
    calendarTimeZone: "Europe/Berlin",
    cursor: null,
    pageToken: null,
    window: { start: new Date(Date.now() - DAY_MS), end: new Date(Date.now() + 365 * DAY_MS) },
    ...overrides,
  };
}

/** Every page of one round; checks the paging contract on the way. */
async function round(token: string, base: ChangesRequest): Promise<{ changes: EventChange[]; cursor: string; pages: number }> {
  const changes: EventChange[] = [];
  let pageToken: string | null = null;
  let pages = 0;
  for (;;) {
    const page = await provider.fetchChanges(token, { ...base, pageToken });
    pages += 1;
    changes.push(...page.changes);
    if (page.nextPageToken !== null) {
      expect(page.nextCursor).toBeNull();
      expect(page.changes.length).toBeLessThanOrEqual(base.pageSize ?? 250);
      pageToken = page.nextPageToken;
      continue;
    }
    expect(page.nextCursor).toEqual(expect.any(String));
    return { changes, cursor: page.nextCursor!, pages };
  }
}

const upserts = (changes: EventChange[]): EventRecord[] => changes.flatMap((change) => (change.type === "upsert" ? [change.event] : []));
const deletes = (changes: EventChange[]): string[] => changes.flatMap((change) => (change.type === "delete" ? [change.providerEventId] : []));

describe("OAuth", () => {
  it("connects through the consent page: tokens, granted scopes, and the identity from userinfo", async () => {
    const before = Date.now();
    const { tokens, identity, authUrl } = await connect();
    expect(new URL(authUrl).searchParams.get("login_hint")).toBe(ALICE);
    const account = (await emu.control.state()).accounts.find((candidate) => candidate.provider === "google" && candidate.email === ALICE)!;
    expect(identity).toEqual({ providerAccountId: account.subject, email: ALICE, name: "Alice Example", tenantId: null });
    expect(tokens.accessToken).toEqual(expect.any(String));
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.scopes).toContain(CALENDAR_READONLY);
    expect(tokens.scopes).toContain("openid");
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(before + 3000_000);
    expect(tokens.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(provider.missingScopes(tokens.scopes)).toEqual([]);
  });

  it("reports calendar.readonly missing when the person unticks it", async () => {
    const { tokens } = await connect({ untick: [CALENDAR_READONLY] });
    expect(tokens.scopes).not.toContain(CALENDAR_READONLY);
    expect(provider.missingScopes(tokens.scopes)).toEqual([CALENDAR_READONLY]);
    // Without it Google refuses the calendar list; retrying would not help.
    const error = await expectKind(provider.listCalendars(tokens.accessToken), "rejected");
    expect(error).toMatchObject({ status: 403, code: "insufficientPermissions" });
  });

  it("fails a code exchange with the wrong PKCE verifier as invalid_grant, without leaking the code or the secret", async () => {
    const error = await failure(connect({ verifier: pkce().verifier }));
    expect(error).toMatchObject({ kind: "reauthorization_required", code: "invalid_grant", status: 400 });
    expect(error.message).not.toContain(settings.clientSecret);
    expect(error.cause).toBeUndefined();
  });

  it("reads a wrong client secret as rejected", async () => {
    const wrongSecret = createGoogleProvider({ ...settings, clientSecret: "not-the-secret" });
    const error = await failure(connect({ using: wrongSecret }));
    expect(error).toMatchObject({ kind: "rejected", status: 401, code: "invalid_client" });
    expect(error.message).not.toContain("not-the-secret");
  });

  it("uses the given fetch for userinfo", async () => {
    const seen: string[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return fetch(input, init);
    };
    const { identity } = await connect({ using: createGoogleProvider(settings, { fetch: recording }) });
    expect(identity.email).toBe(ALICE);
    expect(seen).toEqual([settings.userInfoUrl]);
  });

  it("refreshes (no new refresh token from Google), and needs reauthorization once the refresh token is revoked", async () => {
    const { tokens } = await connect();
    const refreshed = await provider.refreshTokens(tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBeNull();
    expect(refreshed.scopes).toContain(CALENDAR_READONLY);
    expect(refreshed.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    await expect(provider.listCalendars(refreshed.accessToken)).resolves.not.toHaveLength(0);

    expect(await emu.control.revokeRefreshToken(tokens.refreshToken!)).toBe(true);
    const error = await expectKind(provider.refreshTokens(tokens.refreshToken!), "reauthorization_required");
    expect(error.code).toBe("invalid_grant");
    expect(error.message).not.toContain(tokens.refreshToken!);
  });

  it("needs reauthorization after the person revokes the grant", async () => {
    const { tokens } = await connect();
    expect(await emu.control.revokeGrant("google", ALICE)).toBeGreaterThan(0);
    await expectKind(provider.refreshTokens(tokens.refreshToken!), "reauthorization_required");
    await expectKind(provider.listCalendars(tokens.accessToken), "unauthorized");
  });

  it("reads a token endpoint outage as unavailable after exactly one attempt", async () => {
    const { tokens } = await connect();
    await emu.control.resetCalls();
    await emu.control.failNext({ endpoint: "google.token", status: 503 });
    await expectKind(provider.refreshTokens(tokens.refreshToken!), "unavailable");
    expect((await emu.control.calls()).byEndpoint["google.token"]).toBe(1);
    await expect(provider.refreshTokens(tokens.refreshToken!)).resolves.toMatchObject({ refreshToken: null });
  });
});

describe("listCalendars", () => {
  it("lists the primary calendar and Team with their zones", async () => {
    const calendars = await provider.listCalendars(await accessToken());
    expect(calendars).toHaveLength(2);
    expect(calendars.find((calendar) => calendar.isPrimary)).toEqual({ providerCalendarId: ALICE, name: ALICE, isPrimary: true, timeZone: "Europe/Berlin" });
    expect(calendars.find((calendar) => calendar.name === "Team")).toMatchObject({
      isPrimary: false,
      timeZone: "Europe/Berlin",
      providerCalendarId: expect.stringMatching(/@group\.calendar\.google\.com$/),
    });
  });

  it("follows every page of the calendar list", async () => {
    for (let i = 0; i < 260; i += 1) await emu.control.addCalendar(ALICE, { name: `Extra ${i}`, timeZone: "UTC" }, "google");
    const calendars = await provider.listCalendars(await accessToken());
    expect(calendars).toHaveLength(262);
    expect(new Set(calendars.map((calendar) => calendar.providerCalendarId)).size).toBe(262);
  });
});

describe("fetchChanges", () => {
  it("full sync: every page, the window's lower bound, instances and the seeded cancelled instance", async () => {
    const token = await accessToken();
    const old = await emu.control.createEvent(ALICE, { summary: "Long ago", start: "2020-01-01T10:00:00Z", end: "2020-01-01T11:00:00Z" });
    const full = await round(token, request({ pageSize: 2 }));
    expect(full.pages).toBeGreaterThanOrEqual(3);
    const events = upserts(full.changes);
    expect(events.map((event) => event.providerEventId)).not.toContain(old.id);
    expect(events.map((event) => event.title).sort()).toEqual(["Daily standup", "Daily standup", "Daily standup", "Daily standup", "Offsite", "Planning"]);
    const planning = events.find((event) => event.title === "Planning")!;
    expect(planning).toMatchObject({
      isAllDay: false,
      startTimeZone: "Europe/Berlin",
      endTimeZone: "Europe/Berlin",
      status: "confirmed",
      organizerEmail: ALICE,
      attendeeCount: 1,
      recurringSeriesId: null,
      originalStartAt: null,
    });
    expect(planning.endAt.getTime() - planning.startAt.getTime()).toBe(3600_000);
    expect(planning.providerUpdatedAt).toBeInstanceOf(Date);
    expect(planning.iCalUid).toEqual(expect.any(String));
    const standups = events.filter((event) => event.title === "Daily standup");
    const seriesId = standups[0]!.recurringSeriesId;
    expect(seriesId).toEqual(expect.any(String));
    for (const standup of standups) {
      expect(standup.recurringSeriesId).toBe(seriesId);
      expect(standup.originalStartAt).toEqual(standup.startAt);
    }
    // The seeded cancelled occurrence comes as a delete of that instance id.
    expect(deletes(full.changes)).toEqual([expect.stringMatching(new RegExp(`^${seriesId}_`))]);
  });

  it("incremental sync: creations, updates, deletions, a cancelled and a modified instance", async () => {
    const token = await accessToken();
    const full = await round(token, request({ pageSize: 2 }));
    const events = upserts(full.changes);
    const planning = events.find((event) => event.title === "Planning")!;
    const offsite = events.find((event) => event.title === "Offsite")!;
    const [firstStandup, secondStandup] = events.filter((event) => event.title === "Daily standup");
    const seriesId = firstStandup!.recurringSeriesId!;

    const created = await emu.control.createEvent(ALICE, { summary: "Created", start: "2030-02-01T10:00:00Z", end: "2030-02-01T11:00:00Z" });
    await emu.control.updateEvent(ALICE, planning.providerEventId, { summary: "Planning (moved)" });
    await emu.control.deleteEvent(ALICE, offsite.providerEventId);
    await emu.control.changeInstance(ALICE, seriesId, { originalStart: firstStandup!.originalStartAt!.toISOString(), cancelled: true });
    await emu.control.changeInstance(ALICE, seriesId, { originalStart: secondStandup!.originalStartAt!.toISOString(), summary: "Standup (special)" });

    const delta = await round(token, request({ cursor: full.cursor, pageSize: 2 }));
    expect(delta.pages).toBeGreaterThanOrEqual(3);
    const changed = new Map(upserts(delta.changes).map((event) => [event.providerEventId, event]));
    expect(changed.get(created.id)).toMatchObject({ title: "Created", startAt: new Date("2030-02-01T10:00:00Z"), recurringSeriesId: null });
    expect(changed.get(planning.providerEventId)?.title).toBe("Planning (moved)");
    expect(changed.get(secondStandup!.providerEventId)).toMatchObject({
      title: "Standup (special)",
      recurringSeriesId: seriesId,
      originalStartAt: secondStandup!.originalStartAt,
    });
    expect(deletes(delta.changes).sort()).toEqual([offsite.providerEventId, firstStandup!.providerEventId].sort());
    expect(delta.changes).toHaveLength(5);

    const quiet = await provider.fetchChanges(token, request({ cursor: delta.cursor }));
    expect(quiet).toEqual({ changes: [], nextPageToken: null, nextCursor: expect.any(String) });
  });

  it("maps all-day events to their dates and to midnights in the calendar's zone", async () => {
    const token = await accessToken();
    const holiday = await emu.control.createEvent(ALICE, { summary: "Holiday", start: "2030-03-30", end: "2030-04-01" });
    const full = await round(token, request({ window: { start: new Date("2030-03-01T00:00:00Z"), end: new Date("2030-05-01T00:00:00Z") } }));
    const event = upserts(full.changes).find((candidate) => candidate.providerEventId === holiday.id);
    expect(event).toMatchObject({
      title: "Holiday",
      isAllDay: true,
      startDate: "2030-03-30",
      endDate: "2030-04-01",
      startAt: new Date("2030-03-29T23:00:00Z"),
      endAt: new Date("2030-03-31T22:00:00Z"),
      startTimeZone: null,
      endTimeZone: null,
    });
  });

  it("syncs a secondary calendar", async () => {
    const token = await accessToken();
    const team = (await provider.listCalendars(token)).find((calendar) => calendar.name === "Team")!;
    const full = await round(token, request({ providerCalendarId: team.providerCalendarId, calendarTimeZone: team.timeZone }));
    expect(upserts(full.changes).map((event) => event.title)).toEqual(["Team lunch"]);
  });

  it("reads an invalidated sync token as cursor_expired", async () => {
    const token = await accessToken();
    const full = await round(token, request());
    await emu.control.invalidateSyncTokens({ provider: "google", accountEmail: ALICE });
    const error = await expectKind(provider.fetchChanges(token, request({ cursor: full.cursor })), "cursor_expired");
    expect(error).toMatchObject({ status: 410, code: "fullSyncRequired" });
  });

  it("reads throttling as rate_limited with Retry-After, and outages as unavailable without retrying", async () => {
    const token = await accessToken();
    await emu.control.failNext({ endpoint: "google.events.list", status: 429, retryAfterSeconds: 7 });
    const limited = await expectKind(provider.fetchChanges(token, request()), "rate_limited");
    expect(limited).toMatchObject({ status: 429, code: "rateLimitExceeded", retryAfterMs: 7000 });

    await emu.control.failNext({ endpoint: "google.events.list", status: 403 });
    expect(await expectKind(provider.fetchChanges(token, request()), "rate_limited")).toMatchObject({ status: 403, code: "rateLimitExceeded" });

    await emu.control.resetCalls();
    await emu.control.failNext({ endpoint: "google.events.list", status: 503 });
    await expectKind(provider.fetchChanges(token, request()), "unavailable");
    expect((await emu.control.calls()).byEndpoint["google.events.list"]).toBe(1);
    await expect(provider.fetchChanges(token, request())).resolves.toMatchObject({ nextPageToken: null });
  });

  it("reads an expired access token as unauthorized, and a foreign calendar as not_found", async () => {
    const token = await accessToken();
    await expectKind(provider.fetchChanges(token, request({ providerCalendarId: "someone-else@example.com" })), "not_found");
    await emu.control.expireAccessTokens(ALICE, "google");
    const error = await expectKind(provider.fetchChanges(token, request()), "unauthorized");
    expect(error).toMatchObject({ status: 401, code: "authError" });
  });

  it("reads an unreachable server as unavailable", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = createGoogleProvider({ ...settings, apiRootUrl: `http://127.0.0.1:${port}/` });
    const error = await expectKind(nowhere.fetchChanges("any-token", request()), "unavailable");
    expect(error.status).toBeNull();
  });
});

describe("push channels", () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
    receiver.responder = () => ({ status: 200 });
  });
  afterEach(() => receiver.stop());

  it("creates a channel that delivers the sync message with our secret, then stops it (twice is fine)", async () => {
    const token = await accessToken();
    const channelId = randomUUID();
    const secret = randomBytes(24).toString("base64url");
    const expiresAt = new Date(Date.now() + DAY_MS);
    const channel = await provider.createPush(token, {
      providerCalendarId: ALICE,
      channelId,
      secret,
      notificationUrl: `${receiver.url}/api/webhooks/google`,
      lifecycleUrl: `${receiver.url}/api/webhooks/lifecycle`,
      expiresAt,
    });
    expect(channel.externalId).toBe(channelId);
    expect(channel.resourceId).toEqual(expect.any(String));
    expect(Math.abs(channel.expiresAt.getTime() - expiresAt.getTime())).toBeLessThan(5_000);

    const [live] = await emu.control.channels();
    expect(live).toMatchObject({
      id: channelId,
      resourceId: channel.resourceId,
      resourceUri: channel.resource,
      state: "live",
      token: secret,
      address: `${receiver.url}/api/webhooks/google`,
    });

    const [sync] = await receiver.waitFor((requests) => requests.length >= 1);
    expect(sync!.path).toBe("/api/webhooks/google");
    expect(sync!.headers).toMatchObject({
      "x-goog-channel-id": channelId,
      "x-goog-channel-token": secret,
      "x-goog-resource-state": "sync",
      "x-goog-resource-id": channel.resourceId,
    });

    const handle = { externalId: channel.externalId, resourceId: channel.resourceId };
    await provider.stopPush(token, handle);
    expect((await emu.control.channels())[0]?.state).toBe("stopped");
    await expect(provider.stopPush(token, handle)).resolves.toBeUndefined();
  });

  it("takes the expiry Google grants (7 days at most), and maps a failed watch to an error kind", async () => {
    const token = await accessToken();
    const base = { providerCalendarId: ALICE, secret: "s", notificationUrl: `${receiver.url}/hook`, lifecycleUrl: `${receiver.url}/hook` };
    const channel = await provider.createPush(token, { ...base, channelId: randomUUID(), expiresAt: new Date(Date.now() + 30 * DAY_MS) });
    expect(channel.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + provider.maxPushLifetimeMs);
    expect(channel.expiresAt.getTime()).toBeGreaterThan(Date.now() + provider.maxPushLifetimeMs - 60_000);

    const duplicate = await expectKind(
      provider.createPush(token, { ...base, channelId: channel.externalId, expiresAt: new Date(Date.now() + DAY_MS) }),
      "rejected",
    );
    expect(duplicate.code).toBe("channelIdNotUnique");
    await emu.control.failNext({ endpoint: "google.events.watch", status: 429, retryAfterSeconds: 3 });
    expect(
      await expectKind(provider.createPush(token, { ...base, channelId: randomUUID(), expiresAt: new Date(Date.now() + DAY_MS) }), "rate_limited"),
    ).toMatchObject({ retryAfterMs: 3000 });
  });
});
