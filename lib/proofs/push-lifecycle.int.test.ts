import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { REPLACED_ID_GRACE_MS } from "@/lib/subscriptions/identity";
import { renewSubscription, stopSubscription } from "@/lib/subscriptions/lifecycle";
import { connectAccount, serveRoutes, signIn, startAppEmulator, stopAppEmulator, serveWebhookRoutes } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { JobPump } from "@/scripts/test/proofs";

// Push subscription lifecycles the proof suites found wanting, pinned down over the
// real path (emulator, route handlers over HTTP, jobs run at once):
// - webhook fuzzing: a subscription we stopped kept verifying for ever. Stopping is
//   best-effort at the provider (a failed channels.stop or DELETE is only logged),
//   so the provider may keep delivering on it. Replaced ids stop routing a grace
//   period after they are stopped; a stopped subscription itself must too, and a
//   Graph lifecycle event for it must not bring it back to life;
// - convergence: two renewals of one subscription at once (the renewal job and a
//   lifecycle event, or an operator's refresh) both replaced it; the second failed
//   on the id history's unique key, threw out of the whole renewal pass and left
//   its new channel live at the provider with nothing pointing at it.

const database = setupTestDatabase();
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveRoutes>>;
const pump = new JobPump();
const previousPublicUrl = process.env.CALSYNC_PUBLIC_URL;

beforeAll(async () => {
  emu = await startAppEmulator();
  app = await serveWebhookRoutes();
  pump.capture();
});

afterAll(async () => {
  await pump.idle().catch(() => {});
  pump.release();
  if (previousPublicUrl === undefined) delete process.env.CALSYNC_PUBLIC_URL;
  else process.env.CALSYNC_PUBLIC_URL = previousPublicUrl;
  await app?.close();
  await stopAppEmulator(emu);
});

async function settle(): Promise<void> {
  await emu.control.waitForIdle(10_000);
  await pump.idle();
  await emu.control.waitForIdle(10_000);
}

describe("a subscription stopped here while the provider keeps it", () => {
  let organizationId: string;
  let subscriptionId: string;
  let externalId: string;

  beforeAll(async () => {
    const person = await signIn("stopped-push@calsync.test");
    organizationId = person.viewer.organizationId;
    await connectAccount(emu, person, "microsoft", "bob@contoso.example");
    await settle();
    const live = await (await database.db()).webhookSubscription.findFirstOrThrow({ where: { organizationId, status: "active" } });
    subscriptionId = live.id;
    externalId = live.externalId;
    // The DELETE fails: the row is stopped, Graph still has the subscription.
    await emu.control.failNext({ endpoint: "graph.subscriptions.delete", status: 503, retryAfterSeconds: 0 });
    expect(await stopSubscription(subscriptionId, { organizationId })).toBe(true);
    expect((await emu.control.subscriptions()).find((view) => view.id === externalId)?.state).toBe("live");
  });

  it("is not re-created by a Graph lifecycle event", async () => {
    await emu.control.sendLifecycleEvent(externalId, "reauthorizationRequired");
    await settle();
    const db = await database.db();
    expect(await db.webhookSubscription.findUniqueOrThrow({ where: { id: subscriptionId } })).toMatchObject({ status: "stopped", externalId });
    expect((await emu.control.subscriptions()).filter((view) => view.state === "live" && view.id !== externalId)).toEqual([]);
    // Acknowledged and accounted for, not left pending for every start-up to pick up again.
    expect(await db.webhookEvent.count({ where: { subscriptionId, status: "pending" } })).toBe(0);
  });

  it("once the grace period for deliveries in flight is over, acknowledges its deliveries as retired without storing or acting on them", async () => {
    const db = await database.db();
    await db.webhookSubscription.update({ where: { id: subscriptionId }, data: { updatedAt: new Date(Date.now() - REPLACED_ID_GRACE_MS - 60_000) } });
    const before = await db.webhookEvent.count({ where: { subscriptionId } });
    const calendar = await db.calendar.findFirstOrThrow({ where: { organizationId, isPrimary: true } });
    await emu.control.clearDeliveries();
    const handedOff = pump.dispatched.length;
    await emu.control.createEvent(calendar.providerCalendarId, { summary: "After the stop", start: "2031-01-06T10:00:00Z", end: "2031-01-06T11:00:00Z" });
    await settle();
    const deliveries = await emu.control.deliveries({ kind: "graph.notification" });
    expect(deliveries.length).toBeGreaterThan(0);
    // 2xx: the provider has nothing to retry, and the sender's failure budget is not spent.
    expect(deliveries.every((delivery) => delivery.status !== null && delivery.status >= 200 && delivery.status < 300)).toBe(true);
    expect(await db.webhookEvent.count({ where: { subscriptionId } })).toBe(before);
    expect(
      pump.dispatched
        .slice(handedOff)
        .filter((job) => job.name === "calendar/sync.requested" && job.data.calendarId === calendar.id && job.data.trigger === "webhook"),
    ).toEqual([]);
  });
});

describe.each([
  ["google", "dana@example.com"],
  ["microsoft", "carol@contoso.example"],
] as const)("%s: two renewals of one subscription at once", (provider, email) => {
  let organizationId: string;

  beforeAll(async () => {
    await emu.control.addAccount({ provider, email, name: email.split("@")[0]! });
    const person = await signIn(`renewal-race-${provider}@calsync.test`);
    organizationId = person.viewer.organizationId;
    await connectAccount(emu, person, provider, email);
    await settle();
  });

  it("replace it once; the other one stands down and leaves nothing behind", async () => {
    const db = await database.db();
    const before = await db.webhookSubscription.findFirstOrThrow({ where: { organizationId, status: "active" } });
    const outcomes = await Promise.all([
      renewSubscription(before.id, { organizationId, recreate: true }),
      renewSubscription(before.id, { organizationId, recreate: true }),
    ]);
    await settle();
    expect(outcomes.map((outcome) => outcome.action).sort()).toEqual([provider === "google" ? "replaced" : "recreated", "skipped"]);
    const after = await db.webhookSubscription.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.status).toBe("active");
    expect(after.externalId).not.toBe(before.externalId);
    // One live channel or subscription at the provider for it: the current one.
    const live =
      provider === "google"
        ? (await emu.control.channels()).filter((channel) => channel.state === "live" && channel.accountEmail === email).map((channel) => channel.id)
        : (await emu.control.subscriptions()).filter((view) => view.state === "live" && view.accountEmail === email).map((view) => view.id);
    expect(live).toEqual([after.externalId]);
    // The history holds the replaced id once, and no id that never was the subscription's.
    const history = await db.replacedSubscriptionId.findMany({ where: { subscriptionId: before.id } });
    expect(history.map((entry) => entry.externalId)).toEqual([before.externalId]);
    expect(await db.webhookSubscription.count({ where: { organizationId, status: "pending" } })).toBe(0);
  });
});
