import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeRawPool } from "@/lib/db/raw";
import { installJobSender } from "@/lib/jobs/dispatch";
import { resetHandOffThrottle } from "@/lib/webhooks/handoff";
import type { FollowUp } from "@/lib/jobs/catalog";
import { resetWebhookMetrics, webhookMetrics } from "@/lib/webhooks/metrics";
import { seedWebhookFixture, type WebhookFixture } from "@/scripts/test/webhooks";
import { setupTestDatabase } from "@/scripts/test/database";
import { POST } from "@/app/api/webhooks/microsoft/route";
import { POST as POST_LIFECYCLE } from "@/app/api/webhooks/microsoft/lifecycle/route";

const database = setupTestDatabase();

let fixture: WebhookFixture;
let dispatched: FollowUp[] = [];
let restoreSender: () => void = () => {};

beforeAll(async () => {
  fixture = await seedWebhookFixture(await database.db());
  restoreSender = installJobSender(async (items) => {
    dispatched.push(...items);
  });
});

afterAll(async () => {
  restoreSender();
  await closeRawPool();
});

beforeEach(async () => {
  // Each test starts with no recent hand-off (the per-calendar throttle is covered in handoff tests).
  resetHandOffThrottle();
  await (await database.db()).webhookEvent.deleteMany();
  dispatched = [];
  resetWebhookMetrics();
});

let nextEvent = 1;

function change(overrides: Record<string, unknown> = {}) {
  const eventId = `AAMkAD-${nextEvent++}`;
  return {
    id: "lsgTZMr9KwAAA",
    subscriptionId: fixture.microsoft.externalId,
    subscriptionExpirationDateTime: "2030-10-30T11:00:00Z",
    clientState: fixture.microsoft.clientState,
    changeType: "updated",
    resource: `Users/u-1/Events/${eventId}`,
    tenantId: "3c5d6a1e-7a1b-4d2e-9f10-ca15c0e00001",
    resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": `Users/u-1/Events/${eventId}`, "@odata.etag": 'W/"DwAAABYAAAA"', id: eventId },
    ...overrides,
  };
}

function lifecycle(lifecycleEvent: string, overrides: Record<string, unknown> = {}) {
  return {
    subscriptionId: fixture.microsoft.externalId,
    subscriptionExpirationDateTime: "2030-10-30T11:00:00Z",
    tenantId: "3c5d6a1e-7a1b-4d2e-9f10-ca15c0e00001",
    clientState: fixture.microsoft.clientState,
    lifecycleEvent,
    ...overrides,
  };
}

function post(body: string | object, path = "/api/webhooks/microsoft"): Request {
  return new Request(`https://app.example${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8", "User-Agent": "Microsoft-Graph-Notifications" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function events() {
  return (await database.db()).webhookEvent.findMany({ orderBy: { receivedAt: "asc" } });
}

const syncOf = (calendarId: string): FollowUp => ({
  name: "calendar/sync.requested",
  data: { organizationId: fixture.organizationId, calendarId, trigger: "webhook" },
});

describe("POST /api/webhooks/microsoft", () => {
  it("answers the validation handshake with the decoded token as text/plain, storing nothing", async () => {
    const token = "Validation: Testing client application reachability for subscription Request-Id: a+b/c==d %2B 100%";
    const url = new URL("https://app.example/api/webhooks/microsoft");
    url.searchParams.set("validationToken", token);
    const response = await POST(new Request(url, { method: "POST", headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(token);
    expect(await events()).toEqual([]);
    expect(webhookMetrics().microsoft.validation).toBe(1);
  });

  it("records every item of a batch as pending and syncs each synced calendar of the connection once", async () => {
    const response = await POST(post({ value: [change(), change({ changeType: "created" }), change({ changeType: "deleted", resourceData: { id: "x" } })] }));
    expect(response.status).toBe(202);
    const requestId = response.headers.get("x-request-id");
    const rows = await events();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatchObject({
        organizationId: fixture.organizationId,
        subscriptionId: fixture.microsoft.subscriptionId,
        calendarId: null,
        provider: "microsoft",
        externalId: fixture.microsoft.externalId,
        status: "pending",
        requestId,
      });
      expect(row.body).toMatchObject({ clientState: "[redacted]", subscriptionId: fixture.microsoft.externalId });
    }
    expect(rows.map((row) => row.changeType).sort()).toEqual(["created", "deleted", "updated"]);
    expect(dispatched).toHaveLength(2);
    expect(dispatched).toEqual(expect.arrayContaining(fixture.microsoft.calendarIds.map(syncOf)));
    expect(dispatched).not.toContainEqual(syncOf(fixture.microsoft.disabledCalendarId));
    expect(webhookMetrics().microsoft.accepted).toBe(3);

    const subscription = await (await database.db()).webhookSubscription.findUniqueOrThrow({ where: { id: fixture.microsoft.subscriptionId } });
    expect(subscription.lastNotificationAt).not.toBeNull();
  });

  it("records the 3 verified items of a batch with 1 wrong clientState, counting the forgery", async () => {
    const response = await POST(post({ value: [change(), change({ clientState: "wrong" }), change(), change()] }));
    expect(response.status).toBe(202);
    expect(await events()).toHaveLength(3);
    expect(webhookMetrics().microsoft).toMatchObject({ accepted: 3, forged: 1 });
  });

  it("answers 202 (Microsoft's advice: a forger learns nothing) and stores nothing when no item verifies", async () => {
    const response = await POST(post({ value: [change({ clientState: "wrong" }), change({ clientState: null }), change({ clientState: undefined })] }));
    expect(response.status).toBe(202);
    expect(await events()).toEqual([]);
    expect(dispatched).toEqual([]);
    expect(webhookMetrics().microsoft.forged).toBe(3);
  });

  it("answers 202 and stores nothing when every item names an unknown subscription", async () => {
    const response = await POST(post({ value: [change({ subscriptionId: randomUUID() }), change({ subscriptionId: randomUUID() })] }));
    expect(response.status).toBe(202);
    expect(await events()).toEqual([]);
    expect(webhookMetrics().microsoft.unknown).toBe(2);
  });

  it("answers 202 for a batch mixing unknown subscriptions and wrong clientStates", async () => {
    const response = await POST(post({ value: [change({ subscriptionId: randomUUID() }), change({ clientState: "wrong" })] }));
    expect(response.status).toBe(202);
    expect(await events()).toEqual([]);
  });

  it("answers 400 for malformed JSON or a body that is not a batch", async () => {
    for (const body of ["{", "null", JSON.stringify({ value: [] }), JSON.stringify({ value: [{ subscriptionId: "x" }] })]) {
      expect((await POST(post(body))).status).toBe(400);
    }
    expect(await events()).toEqual([]);
  });

  it("answers 413 for a batch over the size limit", async () => {
    const huge = { value: [change({ padding: "x".repeat(1024 * 1024) })] };
    const response = await POST(post(huge));
    expect(response.status).toBe(413);
    expect(await events()).toEqual([]);
    expect(webhookMetrics().microsoft.tooLarge).toBe(1);
  });

  it("records a redelivery within the window as duplicate and does not sync again", async () => {
    const item = change();
    expect((await POST(post({ value: [item] }))).status).toBe(202);
    expect(dispatched).toHaveLength(2);
    dispatched = [];
    expect((await POST(post({ value: [item] }))).status).toBe(202);
    expect((await events()).map((row) => row.status)).toEqual(["pending", "duplicate"]);
    expect(dispatched).toEqual([]);
    expect(webhookMetrics().microsoft).toMatchObject({ accepted: 1, duplicate: 1 });
  });

  it("treats the same item twice in one batch as one notification and one duplicate", async () => {
    const item = change();
    expect((await POST(post({ value: [item, item] }))).status).toBe(202);
    expect((await events()).map((row) => row.status).sort()).toEqual(["duplicate", "pending"]);
  });

  it("does not take a new change to the same event (new etag) for a redelivery", async () => {
    const item = change();
    await POST(post({ value: [item] }));
    const changedAgain = { ...item, resourceData: { ...item.resourceData, "@odata.etag": 'W/"DwAAABYAAAB"' } };
    await POST(post({ value: [changedAgain] }));
    expect((await events()).map((row) => row.status)).toEqual(["pending", "pending"]);
  });

  it("still answers 202 when the hand-off fails after the rows are committed", async () => {
    const restore = installJobSender(async () => {
      throw new Error("job backend unreachable");
    });
    try {
      expect((await POST(post({ value: [change()] }))).status).toBe(202);
    } finally {
      restore();
    }
    expect((await events()).map((row) => row.status)).toEqual(["pending"]);
    expect(webhookMetrics().microsoft.handoffFailed).toBe(2);
  });

  it("stores no clientState: the secret appears nowhere in the stored rows", async () => {
    await POST(post({ value: [change(), change()] }));
    await POST_LIFECYCLE(post({ value: [lifecycle("missed")] }, "/api/webhooks/microsoft/lifecycle"));
    const client = await database.db();
    const rows = await client.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(e)::text AS row FROM webhook_events e`);
    expect(rows).toHaveLength(3);
    for (const { row } of rows) {
      expect(row).not.toContain(fixture.microsoft.clientState);
      expect(row).not.toContain(JSON.stringify(fixture.microsoft.clientState).slice(1, -1));
    }
  });
});

describe("POST /api/webhooks/microsoft/lifecycle", () => {
  const path = "/api/webhooks/microsoft/lifecycle";

  it("answers its own validation handshake", async () => {
    const response = await POST_LIFECYCLE(new Request(`https://app.example${path}?validationToken=abc%2Bdef%2F%3D%3D+x`, { method: "POST" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("abc+def/== x");
  });

  it("records each lifecycle event and hands it to the subscription lifecycle job", async () => {
    const response = await POST_LIFECYCLE(post({ value: [lifecycle("reauthorizationRequired"), lifecycle("missed"), lifecycle("subscriptionRemoved")] }, path));
    expect(response.status).toBe(202);
    const rows = await events();
    expect(rows.map((row) => [row.changeType, row.status]).sort()).toEqual([
      ["missed", "pending"],
      ["reauthorizationRequired", "pending"],
      ["subscriptionRemoved", "pending"],
    ]);
    for (const row of rows) expect(row).toMatchObject({ subscriptionId: fixture.microsoft.subscriptionId, resource: null, provider: "microsoft" });
    expect(dispatched).toHaveLength(3);
    for (const lifecycleEvent of ["reauthorizationRequired", "missed", "subscriptionRemoved"]) {
      expect(dispatched).toContainEqual({
        name: "subscription/lifecycle",
        data: { organizationId: fixture.organizationId, subscriptionId: fixture.microsoft.subscriptionId, lifecycleEvent },
      });
    }
  });

  it("verifies lifecycle events like change notifications", async () => {
    expect((await POST_LIFECYCLE(post({ value: [lifecycle("missed", { clientState: "wrong" })] }, path))).status).toBe(202);
    expect((await POST_LIFECYCLE(post({ value: [lifecycle("missed", { subscriptionId: randomUUID() })] }, path))).status).toBe(202);
    expect((await POST_LIFECYCLE(post({ value: [lifecycle("exploded")] }, path))).status).toBe(400);
    expect(await events()).toEqual([]);
    expect(dispatched).toEqual([]);
  });

  it("records a repeated lifecycle event within the window as duplicate, handing it off once", async () => {
    await POST_LIFECYCLE(post({ value: [lifecycle("reauthorizationRequired")] }, path));
    await POST_LIFECYCLE(post({ value: [lifecycle("reauthorizationRequired")] }, path));
    expect((await events()).map((row) => row.status)).toEqual(["pending", "duplicate"]);
    expect(dispatched).toHaveLength(1);
  });
});
