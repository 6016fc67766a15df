import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import type { EventInput } from "@/e2e/emulator/types";
import { installJobSender } from "@/lib/jobs/dispatch";
import { syncCalendar } from "@/lib/sync/engine";
import { connectAccount, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { meetingById } from "@/lib/changes/resources";
import { meetingHours } from "./meetings";

// The same meeting in two connected calendars of one organization (Alice's Google
// calendar, Bob's Outlook one) is one meeting with both copies; each attendee's
// answer is the one their own calendar gives; meeting hours count a person once per
// meeting, not once per copy; the meeting goes with its last copy.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;
let organizationId: string;
let otherOrganizationId: string;
const calendars: Record<"google" | "microsoft", { id: string; providerId: string }> = {
  google: { id: "", providerId: "" },
  microsoft: { id: "", providerId: "" },
};

// Monday noon UTC two weeks ahead: inside the mirrored window and the same week in any zone near UTC.
function mondayAhead(hour: number): string {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + ((8 - date.getUTCDay()) % 7 || 7) + 7);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
}

const start = mondayAhead(12);
const end = mondayAhead(13);

function copy(self: "alice" | "bob", overrides: Partial<EventInput> = {}): EventInput {
  return {
    iCalUID: "q3-planning-2026@example.com",
    summary: "Q3 planning",
    start,
    end,
    timeZone: "UTC",
    organizer: { email: "alice@example.com", name: "Alice" },
    attendees: [
      { email: "alice@example.com", name: "Alice", responseStatus: "accepted" },
      // Alice's copy has not heard of Bob's answer yet; Bob's own calendar says tentative.
      { email: "bob@contoso.example", name: "Bob", responseStatus: self === "bob" ? "tentative" : "needsAction" },
      { email: "carol@example.com", name: "Carol", responseStatus: "accepted" },
      { email: "dave@example.com", name: "Dave", responseStatus: "declined" },
      { email: "rainier@rooms.example.com", name: "Rainier", responseStatus: "accepted", resource: true },
    ],
    ...overrides,
  };
}

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async () => {});
  await emu.reset();
  const person = await signIn("meetings@calsync.test");
  organizationId = person.viewer.organizationId;
  otherOrganizationId = (await signIn("elsewhere@calsync.test")).viewer.organizationId;
  for (const [provider, email] of [
    ["google", "alice@example.com"],
    ["microsoft", "bob@contoso.example"],
  ] as const) {
    const connectionId = await connectAccount(emu, person, provider, email);
    const calendar = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    calendars[provider] = { id: calendar.id, providerId: calendar.providerCalendarId };
  }
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

const syncBoth = async () => {
  for (const provider of ["google", "microsoft"] as const) await syncCalendar({ organizationId, calendarId: calendars[provider].id, trigger: "webhook" });
};
const meetingsKeyed = async (iCalUid: string) =>
  (await database.db()).meeting.findMany({ where: { organizationId, iCalUid }, include: { copies: true }, orderBy: { occurrenceKey: "asc" } });

describe("one meeting per organization", () => {
  let aliceCopy: string;
  let bobCopy: string;

  it("links the copies in both calendars to one meeting, with the union of attendees as each one's own calendar answers", async () => {
    aliceCopy = (await emu.control.createEvent(calendars.google.providerId, copy("alice"))).id;
    bobCopy = (await emu.control.createEvent(calendars.microsoft.providerId, copy("bob"))).id;
    await syncBoth();
    const [meeting, ...others] = await meetingsKeyed("q3-planning-2026@example.com");
    expect(others).toEqual([]);
    expect(meeting!.occurrenceKey).toBe("");
    expect(meeting!.copies.map((event) => event.calendarId).sort()).toEqual([calendars.google.id, calendars.microsoft.id].sort());

    const view = await meetingById(await database.db(), organizationId, meeting!.id);
    expect(view).toMatchObject({ title: "Q3 planning", organizerEmail: "alice@example.com", startAt: new Date(start).toISOString(), originalStartAt: null });
    expect(view.copies.map((entry) => entry.calendarId).sort()).toEqual([calendars.google.id, calendars.microsoft.id].sort());
    expect(view.attendees.map(({ email, response, resource }) => ({ email, response, resource }))).toEqual([
      { email: "alice@example.com", response: "accepted", resource: false },
      { email: "bob@contoso.example", response: "tentative", resource: false },
      { email: "carol@example.com", response: "accepted", resource: false },
      { email: "dave@example.com", response: "declined", resource: false },
      { email: "rainier@rooms.example.com", response: "accepted", resource: true },
    ]);
    await expect(meetingById(await database.db(), otherOrganizationId, meeting!.id)).rejects.toMatchObject({ kind: "not_found" });
  });

  it("counts meeting hours once per person per meeting, never once per copy", async () => {
    const rows = await meetingHours(organizationId, { weeks: 1, timeZone: "UTC", now: new Date(start) });
    expect(rows.map(({ email, hours, meetings }) => ({ email, hours, meetings }))).toEqual([
      { email: "alice@example.com", hours: 1, meetings: 1 },
      { email: "bob@contoso.example", hours: 1, meetings: 1 },
      { email: "carol@example.com", hours: 1, meetings: 1 },
    ]);
    expect(new Set(rows.map((row) => row.week)).size).toBe(1);
    expect(await meetingHours(otherOrganizationId, { weeks: 1, timeZone: "UTC", now: new Date(start) })).toEqual([]);
    await expect(meetingHours(organizationId, { weeks: 1, timeZone: "Mars/Olympus", now: new Date(start) })).rejects.toMatchObject({ kind: "invalid" });
  });

  it("keeps a meeting its organizer cancelled in Bob's Outlook calendar as cancelled, and counts no hours for it", async () => {
    const cancelled = (self: "alice" | "bob") =>
      copy(self, { iCalUID: "offsite-sync@example.com", summary: "Offsite sync", start: mondayAhead(9), end: mondayAhead(10) });
    const aliceOffsite = (await emu.control.createEvent(calendars.google.providerId, cancelled("alice"))).id;
    const bobOffsite = (await emu.control.createEvent(calendars.microsoft.providerId, cancelled("bob"))).id;
    await syncBoth();
    const counted = await meetingHours(organizationId, { weeks: 1, timeZone: "UTC", now: new Date(start) });
    expect(counted.find((row) => row.email === "carol@example.com")).toMatchObject({ hours: 2, meetings: 2 });
    // Alice cancels: Google deletes her copy; Outlook keeps Bob's, marked isCancelled.
    await emu.control.deleteEvent(calendars.google.providerId, aliceOffsite);
    await emu.control.updateEvent(calendars.microsoft.providerId, bobOffsite, { status: "cancelled" });
    await syncBoth();
    const [meeting] = await meetingsKeyed("offsite-sync@example.com");
    expect(meeting!.copies.map((event) => [event.calendarId, event.status])).toEqual([[calendars.microsoft.id, "cancelled"]]);
    const rows = await meetingHours(organizationId, { weeks: 1, timeZone: "UTC", now: new Date(start) });
    expect(rows.find((row) => row.email === "carol@example.com")).toMatchObject({ hours: 1, meetings: 1 });
    await emu.control.deleteEvent(calendars.microsoft.providerId, bobOffsite);
    await syncBoth();
    expect(await meetingsKeyed("offsite-sync@example.com")).toEqual([]);
  });

  it("keys instances of a series by their original start: one meeting per occurrence, each with both copies", async () => {
    const series = (self: "alice" | "bob") =>
      copy(self, {
        iCalUID: "weekly-1on1@example.com",
        summary: "1:1",
        start: mondayAhead(15),
        end: mondayAhead(16),
        recurrence: ["RRULE:FREQ=WEEKLY;COUNT=2"],
      });
    await emu.control.createEvent(calendars.google.providerId, series("alice"));
    await emu.control.createEvent(calendars.microsoft.providerId, series("bob"));
    await syncBoth();
    const meetings = await meetingsKeyed("weekly-1on1@example.com");
    expect(meetings).toHaveLength(2);
    expect(meetings.map((meeting) => meeting.occurrenceKey)).toEqual([
      new Date(mondayAhead(15)).toISOString(),
      new Date(Date.parse(mondayAhead(15)) + 7 * 86_400_000).toISOString(),
    ]);
    for (const meeting of meetings) expect(meeting.copies).toHaveLength(2);
  });

  it("removes only that calendar's copy when one deletes it, and the meeting with the last copy", async () => {
    await emu.control.deleteEvent(calendars.microsoft.providerId, bobCopy);
    await syncBoth();
    const [meeting] = await meetingsKeyed("q3-planning-2026@example.com");
    expect(meeting!.copies.map((event) => event.calendarId)).toEqual([calendars.google.id]);
    // Bob's own answer went with his copy: Alice's copy speaks for him now.
    expect(
      (await meetingById(await database.db(), organizationId, meeting!.id)).attendees.find((attendee) => attendee.email === "bob@contoso.example")?.response,
    ).toBe("needsAction");

    await emu.control.deleteEvent(calendars.google.providerId, aliceCopy);
    await syncBoth();
    expect(await meetingsKeyed("q3-planning-2026@example.com")).toEqual([]);
  });
});
