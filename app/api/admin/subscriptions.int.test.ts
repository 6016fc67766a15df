import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import {
  addMember,
  connectAccount,
  request,
  serveRoutes,
  signIn,
  startAppEmulator,
  stopAppEmulator,
  type SignedIn,
  serveWebhookRoutes,
} from "@/scripts/test/app";
import type { Emulator } from "@/e2e/emulator/server";
import type { AdminSubscription, AdminSubscriptionActionResponse, AdminSubscriptionsResponse } from "@/lib/api/types";
import { inlineDriver } from "@/inngest";
import { GET as listSubscriptions } from "@/app/api/admin/subscriptions/route";
import { DELETE as deleteSubscription } from "@/app/api/admin/subscriptions/[id]/route";
import { POST as refresh } from "@/app/api/admin/subscriptions/[id]/refresh/route";
import { POST as reregister } from "@/app/api/admin/subscriptions/[id]/reregister/route";
import { POST as resync } from "@/app/api/admin/calendars/[id]/resync/route";

// Subscriptions and resyncs from the console, against the emulator over real HTTP:
// connect both providers (push registers, a change at the provider arrives as a
// notification), then renew, re-register and delete, and check at the emulator
// that the provider saw each. Members, strangers and bad input change nothing.

const database = setupTestDatabase();
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveRoutes>>;
const previousPublicUrl = process.env.CALSYNC_PUBLIC_URL;

let owner: SignedIn;
let member: SignedIn;
let stranger: SignedIn;
const ACCOUNTS = { google: "alice@example.com", microsoft: "bob@contoso.example" } as const;
const connections: Record<keyof typeof ACCOUNTS, string> = { google: "", microsoft: "" };

const params = (id: string) => ({ params: Promise.resolve({ id }) });
const none = undefined as never;
const post = (url: string, who: SignedIn | null, body?: unknown) =>
  request(url, {
    method: "POST",
    cookie: who?.cookie,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
const del = (url: string, who: SignedIn | null) => request(url, { method: "DELETE", cookie: who?.cookie });

async function settle(): Promise<void> {
  await emu.control.waitForIdle(15_000);
  await inlineDriver().idle();
}

async function list(who: SignedIn = owner): Promise<AdminSubscription[]> {
  const response = await listSubscriptions(request("/api/admin/subscriptions", { cookie: who.cookie }), none);
  expect(response.status).toBe(200);
  return ((await response.json()) as AdminSubscriptionsResponse).subscriptions;
}

/** The live subscription covering the account's primary calendar (Graph: the whole mailbox). */
async function live(provider: keyof typeof ACCOUNTS): Promise<AdminSubscription> {
  const primary = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId: connections[provider], isPrimary: true } });
  const found = (await list()).find(
    (subscription) =>
      subscription.provider === provider && subscription.status === "active" && (subscription.calendarId === null || subscription.calendarId === primary.id),
  );
  if (!found) throw new Error(`no live ${provider} subscription`);
  return found;
}

async function act(handler: typeof refresh, url: string, id: string): Promise<AdminSubscriptionActionResponse> {
  const response = await handler(post(url, owner), params(id));
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as AdminSubscriptionActionResponse;
}

beforeAll(async () => {
  emu = await startAppEmulator();
  app = await serveWebhookRoutes();
  owner = await signIn("owner@subscriptions.test");
  member = await addMember(owner.viewer.organizationId, "member@subscriptions.test", "member");
  stranger = await signIn("admin@subscriptions-elsewhere.test");
  for (const provider of ["google", "microsoft"] as const) connections[provider] = await connectAccount(emu, owner, provider, ACCOUNTS[provider]);
  await settle();
  // A change at each provider, so each subscription has a notification to show.
  for (const provider of ["google", "microsoft"] as const) {
    const calendarId = await emu.control.primaryCalendarId(ACCOUNTS[provider], provider);
    const start = new Date(Date.now() + 2 * 24 * 60 * 60_000);
    await emu.control.createEvent(calendarId, {
      summary: `Admin test ${provider}`,
      start: start.toISOString(),
      end: new Date(start.getTime() + 3_600_000).toISOString(),
    });
  }
  await settle();
});
afterAll(async () => {
  await inlineDriver().idle();
  inlineDriver().stop();
  process.env.CALSYNC_PUBLIC_URL = previousPublicUrl;
  await app?.close();
  await stopAppEmulator(emu);
});

describe("GET /api/admin/subscriptions", () => {
  it("lists each subscription with its account, calendar, expiry, traffic and latest notifications", async () => {
    const subscriptions = await list();
    const google = subscriptions.filter((subscription) => subscription.provider === "google");
    const graph = subscriptions.filter((subscription) => subscription.provider === "microsoft");
    expect(google.length).toBeGreaterThanOrEqual(1);
    expect(graph).toHaveLength(1);
    expect(graph[0]).toMatchObject({
      calendarName: "All calendars",
      calendarId: null,
      accountEmail: ACCOUNTS.microsoft,
      status: "active",
      connectionStatus: "active",
      suspect: false,
      renewalFailures: 0,
    });
    const primary = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId: connections.google, isPrimary: true } });
    const googlePrimary = google.find((subscription) => subscription.calendarId === primary.id)!;
    expect(googlePrimary).toMatchObject({ calendarName: primary.name, accountEmail: ACCOUNTS.google, status: "active" });
    for (const subscription of [googlePrimary, graph[0]!]) {
      expect(Date.parse(subscription.expiresAt!)).toBeGreaterThan(Date.now() + 24 * 60 * 60_000);
      expect(subscription.notifications24h).toBeGreaterThanOrEqual(1);
      expect(subscription.lastNotificationAt).not.toBeNull();
      expect(subscription.recentEvents.length).toBeGreaterThanOrEqual(1);
      expect(subscription.recentEvents.length).toBeLessThanOrEqual(5);
      expect(subscription.recentEvents.every((event) => event.subscriptionId === subscription.id)).toBe(true);
    }
    expect(googlePrimary.recentEvents.some((event) => event.status === "processed" && event.latencyMs !== null)).toBe(true);
  });

  it("is empty for another organization's admin, 403 for members and 401 signed out", async () => {
    expect(await list(stranger)).toEqual([]);
    expect((await listSubscriptions(request("/api/admin/subscriptions", { cookie: member.cookie }), none)).status).toBe(403);
    expect((await listSubscriptions(request("/api/admin/subscriptions"), none)).status).toBe(401);
    expect((await listSubscriptions(request("/api/admin/subscriptions?status=sleeping", { cookie: owner.cookie }), none)).status).toBe(400);
  });
});

describe("refresh and re-register", () => {
  it("Google: a refresh replaces the channel; the provider has the new one live and the old one stopped", async () => {
    const before = await live("google");
    const answer = await act(refresh, `/api/admin/subscriptions/${before.id}/refresh`, before.id);
    expect(answer.action).toBe("replaced");
    expect(answer.subscription.id).toBe(before.id);
    expect(answer.subscription.externalId).not.toBe(before.externalId);
    const channels = await emu.control.channels();
    expect(channels.find((channel) => channel.id === before.externalId)?.state).toBe("stopped");
    expect(channels.find((channel) => channel.id === answer.subscription.externalId)?.state).toBe("live");
  });

  it("Microsoft: a refresh extends the same subscription at the provider", async () => {
    const before = await live("microsoft");
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const answer = await act(refresh, `/api/admin/subscriptions/${before.id}/refresh`, before.id);
    expect(answer.action).toBe("extended");
    expect(answer.subscription.externalId).toBe(before.externalId);
    expect(Date.parse(answer.expiresAt!)).toBeGreaterThan(Date.parse(before.expiresAt!));
    const atProvider = (await emu.control.subscriptions()).find((subscription) => subscription.id === before.externalId)!;
    expect(atProvider.state).toBe("live");
    expect(Date.parse(atProvider.expirationDateTime)).toBe(Date.parse(answer.expiresAt!));
  });

  it("Microsoft: re-registering creates a new subscription and deletes the old one", async () => {
    const before = await live("microsoft");
    const answer = await act(reregister, `/api/admin/subscriptions/${before.id}/reregister`, before.id);
    expect(["recreated", "replaced"]).toContain(answer.action);
    expect(answer.subscription).toMatchObject({ id: before.id, status: "active" });
    expect(answer.subscription.externalId).not.toBe(before.externalId);
    const atProvider = await emu.control.subscriptions();
    expect(atProvider.find((subscription) => subscription.id === before.externalId)?.state).toBe("deleted");
    expect(atProvider.find((subscription) => subscription.id === answer.subscription.externalId)?.state).toBe("live");
  });

  it("a renewal the provider refuses is 503, and counted on the subscription", async () => {
    const before = await live("microsoft");
    await emu.control.failNext({ endpoint: "graph.subscriptions.update", status: 403, accountEmail: ACCOUNTS.microsoft });
    const response = await refresh(post(`/api/admin/subscriptions/${before.id}/refresh`, owner), params(before.id));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/did not renew/);
    const after = (await list()).find((subscription) => subscription.id === before.id)!;
    expect(after.renewalFailures).toBe(before.renewalFailures + 1);
    expect(after.lastError).not.toBeNull();
  });
});

describe("DELETE /api/admin/subscriptions/:id", () => {
  it("stops the channel at the provider and keeps the subscription, stopped, with its history", async () => {
    const before = await live("google");
    const response = await deleteSubscription(del(`/api/admin/subscriptions/${before.id}`, owner), params(before.id));
    expect(response.status).toBe(200);
    const answer = (await response.json()) as AdminSubscriptionActionResponse;
    expect(answer).toMatchObject({ action: "stopped", subscription: { id: before.id, status: "stopped" } });
    expect(answer.subscription.recentEvents.length).toBeGreaterThanOrEqual(1);
    expect((await emu.control.channels()).find((channel) => channel.id === before.externalId)?.state).toBe("stopped");
    // A deleted subscription is not renewed by accident; re-registering brings it back.
    expect((await refresh(post(`/api/admin/subscriptions/${before.id}/refresh`, owner), params(before.id))).status).toBe(409);
    const revived = await act(reregister, `/api/admin/subscriptions/${before.id}/reregister`, before.id);
    expect(revived.subscription.status).toBe("active");
    expect((await emu.control.channels()).find((channel) => channel.id === revived.subscription.externalId)?.state).toBe("live");
  });

  it("Microsoft: deleting removes the subscription at the provider", async () => {
    const before = await live("microsoft");
    expect((await deleteSubscription(del(`/api/admin/subscriptions/${before.id}`, owner), params(before.id))).status).toBe(200);
    expect((await emu.control.subscriptions()).find((subscription) => subscription.id === before.externalId)?.state).toBe("deleted");
  });
});

describe("who may act on subscriptions", () => {
  it("members (403), signed-out callers (401) and other organizations' admins (404) change nothing", async () => {
    const target = await live("google");
    const channelsBefore = JSON.stringify((await emu.control.channels()).map((channel) => [channel.id, channel.state]));
    const attempts: Array<[SignedIn | null, number]> = [
      [member, 403],
      [null, 401],
      [stranger, 404],
    ];
    for (const [who, status] of attempts) {
      expect((await refresh(post(`/api/admin/subscriptions/${target.id}/refresh`, who), params(target.id))).status).toBe(status);
      expect((await reregister(post(`/api/admin/subscriptions/${target.id}/reregister`, who), params(target.id))).status).toBe(status);
      expect((await deleteSubscription(del(`/api/admin/subscriptions/${target.id}`, who), params(target.id))).status).toBe(status);
    }
    expect(JSON.stringify((await emu.control.channels()).map((channel) => [channel.id, channel.state]))).toBe(channelsBefore);
    expect((await live("google")).externalId).toBe(target.externalId);
  });

  it("malformed ids are 400", async () => {
    expect((await refresh(post("/api/admin/subscriptions/zzz/refresh", owner), params("zzz"))).status).toBe(400);
    expect((await deleteSubscription(del("/api/admin/subscriptions/zzz", owner), params("zzz"))).status).toBe(400);
  });
});

describe("POST /api/admin/calendars/:id/resync", () => {
  const runsOf = async (calendarId: string) =>
    (await database.db()).syncRun.findMany({ where: { calendarId, trigger: "manual" }, orderBy: { startedAt: "asc" }, select: { mode: true, status: true } });

  it("runs a full sync that rebuilds the mirror, or an incremental one", async () => {
    const calendar = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId: connections.google, isPrimary: true } });
    const full = await resync(post(`/api/admin/calendars/${calendar.id}/resync`, owner, { mode: "full" }), params(calendar.id));
    expect(full.status).toBe(202);
    expect(await full.json()).toEqual({ calendarId: calendar.id, mode: "full", requested: true });
    await settle();
    expect(await runsOf(calendar.id)).toEqual([{ mode: "full", status: "succeeded" }]);
    expect((await resync(post(`/api/admin/calendars/${calendar.id}/resync`, owner, { mode: "incremental" }), params(calendar.id))).status).toBe(202);
    await settle();
    expect(await runsOf(calendar.id)).toEqual([
      { mode: "full", status: "succeeded" },
      { mode: "incremental", status: "succeeded" },
    ]);
  });

  it("is 409 for a calendar that is not synced, 404 for another organization's, 400 for bad input", async () => {
    const db = await database.db();
    const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId: connections.google, isPrimary: true } });
    const off = await db.calendar.findFirstOrThrow({ where: { connectionId: connections.google, syncEnabled: false } });
    expect((await resync(post(`/api/admin/calendars/${off.id}/resync`, owner, { mode: "full" }), params(off.id))).status).toBe(409);
    expect((await resync(post(`/api/admin/calendars/${calendar.id}/resync`, stranger, { mode: "full" }), params(calendar.id))).status).toBe(404);
    expect((await resync(post(`/api/admin/calendars/${calendar.id}/resync`, member, { mode: "full" }), params(calendar.id))).status).toBe(403);
    expect((await resync(post(`/api/admin/calendars/${calendar.id}/resync`, null, { mode: "full" }), params(calendar.id))).status).toBe(401);
    for (const body of [{ mode: "partial" }, {}, { mode: "full", force: true }, "mode=full"]) {
      expect((await resync(post(`/api/admin/calendars/${calendar.id}/resync`, owner, body), params(calendar.id))).status, JSON.stringify(body)).toBe(400);
    }
    expect((await resync(post("/api/admin/calendars/nope/resync", owner, { mode: "full" }), params("nope"))).status).toBe(400);
    await settle();
    expect(await db.syncRun.count({ where: { calendarId: calendar.id, trigger: "manual" } })).toBe(2);
  });
});
