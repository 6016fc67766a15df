import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { DELETE as dismiss } from "@/app/api/calendars/[id]/route";
import { GET as listCalendars } from "@/app/api/calendars/route";
import { appOrigin } from "@/lib/config";
import { healthReport } from "@/lib/health/organization";
import { installJobSender } from "@/lib/jobs/dispatch";
import { registerPush } from "@/lib/subscriptions/lifecycle";
import { syncCalendar } from "@/lib/sync/engine";
import { claimDuePolls } from "@/lib/sync/poll";
import { connectAccount, request, serveWebhookRoutes, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { setCalendarSync } from "./calendars";
import { calendarSummaries } from "./queries";
import { refreshCalendarsJob } from "./setup";

// A calendar the provider stops listing, through the real SDKs against the emulator:
// kept as removed (sync off, events gone, out of the poll, its own push stopped at
// the provider, no health warning), back as new when listed again, and dismissed
// from the dashboard through DELETE /api/calendars/:id.

const database = setupTestDatabase();
let emu: Emulator;
let webhooks: Awaited<ReturnType<typeof serveWebhookRoutes>>;
let restoreJobs: () => void;

beforeAll(async () => {
  emu = await startAppEmulator();
  // Where push is registered to: Graph validates the address while the subscription is created.
  webhooks = await serveWebhookRoutes();
  // Hand-offs go nowhere: each step below is run by the test itself.
  restoreJobs = installJobSender(async () => {});
});
afterAll(async () => {
  restoreJobs?.();
  await webhooks?.close();
  await stopAppEmulator(emu);
});

const soon = (days: number) => new Date(Date.now() + days * 24 * 60 * 60_000).toISOString().slice(0, 10);

/** A second calendar of the account with two events, chosen, synced and (where push is per calendar) watched. */
async function syncedSecondCalendar(organizationId: string, connectionId: string, providerCalendarId: string) {
  const db = await database.db();
  const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId, providerCalendarId } });
  await db.calendar.update({ where: { id: calendar.id }, data: { syncEnabled: true } });
  expect(await syncCalendar({ organizationId, calendarId: calendar.id, trigger: "initial", mode: "full" })).toMatchObject({ status: "succeeded", created: 2 });
  await registerPush(connectionId, organizationId);
  return calendar.id;
}

describe("a calendar the provider stops listing", () => {
  it("Google: is kept as removed, with sync off, its events deleted, out of the poll, its channel stopped and no health warning; listed again, it is new", async () => {
    const person = await signIn("removed-google@calsync.test");
    const organizationId = person.viewer.organizationId;
    const db = await database.db();
    const offsite = await emu.control.addCalendar("alice@example.com", {
      name: "Team offsite",
      events: [
        { summary: "Offsite planning", start: soon(3), end: soon(4) },
        { summary: "Offsite day", start: soon(10), end: soon(11) },
      ],
    });
    const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
    const calendarId = await syncedSecondCalendar(organizationId, connectionId, offsite.id);
    const primary = await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    const eventIds = (await db.event.findMany({ where: { calendarId }, select: { id: true } })).map((event) => event.id);
    const subscription = await db.webhookSubscription.findFirstOrThrow({ where: { calendarId, status: "active" } });
    const channel = async () => (await emu.control.channels()).find((candidate) => candidate.id === subscription.externalId);
    expect(await channel()).toMatchObject({ state: "live" });
    expect((await db.calendar.findUniqueOrThrow({ where: { id: calendarId } })).nextPollAt).not.toBeNull();

    await emu.control.removeCalendar(offsite.id);
    expect((await refreshCalendarsJob({ connectionId, organizationId })).summary).toMatchObject({ removed: 1, relisted: 0 });

    const removed = await db.calendar.findUniqueOrThrow({ where: { id: calendarId } });
    expect(removed).toMatchObject({ syncEnabled: false, nextPollAt: null, syncCursor: null });
    expect(removed.removedAt).toBeInstanceOf(Date);
    expect(await db.event.count({ where: { calendarId } })).toBe(0);
    // The change log told API consumers, as for any delete: each event, then the calendar.
    const changes = await db.change.findMany({ where: { organizationId, calendarId }, orderBy: { seq: "asc" }, select: { type: true, resourceId: true } });
    expect(changes.filter((change) => change.type === "event.deleted").map((change) => change.resourceId)).toEqual(expect.arrayContaining(eventIds));
    expect(changes.at(-1)).toEqual({ type: "calendar.removed", resourceId: calendarId });
    // Push stopped here and at Google; the poll never takes it, though it takes the calendar beside it.
    expect((await db.webhookSubscription.findUniqueOrThrow({ where: { id: subscription.id } })).status).toBe("stopped");
    expect(await channel()).toMatchObject({ state: "stopped" });
    const claimed = (await claimDuePolls({ now: new Date(Date.now() + 48 * 60 * 60_000), limit: 500 })).map((due) => due.calendarId);
    expect(claimed).toContain(primary.id);
    expect(claimed).not.toContain(calendarId);
    // Nothing to fix: no missing push, no failed sync, no expired channel.
    expect((await healthReport({ organizationId })).problems.filter((problem) => problem.includes("Team offsite"))).toEqual([]);
    // The database holds "removed means not synced", whichever path would write it.
    await expect(db.calendar.update({ where: { id: calendarId }, data: { syncEnabled: true } })).rejects.toThrow();
    await expect(setCalendarSync(organizationId, calendarId, true)).rejects.toMatchObject({ kind: "conflict" });
    expect((await calendarSummaries(organizationId)).find((calendar) => calendar.id === calendarId)).toMatchObject({
      syncEnabled: false,
      discovered: false,
      removedAt: removed.removedAt!.toISOString(),
      eventCount: 0,
    });
    // Read again, still gone: nothing changes, the date stays the first one.
    expect((await refreshCalendarsJob({ connectionId, organizationId })).summary).toMatchObject({ removed: 0 });
    expect((await db.calendar.findUniqueOrThrow({ where: { id: calendarId } })).removedAt).toEqual(removed.removedAt);

    await emu.control.addCalendar("alice@example.com", { id: offsite.id, name: "Team offsite" });
    expect((await refreshCalendarsJob({ connectionId, organizationId })).summary).toMatchObject({ removed: 0, relisted: 1, added: 0 });
    expect((await calendarSummaries(organizationId)).find((calendar) => calendar.id === calendarId)).toMatchObject({
      syncEnabled: false,
      discovered: true,
      removedAt: null,
    });
    expect(await db.webhookSubscription.count({ where: { calendarId, status: { in: ["pending", "active"] } } })).toBe(0);
  });

  it("Microsoft: the same through Graph, and the account's subscription, which covers the calendars still listed, stays", async () => {
    const person = await signIn("removed-microsoft@calsync.test");
    const organizationId = person.viewer.organizationId;
    const db = await database.db();
    const project = await emu.control.addCalendar(
      "bob@contoso.example",
      {
        name: "Project Falcon",
        events: [
          { summary: "Falcon kickoff", start: `${soon(2)}T09:00:00`, end: `${soon(2)}T10:00:00` },
          { summary: "Falcon review", start: `${soon(9)}T09:00:00`, end: `${soon(9)}T10:00:00` },
        ],
      },
      "microsoft",
    );
    const connectionId = await connectAccount(emu, person, "microsoft", "bob@contoso.example");
    const calendarId = await syncedSecondCalendar(organizationId, connectionId, project.id);
    const account = await db.webhookSubscription.findFirstOrThrow({ where: { connectionId, calendarId: null, status: "active" } });

    await emu.control.removeCalendar(project.id);
    expect((await refreshCalendarsJob({ connectionId, organizationId })).summary).toMatchObject({ removed: 1 });

    expect(await db.calendar.findUniqueOrThrow({ where: { id: calendarId } })).toMatchObject({ syncEnabled: false, nextPollAt: null });
    expect((await db.calendar.findUniqueOrThrow({ where: { id: calendarId } })).removedAt).not.toBeNull();
    expect(await db.event.count({ where: { calendarId } })).toBe(0);
    expect((await db.webhookSubscription.findUniqueOrThrow({ where: { id: account.id } })).status).toBe("active");
    expect((await emu.control.subscriptions()).find((subscription) => subscription.id === account.externalId)).toMatchObject({ state: "live" });
    expect((await healthReport({ organizationId })).problems.filter((problem) => problem.includes("Project Falcon"))).toEqual([]);
  });
});

describe("DELETE /api/calendars/:id (Dismiss)", () => {
  it("deletes a removed calendar (200), refuses one still listed (409), another organization's (404) and a foreign origin (403)", async () => {
    const owner = await signIn("dismiss-owner@a.test");
    const stranger = await signIn("dismiss-stranger@b.test");
    const organizationId = owner.viewer.organizationId;
    const db = await database.db();
    const connection = await db.calendarConnection.create({
      data: {
        organizationId,
        provider: "google",
        providerAccountId: "sub-dismiss",
        accountEmail: "dismiss@example.com",
        accessToken: "at",
        refreshToken: "rt",
      },
    });
    const calendar = (name: string, removedAt: Date | null) =>
      db.calendar.create({
        data: { organizationId, connectionId: connection.id, providerCalendarId: `${name}@example.com`, name, syncEnabled: removedAt === null, removedAt },
      });
    const gone = await calendar("Gone", new Date());
    const live = await calendar("Live", null);
    const call = (id: string, who: { cookie: string }, origin = appOrigin()) =>
      dismiss(request(`/api/calendars/${id}`, { method: "DELETE", cookie: who.cookie, headers: { origin } }), { params: Promise.resolve({ id }) });

    const listed = (await (await listCalendars(request("/api/calendars", { cookie: owner.cookie }), undefined as never)).json()) as {
      calendars: Array<{ id: string; removedAt: string | null }>;
    };
    expect(listed.calendars.find((entry) => entry.id === gone.id)?.removedAt).toEqual(gone.removedAt!.toISOString());

    const foreign = await call(gone.id, owner, "https://sibling.example.com");
    expect(foreign.status).toBe(403);
    const strangers = await call(gone.id, stranger);
    expect(strangers.status).toBe(404);
    expect(await db.calendar.count({ where: { id: gone.id } })).toBe(1);

    const refused = await call(live.id, owner);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { kind: "conflict", message: expect.stringContaining("no longer lists") } });
    expect(await db.calendar.findUniqueOrThrow({ where: { id: live.id } })).toMatchObject({ syncEnabled: true });

    const dismissed = await call(gone.id, owner);
    expect(dismissed.status).toBe(200);
    expect(await dismissed.json()).toEqual({ calendarId: gone.id, dismissed: true });
    expect(await db.calendar.count({ where: { id: gone.id } })).toBe(0);
    expect((await call(gone.id, owner)).status).toBe(404);
  });
});
