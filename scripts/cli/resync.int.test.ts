import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRawPool } from "@/lib/db/raw";
import { inlineDriver } from "@/inngest";
import type { Emulator } from "@/e2e/emulator/server";
import { connectAccount, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { EXIT } from "./command";
import { run } from "./resync";
import { captureIo } from "@/scripts/test/cli";

// resync against the provider emulator: changes the app was never told about
// (notifications dropped) reach the database when the command runs, in-process.

const database = setupTestDatabase();
let emu: Emulator;
let connectionId: string;
let primary: { id: string; providerCalendarId: string };
let team: { id: string; providerCalendarId: string };

function at(days: number, hour = 10): string {
  const date = new Date(Date.now() + days * 24 * 60 * 60_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
}

beforeAll(async () => {
  emu = await startAppEmulator();
  const person = await signIn("resync@calsync.test");
  connectionId = await connectAccount(emu, person, "google", "alice@example.com");
  await emu.control.waitForIdle(15_000);
  await inlineDriver().idle();
  // Nothing the emulator announces from here on reaches the app: only resync can.
  await emu.control.setNotificationFaults({ dropRate: 1, seed: 3 });
  const client = await database.db();
  primary = await client.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
  team = await client.calendar.findFirstOrThrow({ where: { connectionId, name: "Team" } });
});

afterAll(async () => {
  await inlineDriver().idle();
  inlineDriver().stop();
  await stopAppEmulator(emu);
  await closeRawPool();
});

const stored = async (calendarId: string, title: string) => (await database.db()).event.findFirst({ where: { calendarId, title } });

describe("resync", () => {
  it("--calendar brings a change the app was not told about into the database, incrementally", async () => {
    const created = await emu.control.createEvent(primary.providerCalendarId, { summary: "Only resync knows", start: at(2), end: at(2, 11) });
    await emu.control.waitForIdle(5_000);
    expect(await stored(primary.id, "Only resync knows")).toBeNull();

    const io = captureIo();
    const code = await run(["--calendar", primary.id], io);
    expect(io.stderr.text).toBe("");
    expect(code).toBe(EXIT.ok);
    expect((await stored(primary.id, "Only resync knows"))?.providerEventId).toBe(created.id);
    const [header, row, ...rest] = io.stdout.text.trimEnd().split("\n");
    expect(header).toMatch(/^CALENDAR\s+ID\s+ACCOUNT\s+MODE\s+CREATED\s+UPDATED\s+DELETED\s+PAGES\s+TIME\s+RESULT$/);
    expect(row).toMatch(
      new RegExp(`^alice@example\\.com\\s+${primary.id.slice(0, 8)}…\\s+alice@example\\.com\\s+incremental\\s+1\\s+0\\s+0\\s+1\\s+\\d+ ms\\s+synced$`),
    );
    expect(rest).toEqual([]);
    const run_ = await (await database.db()).syncRun.findFirstOrThrow({ where: { calendarId: primary.id }, orderBy: { startedAt: "desc" } });
    expect(run_).toMatchObject({ trigger: "manual", mode: "incremental", status: "succeeded", created: 1 });
  });

  it("--connection --full syncs every synced calendar of the connection, with progress", async () => {
    const client = await database.db();
    // The Team calendar is off after connecting; turning it on is what makes it part of the run.
    await client.calendar.update({ where: { id: team.id }, data: { syncEnabled: true } });
    await emu.control.createEvent(team.providerCalendarId, { summary: "Team offsite", start: at(5), end: at(5, 17) });
    const gone = await client.event.findFirstOrThrow({ where: { calendarId: primary.id, title: "Only resync knows" } });
    await emu.control.deleteEvent(primary.providerCalendarId, gone.providerEventId);
    await emu.control.waitForIdle(5_000);

    const io = captureIo();
    const code = await run(["--connection", connectionId, "--full"], io);
    expect(code).toBe(EXIT.ok);
    expect(io.stderr.text).toBe("[1/2] syncing alice@example.com…\n[2/2] syncing Team…\n");
    const lines = io.stdout.text.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^alice@example\.com\s.*\sfull\s+\d+\s+\d+\s+1\s+\d+\s+\d+ ms\s+synced$/);
    expect(lines[2]).toMatch(/^Team\s.*\sfull\s+[1-9]\d*\s+0\s+0\s+\d+\s+\d+ ms\s+synced$/);
    expect(await stored(team.id, "Team offsite")).not.toBeNull();
    expect(await stored(primary.id, "Only resync knows")).toBeNull();
  });

  it("exits 1 and says why when a calendar cannot be synced, or the provider fails", async () => {
    const client = await database.db();
    await client.calendar.update({ where: { id: team.id }, data: { syncEnabled: false } });
    const off = captureIo();
    expect(await run(["--calendar", team.id], off)).toBe(EXIT.failed);
    expect(off.stdout.text).toMatch(/Team\s.*skipped: sync is off for this calendar/);
    expect(off.stderr.text).toBe("error: 1 calendar of 1 not synced\n");

    // Asked to wait longer than a run waits inline: the run fails at once.
    await emu.control.failNext({ endpoint: "google.events.list", status: 429, retryAfterSeconds: 120, count: 1 });
    const failing = captureIo();
    expect(await run(["--calendar", primary.id], failing)).toBe(EXIT.failed);
    await emu.control.clearFaults();
    expect(failing.stdout.text).toMatch(/alice@example\.com\s.*FAILED: /);
  });

  it("refuses unknown ids in one line, and wrong arguments with the usage", async () => {
    const unknown = captureIo();
    expect(await run(["--calendar", "0b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f"], unknown)).toBe(EXIT.failed);
    expect(unknown.stderr.text).toBe("error: no calendar has the id 0b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f\n");
    const noConnection = captureIo();
    expect(await run(["--connection", "0b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f"], noConnection)).toBe(EXIT.failed);
    expect(noConnection.stderr.text).toBe("error: no connection has the id 0b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f\n");

    for (const argv of [
      [],
      ["--calendar", primary.id, "--connection", connectionId],
      ["--calendar", "primary"],
      ["--calendar", primary.id, "--mode", "full"],
    ]) {
      const io = captureIo();
      expect(await run(argv, io)).toBe(EXIT.usage);
      expect(io.stderr.text).toMatch(/^error: .+\n\nUsage: npm run calsync -- resync/);
    }
  });
});
