// Microsoft Graph v1.0 through @microsoft/microsoft-graph-client (initWithMiddleware with
// customHosts, real AuthenticationHandler and RetryHandler): /me, calendars, delta.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { GraphError, RetryHandlerOptions, type Client } from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "./server";
import { graphClient, MICROSOFT_SCOPES, microsoftSignIn, startTestEmulator, type MicrosoftTokens } from "./test-support";
import { fetchTrustingCa } from "./trust";

let emu: Emulator;
let tokens: MicrosoftTokens;
let graph: Client;
let bobCalendarId: string;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await emu.reset();
  tokens = await microsoftSignIn(emu);
  graph = graphClient(emu, () => tokens.access_token);
  bobCalendarId = await emu.control.primaryCalendarId("bob@contoso.example");
});

interface DeltaPage {
  value: Array<Record<string, unknown>>;
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

/** Follows nextLinks until the deltaLink; returns all items and the deltaLink. */
async function deltaRound(start: string, pageSize?: number): Promise<{ items: Array<Record<string, unknown>>; deltaLink: string; pages: DeltaPage[] }> {
  const pages: DeltaPage[] = [];
  let request = graph.api(start);
  if (pageSize) request = request.header("Prefer", `odata.maxpagesize=${pageSize}`);
  let page = (await request.get()) as DeltaPage;
  pages.push(page);
  while (page["@odata.nextLink"]) {
    let next = graph.api(page["@odata.nextLink"]);
    if (pageSize) next = next.header("Prefer", `odata.maxpagesize=${pageSize}`);
    page = (await next.get()) as DeltaPage;
    pages.push(page);
  }
  return { items: pages.flatMap((p) => p.value), deltaLink: page["@odata.deltaLink"]!, pages };
}

const windowPath = () => {
  const start = new Date(Date.now() - 86_400_000).toISOString();
  const end = new Date(Date.now() + 40 * 86_400_000).toISOString();
  return `/me/calendarView/delta?startDateTime=${start}&endDateTime=${end}`;
};

async function graphFailure(promise: Promise<unknown>): Promise<GraphError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GraphError);
  return error as GraphError;
}

describe("Graph basics", () => {
  it("answers /me and /me/calendars with the bearer token the SDK attached (customHosts)", async () => {
    const me = (await graph.api("/me").get()) as Record<string, unknown>;
    expect(me).toMatchObject({ displayName: "Bob Contoso", userPrincipalName: "bob@contoso.example", mail: "bob@contoso.example" });
    const calendars = (await graph.api("/me/calendars").get()) as { value: Array<{ id: string; isDefaultCalendar: boolean; name: string }> };
    expect(calendars.value.map((calendar) => calendar.name)).toEqual(["Calendar", "Birthdays"]);
    expect(calendars.value[0]).toMatchObject({ id: bobCalendarId, isDefaultCalendar: true });
  });

  it("answers 401 InvalidAuthenticationToken for missing and expired tokens, 403 without Calendars.Read", async () => {
    const missing = await fetchTrustingCa(emu.caCertPem)(`${emu.microsoft.graphBaseUrl}/v1.0/me`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "InvalidAuthenticationToken",
      message: "Access token is empty.",
    });
    const forged = graphClient(emu, () => "not-a-token");
    expect((await graphFailure(forged.api("/me").get())).code).toBe("InvalidAuthenticationToken");
    await emu.control.expireAccessTokens("bob@contoso.example");
    const expired = await graphFailure(graph.api("/me").get());
    expect(expired.statusCode).toBe(401);
    expect(expired.code).toBe("InvalidAuthenticationToken");
    const narrow = await microsoftSignIn(emu, { untick: ["https://graph.microsoft.com/Calendars.Read"] });
    const denied = await graphFailure(
      graphClient(emu, () => narrow.access_token)
        .api("/me/calendars")
        .get(),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe("ErrorAccessDenied");
  });

  it("answers unknown segments with Graph's 400 BadRequest", async () => {
    const error = await graphFailure(graph.api("/me/nothing-here").get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe("BadRequest");
  });
});

describe("calendarView delta", () => {
  it("pages with Prefer: odata.maxpagesize through absolute https nextLinks to a deltaLink, with expanded instances", async () => {
    const { items, pages, deltaLink } = await deltaRound(windowPath(), 2);
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages.slice(0, -1)) {
      expect(page["@odata.nextLink"]).toMatch(new RegExp(`^${emu.microsoft.origin}/v1.0/me/calendarView/delta\\?\\$skiptoken=`));
      expect(page["@odata.deltaLink"]).toBeUndefined();
      expect(page.value.length).toBeLessThanOrEqual(2);
    }
    expect(deltaLink).toMatch(new RegExp(`^${emu.microsoft.origin}/v1.0/me/calendarView/delta\\?\\$deltatoken=`));
    const occurrences = items.filter((item) => item.type === "occurrence");
    expect(occurrences).toHaveLength(4);
    expect(new Set(occurrences.map((item) => item.seriesMasterId)).size).toBe(1);
    expect(items.some((item) => item.type === "seriesMaster")).toBe(false);
    const single = items.find((item) => item.subject === "Customer call")!;
    expect(single).toMatchObject({
      type: "singleInstance",
      isAllDay: false,
      isCancelled: false,
      originalStartTimeZone: "Eastern Standard Time",
      start: { timeZone: "UTC" },
      organizer: { emailAddress: { address: "bob@contoso.example" } },
    });
    expect(single.start).toMatchObject({ dateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.0000000$/) });
    for (const field of ["id", "iCalUId", "subject", "end", "attendees", "lastModifiedDateTime"]) expect(single).toHaveProperty(field);
    const allDay = items.find((item) => item.subject === "Public holiday")!;
    expect(allDay).toMatchObject({ isAllDay: true, start: { dateTime: expect.stringMatching(/T00:00:00\.0000000$/) } });
  });

  it("reports created, updated and deleted events (@removed) in the next round, and exceptions with their type", async () => {
    const first = await deltaRound(windowPath());
    const call = first.items.find((item) => item.subject === "Customer call")!;
    const occurrence = first.items.find((item) => item.type === "occurrence")!;
    const inWindow = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const created = await emu.control.createEvent(bobCalendarId, { summary: "New meeting", start: `${inWindow}T10:00:00`, end: `${inWindow}T11:00:00` });
    await emu.control.updateEvent(bobCalendarId, call.id as string, { summary: "Customer call (moved)" });
    await emu.control.changeInstance(bobCalendarId, occurrence.seriesMasterId as string, {
      originalStart: occurrence.originalStart as string,
      summary: "Review (special)",
    });
    const holiday = first.items.find((item) => item.subject === "Public holiday")!;
    await emu.control.deleteEvent(bobCalendarId, holiday.id as string);

    const second = await deltaRound(first.deltaLink);
    const byId = new Map(second.items.map((item) => [item.id, item]));
    expect(byId.get(created.id)).toMatchObject({ subject: "New meeting", type: "singleInstance" });
    expect(byId.get(call.id)).toMatchObject({ subject: "Customer call (moved)" });
    expect(byId.get(occurrence.id)).toMatchObject({ type: "exception", subject: "Review (special)", seriesMasterId: occurrence.seriesMasterId });
    expect(byId.get(holiday.id)).toEqual({ "@odata.type": "#microsoft.graph.event", id: holiday.id, "@removed": { reason: "deleted" } });
    const third = await deltaRound(second.deltaLink);
    expect(third.items).toEqual([]);
  });

  it("answers 410 syncStateNotFound or resyncRequired once delta tokens are invalidated", async () => {
    const first = await deltaRound(windowPath());
    await emu.control.invalidateSyncTokens({ provider: "microsoft", accountEmail: "bob@contoso.example" });
    const stale = await graphFailure(graph.api(first.deltaLink).get());
    expect(stale.statusCode).toBe(410);
    expect(stale.code).toBe("syncStateNotFound");
    const fresh = await deltaRound(windowPath());
    await emu.control.invalidateSyncTokens({ provider: "microsoft", calendarId: bobCalendarId, reason: "resyncRequired" });
    const resync = await graphFailure(graph.api(fresh.deltaLink).get());
    expect(resync.statusCode).toBe(410);
    expect(resync.code).toBe("resyncRequired");
  });

  it("requires the window on the first request and rejects unsupported query options", async () => {
    expect((await graphFailure(graph.api("/me/calendarView/delta").get())).code).toBe("ErrorInvalidParameter");
    expect((await graphFailure(graph.api(`${windowPath()}&$filter=subject eq 'x'`).get())).statusCode).toBe(400);
  });

  it("answers 429 with Retry-After; the SDK's RetryHandler waits that long and succeeds", async () => {
    const retrying = graphClient(emu, () => tokens.access_token, new RetryHandlerOptions(0, 2));
    await emu.control.resetCalls();
    await emu.control.failNext({ endpoint: "graph.delta", status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const page = (await retrying.api(windowPath()).get()) as DeltaPage;
    expect(page.value.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect((await emu.control.calls()).byAccount["bob@contoso.example"]?.["graph.delta"]).toBe(2);
    await emu.control.failNext({ endpoint: "graph.me", status: 500 });
    expect((await graphFailure(graph.api("/me").get())).statusCode).toBe(500);
    await emu.control.failNext({ endpoint: "graph.me", status: 503, count: 2, retryAfterSeconds: 0 });
    expect((await graphFailure(graph.api("/me").get())).code).toBe("ServiceNotAvailable");
  });
});

describe("Client.init in a separate process trusting the CA with NODE_EXTRA_CA_CERTS", () => {
  it("reaches /me and delta with the default middleware chain and customHosts", async () => {
    const script = path.join(path.dirname(emu.caCertPath), "graph-client-init.cjs");
    writeFileSync(
      script,
      `const { Client } = require(${JSON.stringify(path.resolve("node_modules/@microsoft/microsoft-graph-client"))});
(async () => {
  const client = Client.init({ authProvider: (done) => done(null, process.env.TOKEN), baseUrl: process.env.BASE, customHosts: new Set([process.env.HOST]) });
  const me = await client.api("/me").get();
  const delta = await client.api(process.env.DELTA).get();
  console.log(JSON.stringify({ name: me.displayName, count: delta.value.length }));
})().catch((error) => { console.error(error); process.exit(1); });`,
    );
    // Async: the emulator lives in this process and must keep serving while the child runs.
    const result = await promisify(execFile)(process.execPath, [script], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: emu.caCertPath,
        TOKEN: tokens.access_token,
        BASE: emu.microsoft.graphBaseUrl,
        HOST: emu.microsoft.graphHost,
        DELTA: windowPath(),
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.stderr).toBe("");
    const output = JSON.parse(result.stdout.trim()) as { name: string; count: number };
    expect(output.name).toBe("Bob Contoso");
    expect(output.count).toBeGreaterThan(3);
  });
});

describe("the event resource's rich fields", () => {
  it("shows attendee types and responses, onlineMeeting for Teams, showAs, sensitivity, location address and coordinates, and the owner's responseStatus", async () => {
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const created = await emu.control.createEvent(bobCalendarId, {
      summary: "Roadmap",
      description: "<p>Plan</p>",
      start: `${day}T10:00:00`,
      end: `${day}T11:00:00`,
      location: "Rainier",
      locationAddress: { street: "1 Microsoft Way", city: "Redmond", state: "WA", countryOrRegion: "US", postalCode: "98052" },
      locationCoordinates: { latitude: 47.64, longitude: -122.13 },
      organizer: { email: "carol@contoso.example", name: "Carol" },
      attendees: [
        { email: "bob@contoso.example", responseStatus: "tentative" },
        { email: "rainier@contoso.example", name: "Rainier", responseStatus: "accepted", resource: true },
        { email: "dave@contoso.example", responseStatus: "declined", optional: true },
      ],
      conference: { type: "teams", joinUrl: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0", phone: "+1 555-0199", pin: "987654" },
      showAs: "oof",
      visibility: "confidential",
    });
    const event = (await graph.api(`/me/events/${created.id}`).get()) as Record<string, unknown>;
    expect(event).toMatchObject({
      isOrganizer: false,
      responseStatus: { response: "tentativelyAccepted" },
      organizer: { emailAddress: { name: "Carol", address: "carol@contoso.example" } },
      showAs: "oof",
      sensitivity: "confidential",
      isOnlineMeeting: true,
      onlineMeetingProvider: "teamsForBusiness",
      onlineMeeting: { joinUrl: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0", conferenceId: "987654", tollNumber: "+1 555-0199" },
      body: { contentType: "html", content: expect.stringContaining("<p>Plan</p>") },
      location: {
        displayName: "Rainier",
        address: { street: "1 Microsoft Way", city: "Redmond", state: "WA", countryOrRegion: "US", postalCode: "98052" },
        coordinates: { latitude: 47.64, longitude: -122.13 },
      },
      attendees: [
        { type: "required", status: { response: "tentativelyAccepted" }, emailAddress: { address: "bob@contoso.example" } },
        { type: "resource", status: { response: "accepted" }, emailAddress: { name: "Rainier", address: "rainier@contoso.example" } },
        { type: "optional", status: { response: "declined" }, emailAddress: { address: "dave@contoso.example" } },
      ],
    });
  });

  it("puts a Zoom link in the body (Graph's onlineMeeting is Teams only)", async () => {
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const created = await emu.control.createEvent(bobCalendarId, {
      summary: "Vendor",
      start: `${day}T12:00:00`,
      end: `${day}T13:00:00`,
      conference: { type: "zoom", joinUrl: "https://example.zoom.us/j/123456789" },
    });
    const event = (await graph.api(`/me/events/${created.id}`).get()) as { onlineMeeting: unknown; isOnlineMeeting: boolean; body: { content: string } };
    expect(event.onlineMeeting).toBeNull();
    expect(event.isOnlineMeeting).toBe(false);
    expect(event.body.content).toContain("https://example.zoom.us/j/123456789");
  });

  it("answers /me/mailboxSettings with the mailbox's Windows zone, and 403 without MailboxSettings.Read", async () => {
    const withScope = await microsoftSignIn(emu, { scopes: `${MICROSOFT_SCOPES} MailboxSettings.Read` });
    const settings = (await graphClient(emu, () => withScope.access_token)
      .api("/me/mailboxSettings")
      .get()) as { timeZone: string; workingHours: { timeZone: { name: string } } };
    // Bob's primary calendar is in America/New_York.
    expect(settings.timeZone).toBe("Eastern Standard Time");
    expect(settings.workingHours.timeZone.name).toBe("Eastern Standard Time");
    const refused = await graphFailure(graph.api("/me/mailboxSettings").get());
    expect(refused.statusCode).toBe(403);
  });
});
