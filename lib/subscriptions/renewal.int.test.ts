import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { closeRawPool } from "@/lib/db/raw";
import { installJobSender } from "@/lib/jobs/dispatch";
import { connectAccount, serveWebhookRoutes, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { registerPush, renewJob, stopSubscription } from "./lifecycle";
import { PENDING_REGISTRATION_STALE_MS, RENEWAL_LATE_MS, RENEWAL_MARGIN_MS, RENEWAL_RETRY_MS } from "./schedule";

// The renewal cron's batches against the emulator, through the real SDKs: six Google
// channels (one per synced calendar) and one Graph subscription (the mailbox). A
// backlog drains in batches that say `more`, oldest expiry first; two overlapping runs
// renew each subscription once; a suspect one is recreated at the next run; a calendar
// without push is registered by the same cron, a failed registration retried at its
// slot. The schedule itself, on many rows: renewal-schedule.int.test.ts.

const database = setupTestDatabase();
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveWebhookRoutes>>;
let restoreJobs: () => void;
let organizationId: string;
let googleId: string;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

beforeAll(async () => {
  emu = await startAppEmulator();
  app = await serveWebhookRoutes();
  // The hand-offs (first syncs, the syncs notifications ask for) are not under test.
  restoreJobs = installJobSender(async () => {});
  for (let index = 0; index < 4; index += 1) await emu.control.addCalendar("alice@example.com", { name: `Renewal ${index}`, timeZone: "UTC" });
  const person = await signIn("renewal@calsync.test");
  organizationId = person.viewer.organizationId;
  googleId = await connectAccount(emu, person, "google", "alice@example.com");
  const microsoftId = await connectAccount(emu, person, "microsoft", "bob@contoso.example");
  const db = await database.db();
  await db.calendar.updateMany({ where: { organizationId }, data: { syncEnabled: true } });
  await registerPush(googleId, organizationId);
  await registerPush(microsoftId, organizationId);
  await emu.control.waitForIdle(10_000);
});

afterAll(async () => {
  restoreJobs?.();
  await app?.close();
  await stopAppEmulator(emu);
  await closeRawPool();
});

async function live() {
  const db = await database.db();
  return db.webhookSubscription.findMany({ where: { organizationId, status: "active" }, orderBy: { id: "asc" } });
}

async function calls(endpoint: string): Promise<number> {
  return (await emu.control.calls()).byEndpoint[endpoint] ?? 0;
}

async function callCounts() {
  return { watch: await calls("google.events.watch"), stop: await calls("google.channels.stop"), patch: await calls("graph.subscriptions.update") };
}

/** Every live subscription due now (a backlog, as after a renewal outage), with its stored expiry `expiries[i]` hours ahead. */
async function makeDue(expiries?: number[]) {
  const db = await database.db();
  const rows = await live();
  for (const [index, row] of rows.entries()) {
    await db.webhookSubscription.update({
      where: { id: row.id },
      data: { renewAt: new Date(Date.now() - MINUTE), ...(expiries ? { expiresAt: new Date(Date.now() + expiries[index]! * HOUR) } : {}) },
    });
  }
  return live();
}

type Summary = { subscriptions: number; connections: number; extended: number; replaced: number; recreated: number; failed: number };
const summaryOf = (result: { summary?: Record<string, unknown> }) => result.summary as Summary;

describe("the renewal cron", () => {
  it("has push for six Google calendars and the Graph mailbox, each with its slot in the first 12 hours of the 24-hour margin", async () => {
    const rows = await live();
    expect(rows.map((row) => row.provider).sort()).toEqual(["google", "google", "google", "google", "google", "google", "microsoft"]);
    for (const row of rows) {
      expect(row.renewAt!.getTime()).toBeGreaterThanOrEqual(row.expiresAt!.getTime() - RENEWAL_MARGIN_MS);
      expect(row.renewAt!.getTime()).toBeLessThanOrEqual(row.expiresAt!.getTime() - RENEWAL_LATE_MS);
    }
    // Not due yet: a run renews nothing and registers nothing.
    const before = await callCounts();
    expect(summaryOf(await renewJob())).toMatchObject({ subscriptions: 0, connections: 0 });
    expect(await callCounts()).toEqual(before);
  });

  it("drains a backlog in batches that say more while full, oldest expiry first, each subscription once", async () => {
    const rows = await makeDue([7, 3, 5, 1, 6, 2, 4]);
    const soonestFirst = [...rows].sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime()).map((row) => row.id);
    const before = await callCounts();
    const db = await database.db();
    const renewedIds = async () =>
      (await db.webhookSubscription.findMany({ where: { id: { in: soonestFirst }, lastRenewedAt: { not: null } }, select: { id: true } }))
        .map((row) => row.id)
        .sort();

    const batches = [];
    for (let index = 0; index < 4; index += 1) {
      const result = await renewJob({ limit: 3 });
      batches.push({ ...summaryOf(result), more: result.more });
      if (index === 0) expect(await renewedIds()).toEqual(soonestFirst.slice(0, 3).sort());
    }
    expect(batches.map((batch) => [batch.subscriptions, batch.more])).toEqual([
      [3, true],
      [3, true],
      [1, false],
      [0, false],
    ]);
    expect(batches.reduce((sum, batch) => sum + batch.replaced, 0)).toBe(6);
    expect(batches.reduce((sum, batch) => sum + batch.extended, 0)).toBe(1);
    expect(batches.reduce((sum, batch) => sum + batch.failed, 0)).toBe(0);
    // Google: a new channel and the old one stopped; Graph: one PATCH.
    const after = await callCounts();
    expect({ watch: after.watch - before.watch, stop: after.stop - before.stop, patch: after.patch - before.patch }).toEqual({ watch: 6, stop: 6, patch: 1 });
    // Each has its next slot from its new expiry, days ahead.
    for (const row of await live()) {
      expect(row.renewAt!.getTime()).toBeGreaterThanOrEqual(row.expiresAt!.getTime() - RENEWAL_MARGIN_MS);
      expect(row.renewAt!.getTime()).toBeGreaterThan(Date.now() + 4 * 24 * HOUR);
    }
  });

  it("two overlapping runs never renew the same subscription", async () => {
    const rows = await makeDue();
    const before = await callCounts();
    const [a, b] = await Promise.all([renewJob(), renewJob()]);
    const both = [summaryOf(a!), summaryOf(b!)];
    expect(both[0]!.subscriptions + both[1]!.subscriptions).toBe(7);
    expect(both.reduce((sum, summary) => sum + summary.replaced + summary.extended, 0)).toBe(7);
    const after = await callCounts();
    expect({ watch: after.watch - before.watch, stop: after.stop - before.stop, patch: after.patch - before.patch }).toEqual({ watch: 6, stop: 6, patch: 1 });
    const db = await database.db();
    // One replaced id per Google channel: no second channel that lost the race.
    for (const row of rows.filter((candidate) => candidate.provider === "google")) {
      expect(await db.replacedSubscriptionId.count({ where: { subscriptionId: row.id, externalId: row.externalId } })).toBe(1);
    }
  });

  it("recreates a subscription at the next run once a poll flags it suspect", async () => {
    const db = await database.db();
    const target = (await live()).find((row) => row.provider === "google")!;
    await db.webhookSubscription.update({ where: { id: target.id }, data: { suspect: true, suspectCount: { increment: 1 } } });
    const result = summaryOf(await renewJob());
    expect(result).toMatchObject({ subscriptions: 1, replaced: 1, failed: 0 });
    const after = await db.webhookSubscription.findUniqueOrThrow({ where: { id: target.id } });
    expect(after).toMatchObject({ status: "active", suspect: false });
    expect(after.externalId).not.toBe(target.externalId);
  });

  it("registers afresh, in the same run, a subscription whose renewal failed past its expiry: one live subscription", async () => {
    const db = await database.db();
    const target = (await live()).find((row) => row.provider === "google")!;
    await db.webhookSubscription.update({
      where: { id: target.id },
      data: { expiresAt: new Date(Date.now() - MINUTE), renewAt: new Date(Date.now() - MINUTE) },
    });
    await emu.control.failNext({ endpoint: "google.events.watch", status: 500, count: 1 });
    expect(summaryOf(await renewJob())).toMatchObject({ subscriptions: 1, failed: 1, connections: 1, recreated: 1 });
    await emu.control.clearFaults();
    const rows = await db.webhookSubscription.findMany({ where: { calendarId: target.calendarId }, orderBy: { createdAt: "asc" } });
    expect(rows.map((row) => [row.id === target.id, row.status])).toEqual([
      [true, "stopped"],
      [false, "active"],
    ]);
    // Nothing left for the next run: the stopped row is not due, the calendar is covered.
    expect(summaryOf(await renewJob())).toMatchObject({ subscriptions: 0, connections: 0 });
    // The next test starts with the connection's check due again.
    await db.calendarConnection.update({ where: { id: googleId }, data: { pushCheckedAt: null } });
  });

  it("registers push where a synced calendar has none, once, and leaves a calendar the provider refuses to the poll", async () => {
    const db = await database.db();
    const [first, second] = (await live()).filter((row) => row.provider === "google");
    await stopSubscription(first!.id, { organizationId });
    const before = await calls("google.events.watch");
    expect(summaryOf(await renewJob())).toMatchObject({ subscriptions: 0, connections: 1, recreated: 1, failed: 0 });
    expect(await calls("google.events.watch")).toBe(before + 1);
    expect(await db.webhookSubscription.count({ where: { calendarId: first!.calendarId, status: "active" } })).toBe(1);
    expect(summaryOf(await renewJob())).toMatchObject({ subscriptions: 0, connections: 0 });

    // Poll-only (the provider refused push lately): not taken, even once the connection's check is due again.
    await stopSubscription(second!.id, { organizationId });
    await db.calendar.update({ where: { id: second!.calendarId! }, data: { pushUnsupportedAt: new Date() } });
    expect(summaryOf(await renewJob({ now: new Date(Date.now() + RENEWAL_RETRY_MS + MINUTE) }))).toMatchObject({ subscriptions: 0, connections: 0 });
    expect(await calls("google.events.watch")).toBe(before + 1);
    await db.calendar.update({ where: { id: second!.calendarId! }, data: { pushUnsupportedAt: null } });
  });

  it("retries a failed registration at its slot: stopped, registered afresh, one row per calendar", async () => {
    const db = await database.db();
    // The calendar left without push by the last test; the connection's check is due again by then.
    const calendar = (await db.calendar.findMany({ where: { connectionId: googleId, syncEnabled: true }, include: { subscriptions: true } })).find(
      (candidate) => !candidate.subscriptions.some((subscription) => subscription.status === "active"),
    )!;
    const base = Date.now() + 2 * RENEWAL_RETRY_MS;
    const later = (minutes: number) => new Date(base + minutes * MINUTE);
    await emu.control.failNext({ endpoint: "google.events.watch", status: 500, count: 1 });
    expect(summaryOf(await renewJob({ now: later(0) }))).toMatchObject({ connections: 1, failed: 1 });
    await emu.control.clearFaults();
    const failed = await db.webhookSubscription.findFirstOrThrow({ where: { calendarId: calendar.id, status: "failed" } });
    expect(failed.renewAt!.getTime()).toBe(later(0).getTime() + RENEWAL_RETRY_MS);

    // Until then the failed row holds the calendar: no run registers it again.
    const watches = await calls("google.events.watch");
    expect(summaryOf(await renewJob({ now: later(30) }))).toMatchObject({ subscriptions: 0, connections: 0 });
    expect(await calls("google.events.watch")).toBe(watches);

    const retried = summaryOf(await renewJob({ now: new Date(failed.renewAt!.getTime() + MINUTE) }));
    expect(retried).toMatchObject({ subscriptions: 1, recreated: 1, failed: 0 });
    expect(await calls("google.events.watch")).toBe(watches + 1);
    const rows = await db.webhookSubscription.findMany({ where: { calendarId: calendar.id, status: { in: ["active", "failed", "pending"] } } });
    expect(rows.map((row) => row.status)).toEqual(["active"]);
    expect((await db.webhookSubscription.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe("stopped");
  });

  it("takes a pending row a crash left behind for no push: registers the calendar afresh and stops the row; a registration under way still counts", async () => {
    const db = await database.db();
    const [victim] = (await live()).filter((row) => row.provider === "google");
    await stopSubscription(victim!.id, { organizationId });
    // Later than the last test's runs, so the connection's check is due.
    const now = new Date(Date.now() + 10 * RENEWAL_RETRY_MS);
    // A registration under way (created a minute ago): covered, nothing registered.
    await db.webhookSubscription.update({ where: { id: victim!.id }, data: { status: "pending", renewAt: null, createdAt: new Date(now.getTime() - MINUTE) } });
    const watches = await calls("google.events.watch");
    expect(summaryOf(await renewJob({ now }))).toMatchObject({ connections: 0 });
    expect(await calls("google.events.watch")).toBe(watches);

    // The same row past PENDING_REGISTRATION_STALE_MS: what a process that died mid-registration leaves.
    const later = new Date(now.getTime() + 2 * RENEWAL_RETRY_MS);
    await db.webhookSubscription.update({ where: { id: victim!.id }, data: { createdAt: new Date(later.getTime() - PENDING_REGISTRATION_STALE_MS - MINUTE) } });
    expect(summaryOf(await renewJob({ now: later }))).toMatchObject({ connections: 1, recreated: 1, failed: 0 });
    expect(await calls("google.events.watch")).toBe(watches + 1);
    expect((await db.webhookSubscription.findUniqueOrThrow({ where: { id: victim!.id } })).status).toBe("stopped");
    const rows = await db.webhookSubscription.findMany({ where: { calendarId: victim!.calendarId, status: { in: ["active", "pending", "failed"] } } });
    expect(rows.map((row) => row.status)).toEqual(["active"]);
  });
});
