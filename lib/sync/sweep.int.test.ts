import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { installJobSender } from "@/lib/jobs/dispatch";
import { seedAdminFixture } from "@/scripts/test/admin";
import { connectAccount, mirrorDiff, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { eventRecord } from "@/scripts/test/event-records";
import { syncCalendar } from "./engine";
import { applyPage, startSweep, sweepUnseen } from "./store";

// Full syncs over many pages: each page is fetched while the one before it is
// written, and the sweep that deletes what the provider no longer lists works from
// ids recorded in the database, not from a list in memory. The emulator serves
// short pages (both providers document that they may) so a small calendar spans
// several.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;

const PAGE = 2;

beforeAll(async () => {
  emu = await startAppEmulator({ settings: { maxServedPageSize: PAGE } });
  restoreJobs = installJobSender(async () => {});
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

const ACCOUNTS = { google: "alice@example.com", microsoft: "bob@contoso.example" } as const;

const soon = (days: number, hour = 10) => {
  const date = new Date(Date.now() + days * 24 * 60 * 60_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
};

async function bookkeepingRows(): Promise<number> {
  const [row] = await (await database.db()).$queryRawUnsafe<Array<{ count: number }>>(`SELECT count(*)::int AS count FROM sync_seen_events`);
  return row?.count ?? 0;
}

describe.each(["google", "microsoft"] as const)("%s full sync over short pages", (provider) => {
  let organizationId: string;
  let calendarId: string;
  let providerCalendarId: string;

  beforeAll(async () => {
    await emu.reset();
    const person = await signIn(`sweep-${provider}@calsync.test`);
    organizationId = person.viewer.organizationId;
    const connectionId = await connectAccount(emu, person, provider, ACCOUNTS[provider]);
    const calendar = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    calendarId = calendar.id;
    providerCalendarId = calendar.providerCalendarId;
  });

  const fullSync = () => syncCalendar({ organizationId, calendarId, trigger: "manual", mode: "full" });

  it("mirrors every page and keeps no bookkeeping afterwards", async () => {
    for (let day = 1; day <= 5; day += 1) await emu.control.createEvent(providerCalendarId, { summary: `Paged ${day}`, start: soon(day), end: soon(day, 11) });
    const outcome = await fullSync();
    expect(outcome).toMatchObject({ status: "succeeded", mode: "full", deleted: 0 });
    expect(outcome.created).toBeGreaterThanOrEqual(5);
    expect(outcome.pages).toBeGreaterThanOrEqual(Math.ceil(outcome.created / PAGE));
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
    expect(await bookkeepingRows()).toBe(0);
  });

  it("deletes in the sweep exactly what the provider stopped listing, and a resync of the same data changes nothing", async () => {
    const listed = await emu.control.listEvents(providerCalendarId);
    const doomed = listed.filter((event) => event.summary?.startsWith("Paged ")).slice(0, 2);
    expect(doomed).toHaveLength(2);
    // Deleted at the provider without telling us: only a full listing can notice.
    await emu.control.invalidateSyncTokens({ provider, accountEmail: ACCOUNTS[provider] });
    for (const event of doomed) await emu.control.deleteEvent(providerCalendarId, event.id);
    const outcome = await fullSync();
    expect(outcome).toMatchObject({ status: "succeeded", created: 0, updated: 0, deleted: 2 });
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
    expect(await fullSync()).toMatchObject({ status: "succeeded", created: 0, updated: 0, deleted: 0 });
    expect(await bookkeepingRows()).toBe(0);
  });

  it("a run that fails part-way deletes nothing and leaves no bookkeeping", async () => {
    const db = await database.db();
    const before = await db.event.count({ where: { calendarId } });
    // Something only a full listing can find, so a sweep that ran would delete it.
    await db.$executeRawUnsafe(
      `INSERT INTO events (organization_id, calendar_id, provider_event_id, title, start_at, end_at, status, updated_at)
       VALUES ($1::uuid, $2::uuid, 'gone-at-provider', 'Gone', now(), now() + interval '1 hour', 'confirmed', now())`,
      organizationId,
      calendarId,
    );
    // The first page arrives and is written; every later listing call fails past
    // the engine's inline retries, so the run stops half-way.
    await emu.control.failNext({ endpoint: provider === "google" ? "google.events.list" : "graph.delta", status: 500, count: 20, afterCalls: 1 });
    await expect(fullSync()).rejects.toBeTruthy();
    expect((await db.syncRun.findFirstOrThrow({ where: { calendarId }, orderBy: { startedAt: "desc" } })).pages).toBe(1);
    await emu.control.clearFaults();
    expect(await db.event.count({ where: { calendarId } })).toBe(before + 1);
    expect(await bookkeepingRows()).toBe(0);
    // The next full sync completes, and its sweep removes what the provider never listed.
    expect(await fullSync()).toMatchObject({ status: "succeeded", deleted: 1 });
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
  });
});

describe("the sweep", () => {
  it("refuses to delete when the recorded ids are not the ones the run wrote", async () => {
    const db = await database.db();
    const person = await signIn("sweep-refusal@calsync.test");
    const organizationId = person.viewer.organizationId;
    const fixture = await seedAdminFixture(db, organizationId, { tag: "sweep" });
    const calendar = { id: fixture.google.calendarId };
    const scope = { organizationId, calendarId: calendar.id };
    const window = { start: new Date(Date.now() - 86_400_000), end: new Date(Date.now() + 30 * 86_400_000) };
    const record = (id: string) => eventRecord({ providerEventId: id, title: id, startAt: new Date(soon(1)), endAt: new Date(soon(1, 11)) });
    const page = [
      { type: "upsert" as const, event: record("kept-1") },
      { type: "upsert" as const, event: record("kept-2") },
    ];
    await applyPage(scope, page, window);

    const run = await db.syncRun.create({ data: { ...scope, trigger: "manual", mode: "full" }, select: { id: true } });
    const sweep = startSweep(run.id);
    await applyPage(scope, page, window, sweep);
    expect(sweep.recorded).toBe(2);
    // What an unlogged table looks like after a database crash mid-run: rows gone.
    await db.$executeRawUnsafe(`DELETE FROM sync_seen_events WHERE sync_run_id = $1::uuid AND provider_event_id = 'kept-2'`, run.id);
    await expect(sweepUnseen(db, scope, sweep)).rejects.toThrow(/not sweeping/);
    expect(await db.event.count({ where: { calendarId: calendar.id, providerEventId: { in: ["kept-1", "kept-2"] } } })).toBe(2);
  });
});
