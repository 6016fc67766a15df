import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { connectAccount, mirrorDiff, serveRoutes, signIn, startAppEmulator, stopAppEmulator, serveWebhookRoutes } from "@/scripts/test/app";
import type { Emulator } from "@/e2e/emulator/server";
import { inlineDriver } from "@/inngest";
import { dispatchMany, installJobSender } from "@/lib/jobs/dispatch";
import type { FollowUp } from "@/lib/jobs/catalog";
import { recoverPendingWork } from "@/lib/jobs/recovery";
import { renewExpiring } from "@/lib/subscriptions/lifecycle";
import { pollCadence } from "@/lib/config";
import { pollJob } from "./poll";
import { HANDOFF_WINDOW_MS, resetHandOffThrottle } from "@/lib/webhooks/handoff";

// The whole path over real HTTP, per provider, on the inline driver: a change at the
// emulator, its notification to our real route handlers, the durable row, the
// coalesced sync, the database. Then renewal, lifecycle events, a dropped
// notification caught by the poll, and a restart with acknowledged work pending.

const database = setupTestDatabase();
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveRoutes>>;
const previousPublicUrl = process.env.CALSYNC_PUBLIC_URL;

beforeAll(async () => {
  emu = await startAppEmulator();
  app = await serveWebhookRoutes();
});
afterAll(async () => {
  await inlineDriver().idle();
  inlineDriver().stop();
  process.env.CALSYNC_PUBLIC_URL = previousPublicUrl;
  await app?.close();
  await stopAppEmulator(emu);
});

const ACCOUNTS = { google: "alice@example.com", microsoft: "bob@contoso.example" } as const;

function at(days: number, hour = 10): string {
  const date = new Date(Date.now() + days * 24 * 60 * 60_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
}

/** Lets notifications land and the coalesced syncs they caused finish. */
async function settle(): Promise<void> {
  await emu.control.waitForIdle(15_000);
  await inlineDriver().idle();
}

/** Also waits for a trailing hand-off (lib/webhooks/handoff.ts) and the sync it asks for: what counting syncs needs. */
async function settleTrailing(): Promise<void> {
  await settle();
  await new Promise((resolve) => setTimeout(resolve, HANDOFF_WINDOW_MS + 200));
  await settle();
}

describe.each(["google", "microsoft"] as const)("%s: change → notification → route → database", (provider) => {
  const email = ACCOUNTS[provider];
  let organizationId: string;
  let calendarId: string;
  let providerCalendarId: string;

  beforeAll(async () => {
    await emu.reset();
    const person = await signIn(`pipeline-${provider}@calsync.test`);
    organizationId = person.viewer.organizationId;
    const connectionId = await connectAccount(emu, person, provider, email);
    await settle();
    const db = await database.db();
    const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    calendarId = calendar.id;
    providerCalendarId = calendar.providerCalendarId;
  });

  const runs = async (trigger?: "webhook" | "poll" | "lifecycle") =>
    (await database.db()).syncRun.count({ where: { calendarId, ...(trigger ? { trigger } : {}) } });
  const subscription = async () =>
    (await database.db()).webhookSubscription.findFirstOrThrow({ where: { organizationId, status: "active" }, orderBy: { createdAt: "desc" } });

  it("registers push on connect and mirrors the calendar with the first sync", async () => {
    const live = await subscription();
    expect(live.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 24 * 60 * 60_000);
    if (provider === "google") expect((await emu.control.channels()).find((channel) => channel.id === live.externalId)?.state).toBe("live");
    else expect((await emu.control.subscriptions()).find((view) => view.id === live.externalId)?.state).toBe("live");
    expect(await runs()).toBe(1);
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
    // The push secret is kept sealed; only its hash is compared on the hot path.
    expect(live.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [raw] = await (
      await database.db()
    ).$queryRawUnsafe<Array<{ secret: string }>>("SELECT secret FROM webhook_subscriptions WHERE id = $1::uuid", live.id);
    expect(raw!.secret).toMatch(/^v1:/);
    expect(raw!.secret).not.toContain(live.secret!);
  });

  it("a change at the provider reaches the database through its notification", async () => {
    const before = await runs("webhook");
    const event = await emu.control.createEvent(providerCalendarId, {
      summary: "Board meeting",
      start: at(3, 13),
      end: at(3, 14),
      timeZone: "America/New_York",
    });
    await settle();
    const db = await database.db();
    const stored = await db.event.findFirstOrThrow({ where: { calendarId, title: "Board meeting" } });
    expect(stored.startAt.toISOString()).toBe(new Date(at(3, 13)).toISOString());
    expect(stored.isAllDay).toBe(false);
    expect(stored.providerEventId).toBe(event.id);
    expect(await runs("webhook")).toBe(before + 1);
    const notifications = await db.webhookEvent.findMany({ where: { organizationId, status: { in: ["pending", "processed"] } } });
    expect(notifications.length).toBeGreaterThan(0);
    expect(notifications.every((row) => row.status === "processed")).toBe(true);
  });

  it("50 changes within a second become one leading and one trailing sync run", async () => {
    await settleTrailing();
    const before = await runs("webhook");
    await Promise.all(
      Array.from({ length: 50 }, (_, index) => emu.control.createEvent(providerCalendarId, { summary: `Burst ${index}`, start: at(4, 8), end: at(4, 9) })),
    );
    await settleTrailing();
    expect(await runs("webhook")).toBe(before + 2);
    expect(await (await database.db()).event.count({ where: { calendarId, title: { startsWith: "Burst " } } })).toBe(50);
  });

  it("duplicated notifications are recorded as duplicates and sync once", async () => {
    await emu.control.setNotificationFaults({ duplicateRate: 1, seed: 7 });
    const before = await runs("webhook");
    await emu.control.createEvent(providerCalendarId, { summary: "Twice told", start: at(5), end: at(5, 11) });
    await settleTrailing();
    await emu.control.clearFaults();
    expect(await runs("webhook")).toBe(before + 1);
    expect(await (await database.db()).webhookEvent.count({ where: { organizationId, status: "duplicate" } })).toBeGreaterThan(0);
  });

  it("a dropped notification is caught by the next poll, which flags the subscription suspect", async () => {
    await emu.control.setNotificationFaults({ dropRate: 1, seed: 1 });
    await emu.control.createEvent(providerCalendarId, { summary: "Never announced", start: at(6), end: at(6, 11) });
    await emu.control.waitForIdle(5_000);
    await emu.control.clearFaults();
    const db = await database.db();
    expect(await db.event.findFirst({ where: { calendarId, title: "Never announced" } })).toBeNull();
    // The next poll of every calendar, whatever its slot: one long interval on.
    const { followUps = [] } = await pollJob({ now: new Date(Date.now() + pollCadence().withPushMs + 60_000) });
    await dispatchMany(followUps.filter((job) => job.data.organizationId === organizationId));
    await settle();
    expect(await db.event.findFirst({ where: { calendarId, title: "Never announced" } })).not.toBeNull();
    const flagged = await subscription();
    expect(flagged.suspect).toBe(true);
    expect(flagged.suspectCount).toBe(1);
  });

  it("renews before expiry: the provider shows the renewal", async () => {
    const old = await subscription();
    const outcomes = await renewExpiring({ organizationId, marginMs: 30 * 24 * 60 * 60_000 });
    // Suspect since the last test: Google gets a new channel, Graph a new subscription.
    expect(outcomes.map((outcome) => outcome.action)).toEqual([provider === "google" ? "replaced" : "recreated"]);
    const renewed = await subscription();
    expect(renewed.id).toBe(old.id);
    expect(renewed.suspect).toBe(false);
    if (provider === "google") {
      // New channel first, then the old one stopped; the old id stays in the history.
      expect(renewed.externalId).not.toBe(old.externalId);
      const channels = await emu.control.channels();
      const fresh = channels.find((channel) => channel.id === renewed.externalId)!;
      const stale = channels.find((channel) => channel.id === old.externalId)!;
      expect(fresh.state).toBe("live");
      expect(stale.state).toBe("stopped");
      expect(new Date(fresh.createdAt).getTime()).toBeLessThanOrEqual(new Date(stale.endedAt!).getTime());
      const history = await (await database.db()).replacedSubscriptionId.findUniqueOrThrow({ where: { externalId: old.externalId } });
      expect(history.stoppedAt).not.toBeNull();
    } else {
      // The suspect flag made it recreate; a plain renewal PATCHes the expiry forward.
      const again = await renewExpiring({ organizationId, marginMs: 30 * 24 * 60 * 60_000 });
      expect(again.map((outcome) => outcome.action)).toEqual(["extended"]);
      const patched = await subscription();
      const view = (await emu.control.subscriptions()).find((candidate) => candidate.id === patched.externalId)!;
      expect(view.state).toBe("live");
      expect(new Date(view.expirationDateTime).getTime()).toBe(patched.expiresAt!.getTime());
    }
    // Still delivering after the renewal.
    await emu.control.createEvent(providerCalendarId, { summary: "After renewal", start: at(7), end: at(7, 11) });
    await settle();
    expect(await (await database.db()).event.findFirst({ where: { calendarId, title: "After renewal" } })).not.toBeNull();
  });

  it("nothing acknowledged is lost across a restart", async () => {
    // The process "dies" after acknowledging: hand-offs go nowhere. A fresh process
    // has no hand-off throttle either, so this notification's hand-off is sent at once.
    await settleTrailing();
    resetHandOffThrottle();
    const lost: FollowUp[] = [];
    const restore = installJobSender(async (items) => {
      lost.push(...items);
    });
    await emu.control.createEvent(providerCalendarId, { summary: "Acknowledged before the crash", start: at(8), end: at(8, 11) });
    await emu.control.waitForIdle(10_000);
    restore();
    expect(lost.length).toBeGreaterThan(0);
    const db = await database.db();
    expect(await db.webhookEvent.count({ where: { organizationId, status: "pending" } })).toBeGreaterThan(0);
    // Start-up recovery on the "new" process.
    await recoverPendingWork();
    await settle();
    expect(await db.event.findFirst({ where: { calendarId, title: "Acknowledged before the crash" } })).not.toBeNull();
    expect(await db.webhookEvent.count({ where: { organizationId, status: "pending" } })).toBe(0);
  });

  it("converges with the provider at the end", async () => {
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
  });
});

describe("Graph lifecycle notifications", () => {
  let organizationId: string;

  beforeAll(async () => {
    await emu.reset();
    const person = await signIn("lifecycle@calsync.test");
    organizationId = person.viewer.organizationId;
    await connectAccount(emu, person, "microsoft", "bob@contoso.example");
    await settle();
  });

  const live = async () => (await database.db()).webhookSubscription.findFirstOrThrow({ where: { organizationId, status: "active" } });

  it("missed → resync", async () => {
    const db = await database.db();
    const before = await db.syncRun.count({ where: { organizationId, trigger: "lifecycle" } });
    await emu.control.sendLifecycleEvent((await live()).externalId, "missed");
    await settle();
    expect(await db.syncRun.count({ where: { organizationId, trigger: "lifecycle" } })).toBe(before + 1);
    expect(await db.webhookEvent.count({ where: { organizationId, changeType: "missed", status: "processed" } })).toBe(1);
  });

  it("reauthorizationRequired → renewed at the provider", async () => {
    const subscription = await live();
    await emu.control.sendLifecycleEvent(subscription.externalId, "reauthorizationRequired");
    await settle();
    const view = (await emu.control.subscriptions()).find((candidate) => candidate.id === subscription.externalId)!;
    expect(view.needsReauthorization).toBe(false);
    expect((await live()).lastRenewedAt).not.toBeNull();
  });

  it("subscriptionRemoved → recreated, and resynced", async () => {
    const removed = await live();
    await emu.control.sendLifecycleEvent(removed.externalId, "subscriptionRemoved");
    await settle();
    const recreated = await live();
    expect(recreated.externalId).not.toBe(removed.externalId);
    expect((await emu.control.subscriptions()).find((candidate) => candidate.id === recreated.externalId)?.state).toBe("live");
  });
});
