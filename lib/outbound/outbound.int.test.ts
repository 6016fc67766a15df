import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiChange } from "@/lib/api/v1/schemas";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { FollowUp } from "@/lib/jobs/catalog";
import type { EventRecord } from "@/lib/providers/port";
import { eventRecord } from "@/scripts/test/event-records";
import { applyPage } from "@/lib/sync/store";
import { seedAdminFixture, type AdminFixture } from "@/scripts/test/admin";
import { signIn, type SignedIn } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { startReceiver, type Receiver } from "@/scripts/test/outbound";
import { BACKOFF_MS, deliverEndpoint, replayDeliveries, send, sendTestEvent, sweepDeliveriesJob } from "./deliver";
import { createEndpoint, listDeliveries, rotateEndpointSecret, updateEndpoint } from "./endpoints";
import { DestinationRefused, checkUrl, isBlockedAddress } from "./ssrf";

// Outbound webhooks against a real local receiver, verified with the reference
// Standard Webhooks package (not our own code): signatures, order through failures,
// backoff then disable, replay, and the SSRF guard.

const database = setupTestDatabase();
let owner: SignedIn;
let fixture: AdminFixture;
let receiver: Receiver;
const dispatched: FollowUp[] = [];
let restoreSender: () => void;

const BASE = Date.UTC(2026, 11, 10, 9, 0);
const window = { start: new Date(BASE - 30 * 86_400_000), end: new Date(BASE + 365 * 86_400_000) };
function record(id: string, title: string): EventRecord {
  const startAt = new Date(BASE + 3_600_000);
  return eventRecord({ providerEventId: id, title, startAt, endAt: new Date(startAt.getTime() + 3_600_000) });
}

beforeAll(async () => {
  restoreSender = installJobSender(async (items) => void dispatched.push(...items));
  owner = await signIn("owner@outbound.test");
  fixture = await seedAdminFixture(await database.db(), owner.viewer.organizationId, { tag: "out" });
  receiver = await startReceiver();
});

afterAll(async () => {
  restoreSender();
  await receiver.close();
});

const scope = () => ({ organizationId: owner.viewer.organizationId, calendarId: fixture.google.calendarId });
const payloadOf = (body: string) => JSON.parse(body) as { type: string; data: ApiChange };

/** Runs the endpoint's delivery job, moving the clock past each backoff, until it is caught up or disabled. */
async function deliverUntilSettled(endpointId: string, start = Date.now(), maxRounds = 20) {
  let clock = start;
  for (let round = 0; round < maxRounds; round += 1) {
    const outcome = await deliverEndpoint(owner.viewer.organizationId, endpointId, { now: () => new Date(clock) });
    if (outcome.disabled || (!outcome.failed && !outcome.more)) return outcome;
    // Past the longest backoff with its jitter (10 h + 20%).
    clock += 13 * 3_600_000;
  }
  throw new Error("delivery did not settle");
}

describe("outbound webhooks", () => {
  it("signs every delivery per Standard Webhooks; a tampered body, a wrong secret or a stale timestamp do not verify", async () => {
    receiver.received.length = 0;
    receiver.respond = () => 200;
    const { endpoint, secret } = await createEndpoint(owner.viewer.organizationId, { url: receiver.url, description: "signed", eventTypes: [] });
    await applyPage(scope(), [{ type: "upsert", event: record("s1", "signed one") }], window);
    await deliverUntilSettled(endpoint.id);
    expect(receiver.received).toHaveLength(1);
    const [{ headers, body }] = receiver.received as [{ headers: Record<string, string>; body: string }];
    const verified = new Webhook(secret).verify(body, headers) as { type: string; data: ApiChange };
    expect(verified.type).toBe("event.created");
    expect(verified.data.event?.title).toBe("signed one");
    expect(verified.data.cursor).toMatch(/^\d+$/);
    expect(() => new Webhook(secret).verify(body.replace("signed one", "signed 0ne"), headers)).toThrow();
    const { secret: other } = await createEndpoint(owner.viewer.organizationId, { url: receiver.url, description: "other", eventTypes: ["calendar.added"] });
    expect(() => new Webhook(other).verify(body, headers)).toThrow();

    // Delivered six minutes ago: the reference verifier's five-minute tolerance refuses it.
    receiver.received.length = 0;
    await applyPage(scope(), [{ type: "upsert", event: record("s2", "stale") }], window);
    await deliverEndpoint(owner.viewer.organizationId, endpoint.id, { now: () => new Date(Date.now() - 6 * 60_000) });
    const stale = receiver.received[0]!;
    expect(() => new Webhook(secret).verify(stale.body, stale.headers)).toThrow(/timestamp/i);
    await updateEndpoint(owner.viewer.organizationId, endpoint.id, { enabled: false });
  });

  it("keeps endpoint secrets sealed at rest", async () => {
    const { endpoint, secret } = await createEndpoint(owner.viewer.organizationId, {
      url: receiver.url,
      description: "sealed",
      eventTypes: ["calendar.added"],
    });
    const [row] = await (
      await database.db()
    ).$queryRawUnsafe<Array<{ secret: string }>>(`SELECT secret FROM webhook_endpoints WHERE id = $1::uuid`, endpoint.id);
    expect(row!.secret).not.toContain(secret.slice(6));
    expect(row!.secret.startsWith("whsec_")).toBe(false);
  });

  it("signs with both secrets during a rotation", async () => {
    receiver.received.length = 0;
    const { endpoint, secret: before } = await createEndpoint(owner.viewer.organizationId, { url: receiver.url, description: "rotating", eventTypes: [] });
    const { secret: after } = await rotateEndpointSecret(owner.viewer.organizationId, endpoint.id);
    const delivery = await sendTestEvent(owner.viewer.organizationId, endpoint.id);
    expect(delivery.status).toBe("succeeded");
    const { headers, body } = receiver.received[0]!;
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(before).verify(body, headers)).toEqual(expect.objectContaining({ type: "webhook.test" }));
    expect(new Webhook(after).verify(body, headers)).toEqual(expect.objectContaining({ type: "webhook.test" }));
    await updateEndpoint(owner.viewer.organizationId, endpoint.id, { enabled: false });
  });

  it("an endpoint that fails for a while, then recovers, receives everything once per webhook-id, in order", async () => {
    receiver.received.length = 0;
    const { endpoint } = await createEndpoint(owner.viewer.organizationId, { url: receiver.url, description: "flaky", eventTypes: [] });
    for (let index = 0; index < 5; index += 1) await applyPage(scope(), [{ type: "upsert", event: record(`f${index}`, `flaky ${index}`) }], window);
    await applyPage(scope(), [{ type: "upsert", event: record("f0", "flaky 0 renamed") }], window);
    receiver.respond = (nth) => (nth <= 3 ? 500 : 200);
    const outcome = await deliverUntilSettled(endpoint.id);
    expect(outcome.disabled).toBe(false);
    const ids = receiver.received.map((webhook) => webhook.headers["webhook-id"]!);
    expect(ids.slice(0, 4)).toEqual([ids[0], ids[0], ids[0], ids[0]]);
    const unique = [...new Set(ids)];
    expect(unique).toHaveLength(6);
    const cursors = unique.map((id) => BigInt(payloadOf(receiver.received.find((webhook) => webhook.headers["webhook-id"] === id)!.body).data.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
    const deliveries = await listDeliveries(owner.viewer.organizationId, endpoint.id);
    expect(deliveries.find((delivery) => delivery.attempts === 4)?.status).toBe("succeeded");
    await updateEndpoint(owner.viewer.organizationId, endpoint.id, { enabled: false });
  });

  it("an endpoint that never recovers is disabled after the last backoff, shows why, and a replay delivers everything in order", async () => {
    receiver.received.length = 0;
    receiver.respond = () => 503;
    const { endpoint } = await createEndpoint(owner.viewer.organizationId, { url: receiver.url, description: "down", eventTypes: [] });
    const db = await database.db();
    await applyPage(
      scope(),
      [
        { type: "upsert", event: record("d1", "down 1") },
        { type: "upsert", event: record("d2", "down 2") },
      ],
      window,
    );
    const outcome = await deliverUntilSettled(endpoint.id);
    expect(outcome.disabled).toBe(true);
    expect(receiver.received).toHaveLength(BACKOFF_MS.length + 1);
    const row = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(row.enabled).toBe(false);
    expect(row.disabledReason).toMatch(/disabled after 8 failed attempts: answered 503/);
    // The sweep leaves a disabled endpoint alone.
    expect(
      (await sweepDeliveriesJob()).followUps?.some(
        (job) => job.data.organizationId === owner.viewer.organizationId && "endpointId" in job.data && job.data.endpointId === endpoint.id,
      ),
    ).toBe(false);
    expect((await listDeliveries(owner.viewer.organizationId, endpoint.id, { status: "failed" })).length).toBe(1);

    receiver.received.length = 0;
    receiver.respond = () => 200;
    dispatched.length = 0;
    expect(await replayDeliveries(owner.viewer.organizationId, endpoint.id)).toEqual({ replayed: 1 });
    expect(dispatched).toEqual([{ name: "outbound/deliver.requested", data: { organizationId: owner.viewer.organizationId, endpointId: endpoint.id } }]);
    await deliverUntilSettled(endpoint.id);
    expect(receiver.received.map((webhook) => payloadOf(webhook.body).data.event?.providerEventId)).toEqual(expect.arrayContaining(["d1", "d2"]));
    const titles = receiver.received.map((webhook) => payloadOf(webhook.body).data.event?.title);
    expect(titles.indexOf("down 1")).toBeLessThan(titles.indexOf("down 2"));
    expect((await listDeliveries(owner.viewer.organizationId, endpoint.id, { status: "failed" })).length).toBe(0);
  });
});

describe("two delivery jobs for one endpoint at once", () => {
  it("never send side by side: each change once, in order", async () => {
    receiver.received.length = 0;
    receiver.respond = () => 200;
    const { endpoint } = await createEndpoint(owner.viewer.organizationId, { url: receiver.url, description: "raced", eventTypes: [] });
    const db = await database.db();
    for (let index = 0; index < 10; index += 1) await applyPage(scope(), [{ type: "upsert", event: record(`r${index}`, `raced ${index}`) }], window);
    const outcomes = await Promise.all([
      deliverEndpoint(owner.viewer.organizationId, endpoint.id),
      deliverEndpoint(owner.viewer.organizationId, endpoint.id),
      deliverEndpoint(owner.viewer.organizationId, endpoint.id),
    ]);
    expect(outcomes.reduce((sum, outcome) => sum + outcome.sent, 0)).toBe(10);
    const ids = receiver.received.map((webhook) => webhook.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(ids.length);
    const cursors = receiver.received.map((webhook) => BigInt(payloadOf(webhook.body).data.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).leasedUntil).toBeNull();
    await updateEndpoint(owner.viewer.organizationId, endpoint.id, { enabled: false });
  });
});

describe("the SSRF guard in production", () => {
  const headers = { "webhook-id": "msg_x", "webhook-timestamp": "0", "webhook-signature": "v1,x" };

  it.each([
    "https://127.0.0.1/hook",
    "https://10.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "http://example.com/hook",
  ])("refuses %s before connecting", async (url) => {
    expect(() => checkUrl(url, true)).toThrow(DestinationRefused);
    const result = await send(url, headers, "{}", true);
    expect(result.ok).toBe(false);
    expect(result.status).toBeNull();
  });

  it("refuses a name that resolves to loopback (checked after DNS), and lets development reach it", async () => {
    receiver.received.length = 0;
    receiver.respond = () => 200;
    const port = new URL(receiver.url).port;
    const strict = await send(`https://localhost:${port}/hooks`, headers, "{}", true);
    expect(strict.error).toMatch(/resolves to .*not a public address/);
    expect(receiver.received).toHaveLength(0);
    const relaxed = await send(`http://localhost:${port}/hooks`, headers, "{}", false);
    expect(relaxed.ok).toBe(true);
    expect(receiver.received).toHaveLength(1);
  });

  it("does not follow redirects", async () => {
    receiver.received.length = 0;
    receiver.respond = () => 307;
    const result = await send(receiver.url, headers, "{}", false);
    expect(result).toEqual(expect.objectContaining({ ok: false, status: 307 }));
    expect(receiver.received).toHaveLength(1);
  });

  it("classifies addresses", () => {
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
    ])
      expect(isBlockedAddress(address), address).toBe(true);
    for (const address of ["93.184.216.34", "8.8.8.8", "2606:4700::1111"]) expect(isBlockedAddress(address), address).toBe(false);
  });
});
