import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { request, signIn, type SignedIn } from "@/scripts/test/app";
import { installJobSender } from "@/lib/jobs/dispatch";
import { EventDetailSchema } from "@/lib/api/event-detail";
import { GET as getEvent } from "@/app/api/events/[id]/route";
import { POST as syncNow } from "@/app/api/calendars/[id]/sync/route";

// The dashboard's drawer route and its "Sync now": the full record of the caller's
// own organization's event, nothing (404) for another organization's id.

const database = setupTestDatabase();
let owner: SignedIn;
let stranger: SignedIn;
let calendarId: string;
let eventId: string;
let strangerEventId: string;
const dispatched: Array<{ name: string; data: unknown }> = [];
const params = (id: string) => ({ params: Promise.resolve({ id }) });

async function seedCalendar(organizationId: string, tag: string) {
  const db = await database.db();
  const connection = await db.calendarConnection.create({
    data: { organizationId, provider: "google", providerAccountId: `sub-${tag}`, accountEmail: `${tag}@example.com`, accessToken: "at", refreshToken: "rt" },
  });
  return db.calendar.create({
    data: {
      organizationId,
      connectionId: connection.id,
      providerCalendarId: `${tag}-cal`,
      name: `${tag} calendar`,
      syncEnabled: true,
      timeZone: "Europe/Berlin",
      lastSyncedAt: new Date("2026-12-01T10:00:00Z"),
    },
  });
}

beforeAll(async () => {
  installJobSender(async (items) => void dispatched.push(...(items as Array<{ name: string; data: unknown }>)));
  owner = await signIn("owner@detail-a.test");
  stranger = await signIn("stranger@detail-b.test");
  const db = await database.db();
  const organizationId = owner.viewer.organizationId;
  const calendar = await seedCalendar(organizationId, "a");
  calendarId = calendar.id;
  const other = await db.calendar.create({
    data: { organizationId, connectionId: calendar.connectionId, providerCalendarId: "a-team", name: "a team", syncEnabled: true },
  });
  const meeting = await db.meeting.create({ data: { organizationId, iCalUid: "standup@a.test", occurrenceKey: "" } });
  await db.eventSeries.create({
    data: { organizationId, calendarId, providerSeriesId: "standup", rrule: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE"], timeZone: "America/New_York" },
  });
  const start = new Date(Date.now() + 60 * 60_000);
  const common = { organizationId, iCalUid: "standup@a.test", meetingId: meeting.id, startAt: start, endAt: new Date(start.getTime() + 30 * 60_000) };
  eventId = (
    await db.event.create({
      data: {
        ...common,
        calendarId,
        providerEventId: "standup_1",
        recurringSeriesId: "standup",
        title: "Stand-up",
        descriptionText: "Agenda: <b>wins</b>",
        descriptionHtml: "<p>Agenda: <script>alert(1)</script></p>",
        location: "Room 4",
        locationAddress: "1 Main St, Springfield",
        startTimeZone: "America/New_York",
        busyStatus: "busy",
        visibility: "private",
        selfResponse: "accepted",
        organizerEmail: "lead@a.test",
        organizerName: "Lead",
        conferenceProvider: "meet",
        conferenceUrl: "https://meet.google.com/abc-defg-hij",
        conferenceDialIn: "+1 555 0100 PIN 1234",
        attendees: [
          { email: "lead@a.test", name: "Lead", response: "accepted", optional: false, organizer: true, resource: false, self: false },
          { email: "a@example.com", name: null, response: "accepted", optional: false, organizer: false, resource: false, self: true },
          { email: "bob@a.test", name: "Bob", response: "declined", optional: true, organizer: false, resource: false, self: false },
          { email: "room4@resource.a.test", name: "Room 4", response: "accepted", optional: false, organizer: false, resource: true, self: false },
        ],
        attendeeCount: 4,
      },
    })
  ).id;
  await db.event.create({ data: { ...common, calendarId: other.id, providerEventId: "standup_1_copy", title: "Stand-up" } });
  const strangerCalendar = await seedCalendar(stranger.viewer.organizationId, "b");
  strangerEventId = (
    await db.event.create({
      data: {
        organizationId: stranger.viewer.organizationId,
        calendarId: strangerCalendar.id,
        providerEventId: "b1",
        title: "B secret",
        startAt: start,
        endAt: start,
      },
    })
  ).id;
});

describe("GET /api/events/:id", () => {
  it("gives the full record of the caller's own event, without the HTML body", async () => {
    const response = await getEvent(request(`/api/events/${eventId}`, { cookie: owner.cookie }), params(eventId));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    const detail = EventDetailSchema.parse(body);
    expect(body).not.toHaveProperty("descriptionHtml");
    expect(JSON.stringify(body)).not.toContain("<script>");
    expect(detail).toMatchObject({
      id: eventId,
      calendarName: "a calendar",
      calendarLastSyncedAt: "2026-12-01T10:00:00.000Z",
      accountEmail: "a@example.com",
      title: "Stand-up",
      descriptionText: "Agenda: <b>wins</b>",
      location: "Room 4",
      locationAddress: "1 Main St, Springfield",
      timeZone: "America/New_York",
      busyStatus: "busy",
      visibility: "private",
      organizer: { email: "lead@a.test", name: "Lead" },
      conference: { provider: "meet", url: "https://meet.google.com/abc-defg-hij", dialIn: "+1 555 0100 PIN 1234" },
      recurring: true,
      seriesRule: "Weekly on Mon, Wed",
      otherCopies: 1,
    });
    expect(detail.attendees.map((attendee) => [attendee.email, attendee.organizer, attendee.optional, attendee.resource])).toEqual([
      ["lead@a.test", true, false, false],
      ["a@example.com", false, false, false],
      ["bob@a.test", false, true, false],
      ["room4@resource.a.test", false, false, true],
    ]);
  });

  it("answers 404 for another organization's event, and for no event at all", async () => {
    for (const [cookie, id] of [
      [owner.cookie, strangerEventId],
      [stranger.cookie, eventId],
      [owner.cookie, "00000000-0000-4000-8000-000000000000"],
    ] as const) {
      const response = await getEvent(request(`/api/events/${id}`, { cookie }), params(id));
      expect(response.status).toBe(404);
      const text = await response.text();
      expect(text).not.toContain("Stand-up");
      expect(text).not.toContain("B secret");
    }
  });

  it("refuses no session and a malformed id", async () => {
    expect((await getEvent(request(`/api/events/${eventId}`), params(eventId))).status).toBe(401);
    expect((await getEvent(request("/api/events/nope", { cookie: owner.cookie }), params("nope"))).status).toBe(400);
  });
});

describe("POST /api/calendars/:id/sync", () => {
  it("asks for a manual sync of the caller's calendar, and of no other organization's", async () => {
    const before = dispatched.length;
    const response = await syncNow(request(`/api/calendars/${calendarId}/sync`, { method: "POST", cookie: owner.cookie }), params(calendarId));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ calendarId, requested: true });
    expect(dispatched.slice(before)).toEqual([expect.objectContaining({ data: expect.objectContaining({ calendarId, trigger: "manual" }) })]);
    const refused = await syncNow(request(`/api/calendars/${calendarId}/sync`, { method: "POST", cookie: stranger.cookie }), params(calendarId));
    expect(refused.status).toBe(404);
    expect(dispatched.length).toBe(before + 1);
  });
});
