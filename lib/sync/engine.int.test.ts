import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { connectAccount, mirrorDiff, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import type { Emulator } from "@/e2e/emulator/server";
import { installJobSender } from "@/lib/jobs/dispatch";
import { isProviderError } from "@/lib/providers/errors";
import { syncCalendar } from "./engine";

// The sync engine against the emulator, per provider: first full sync, incremental
// changes (timed, all-day, recurring instances), lost cursors, throttling, expired
// and revoked access. After each step our copy must equal a fresh full listing.

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

function soon(days: number, hour = 10): string {
  const date = new Date(Date.now() + days * 24 * 60 * 60_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
}
const dateOnly = (days: number) => soon(days).slice(0, 10);

describe.each(["google", "microsoft"] as const)("%s sync", (provider) => {
  const email = ACCOUNTS[provider];
  let calendarId: string;
  let organizationId: string;
  let providerCalendarId: string;

  beforeAll(async () => {
    await emu.reset();
    const person = await signIn(`sync-${provider}@calsync.test`);
    organizationId = person.viewer.organizationId;
    const connectionId = await connectAccount(emu, person, provider, email);
    const db = await database.db();
    const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    calendarId = calendar.id;
    providerCalendarId = calendar.providerCalendarId;
  });

  const sync = (trigger: "initial" | "webhook" | "poll" = "webhook") => syncCalendar({ organizationId, calendarId, trigger });

  it("mirrors the calendar on the first sync, recurring instances and all-day events included", async () => {
    const outcome = await sync("initial");
    expect(outcome).toMatchObject({ status: "succeeded", mode: "full", deleted: 0 });
    expect(outcome.created).toBeGreaterThanOrEqual(5);
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
    const db = await database.db();
    const events = await db.event.findMany({ where: { calendarId } });
    expect(events.some((event) => event.isAllDay && event.startDate !== null)).toBe(true);
    expect(events.filter((event) => event.recurringSeriesId !== null).length).toBeGreaterThanOrEqual(3);
    const run = await db.syncRun.findFirstOrThrow({ where: { calendarId }, orderBy: { startedAt: "desc" } });
    expect(run).toMatchObject({ status: "succeeded", mode: "full", trigger: "initial", created: outcome.created });
    expect(run.providerCalls).toBeGreaterThanOrEqual(1);
    expect(run.durationMs).not.toBeNull();
  });

  it("applies creates, updates, deletes and instance changes incrementally", async () => {
    const created = await emu.control.createEvent(providerCalendarId, { summary: "Planning", start: soon(2), end: soon(2, 11), timeZone: "Europe/Berlin" });
    const allDay = await emu.control.createEvent(providerCalendarId, { summary: "Company retreat", start: dateOnly(3), end: dateOnly(5) });
    const series = await emu.control.createEvent(providerCalendarId, {
      summary: "Standup",
      start: soon(1, 9),
      end: soon(1, 10),
      recurrence: ["RRULE:FREQ=DAILY;COUNT=4"],
    });
    let outcome = await sync();
    expect(outcome).toMatchObject({ status: "succeeded", mode: "incremental" });
    expect(outcome.created).toBe(2 + 4);
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });

    const db = await database.db();
    const offsite = await db.event.findFirstOrThrow({ where: { calendarId, title: "Company retreat" } });
    expect(offsite).toMatchObject({ isAllDay: true });
    expect(offsite.startDate?.toISOString().slice(0, 10)).toBe(dateOnly(3));
    expect(offsite.endDate?.toISOString().slice(0, 10)).toBe(dateOnly(5));

    await emu.control.updateEvent(providerCalendarId, created.id, { summary: "Planning (moved)", start: soon(2, 14), end: soon(2, 15) });
    await emu.control.deleteEvent(providerCalendarId, allDay.id);
    await emu.control.changeInstance(providerCalendarId, series.id, { originalStart: soon(2, 9), cancelled: true });
    outcome = await sync();
    expect(outcome).toMatchObject({ status: "succeeded", mode: "incremental", updated: 1, deleted: 2 });
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
    expect(await db.event.count({ where: { calendarId, title: "Standup" } })).toBe(3);
    expect(await db.event.findFirst({ where: { calendarId, title: "Company retreat" } })).toBeNull();

    // Nothing changed: nothing written.
    expect(await sync()).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });

  it("resyncs in full when the provider forgets the cursor, deletions included", async () => {
    const doomed = await emu.control.createEvent(providerCalendarId, { summary: "Doomed", start: soon(4), end: soon(4, 11) });
    await sync();
    await emu.control.invalidateSyncTokens({ provider, accountEmail: email });
    await emu.control.deleteEvent(providerCalendarId, doomed.id);
    await emu.control.createEvent(providerCalendarId, { summary: "Fresh", start: soon(5), end: soon(5, 11) });
    const outcome = await sync();
    expect(outcome).toMatchObject({ status: "succeeded", mode: "full", created: 1, deleted: 1 });
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
  });

  it("waits out a 429 with Retry-After and converges", async () => {
    await emu.control.createEvent(providerCalendarId, { summary: "Throttled", start: soon(6), end: soon(6, 11) });
    await emu.control.failNext({ endpoint: provider === "google" ? "google.events.list" : "graph.delta", status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const outcome = await sync();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(outcome).toMatchObject({ status: "succeeded", created: 1 });
    expect(outcome.providerCalls).toBe(2);
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
  });

  it("refreshes an access token the provider expired, once", async () => {
    await emu.control.expireAccessTokens(email, provider);
    await emu.control.createEvent(providerCalendarId, { summary: "After refresh", start: soon(7), end: soon(7, 11) });
    expect(await sync()).toMatchObject({ status: "succeeded", created: 1 });
  });

  it("marks the connection for reconnect when the grant is revoked, and stops syncing it", async () => {
    await emu.control.revokeGrant(provider, email);
    await emu.control.expireAccessTokens(email, provider);
    const failure = await sync().catch((err: unknown) => err);
    expect(isProviderError(failure, "reauthorization_required")).toBe(true);
    const db = await database.db();
    const calendar = await db.calendar.findUniqueOrThrow({ where: { id: calendarId }, include: { connection: true } });
    expect(calendar.connection.status).toBe("needs_reconnect");
    expect(calendar.connection.lastError).toBeTruthy();
    expect((await db.syncRun.findFirstOrThrow({ where: { calendarId }, orderBy: { startedAt: "desc" } })).status).toBe("failed");
    expect(await sync()).toMatchObject({ status: "skipped" });
  });
});
