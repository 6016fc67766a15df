import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { createFunctions } from "@/inngest/functions";
import { handlers } from "@/inngest/handlers";
import { EVENT_JOBS, type JobPayloads } from "@/lib/jobs/catalog";
import { installJobSender } from "@/lib/jobs/dispatch";
import { connectAccount, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";

// The catalog's `coalesce` on Inngest rests on the work: a request that a sync
// started at or after its `requestedAt` already covered is a no-op, so the runs the
// throttle queues behind a sync cost no provider call. Here the real calendar-sync
// function (the root's handlers, @inngest/test's engine) against the database and
// the emulator: a covered request is skipped without a provider call, an uncovered
// one syncs, and a notification still pending is never answered "covered".

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;
const EMAIL = "alice@example.com";

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async () => {});
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

const syncFunction = createFunctions(handlers).find((fn) => fn.opts.id === EVENT_JOBS.calendarSync.id)!;

async function run(data: JobPayloads["calendar/sync.requested"]) {
  const before = (await emu.control.calls()).byAccount[EMAIL]?.["google.events.list"] ?? 0;
  const { result, error } = await new InngestTestEngine({ function: syncFunction, events: [{ name: "calendar/sync.requested", data }] }).execute({
    steps: [{ id: "follow-ups", handler: () => ({ ids: [] }) }],
  });
  expect(error).toBeUndefined();
  const after = (await emu.control.calls()).byAccount[EMAIL]?.["google.events.list"] ?? 0;
  return { summary: result as { status: string; reason?: string }, listCalls: after - before };
}

describe("a sync request on Inngest", () => {
  let organizationId: string;
  let calendarId: string;

  beforeAll(async () => {
    await emu.reset();
    const person = await signIn("cover@calsync.test");
    organizationId = person.viewer.organizationId;
    const connectionId = await connectAccount(emu, person, "google", EMAIL);
    const db = await database.db();
    calendarId = (await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } })).id;
  });

  it("syncs when no sync started since it was asked for, and is skipped with no provider call when one did", async () => {
    const asked = new Date().toISOString();
    const first = await run({ organizationId, calendarId, trigger: "webhook", requestedAt: asked });
    expect(first.summary).toMatchObject({ status: "succeeded" });
    expect(first.listCalls).toBeGreaterThanOrEqual(1);
    const db = await database.db();
    const calendar = await db.calendar.findFirstOrThrow({ where: { id: calendarId }, select: { lastSyncStartedAt: true } });
    expect(calendar.lastSyncStartedAt!.getTime()).toBeGreaterThanOrEqual(Date.parse(asked));

    // Queued behind that sync, asked for before it started: covered.
    const covered = await run({ organizationId, calendarId, trigger: "webhook", requestedAt: asked });
    expect(covered).toEqual({ summary: expect.objectContaining({ status: "skipped", reason: "covered" }), listCalls: 0 });
    const runs = await db.syncRun.count({ where: { calendarId } });

    // Asked for after it started: syncs.
    const later = await run({ organizationId, calendarId, trigger: "webhook", requestedAt: new Date().toISOString() });
    expect(later.summary).toMatchObject({ status: "succeeded" });
    expect(later.listCalls).toBeGreaterThanOrEqual(1);
    expect(await db.syncRun.count({ where: { calendarId } })).toBe(runs + 1);

    // No stamp: never counted as covered.
    expect((await run({ organizationId, calendarId, trigger: "poll" })).summary).toMatchObject({ status: "succeeded" });
  });

  it("syncs a covered-looking request while a notification for the calendar is still pending, or after its cursor was cleared", async () => {
    const db = await database.db();
    const asked = new Date(Date.now() - 60_000).toISOString();
    await db.webhookEvent.create({
      data: { organizationId, provider: "google", calendarId, externalId: "pending-1", headers: {}, status: "pending" },
    });
    const pending = await run({ organizationId, calendarId, trigger: "webhook", requestedAt: asked });
    expect(pending.summary).toMatchObject({ status: "succeeded" });
    expect(await db.webhookEvent.count({ where: { calendarId, status: "pending" } })).toBe(0);

    expect((await run({ organizationId, calendarId, trigger: "webhook", requestedAt: asked })).summary).toMatchObject({ status: "skipped" });
    await db.calendar.update({ where: { id: calendarId }, data: { syncCursor: null } });
    expect((await run({ organizationId, calendarId, trigger: "manual", requestedAt: asked })).summary).toMatchObject({ status: "succeeded", mode: "full" });
  });
});
