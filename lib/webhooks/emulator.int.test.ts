import http from "node:http";
import type { AddressInfo } from "node:net";
import type { calendar_v3 } from "googleapis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRawPool } from "@/lib/db/raw";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { FollowUp } from "@/lib/jobs/catalog";
import { secretHash } from "@/lib/subscriptions/identity";
import { seedWebhookFixture, type WebhookFixture } from "@/scripts/test/webhooks";
import type { Emulator } from "@/e2e/emulator/server";
import { googleCalendarApi, googleSignIn, graphClient, microsoftSignIn, startTestEmulator } from "@/e2e/emulator/test-support";
import { setupTestDatabase } from "@/scripts/test/database";
import { POST as googleRoute } from "@/app/api/webhooks/google/route";
import { POST as microsoftRoute } from "@/app/api/webhooks/microsoft/route";
import { POST as lifecycleRoute } from "@/app/api/webhooks/microsoft/lifecycle/route";

// The provider emulator delivering for real, over HTTP, to the route handlers:
// Google's headers and numbering, Graph's validation handshake (which the emulator
// checks byte for byte), batches and lifecycle events. The test only seeds the
// subscription rows the way lib/subscriptions would, secret hashed.

const database = setupTestDatabase();

const routes: Record<string, (request: Request) => Promise<Response>> = {
  "/api/webhooks/google": googleRoute,
  "/api/webhooks/microsoft": microsoftRoute,
  "/api/webhooks/microsoft/lifecycle": lifecycleRoute,
};

let emu: Emulator;
let app: http.Server;
let appUrl = "";
let fixture: WebhookFixture;
const dispatched: FollowUp[] = [];
let restoreSender: () => void = () => {};

beforeAll(async () => {
  fixture = await seedWebhookFixture(await database.db());
  restoreSender = installJobSender(async (items) => {
    dispatched.push(...items);
  });
  emu = await startTestEmulator();
  // What Next.js does in front of a route handler, reduced to the part that matters:
  // a Web Request in, a Web Response out.
  app = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", appUrl);
      const route = routes[url.pathname];
      if (!route) return void res.writeHead(404).end();
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const response = await route(new Request(url, { method: req.method, headers, body }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  app.listen(0, "127.0.0.1");
  await new Promise((resolve) => app.once("listening", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  restoreSender();
  await emu?.stop();
  await new Promise((resolve) => app?.close(resolve));
  await closeRawPool();
});

async function eventsFor(externalId: string) {
  return (await database.db()).webhookEvent.findMany({ where: { externalId }, orderBy: { receivedAt: "asc" } });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("deliveries from the provider emulator", () => {
  it("Google: the sync message before the watch answer, then `exists` per change, verified and stored", async () => {
    const { client } = await googleSignIn(emu);
    const calendar: calendar_v3.Calendar = googleCalendarApi(emu, client);
    const channelId = `emu-${fixture.google.channelId}`;
    const token = "emulator channel token +/=";
    const db = await database.db();
    // Written before `watch`, resource id unknown yet: the sync message may overtake the answer.
    const subscription = await db.webhookSubscription.create({
      data: {
        organizationId: fixture.organizationId,
        connectionId: fixture.google.connectionId,
        calendarId: fixture.google.calendarId,
        provider: "google",
        externalId: channelId,
        secretHash: secretHash(token),
        status: "pending",
      },
    });
    const { data: channel } = await calendar.events.watch({
      calendarId: "primary",
      requestBody: { id: channelId, type: "web_hook", address: `${appUrl}/api/webhooks/google`, token },
    });
    await db.webhookSubscription.update({ where: { id: subscription.id }, data: { resourceId: channel.resourceId, status: "active" } });

    const [sync] = await until(
      () => eventsFor(channelId),
      (rows) => rows.length >= 1,
    );
    expect(sync).toMatchObject({ changeType: "sync", status: "ignored", messageNumber: 1n, subscriptionId: subscription.id });

    await emu.control.createEvent("alice@example.com", { summary: "From the emulator", start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z" });
    const rows = await until(
      () => eventsFor(channelId),
      (all) => all.length >= 2,
    );
    expect(rows[1]).toMatchObject({ changeType: "exists", status: "pending", calendarId: fixture.google.calendarId });
    expect(rows[1]!.messageNumber! > 1n).toBe(true);
    expect(JSON.stringify(rows.map((row) => row.headers))).not.toContain(token);
    expect(dispatched).toContainEqual({
      name: "calendar/sync.requested",
      data: { organizationId: fixture.organizationId, calendarId: fixture.google.calendarId, trigger: "webhook" },
    });

    // A wrong resource id is refused now that the real one is known.
    await db.webhookSubscription.update({ where: { id: subscription.id }, data: { resourceId: "another-resource" } });
    await emu.control.createEvent("alice@example.com", { summary: "Refused", start: "2030-01-02T10:00:00Z", end: "2030-01-02T11:00:00Z" });
    const refused = await until(
      () => emu.control.deliveries({ kind: "google.push" }),
      (all) => all.some((delivery) => delivery.channelId === channelId && delivery.status === 401),
    );
    expect(refused.some((delivery) => delivery.channelId === channelId && delivery.status === 401)).toBe(true);
    expect(await eventsFor(channelId)).toHaveLength(2);
    await calendar.channels.stop({ requestBody: { id: channelId, resourceId: channel.resourceId } });
  });

  it("Graph: the validation handshake passes, a batch is stored and synced, lifecycle events are handed off", async () => {
    const tokens = await microsoftSignIn(emu);
    const graph = graphClient(emu, () => tokens.access_token);
    const clientState = "emulator client state +/= %2B";
    // Succeeds only if both handshakes (notification and lifecycle URL) echoed the token exactly.
    const created = (await graph.api("/subscriptions").post({
      changeType: "created,updated,deleted",
      notificationUrl: `${appUrl}/api/webhooks/microsoft`,
      lifecycleNotificationUrl: `${appUrl}/api/webhooks/microsoft/lifecycle`,
      resource: "me/events",
      expirationDateTime: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      clientState,
    })) as { id: string };
    const db = await database.db();
    const subscription = await db.webhookSubscription.create({
      data: {
        organizationId: fixture.organizationId,
        connectionId: fixture.microsoft.connectionId,
        provider: "microsoft",
        externalId: created.id,
        resource: "me/events",
        secretHash: secretHash(clientState),
        status: "active",
      },
    });

    const calendarId = await emu.control.primaryCalendarId("bob@contoso.example");
    await emu.control.createEvent(calendarId, { summary: "One", start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z" });
    await emu.control.createEvent(calendarId, { summary: "Two", start: "2030-01-02T10:00:00Z", end: "2030-01-02T11:00:00Z" });
    const rows = await until(
      () => eventsFor(created.id),
      (all) => all.length >= 2,
    );
    expect(rows.map((row) => [row.changeType, row.status])).toEqual([
      ["created", "pending"],
      ["created", "pending"],
    ]);
    expect(JSON.stringify(rows.map((row) => [row.headers, row.body]))).not.toContain(clientState);
    for (const calendar of fixture.microsoft.calendarIds) {
      expect(dispatched).toContainEqual({
        name: "calendar/sync.requested",
        data: { organizationId: fixture.organizationId, calendarId: calendar, trigger: "webhook" },
      });
    }

    await emu.control.sendLifecycleEvent(created.id, "missed");
    const withLifecycle = await until(
      () => eventsFor(created.id),
      (all) => all.length >= 3,
    );
    expect(withLifecycle[2]).toMatchObject({ changeType: "missed", status: "pending", subscriptionId: subscription.id });
    expect(dispatched).toContainEqual({
      name: "subscription/lifecycle",
      data: { organizationId: fixture.organizationId, subscriptionId: subscription.id, lifecycleEvent: "missed" },
    });

    const deliveries = await emu.control.deliveries();
    const ours = deliveries.filter((delivery) => delivery.kind.startsWith("graph.") && delivery.url.startsWith(appUrl));
    expect(ours.map((delivery) => delivery.kind).sort()).toEqual(
      expect.arrayContaining(["graph.lifecycle", "graph.notification", "graph.validation", "graph.validation"]),
    );
    expect(ours.every((delivery) => delivery.okWithin3s)).toBe(true);
  });
});
