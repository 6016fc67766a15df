import { beforeAll, describe, expect, it } from "vitest";
import { GET as listChanges } from "@/app/api/v1/changes/route";
import { GET as latestCursor } from "@/app/api/v1/changes/latest/route";
import { GET as listEventsRoute } from "@/app/api/v1/events/route";
import { GET as listCalendarsRoute } from "@/app/api/v1/calendars/route";
import { GET as listMeetingsRoute } from "@/app/api/v1/meetings/route";
import { createApiKey, revokeApiKey } from "@/lib/api-keys/keys";
import type { ChangesPage, EventsPage, MeetingsPage } from "@/lib/api/v1/schemas";
import type { EventRecord } from "@/lib/providers/port";
import { eventRecord } from "@/scripts/test/event-records";
import { applyPage, startSweep, sweepUnseen } from "@/lib/sync/store";
import { seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { request, signIn, type SignedIn } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { pruneChanges } from "./log";

// The change log as the sync engine's writes leave it, read through /api/v1 with an
// API key: one change per applied write, updates naming their changed fields, a
// rewrite of identical data appending nothing, a cursor behind retention refused.

const database = setupTestDatabase();
let owner: SignedIn;
let fixture: AdminFixture;
let key: string;
const BASE = Date.UTC(2026, 11, 10, 9, 0);
const window = { start: new Date(BASE - 30 * 86_400_000), end: new Date(BASE + 365 * 86_400_000) };

function record(id: string, title: string, startHours = 24): EventRecord {
  const startAt = new Date(BASE + startHours * 3_600_000);
  return eventRecord({
    providerEventId: id,
    iCalUid: `${id}@test`,
    title,
    startAt,
    endAt: new Date(startAt.getTime() + 3_600_000),
    startTimeZone: "UTC",
    endTimeZone: "UTC",
    organizerEmail: "org@example.com",
    attendeeCount: 2,
  });
}

const ctx = { params: Promise.resolve({}) };
async function changes(
  after: string,
  extra = "",
  bearer = key,
): Promise<{ status: number; body: ChangesPage & { error?: { kind: string } }; headers: Headers }> {
  const response = await listChanges(request(`/api/v1/changes?after=${after}${extra}`, { headers: { authorization: `Bearer ${bearer}` } }), ctx);
  return { status: response.status, body: (await response.json()) as never, headers: response.headers };
}

beforeAll(async () => {
  owner = await signIn("owner@changes.test");
  const db = await database.db();
  fixture = await seedAdminFixture(db, owner.viewer.organizationId, { tag: "chg" });
  ({ key } = await createApiKey(owner.viewer.organizationId, { name: "reader", scopes: ["changes:read", "events:read"] }));
});

describe("the change log", () => {
  const scope = () => ({ organizationId: owner.viewer.organizationId, calendarId: fixture.google.calendarId });
  let start: string;

  it("appends one change per created, updated and deleted event, in order, with the changed fields", async () => {
    start = ((await (await latestCursor(request("/api/v1/changes/latest", { headers: { authorization: `Bearer ${key}` } }), ctx)).json()) as { cursor: string })
      .cursor;
    await applyPage(
      scope(),
      [
        { type: "upsert", event: record("e1", "one") },
        { type: "upsert", event: record("e2", "two") },
      ],
      window,
    );
    await applyPage(scope(), [{ type: "upsert", event: record("e1", "one, renamed") }], window);
    await applyPage(scope(), [{ type: "delete", providerEventId: "e2" }], window);
    const { status, body } = await changes(start);
    expect(status).toBe(200);
    const events = body.changes.filter((change) => change.type.startsWith("event."));
    expect(events.map((change) => [change.type, change.event?.providerEventId, change.changedFields])).toEqual([
      ["event.created", "e1", []],
      ["event.created", "e2", []],
      ["event.updated", "e1", ["title"]],
      ["event.deleted", "e2", []],
    ]);
    // Each write's meeting changes follow its event changes, in the same transaction:
    // the first page made two meetings (in id order), the rename renamed one, the
    // deletion left the other without a copy.
    const sequence = body.changes.map((change) => `${change.type} ${change.event?.providerEventId ?? change.meeting?.iCalUid}`);
    expect([...sequence.slice(0, 2), ...sequence.slice(2, 4).sort(), ...sequence.slice(4)]).toEqual([
      "event.created e1",
      "event.created e2",
      "meeting.created e1@test",
      "meeting.created e2@test",
      "event.updated e1",
      "meeting.updated e1@test",
      "event.deleted e2",
      "meeting.deleted e2@test",
    ]);
    const renamed = body.changes.find((change) => change.type === "meeting.updated")!;
    expect(renamed.changedFields).toEqual(["title"]);
    expect(renamed.meeting).toMatchObject({
      title: "one, renamed",
      iCalUid: "e1@test",
      originalStartAt: null,
      copies: [{ calendarId: fixture.google.calendarId }],
    });
    expect(body.changes.find((change) => change.type === "meeting.deleted")!.meeting).toMatchObject({ iCalUid: "e2@test", title: "two" });
    const cursors = body.changes.map((change) => BigInt(change.cursor));
    expect(cursors).toEqual(cursors.map((_, index) => cursors[0]! + BigInt(index)));
    expect(events[2]!.event!.title).toBe("one, renamed");
    expect(body.nextCursor).toBe(body.changes.at(-1)!.cursor);
  });

  it("appends nothing when a resync writes what is already stored", async () => {
    const db = await database.db();
    const before = (await changes("0", "&limit=1000")).body.changes.length;
    const run = await db.syncRun.create({ data: { ...scope(), trigger: "manual", mode: "full" }, select: { id: true } });
    const sweep = startSweep(run.id);
    await applyPage(scope(), [{ type: "upsert", event: record("e1", "one, renamed") }], window, sweep);
    expect(await sweepUnseen(db, scope(), sweep)).toBe(0);
    expect((await changes("0", "&limit=1000")).body.changes.length).toBe(before);
  });

  it("pages by cursor, and the events listing shows the same event JSON as the change", async () => {
    const first = await changes(start, "&limit=2");
    expect(first.body.changes).toHaveLength(2);
    expect(first.body.hasMore).toBe(true);
    const second = await changes(first.body.nextCursor, "&limit=2");
    expect(second.body.changes[0]!.cursor).toBe(String(BigInt(first.body.nextCursor) + 1n));
    const events = (await (await listEventsRoute(request("/api/v1/events", { headers: { authorization: `Bearer ${key}` } }), ctx)).json()) as EventsPage;
    expect(events.events).toHaveLength(1);
    const all = (await changes(start, "&limit=1000")).body.changes;
    expect(all.slice(0, 4)).toEqual([...first.body.changes, ...second.body.changes]);
    expect(all.find((change) => change.type === "event.updated")!.event).toEqual(events.events[0]);
    const meetings = (await (
      await listMeetingsRoute(request("/api/v1/meetings", { headers: { authorization: `Bearer ${key}` } }), ctx)
    ).json()) as MeetingsPage;
    expect(meetings.meetings).toEqual([all.find((change) => change.type === "meeting.updated")!.meeting]);
    expect(meetings.meetings[0]!.copies).toEqual([{ eventId: events.events[0]!.id, calendarId: fixture.google.calendarId }]);
    expect(events.events[0]!.meetingId).toBe(meetings.meetings[0]!.id);
    const calendars = (await (await listCalendarsRoute(request("/api/v1/calendars", { headers: { authorization: `Bearer ${key}` } }), ctx)).json()) as {
      calendars: Array<{ id: string }>;
    };
    expect(calendars.calendars.map((calendar) => calendar.id)).toContain(fixture.google.calendarId);
  });

  it("an attendee's answer alone is an event.updated naming attendees, and its meeting's update", async () => {
    const bob = (response: "needsAction" | "accepted") => ({
      ...record("e4", "four"),
      attendees: [{ email: "bob@example.com", name: "Bob", response, optional: false, organizer: false, resource: false, self: false }],
    });
    await applyPage(scope(), [{ type: "upsert", event: bob("needsAction") }], window);
    const { body: before } = await changes("0", "&limit=1000");
    await applyPage(scope(), [{ type: "upsert", event: bob("accepted") }], window);
    const { body } = await changes(before.nextCursor);
    expect(body.changes.map((change) => [change.type, change.changedFields])).toEqual([
      ["event.updated", ["attendees"]],
      ["meeting.updated", ["attendees"]],
    ]);
    expect(body.changes[0]!.event!.attendees).toEqual([expect.objectContaining({ email: "bob@example.com", response: "accepted", self: false })]);
    expect(body.changes[1]!.meeting!.attendees).toEqual([
      { email: "bob@example.com", name: "Bob", response: "accepted", optional: false, organizer: false, resource: false },
    ]);
    await applyPage(scope(), [{ type: "delete", providerEventId: "e4" }], window);
  });

  it("long-polls: a wait answers as soon as a change commits", async () => {
    const { body } = await changes("0", "&limit=1000");
    const pending = changes(body.nextCursor, "&wait=5");
    setTimeout(() => void applyPage(scope(), [{ type: "upsert", event: record("e3", "three") }], window), 300);
    const started = Date.now();
    const answer = await pending;
    // The event's change and its meeting's, committed together.
    expect(answer.body.changes.map((change) => `${change.type} ${change.event?.providerEventId ?? change.meeting?.iCalUid}`)).toEqual([
      "event.created e3",
      "meeting.created e3@test",
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses bad cursors with 400 and a cursor behind retention with 410", async () => {
    expect((await changes("abc")).status).toBe(400);
    expect((await changes("0", "&wait=31")).status).toBe(400);
    expect(await pruneChanges({ now: new Date(Date.now() + 31 * 86_400_000) })).toBeGreaterThan(0);
    const behind = await changes("0");
    expect(behind.status).toBe(410);
    expect(behind.body.error?.kind).toBe("gone");
    const latest = (await (await latestCursor(request("/api/v1/changes/latest", { headers: { authorization: `Bearer ${key}` } }), ctx)).json()) as {
      cursor: string;
    };
    expect((await changes(latest.cursor)).status).toBe(200);
  });
});

describe("API keys on /api/v1", () => {
  it("refuses a missing, unknown or revoked key with 401, a missing scope with 403, and sets RateLimit headers", async () => {
    expect((await changes("0", "", "")).status).toBe(401);
    expect((await changes("0", "", "csk_not-a-key")).status).toBe(401);
    const { key: eventsOnly } = await createApiKey(owner.viewer.organizationId, { name: "events only", scopes: ["events:read"] });
    const refused = await changes("0", "", eventsOnly);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("RateLimit")).toMatch(/^"per-key";r=\d+;t=\d+$/);
    const { key: doomed, apiKey } = await createApiKey(owner.viewer.organizationId, { name: "doomed", scopes: ["changes:read"] });
    expect((await changes("0", "&limit=1", doomed)).status).not.toBe(401);
    await revokeApiKey(owner.viewer.organizationId, apiKey.id);
    expect((await changes("0", "", doomed)).status).toBe(401);
  });

  it("a key of another organization reads none of this one's changes or events", async () => {
    const stranger = await signIn("stranger@changes.test");
    const { key: theirs } = await createApiKey(stranger.viewer.organizationId, { name: "theirs", scopes: ["changes:read", "events:read"] });
    const { body } = await changes("0", "&limit=1000", theirs);
    expect(body.changes).toEqual([]);
    const events = (await (await listEventsRoute(request("/api/v1/events", { headers: { authorization: `Bearer ${theirs}` } }), ctx)).json()) as EventsPage;
    expect(events.events).toEqual([]);
  });

  it("never writes a key to the logs, whatever the answer", async () => {
    const previous = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "debug";
    const written: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const { key: logged, apiKey } = await createApiKey(owner.viewer.organizationId, { name: "logged", scopes: ["changes:read"] });
      await changes("0", "", logged);
      await changes("abc", "", logged);
      await changes("0", "", `${logged}x`);
      await revokeApiKey(owner.viewer.organizationId, apiKey.id);
      await changes("0", "", logged);
      expect(written.join("")).not.toContain(logged.slice(4, 20));
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      if (previous === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previous;
    }
  });

  it("answers 429 past the per-key limit", async () => {
    const previous = process.env.API_RATE_LIMIT;
    process.env.API_RATE_LIMIT = "3";
    try {
      const { key: busy } = await createApiKey(owner.viewer.organizationId, { name: "busy", scopes: ["changes:read"] });
      const statuses: number[] = [];
      for (let index = 0; index < 5; index += 1) statuses.push((await changes("999999", "", busy)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      if (previous === undefined) delete process.env.API_RATE_LIMIT;
      else process.env.API_RATE_LIMIT = previous;
    }
  });
});

describe("column names", () => {
  it("every column of events and calendars maps to its Prisma field name", async () => {
    const { Prisma } = await import("@/lib/db/generated/client");
    const { fieldName } = await import("./resources");
    const db = await database.db();
    for (const [table, fields] of [
      ["events", Object.values(Prisma.EventScalarFieldEnum)],
      ["calendars", Object.values(Prisma.CalendarScalarFieldEnum)],
    ] as const) {
      const columns = await db.$queryRawUnsafe<Array<{ column_name: string }>>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = $1`,
        table,
      );
      expect(columns.length).toBeGreaterThan(5);
      for (const { column_name } of columns) expect(fields as readonly string[], `${table}.${column_name}`).toContain(fieldName(column_name));
    }
  });
});

describe("calendar and connection changes", () => {
  it("turning a calendar's sync off removes it and deletes its events; a connection's status changes are logged without its tokens", async () => {
    const db = await database.db();
    const after = (
      (await (await latestCursor(request("/api/v1/changes/latest", { headers: { authorization: `Bearer ${key}` } }), ctx)).json()) as { cursor: string }
    ).cursor;
    await applyPage(
      { organizationId: owner.viewer.organizationId, calendarId: fixture.google.otherCalendarId },
      [{ type: "upsert", event: record("t1", "team one") }],
      window,
    );
    await db.calendar.update({ where: { id: fixture.google.otherCalendarId }, data: { syncEnabled: false, syncCursor: "secret-cursor" } });
    await db.calendar.deleteMany({ where: { id: fixture.google.otherCalendarId, organizationId: owner.viewer.organizationId } });
    await db.calendarConnection.update({ where: { id: fixture.google.connectionId }, data: { status: "needs_reconnect", accessToken: "plain-access-token" } });
    await db.calendarConnection.update({ where: { id: fixture.google.connectionId }, data: { lastSyncedAt: new Date() } });
    const { body } = await changes(after, "&limit=1000");
    expect(body.changes.map((change) => change.type)).toEqual([
      "event.created",
      "meeting.created",
      "calendar.removed",
      "event.deleted",
      "meeting.deleted",
      "connection.needs_reconnect",
    ]);
    expect(body.changes[2]!.calendar?.id).toBe(fixture.google.otherCalendarId);
    const text = JSON.stringify(body);
    expect(text).not.toContain("secret-cursor");
    expect(text).not.toContain("plain-access-token");
    expect(body.changes[5]!.connection).toEqual(expect.objectContaining({ id: fixture.google.connectionId, status: "needs_reconnect" }));
  });
});
