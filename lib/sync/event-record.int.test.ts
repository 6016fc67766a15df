import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import type { EventInput } from "@/e2e/emulator/types";
import { installJobSender } from "@/lib/jobs/dispatch";
import { connectAccount, mirrorDiff, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { syncCalendar } from "./engine";

// The whole event record, per provider, through the real adapters and the emulator:
// a meeting with three attendees (a room, one declined), a join link, a location
// with address and coordinates, a private flag and a weekly rule arrives with every
// field from a full sync and from an incremental one; an attendee's new response
// arrives incrementally; the series' rule is stored once; the raw item holds no secret.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async () => {});
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

const ACCOUNTS = { google: "alice@example.com", microsoft: "bob@contoso.example" } as const;
const CONFERENCE = {
  google: { type: "meet", joinUrl: "https://meet.google.com/abc-defg-hij", phone: "+1 555-0100", pin: "4242" },
  microsoft: { type: "teams", joinUrl: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_q3%40thread.v2/0", phone: "+1 555-0199", pin: "987654" },
} as const;

function nextWeekAt(hour: number, days = 7): string {
  const date = new Date(Date.now() + days * 24 * 60 * 60_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
}

function meeting(provider: keyof typeof ACCOUNTS, summary: string, days: number): EventInput {
  return {
    summary,
    description: "<p>Quarterly <b>plan</b></p>",
    location: "Conf Room Rainier",
    locationAddress: { street: "1 Main St", city: "Springfield", state: "IL", countryOrRegion: "US", postalCode: "62701" },
    locationCoordinates: { latitude: 39.8, longitude: -89.65 },
    start: nextWeekAt(9, days),
    end: nextWeekAt(10, days),
    timeZone: "UTC",
    recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
    visibility: "private",
    showAs: "busy",
    conference: CONFERENCE[provider],
    attendees: [
      { email: "carol@example.com", name: "Carol", responseStatus: "accepted" },
      { email: "dave@example.com", name: "Dave", responseStatus: "declined", optional: true },
      { email: "rainier@rooms.example.com", name: "Rainier", responseStatus: "accepted", resource: true },
    ],
  };
}

describe.each(["google", "microsoft"] as const)("%s: the full event record", (provider) => {
  const email = ACCOUNTS[provider];
  let organizationId: string;
  let calendarId: string;
  let connectionId: string;
  let providerCalendarId: string;

  beforeAll(async () => {
    await emu.reset();
    const person = await signIn(`record-${provider}@calsync.test`);
    organizationId = person.viewer.organizationId;
    connectionId = await connectAccount(emu, person, provider, email);
    const calendar = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    calendarId = calendar.id;
    providerCalendarId = calendar.providerCalendarId;
  });

  const sync = () => syncCalendar({ organizationId, calendarId, trigger: "webhook" });
  const rowsTitled = async (title: string) =>
    (await database.db()).event.findMany({
      where: { calendarId, title },
      include: { attendeeRows: { orderBy: { position: "asc" } } },
      orderBy: { startAt: "asc" },
    });

  async function expectFullRecord(title: string, seriesId: string) {
    const rows = await rowsTitled(title);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatchObject({
        organizationId,
        descriptionHtml: expect.stringContaining("<b>plan</b>"),
        descriptionText: expect.stringMatching(/^Quarterly plan/),
        location: "Conf Room Rainier",
        webLink: expect.stringMatching(/^https?:\/\/[^/]+\/.*\S/),
        busyStatus: "busy",
        visibility: "private",
        selfResponse: "organizer",
        conferenceProvider: provider === "google" ? "meet" : "teams",
        conferenceUrl: CONFERENCE[provider].joinUrl,
        conferenceDialIn: `${CONFERENCE[provider].phone} PIN ${CONFERENCE[provider].pin}`,
        recurringSeriesId: seriesId,
        attendeeCount: 3,
        iCalUid: expect.any(String),
      });
      expect(row.providerCreatedAt).toBeInstanceOf(Date);
      expect(row.originalStartAt?.toISOString()).toBe(row.startAt.toISOString());
      expect(row.eventType).toBe(provider === "google" ? "default" : "occurrence");
      // The row's own list (what /api/v1 and the change log carry) and its index rows: the same list, in order.
      const attendees = [
        { email: "carol@example.com", name: "Carol", response: "accepted", optional: false, organizer: false, resource: false, self: false },
        { email: "dave@example.com", name: "Dave", response: "declined", optional: true, organizer: false, resource: false, self: false },
        { email: "rainier@rooms.example.com", name: "Rainier", response: "accepted", optional: false, organizer: false, resource: true, self: false },
      ];
      expect(row.attendees).toEqual(attendees);
      expect(row.attendeeRows).toEqual(attendees.map((attendee, position) => ({ ...attendee, position, organizationId, eventId: row.id })));
      expect(row.raw).toMatchObject({ id: row.providerEventId });
    }
    if (provider === "microsoft") {
      // Graph gives the address and coordinates; Google keeps only the line.
      expect(rows[0]).toMatchObject({ locationAddress: "1 Main St, Springfield, IL 62701, US", locationLatitude: 39.8, locationLongitude: -89.65 });
    } else {
      expect(rows[0]).toMatchObject({ locationAddress: null, locationLatitude: null });
    }
    const series = await (await database.db()).eventSeries.findMany({ where: { calendarId, providerSeriesId: seriesId } });
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({ organizationId, rrule: [expect.stringMatching(/^RRULE:FREQ=WEEKLY;.*COUNT=3/)] });
  }

  it("arrives with every field from a full sync", async () => {
    const master = await emu.control.createEvent(providerCalendarId, meeting(provider, "Quarterly planning", 7));
    const outcome = await sync();
    expect(outcome).toMatchObject({ status: "succeeded", mode: "full" });
    await expectFullRecord("Quarterly planning", master.id);
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
  });

  it("arrives with every field from an incremental sync, and the rule once per series", async () => {
    const master = await emu.control.createEvent(providerCalendarId, meeting(provider, "Design review", 8));
    const outcome = await sync();
    expect(outcome).toMatchObject({ status: "succeeded", mode: "incremental", created: 3 });
    await expectFullRecord("Design review", master.id);
    // One row per series however many instances: every series row belongs to some instance, and no series twice.
    const series = await (await database.db()).eventSeries.findMany({ where: { calendarId } });
    const instancesOf = new Set(
      (await (await database.db()).event.findMany({ where: { calendarId }, select: { recurringSeriesId: true } })).map((row) => row.recurringSeriesId),
    );
    expect(new Set(series.map((row) => row.providerSeriesId)).size).toBe(series.length);
    expect(series.every((row) => instancesOf.has(row.providerSeriesId))).toBe(true);
    expect(series.length).toBe([...instancesOf].filter((id) => id !== null).length);
  });

  it("picks up an attendee's new response incrementally, rewriting only that meeting's rows", async () => {
    const [master] = (await emu.control.listEvents(providerCalendarId)).filter((event) => event.summary === "Design review" && event.recurrence);
    const untouched = (await rowsTitled("Quarterly planning")).map((row) => row.updatedAt.toISOString());
    const attendees = meeting(provider, "", 8).attendees!.map((attendee) =>
      attendee.email === "dave@example.com" ? { ...attendee, responseStatus: "accepted" as const } : attendee,
    );
    await emu.control.updateEvent(providerCalendarId, master!.id, { attendees });
    const outcome = await sync();
    expect(outcome).toMatchObject({ status: "succeeded", mode: "incremental", created: 0, updated: 3, deleted: 0 });
    for (const row of await rowsTitled("Design review")) {
      expect(row.attendeeRows.find((attendee) => attendee.email === "dave@example.com")).toMatchObject({ response: "accepted", optional: true });
      expect(row.attendees).toHaveLength(3);
    }
    expect((await rowsTitled("Quarterly planning")).map((row) => row.updatedAt.toISOString())).toEqual(untouched);
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
  });

  it("removes a series' rule with its last instance", async () => {
    const [master] = (await emu.control.listEvents(providerCalendarId)).filter((event) => event.summary === "Design review" && event.recurrence);
    await emu.control.deleteEvent(providerCalendarId, master!.id);
    await sync();
    expect(await rowsTitled("Design review")).toEqual([]);
    expect(await (await database.db()).eventSeries.findMany({ where: { calendarId, providerSeriesId: master!.id } })).toEqual([]);
    expect(await (await database.db()).eventAttendee.count({ where: { organizationId, event: { calendarId, title: "Design review" } } })).toBe(0);
  });

  it("keeps no secret of ours in the raw items", async () => {
    const connection = await (await database.db()).calendarConnection.findUniqueOrThrow({ where: { id: connectionId } });
    const subscriptions = await (await database.db()).webhookSubscription.findMany({ where: { connectionId } });
    const raw = JSON.stringify((await (await database.db()).event.findMany({ where: { calendarId }, select: { raw: true } })).map((row) => row.raw));
    expect(raw.length).toBeGreaterThan(100);
    for (const secret of [connection.accessToken, connection.refreshToken, ...subscriptions.map((subscription) => subscription.secret)]) {
      if (secret) expect(raw).not.toContain(secret);
    }
    expect(raw).not.toMatch(/"(access_token|refresh_token|clientState|token)"/);
  });
});
