import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { closeRawPool } from "@/lib/db/raw";
import { installJobSender } from "@/lib/jobs/dispatch";
import { resetHandOffThrottle } from "@/lib/webhooks/handoff";
import type { FollowUp } from "@/lib/jobs/catalog";
import { resetWebhookMetrics, webhookMetrics } from "@/lib/webhooks/metrics";
import { seedWebhookFixture, type WebhookFixture } from "@/scripts/test/webhooks";
import { setupTestDatabase } from "@/scripts/test/database";
import { POST } from "@/app/api/webhooks/google/route";

const database = setupTestDatabase();

let fixture: WebhookFixture;
let dispatched: FollowUp[] = [];
let restoreSender: () => void = () => {};
let nextMessage = 100;

beforeAll(async () => {
  fixture = await seedWebhookFixture(await database.db());
  // Observe hand-offs without running sync jobs against a provider.
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

interface Delivery {
  channelId?: string;
  token?: string | null;
  resourceId?: string;
  state?: string;
  messageNumber?: string;
  extra?: Record<string, string>;
  body?: string;
}

function delivery(options: Delivery = {}): Request {
  const headers: Record<string, string> = {
    "X-Goog-Channel-ID": options.channelId ?? fixture.google.channelId,
    "X-Goog-Message-Number": options.messageNumber ?? String(nextMessage++),
    "X-Goog-Resource-ID": options.resourceId ?? fixture.google.resourceId,
    "X-Goog-Resource-State": options.state ?? "exists",
    "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
    "X-Goog-Channel-Expiration": "Tue, 19 Nov 2030 01:13:52 GMT",
    "User-Agent": "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
    ...options.extra,
  };
  const token = options.token === undefined ? fixture.google.token : options.token;
  if (token !== null) headers["X-Goog-Channel-Token"] = token;
  return new Request("https://app.example/api/webhooks/google", { method: "POST", headers, body: options.body });
}

async function events() {
  return (await database.db()).webhookEvent.findMany({ orderBy: { receivedAt: "asc" } });
}

describe("POST /api/webhooks/google", () => {
  it("records an `exists` notification as pending, committed before the 2xx, and hands off a sync of its calendar", async () => {
    const response = await POST(delivery({ messageNumber: "7" }));
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const rows = await events();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      organizationId: fixture.organizationId,
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      provider: "google",
      externalId: fixture.google.channelId,
      messageNumber: 7n,
      changeType: "exists",
      status: "pending",
      requestId,
      body: null,
    });
    expect(rows[0]!.headers).toMatchObject({
      "x-goog-channel-id": fixture.google.channelId,
      "x-goog-resource-state": "exists",
      "x-goog-channel-token": "[redacted]",
    });
    expect(dispatched).toEqual([
      { name: "calendar/sync.requested", data: { organizationId: fixture.organizationId, calendarId: fixture.google.calendarId, trigger: "webhook" } },
    ]);
    expect(webhookMetrics().google.accepted).toBe(1);

    const subscription = await (await database.db()).webhookSubscription.findUniqueOrThrow({ where: { id: fixture.google.subscriptionId } });
    expect(subscription.lastNotificationAt).not.toBeNull();
    expect(Date.now() - subscription.lastNotificationAt!.getTime()).toBeLessThan(60_000);
  });

  it("records `not_exists` like `exists`", async () => {
    expect((await POST(delivery({ state: "not_exists" }))).status).toBe(200);
    expect((await events()).map((row) => [row.changeType, row.status])).toEqual([["not_exists", "pending"]]);
    expect(dispatched).toHaveLength(1);
  });

  it("records the `sync` message as ignored and hands nothing off", async () => {
    const response = await POST(delivery({ state: "sync", messageNumber: "1" }));
    expect(response.status).toBe(200);
    expect((await events()).map((row) => [row.changeType, row.status])).toEqual([["sync", "ignored"]]);
    expect(dispatched).toEqual([]);
    expect(webhookMetrics().google.ignored).toBe(1);
  });

  it("records a redelivery (same channel and message number) as duplicate, without a second hand-off", async () => {
    expect((await POST(delivery({ messageNumber: "555" }))).status).toBe(200);
    expect((await POST(delivery({ messageNumber: "555" }))).status).toBe(200);
    expect((await POST(delivery({ messageNumber: "556" }))).status).toBe(200);
    expect((await events()).map((row) => [row.messageNumber, row.status])).toEqual([
      [555n, "pending"],
      [555n, "duplicate"],
      [556n, "pending"],
    ]);
    // 555 was handed off at once; 556, within the same second, by the trailing send.
    expect(dispatched).toHaveLength(1);
    await vi.waitFor(() => expect(dispatched).toHaveLength(2), { timeout: 3_000 });
    expect(webhookMetrics().google).toMatchObject({ accepted: 2, duplicate: 1 });
  });

  it("hands a burst for one calendar off once at once and once after the window, never after the last commit", async () => {
    const burst = Array.from({ length: 30 }, (_, index) => POST(delivery({ messageNumber: String(900 + index) })));
    expect((await Promise.all(burst)).every((response) => response.status === 200)).toBe(true);
    expect(dispatched).toHaveLength(1);
    const committedBy = Date.now();
    await vi.waitFor(() => expect(dispatched).toHaveLength(2), { timeout: 3_000 });
    // The trailing send left after every row of the burst was committed.
    expect(Date.now()).toBeGreaterThanOrEqual(committedBy);
    expect((await events()).filter((row) => row.status === "pending")).toHaveLength(30);
  });

  it("records a notification for a calendar whose sync is off as ignored, with the reason", async () => {
    const response = await POST(
      delivery({
        channelId: fixture.google.disabledChannelId,
        token: fixture.google.disabledToken,
        resourceId: `res-off-${fixture.google.channelId.slice(5)}`,
      }),
    );
    expect(response.status).toBe(200);
    const [row] = await events();
    expect(row).toMatchObject({ calendarId: fixture.google.disabledCalendarId, status: "ignored", error: expect.stringContaining("not handed off") });
    expect(dispatched).toEqual([]);
  });

  it("answers 401 for a forged token and records nothing", async () => {
    const response = await POST(delivery({ token: "guess" }));
    expect(response.status).toBe(401);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(await response.json()).toMatchObject({ error: { kind: "unauthorized" } });
    expect(await events()).toEqual([]);
    expect(dispatched).toEqual([]);
    expect(webhookMetrics().google.forged).toBe(1);
  });

  it("answers 401 for a missing token and records nothing", async () => {
    expect((await POST(delivery({ token: null }))).status).toBe(401);
    expect(await events()).toEqual([]);
  });

  it("answers 401 when the resource id does not match the channel's, and records nothing", async () => {
    expect((await POST(delivery({ resourceId: "someone-elses-resource" }))).status).toBe(401);
    expect(await events()).toEqual([]);
    expect(dispatched).toEqual([]);
  });

  it("answers 404 for an unknown channel and records nothing", async () => {
    const response = await POST(delivery({ channelId: "never-heard-of-it" }));
    expect(response.status).toBe(404);
    expect(await events()).toEqual([]);
    expect(dispatched).toEqual([]);
    expect(webhookMetrics().google.unknown).toBe(1);
  });

  it("routes a replaced channel id, verified with its own token and resource id, to its subscription", async () => {
    const response = await POST(
      delivery({ channelId: fixture.google.replacedChannelId, token: fixture.google.replacedToken, resourceId: fixture.google.replacedResourceId }),
    );
    expect(response.status).toBe(200);
    const [row] = await events();
    expect(row).toMatchObject({
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      externalId: fixture.google.replacedChannelId,
      status: "pending",
    });
    expect(dispatched).toHaveLength(1);
  });

  it("does not accept the current token on a replaced channel id, nor the replaced token on the current id", async () => {
    expect(
      (await POST(delivery({ channelId: fixture.google.replacedChannelId, token: fixture.google.token, resourceId: fixture.google.replacedResourceId })))
        .status,
    ).toBe(401);
    expect((await POST(delivery({ token: fixture.google.replacedToken }))).status).toBe(401);
    expect(await events()).toEqual([]);
  });

  it("acknowledges a replaced channel id stopped longer ago than the grace period as retired: 200, nothing stored or synced", async () => {
    const response = await POST(
      delivery({
        channelId: fixture.google.stoppedChannelId,
        token: fixture.google.stoppedToken,
        resourceId: `res-ancient-${fixture.google.channelId.slice(5)}`,
      }),
    );
    expect(response.status).toBe(200);
    expect(await events()).toEqual([]);
    expect(dispatched).toEqual([]);
    expect(webhookMetrics().google).toMatchObject({ retired: 1, forged: 0, unknown: 0 });
    // Its id alone proves nothing: with another token it is a stranger's.
    expect((await POST(delivery({ channelId: fixture.google.stoppedChannelId, token: "guessed" }))).status).toBe(404);
  });

  it("stores a message number of 19 digits, up to the int64 maximum, exactly; one beyond is 400", async () => {
    expect((await POST(delivery({ messageNumber: "9223372036854775807" }))).status).toBe(200);
    const [row] = await events();
    expect(row?.messageNumber).toBe(9223372036854775807n);
    expect((await POST(delivery({ messageNumber: "9223372036854775808" }))).status).toBe(400);
  });

  it("answers 400 for a request that is not a Google notification", async () => {
    const response = await POST(delivery({ state: "exploded" }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { kind: "invalid", fields: { "x-goog-resource-state": expect.any(String) } } });
    expect((await POST(delivery({ messageNumber: "twelve" }))).status).toBe(400);
    expect(await events()).toEqual([]);
    expect(webhookMetrics().google.malformed).toBe(2);
  });

  it("answers 413 for a body Google would never send", async () => {
    const response = await POST(delivery({ body: "x".repeat(17 * 1024) }));
    expect(response.status).toBe(413);
    expect(await events()).toEqual([]);
    expect(webhookMetrics().google.tooLarge).toBe(1);
  });

  it("still answers 2xx when the hand-off fails after the row is committed; the row stays pending", async () => {
    const restore = installJobSender(async () => {
      throw new Error("job backend unreachable");
    });
    try {
      const response = await POST(delivery());
      expect(response.status).toBe(200);
    } finally {
      restore();
    }
    expect((await events()).map((row) => row.status)).toEqual(["pending"]);
    expect(webhookMetrics().google).toMatchObject({ accepted: 1, handoffFailed: 1 });
  });

  it("stores no secret: the channel token appears nowhere in the stored rows", async () => {
    await POST(delivery());
    await POST(delivery({ state: "sync" }));
    await POST(delivery({ channelId: fixture.google.replacedChannelId, token: fixture.google.replacedToken, resourceId: fixture.google.replacedResourceId }));
    const client = await database.db();
    const rows = await client.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(e)::text AS row FROM webhook_events e`);
    expect(rows).toHaveLength(3);
    for (const { row } of rows) {
      expect(row).not.toContain(fixture.google.token);
      expect(row).not.toContain(fixture.google.replacedToken);
    }
  });

  it("answers concurrent deliveries, each stored exactly once", async () => {
    const numbers = Array.from({ length: 40 }, (_, index) => String(10_000 + index));
    const responses = await Promise.all(numbers.map((messageNumber) => POST(delivery({ messageNumber }))));
    expect(responses.map((response) => response.status)).toEqual(numbers.map(() => 200));
    const rows = await events();
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((row) => row.messageNumber)).size).toBe(40);
  });
});
