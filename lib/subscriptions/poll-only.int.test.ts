import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { discoverCalendarsCronJob, refreshCalendarsJob } from "@/lib/connections/setup";
import { calendarSummaries } from "@/lib/connections/queries";
import { healthReport } from "@/lib/health/organization";
import { installJobSender } from "@/lib/jobs/dispatch";
import { claimDuePolls } from "@/lib/sync/poll";
import { connectAccount, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { registerPush, renewExpiring } from "./lifecycle";

// A calendar Google will not watch (a public holiday calendar answers events.watch
// with 400 pushNotSupportedForRequestedResource): through the real SDK against the
// emulator, it becomes poll-only: no failed subscription, not flagged, polled at the
// short interval, and not asked again at every renewal.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;
const HOLIDAYS = "en.usa#holiday@group.v.calendar.google.com";

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async () => {});
  await emu.control.addCalendar("alice@example.com", {
    id: HOLIDAYS,
    name: "Holidays in United States",
    timeZone: "America/New_York",
    events: [{ summary: "Independence Day", start: "2027-07-04", end: "2027-07-05" }],
  });
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

describe("a calendar that refuses push", () => {
  it("is poll-only: no failed subscription, the reason on the calendar, not flagged, polled without push, not retried by renewal", async () => {
    const person = await signIn("holidays@calsync.test");
    const organizationId = person.viewer.organizationId;
    const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
    const db = await database.db();
    const holidays = await db.calendar.findFirstOrThrow({ where: { connectionId, providerCalendarId: HOLIDAYS } });
    await db.calendar.update({ where: { id: holidays.id }, data: { syncEnabled: true, lastSyncedAt: new Date() } });

    const outcomes = await registerPush(connectionId, organizationId);
    expect(outcomes.find((outcome) => outcome.calendarId === holidays.id)).toMatchObject({ status: "poll_only" });
    expect(await db.webhookSubscription.count({ where: { calendarId: holidays.id } })).toBe(0);
    expect((await db.calendar.findUniqueOrThrow({ where: { id: holidays.id } })).pushUnsupportedAt).not.toBeNull();
    // The primary calendar beside it has its channel as usual.
    const primary = await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    expect(await db.webhookSubscription.count({ where: { calendarId: primary.id, status: "active" } })).toBe(1);

    const report = await healthReport({ organizationId });
    expect(report.problems.filter((problem) => problem.includes("Holidays in United States"))).toEqual([]);

    const claimed = await claimDuePolls({ now: new Date(Date.now() + 2 * 60 * 60_000), limit: 500 });
    expect(claimed.find((calendar) => calendar.calendarId === holidays.id)).toMatchObject({ push: false });
    expect(claimed.find((calendar) => calendar.calendarId === primary.id)).toMatchObject({ push: true });

    const watchesBefore = (await emu.control.calls()).byEndpoint["google.events.watch"] ?? 0;
    const renewed = await renewExpiring({ organizationId });
    expect(renewed.filter((outcome) => outcome.action === "failed")).toEqual([]);
    expect((await emu.control.calls()).byEndpoint["google.events.watch"] ?? 0).toBe(watchesBefore);
  });
});

describe("periodic calendar discovery", () => {
  it("finds a calendar added at the provider after connect: listed as new and unsynced", async () => {
    const person = await signIn("discovery@calsync.test");
    const organizationId = person.viewer.organizationId;
    const db = await database.db();
    // One live connection per account: the earlier test's goes first.
    await db.calendarConnection.updateMany({ where: { accountEmail: "alice@example.com" }, data: { status: "revoked" } });
    const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
    const added = await emu.control.addCalendar("alice@example.com", { name: "Project X", timeZone: "Europe/Berlin" });

    // Not due right after connect (the list was just read); due once the interval has passed.
    expect((await discoverCalendarsCronJob({ limit: 500 })).followUps ?? []).not.toContainEqual(
      expect.objectContaining({ data: { connectionId, organizationId } }),
    );
    const later = new Date(Date.now() + 7 * 60 * 60_000);
    const claimed = await discoverCalendarsCronJob({ now: later, limit: 500 });
    expect(claimed.followUps).toContainEqual({ name: "connection/calendars.refresh", data: { connectionId, organizationId } });
    expect((await discoverCalendarsCronJob({ now: later, limit: 500 })).followUps ?? []).toEqual([]);

    await refreshCalendarsJob({ connectionId, organizationId });
    const found = (await calendarSummaries(organizationId)).find((calendar) => calendar.name === "Project X");
    expect(found).toMatchObject({ syncEnabled: false, discovered: true });
    expect(await db.calendar.count({ where: { connectionId, providerCalendarId: added.id } })).toBe(1);
  });
});
