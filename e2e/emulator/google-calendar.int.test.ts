// Calendar v3 through googleapis (rootUrl = emulator origin): calendarList, events CRUD,
// paging, recurring expansion, and the sync-token contract.
import type { calendar_v3 } from "googleapis";
import { gaxios } from "google-auth-library";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "./server";
import { googleCalendarApi, googleSignIn, startTestEmulator } from "./test-support";

// gaxios is google-auth-library's HTTP layer; its error class is what googleapis throws.
const GaxiosError = gaxios.GaxiosError;
type GaxiosError = gaxios.GaxiosError;

const SCOPES = ["openid", "email", "https://www.googleapis.com/auth/calendar"];
let emu: Emulator;
let calendar: calendar_v3.Calendar;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await emu.reset();
  const { client } = await googleSignIn(emu, { scopes: SCOPES });
  calendar = googleCalendarApi(emu, client);
});

async function failure(promise: Promise<unknown>): Promise<{
  status: number;
  body: { error: { code: number; message: string; errors: Array<{ reason: string; domain: string }> } };
  headers: Headers | Record<string, string>;
}> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GaxiosError);
  const response = (error as GaxiosError).response!;
  return { status: response.status, body: response.data as never, headers: response.headers as never };
}

/** Follows nextPageToken to the end; returns items and the final page. */
async function listAll(params: calendar_v3.Params$Resource$Events$List) {
  const items: calendar_v3.Schema$Event[] = [];
  const pages: calendar_v3.Schema$Events[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await calendar.events.list({ ...params, pageToken });
    pages.push(data);
    items.push(...(data.items ?? []));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return { items, pages, last: pages[pages.length - 1]! };
}

describe("calendarList", () => {
  it("lists the account's calendars with the primary flagged, and gets one by 'primary'", async () => {
    const { data } = await calendar.calendarList.list();
    expect(data.items?.map((entry) => entry.id)).toContain("alice@example.com");
    expect(data.items?.find((entry) => entry.primary)?.id).toBe("alice@example.com");
    expect(data.items?.every((entry) => entry.accessRole === "owner" && entry.timeZone === "Europe/Berlin")).toBe(true);
    expect(data.nextSyncToken).toBeTruthy();
    const primary = await calendar.calendarList.get({ calendarId: "primary" });
    expect(primary.data).toMatchObject({ id: "alice@example.com", primary: true });
  });
});

describe("events.list", () => {
  it("pages with maxResults; nextSyncToken only on the last page and never with nextPageToken", async () => {
    for (let i = 0; i < 5; i += 1)
      await emu.control.createEvent("alice@example.com", { summary: `bulk ${i}`, start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z" });
    const { pages, items } = await listAll({ calendarId: "primary", maxResults: 2 });
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages.slice(0, -1)) {
      expect(page.nextPageToken).toBeTruthy();
      expect(page.nextSyncToken).toBeUndefined();
      expect(page.items?.length).toBeLessThanOrEqual(2);
    }
    expect(pages.at(-1)?.nextSyncToken).toBeTruthy();
    expect(pages.at(-1)?.nextPageToken).toBeUndefined();
    expect(new Set(items.map((item) => item.id)).size).toBe(items.length);
    const bad = await failure(calendar.events.list({ calendarId: "primary", maxResults: 0 }));
    expect(bad.status).toBe(400);
  });

  it("returns the recurring master unexpanded, and instances with singleEvents (ids, recurringEventId, originalStartTime)", async () => {
    const plain = await listAll({ calendarId: "primary" });
    const master = plain.items.find((item) => item.summary === "Daily standup")!;
    expect(master.recurrence).toEqual(["RRULE:FREQ=DAILY;COUNT=5"]);
    // The seeded cancelled instance comes back as a cancelled exception even without showDeleted.
    const cancelled = plain.items.filter((item) => item.status === "cancelled");
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]!.recurringEventId).toBe(master.id);

    const expanded = await listAll({ calendarId: "primary", singleEvents: true, orderBy: "startTime" });
    const instances = expanded.items.filter((item) => item.recurringEventId === master.id);
    expect(instances).toHaveLength(4); // COUNT=5 minus the cancelled one
    for (const instance of instances) {
      expect(instance.id).toMatch(new RegExp(`^${master.id}_\\d{8}T\\d{6}Z$`));
      expect(instance.originalStartTime?.dateTime).toBeTruthy();
      expect(instance.start?.timeZone).toBe("Europe/Berlin");
      expect(instance.start?.dateTime).toMatch(/T09:30:00\+0[12]:00$/);
    }
    const starts = expanded.items.map((item) => Date.parse(item.start?.dateTime ?? `${item.start?.date}T00:00:00Z`));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    const withDeleted = await listAll({ calendarId: "primary", singleEvents: true, showDeleted: true });
    expect(withDeleted.items.filter((item) => item.recurringEventId === master.id)).toHaveLength(5);
    const allDay = expanded.items.find((item) => item.summary === "Offsite")!;
    expect(allDay.start).toEqual({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  it("filters by timeMin/timeMax and rejects an empty range", async () => {
    await emu.control.createEvent("alice@example.com", { summary: "far future", start: "2031-06-01T10:00:00Z", end: "2031-06-01T11:00:00Z" });
    const window = await listAll({ calendarId: "primary", timeMin: "2031-05-31T00:00:00Z", timeMax: "2031-06-02T00:00:00Z", singleEvents: true });
    expect(window.items.map((item) => item.summary)).toEqual(["far future"]);
    expect(window.last.nextSyncToken).toBeTruthy();
    const empty = await failure(calendar.events.list({ calendarId: "primary", timeMin: "2031-06-02T00:00:00Z", timeMax: "2031-06-01T00:00:00Z" }));
    expect(empty.status).toBe(400);
    expect(empty.body.error.errors[0]?.reason).toBe("timeRangeEmpty");
  });

  it("syncs incrementally: changes, deletions as cancelled entries, and 400 for forbidden parameters", async () => {
    const full = await listAll({ calendarId: "primary" });
    const syncToken = full.last.nextSyncToken!;
    const empty = await calendar.events.list({ calendarId: "primary", syncToken });
    expect(empty.data.items).toEqual([]);
    expect(empty.data.nextSyncToken).toBeTruthy();

    const planning = full.items.find((item) => item.summary === "Planning")!;
    await emu.control.updateEvent("alice@example.com", planning.id!, { summary: "Planning (moved)" });
    const created = await emu.control.createEvent("alice@example.com", { summary: "New", start: "2030-02-01T10:00:00Z", end: "2030-02-01T11:00:00Z" });
    await emu.control.deleteEvent("alice@example.com", created.id);
    const offsite = full.items.find((item) => item.summary === "Offsite")!;
    await emu.control.deleteEvent("alice@example.com", offsite.id!);

    const delta = await listAll({ calendarId: "primary", syncToken });
    const byId = new Map(delta.items.map((item) => [item.id, item]));
    expect(byId.get(planning.id)?.summary).toBe("Planning (moved)");
    expect(byId.get(offsite.id)).toMatchObject({ id: offsite.id, status: "cancelled" });
    expect(byId.get(offsite.id)?.summary).toBeUndefined(); // only id/status guaranteed
    expect(byId.get(created.id)?.status).toBe("cancelled");
    expect(delta.items).toHaveLength(3);

    for (const params of [
      { timeMin: "2030-01-01T00:00:00Z" },
      { q: "x" },
      { orderBy: "updated" },
      { showDeleted: false },
      { updatedMin: "2030-01-01T00:00:00Z" },
    ]) {
      const forbidden = await failure(calendar.events.list({ calendarId: "primary", syncToken, ...params }));
      expect(forbidden.status).toBe(400);
    }
  });

  it("keeps changes made during paging for the next sync (snapshot)", async () => {
    for (let i = 0; i < 4; i += 1)
      await emu.control.createEvent("alice@example.com", { summary: `p${i}`, start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z" });
    const first = await calendar.events.list({ calendarId: "primary", maxResults: 3 });
    const late = await emu.control.createEvent("alice@example.com", { summary: "late", start: "2030-01-02T10:00:00Z", end: "2030-01-02T11:00:00Z" });
    let pageToken = first.data.nextPageToken ?? undefined;
    let syncToken: string | undefined;
    const seen = [...(first.data.items ?? [])];
    while (pageToken) {
      const page = await calendar.events.list({ calendarId: "primary", maxResults: 3, pageToken });
      seen.push(...(page.data.items ?? []));
      pageToken = page.data.nextPageToken ?? undefined;
      syncToken = page.data.nextSyncToken ?? undefined;
    }
    expect(seen.map((item) => item.id)).not.toContain(late.id);
    const next = await calendar.events.list({ calendarId: "primary", syncToken });
    expect(next.data.items?.map((item) => item.id)).toEqual([late.id]);
  });

  it("answers 410 fullSyncRequired (exact body) once sync tokens are invalidated", async () => {
    const full = await listAll({ calendarId: "primary" });
    expect(await emu.control.invalidateSyncTokens({ provider: "google", accountEmail: "alice@example.com" })).toBe(2);
    const gone = await failure(calendar.events.list({ calendarId: "primary", syncToken: full.last.nextSyncToken! }));
    expect(gone.status).toBe(410);
    expect(gone.body).toEqual({
      error: {
        code: 410,
        message: "Sync token is no longer valid, a full sync is required.",
        errors: [
          {
            domain: "calendar",
            reason: "fullSyncRequired",
            message: "Sync token is no longer valid, a full sync is required.",
            locationType: "parameter",
            location: "syncToken",
          },
        ],
      },
    });
    const fresh = await listAll({ calendarId: "primary" });
    await expect(calendar.events.list({ calendarId: "primary", syncToken: fresh.last.nextSyncToken! })).resolves.toBeDefined();
  });

  it("answers Google's 401 shapes for missing and wrong tokens, and 404 for a foreign calendar", async () => {
    const origin = emu.google.origin;
    const missing = await fetch(`${origin}/calendar/v3/calendars/primary/events`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason).toBe("required");
    const wrong = await fetch(`${origin}/calendar/v3/calendars/primary/events`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason).toBe("authError");
    const foreign = await failure(calendar.events.list({ calendarId: "someone-else@example.com" }));
    expect(foreign.status).toBe(404);
  });
});

describe("events write methods", () => {
  it("inserts, gets, patches, updates and deletes; deleting twice answers 410 deleted", async () => {
    const inserted = await calendar.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "Via API",
        start: { dateTime: "2030-03-01T09:00:00", timeZone: "Europe/Berlin" },
        end: { dateTime: "2030-03-01T10:00:00", timeZone: "Europe/Berlin" },
      },
    });
    expect(inserted.data.start).toEqual({ dateTime: "2030-03-01T09:00:00+01:00", timeZone: "Europe/Berlin" });
    const id = inserted.data.id!;
    const got = await calendar.events.get({ calendarId: "primary", eventId: id });
    expect(got.data.summary).toBe("Via API");
    const patched = await calendar.events.patch({ calendarId: "primary", eventId: id, requestBody: { summary: "Patched" } });
    expect(patched.data).toMatchObject({ summary: "Patched", start: { dateTime: "2030-03-01T09:00:00+01:00" } });
    const updated = await calendar.events.update({
      calendarId: "primary",
      eventId: id,
      requestBody: { summary: "Updated", start: { date: "2030-03-02" }, end: { date: "2030-03-03" } },
    });
    expect(updated.data).toMatchObject({ summary: "Updated", start: { date: "2030-03-02" } });
    const deleted = await calendar.events.delete({ calendarId: "primary", eventId: id });
    expect(deleted.status).toBe(204);
    const again = await failure(calendar.events.delete({ calendarId: "primary", eventId: id }));
    expect(again.status).toBe(410);
    expect(again.body.error.errors[0]?.reason).toBe("deleted");
    const afterDelete = await calendar.events.get({ calendarId: "primary", eventId: id });
    expect(afterDelete.data.status).toBe("cancelled");
  });

  it("patching an instance creates an exception with the same id; deleting one cancels just that instance", async () => {
    const series = await calendar.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "Weekly",
        recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
        start: { dateTime: "2030-04-01T08:00:00Z" },
        end: { dateTime: "2030-04-01T09:00:00Z" },
      },
    });
    const instances = (await listAll({ calendarId: "primary", singleEvents: true, timeMin: "2030-03-31T00:00:00Z", timeMax: "2030-05-01T00:00:00Z" })).items;
    expect(instances.map((item) => item.id)).toEqual([
      `${series.data.id}_20300401T080000Z`,
      `${series.data.id}_20300408T080000Z`,
      `${series.data.id}_20300415T080000Z`,
    ]);
    const patched = await calendar.events.patch({ calendarId: "primary", eventId: instances[1]!.id!, requestBody: { summary: "Moved one" } });
    expect(patched.data).toMatchObject({ id: instances[1]!.id, recurringEventId: series.data.id, summary: "Moved one" });
    await calendar.events.delete({ calendarId: "primary", eventId: instances[2]!.id! });
    const after = (await listAll({ calendarId: "primary", singleEvents: true, timeMin: "2030-03-31T00:00:00Z", timeMax: "2030-05-01T00:00:00Z" })).items;
    expect(after.map((item) => item.summary)).toEqual(["Weekly", "Moved one"]);
  });

  it("rejects malformed bodies with Google's reasons", async () => {
    const missingEnd = await failure(
      calendar.events.insert({ calendarId: "primary", requestBody: { summary: "x", start: { dateTime: "2030-03-01T09:00:00Z" } } }),
    );
    expect(missingEnd.status).toBe(400);
    expect(missingEnd.body.error).toMatchObject({ message: "Missing end time.", errors: [{ reason: "required" }] });
    const noZone = await failure(
      calendar.events.insert({
        calendarId: "primary",
        requestBody: { summary: "x", start: { dateTime: "2030-03-01T09:00:00" }, end: { dateTime: "2030-03-01T10:00:00" } },
      }),
    );
    expect(noZone.body.error.message).toBe("Missing time zone definition for start time.");
    const backwards = await failure(
      calendar.events.insert({
        calendarId: "primary",
        requestBody: { summary: "x", start: { dateTime: "2030-03-01T09:00:00Z" }, end: { dateTime: "2030-03-01T08:00:00Z" } },
      }),
    );
    expect(backwards.body.error.errors[0]?.reason).toBe("timeRangeEmpty");
    const badRule = await failure(
      calendar.events.insert({
        calendarId: "primary",
        requestBody: { summary: "x", recurrence: ["RRULE:FREQ=SOMETIMES"], start: { date: "2030-03-01" }, end: { date: "2030-03-02" } },
      }),
    );
    expect(badRule.status).toBe(400);
    const raw = await fetch(`${emu.google.origin}/calendar/v3/calendars/primary/events`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${((await calendar.context._options.auth) as { credentials: { access_token: string } }).credentials.access_token}`,
        "content-type": "application/json",
      },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason).toBe("parseError");
  });
});

describe("endpoint faults through googleapis", () => {
  it("answers 429 with Retry-After and Google's rateLimitExceeded body; gaxios retries a GET past a 503", async () => {
    await emu.control.failNext({ endpoint: "google.events.list", status: 429, retryAfterSeconds: 7 });
    const limited = await failure(calendar.events.list({ calendarId: "primary" }));
    expect(limited.status).toBe(429);
    expect(limited.body.error.errors[0]).toMatchObject({ domain: "usageLimits", reason: "rateLimitExceeded" });
    expect((limited.headers as Headers).get?.("retry-after") ?? (limited.headers as Record<string, string>)["retry-after"]).toBe("7");

    await emu.control.failNext({ endpoint: "google.events.*", status: 500, accountEmail: "alice@example.com" });
    const serverError = await failure(calendar.events.get({ calendarId: "primary", eventId: "doesnotmatter" }));
    expect(serverError.status).toBe(500);

    const { client } = await googleSignIn(emu, { scopes: SCOPES });
    const retrying = googleCalendarApi(emu, client, true);
    await emu.control.resetCalls();
    await emu.control.failNext({ endpoint: "google.events.list", status: 503 });
    const ok = await retrying.events.list({ calendarId: "primary" });
    expect(ok.status).toBe(200);
    const calls = await emu.control.calls();
    expect(calls.byEndpoint["google.events.list"]).toBe(2);
    expect(calls.byAccount["alice@example.com"]?.["google.events.list"]).toBe(2);
  });
});

describe("the Events resource's rich fields", () => {
  it("shows attendees (organizer, self, resource, optional), conferenceData with entry points, transparency, visibility and eventType", async () => {
    const primary = await emu.control.primaryCalendarId("alice@example.com", "google");
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const created = await emu.control.createEvent(primary, {
      summary: "Roadmap",
      start: `${day}T10:00:00Z`,
      end: `${day}T11:00:00Z`,
      location: "Room 2",
      organizer: { email: "carol@example.com", name: "Carol" },
      attendees: [
        { email: "carol@example.com", responseStatus: "accepted" },
        { email: "alice@example.com", responseStatus: "tentative" },
        { email: "room2@resource.calendar.google.com", name: "Room 2", responseStatus: "accepted", resource: true },
        { email: "dave@example.com", responseStatus: "declined", optional: true },
      ],
      conference: { type: "meet", joinUrl: "https://meet.google.com/abc-defg-hij", phone: "+1 555-0100", pin: "4242" },
      showAs: "free",
      visibility: "private",
      eventType: "focusTime",
    });
    const { data } = await calendar.events.get({ calendarId: primary, eventId: created.id });
    expect(data).toMatchObject({
      organizer: { email: "carol@example.com", displayName: "Carol" },
      transparency: "transparent",
      visibility: "private",
      eventType: "focusTime",
      hangoutLink: "https://meet.google.com/abc-defg-hij",
      htmlLink: expect.stringContaining("/calendar/event?eid="),
      conferenceData: {
        conferenceSolution: { key: { type: "hangoutsMeet" }, name: "Google Meet" },
        entryPoints: [
          { entryPointType: "video", uri: "https://meet.google.com/abc-defg-hij" },
          { entryPointType: "phone", uri: "tel:+15550100", label: "+1 555-0100", pin: "4242" },
        ],
      },
      attendees: [
        { email: "carol@example.com", organizer: true, responseStatus: "accepted" },
        { email: "alice@example.com", self: true, responseStatus: "tentative" },
        { email: "room2@resource.calendar.google.com", displayName: "Room 2", resource: true, responseStatus: "accepted" },
        { email: "dave@example.com", optional: true, responseStatus: "declined" },
      ],
    });
    expect(data.organizer?.self).toBeUndefined();
    expect(data.attendees?.[0]?.self).toBeUndefined();
    // An update through the API keeps what a get returned (the conference, the organizer).
    const { data: patched } = await calendar.events.patch({ calendarId: primary, eventId: created.id, requestBody: { summary: "Roadmap v2" } });
    expect(patched).toMatchObject({
      summary: "Roadmap v2",
      conferenceData: { entryPoints: [{ uri: "https://meet.google.com/abc-defg-hij" }, { pin: "4242" }] },
      organizer: { email: "carol@example.com" },
      visibility: "private",
    });
  });

  it("rejects a bad transparency, visibility or eventType with Google's 400", async () => {
    const primary = await emu.control.primaryCalendarId("alice@example.com", "google");
    const body = { summary: "x", start: { dateTime: "2030-01-01T10:00:00Z" }, end: { dateTime: "2030-01-01T11:00:00Z" } };
    for (const extra of [{ transparency: "sometimes" }, { visibility: "secret" }, { eventType: "party" }]) {
      const refused = await failure(calendar.events.insert({ calendarId: primary, requestBody: { ...body, ...extra } }));
      expect(refused.status).toBe(400);
    }
  });
});
