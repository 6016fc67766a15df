import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { stopMirroring } from "@/lib/connections/calendars";
import { installJobSender } from "@/lib/jobs/dispatch";
import { connectAccount, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { syncCalendar } from "./engine";

// A calendar that stops being mirrored (removed at the provider, or its sync turned
// off) while a sync of it is half-way: the run's remaining pages write nothing, its
// end does not put a cursor back, and the calendar keeps no events. The emulator
// serves two events a page, each after 300 ms, so the run is mid-way when it stops.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;

const ACCOUNTS = { google: "alice@example.com", microsoft: "bob@contoso.example" } as const;
const EVENTS = 12;

beforeAll(async () => {
  emu = await startAppEmulator({ settings: { maxServedPageSize: 2 } });
  restoreJobs = installJobSender(async () => {});
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

const soon = (days: number, hour: number) => {
  const date = new Date(Date.now() + days * 24 * 60 * 60_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
};

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(["google", "microsoft"] as const)("%s: mirroring stopped during a sync", (provider) => {
  it("writes none of the remaining pages, keeps no events and puts no cursor back", async () => {
    await emu.reset();
    const person = await signIn(`stop-${provider}@calsync.test`);
    const organizationId = person.viewer.organizationId;
    const connectionId = await connectAccount(emu, person, provider, ACCOUNTS[provider]);
    const client = await database.db();
    const calendar = await client.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    for (let day = 1; day <= EVENTS; day += 1)
      await emu.control.createEvent(calendar.providerCalendarId, { summary: `Stop ${day}`, start: soon(day, 9), end: soon(day, 10) });
    const mirrored = () => client.event.count({ where: { calendarId: calendar.id } });
    await emu.control.setLatency(300);

    const running = syncCalendar({ organizationId, calendarId: calendar.id, trigger: "manual", mode: "full" });
    running.catch(() => {});
    // A page or two is in: the run is under way, most of the calendar still to come.
    await until(async () => (await mirrored()) >= 2, "the first page");
    await stopMirroring(organizationId, calendar.id);
    expect(await mirrored()).toBe(0);

    const outcome = await running;
    await emu.control.setLatency(0);
    expect(outcome).toMatchObject({ status: "skipped", reason: "the calendar stopped being mirrored during the run" });
    expect(await mirrored()).toBe(0);
    const after = await client.calendar.findUniqueOrThrow({ where: { id: calendar.id } });
    expect(after).toMatchObject({ syncEnabled: false, syncCursor: null, syncWindowStart: null, nextPollAt: null });
    const run = await client.syncRun.findFirstOrThrow({ where: { calendarId: calendar.id }, orderBy: { startedAt: "desc" } });
    expect(run).toMatchObject({ status: "failed", error: expect.stringContaining("stopped being mirrored") });
    expect(run.created).toBeLessThan(EVENTS);
  });
});
