import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { request, signIn, type SignedIn } from "@/scripts/test/app";
import { GET as listConnections } from "@/app/api/connections/route";
import { DELETE as disconnect } from "@/app/api/connections/[id]/route";
import { GET as listCalendars } from "@/app/api/calendars/route";
import { DELETE as dismissCalendar, GET as getCalendar, PATCH as patchCalendar } from "@/app/api/calendars/[id]/route";
import { GET as upcoming } from "@/app/api/events/upcoming/route";
import { GET as meetingHours } from "@/app/api/admin/meeting-hours/route";
import { GET as live } from "@/app/api/live/route";

// Every route a person uses, called by a member of another organization: never
// their data, never an effect on it. Rows are written directly; no provider is
// involved, so nothing here can pass by failing to reach one.

const database = setupTestDatabase();
let owner: SignedIn;
let stranger: SignedIn;
let connectionId: string;
let calendarId: string;
let removedCalendarId: string;

const params = (id: string) => ({ params: Promise.resolve({ id }) });

beforeAll(async () => {
  owner = await signIn("owner@a.test");
  stranger = await signIn("stranger@b.test");
  const db = await database.db();
  const organizationId = owner.viewer.organizationId;
  const connection = await db.calendarConnection.create({
    data: { organizationId, provider: "google", providerAccountId: "sub-a", accountEmail: "secret-a@example.com", accessToken: "at", refreshToken: "rt" },
  });
  connectionId = connection.id;
  const calendar = await db.calendar.create({
    data: { organizationId, connectionId, providerCalendarId: "a@example.com", name: "A private", isPrimary: true, syncEnabled: true },
  });
  calendarId = calendar.id;
  removedCalendarId = (
    await db.calendar.create({ data: { organizationId, connectionId, providerCalendarId: "gone@example.com", name: "A retired", removedAt: new Date() } })
  ).id;
  const start = new Date(Date.now() + 60 * 60_000);
  const meeting = await db.meeting.create({ data: { organizationId, iCalUid: "board@a.test", occurrenceKey: "" } });
  await db.event.create({
    data: {
      organizationId,
      calendarId,
      providerEventId: "e1",
      title: "A's board meeting",
      startAt: start,
      endAt: new Date(start.getTime() + 3_600_000),
      iCalUid: "board@a.test",
      meetingId: meeting.id,
      organizerEmail: "secret-a@example.com",
      // The row's list and its index, as the sync writes both.
      attendees: [{ email: "secret-guest@a.test", name: null, response: "accepted", optional: false, organizer: false, resource: false, self: false }],
      attendeeRows: { create: [{ organizationId, position: 0, email: "secret-guest@a.test", response: "accepted" }] },
    },
  });
});

async function body(response: Response): Promise<string> {
  return JSON.stringify(await response.json());
}

describe("organization isolation", () => {
  it("GET /api/connections shows only the caller's organization", async () => {
    const theirs = await body(await listConnections(request("/api/connections", { cookie: stranger.cookie }), undefined as never));
    expect(theirs).not.toContain("secret-a@example.com");
    const mine = await body(await listConnections(request("/api/connections", { cookie: owner.cookie }), undefined as never));
    expect(mine).toContain("secret-a@example.com");
  });

  it("DELETE /api/connections/:id of another organization is 404 and changes nothing", async () => {
    const response = await disconnect(request(`/api/connections/${connectionId}`, { method: "DELETE", cookie: stranger.cookie }), params(connectionId));
    expect(response.status).toBe(404);
    const db = await database.db();
    expect((await db.calendarConnection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe("active");
    expect(await db.event.count({ where: { calendarId } })).toBe(1);
  });

  it("GET /api/calendars lists only the caller's calendars", async () => {
    expect(await body(await listCalendars(request("/api/calendars", { cookie: stranger.cookie }), undefined as never))).not.toContain("A private");
    expect(await body(await listCalendars(request("/api/calendars", { cookie: owner.cookie }), undefined as never))).toContain("A private");
  });

  it("GET and PATCH /api/calendars/:id of another organization are 404", async () => {
    expect((await getCalendar(request(`/api/calendars/${calendarId}`, { cookie: stranger.cookie }), params(calendarId))).status).toBe(404);
    const patched = await patchCalendar(
      request(`/api/calendars/${calendarId}`, {
        method: "PATCH",
        cookie: stranger.cookie,
        body: JSON.stringify({ syncEnabled: false }),
        headers: { "content-type": "application/json" },
      }),
      params(calendarId),
    );
    expect(patched.status).toBe(404);
    expect((await (await database.db()).calendar.findUniqueOrThrow({ where: { id: calendarId } })).syncEnabled).toBe(true);
  });

  it("DELETE /api/calendars/:id of another organization is 404 and dismisses nothing", async () => {
    const response = await dismissCalendar(
      request(`/api/calendars/${removedCalendarId}`, { method: "DELETE", cookie: stranger.cookie }),
      params(removedCalendarId),
    );
    expect(response.status).toBe(404);
    expect(await body(response)).not.toContain("A retired");
    expect(await (await database.db()).calendar.count({ where: { id: removedCalendarId } })).toBe(1);
  });

  it("GET /api/admin/meeting-hours counts only the caller's organization's meetings, and refuses an unknown zone", async () => {
    const url = "/api/admin/meeting-hours?weeks=2&timeZone=Europe/Berlin";
    const theirs = await meetingHours(request(url, { cookie: stranger.cookie }), undefined as never);
    expect(theirs.status).toBe(200);
    expect(await body(theirs)).not.toContain("secret-guest@a.test");
    expect(await body(await meetingHours(request(url, { cookie: owner.cookie }), undefined as never))).toContain("secret-guest@a.test");
    expect((await meetingHours(request("/api/admin/meeting-hours?timeZone=Mars%2FOlympus", { cookie: owner.cookie }), undefined as never)).status).toBe(400);
    expect((await meetingHours(request("/api/admin/meeting-hours?weeks=1000", { cookie: owner.cookie }), undefined as never)).status).toBe(400);
  });

  it("GET /api/events/upcoming never returns another organization's events", async () => {
    expect(await body(await upcoming(request("/api/events/upcoming", { cookie: stranger.cookie }), undefined as never))).not.toContain("board meeting");
    expect(await body(await upcoming(request("/api/events/upcoming", { cookie: owner.cookie }), undefined as never))).toContain("board meeting");
  });

  it("GET /api/live streams the caller's organization only: the owner hears the owner's change, the stranger nothing", async () => {
    const hangUp = new AbortController();
    const open = async (caller: SignedIn) => {
      const response = await live(request("/api/live", { cookie: caller.cookie, signal: hangUp.signal }), undefined as never);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(response.headers.get("x-accel-buffering")).toBe("no");
      const reader = response.body!.getReader();
      const seen = { text: "" };
      void (async () => {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) seen.text += new TextDecoder().decode(chunk.value);
      })();
      return seen;
    };
    const [ownerStream, strangerStream] = [await open(owner), await open(stranger)];
    const settle = async (check: () => boolean) => {
      for (let waited = 0; !check() && waited < 3_000; waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
    };
    await settle(() => ownerStream.text.includes("event: ready") && strangerStream.text.includes("event: ready"));
    const db = await database.db();
    await db.event.create({
      data: {
        organizationId: owner.viewer.organizationId,
        calendarId,
        providerEventId: "live-1",
        title: "live",
        startAt: new Date(),
        endAt: new Date(Date.now() + 60_000),
      },
    });
    await settle(() => ownerStream.text.includes("event: changed"));
    // Several of the poller's rounds later, the stranger's stream still has only its greeting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    hangUp.abort();
    expect(ownerStream.text).toMatch(/event: changed\ndata: \{"kind":"events","seq":\d+\}/);
    expect(strangerStream.text).not.toContain("event: changed");
  });

  it("every route refuses a caller without a session (401) and bad input (400)", async () => {
    const anonymous = [
      await listConnections(request("/api/connections"), undefined as never),
      await disconnect(request(`/api/connections/${connectionId}`, { method: "DELETE" }), params(connectionId)),
      await listCalendars(request("/api/calendars"), undefined as never),
      await getCalendar(request(`/api/calendars/${calendarId}`), params(calendarId)),
      await dismissCalendar(request(`/api/calendars/${removedCalendarId}`, { method: "DELETE" }), params(removedCalendarId)),
      await upcoming(request("/api/events/upcoming"), undefined as never),
      await live(request("/api/live"), undefined as never),
    ];
    expect(anonymous.map((response) => response.status)).toEqual([401, 401, 401, 401, 401, 401, 401]);
    expect((await getCalendar(request("/api/calendars/not-a-uuid", { cookie: owner.cookie }), params("not-a-uuid"))).status).toBe(400);
    const badPatch = await patchCalendar(
      request(`/api/calendars/${calendarId}`, {
        method: "PATCH",
        cookie: owner.cookie,
        body: JSON.stringify({ syncEnabled: "yes" }),
        headers: { "content-type": "application/json" },
      }),
      params(calendarId),
    );
    expect(badPatch.status).toBe(400);
    expect(await badPatch.json()).toMatchObject({ error: { kind: "invalid", fields: { syncEnabled: expect.any(String) } } });
    expect((await upcoming(request("/api/events/upcoming?days=400", { cookie: owner.cookie }), undefined as never)).status).toBe(400);
  });

  it("a forged session cookie is anonymous", async () => {
    const forged = owner.cookie.slice(0, -4) + "AAAA";
    expect((await listConnections(request("/api/connections", { cookie: forged }), undefined as never)).status).toBe(401);
  });
});
