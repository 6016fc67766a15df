import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db/client";
import { closeRawPool } from "@/lib/db/raw";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { FollowUp } from "@/lib/jobs/catalog";
import { resetWebhookMetrics, webhookMetrics } from "@/lib/webhooks/metrics";
import { setupTestDatabase } from "@/scripts/test/database";
import { POST as GOOGLE } from "@/app/api/webhooks/google/route";
import { POST as MICROSOFT } from "@/app/api/webhooks/microsoft/route";
import { POST as LIFECYCLE } from "@/app/api/webhooks/microsoft/lifecycle/route";

// A database that cannot be reached: nothing can be stored, so nothing may be
// acknowledged. Providers retry on 503 (Google on 500/502/503/504, Graph on
// anything but 2xx); a 2xx here would lose the notification.

setupTestDatabase();

const dispatched: FollowUp[] = [];
let restoreSender: () => void = () => {};
const saved = { url: process.env.DATABASE_URL };

beforeAll(async () => {
  restoreSender = installJobSender(async (items) => {
    dispatched.push(...items);
  });
  await closeDb();
  await closeRawPool();
  // Nothing listens there.
  process.env.DATABASE_URL = "postgresql://calsync:s3cret@127.0.0.1:5999/nowhere";
  resetWebhookMetrics();
});

afterAll(async () => {
  restoreSender();
  await closeDb();
  await closeRawPool();
  if (saved.url === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved.url;
});

const googleDelivery = () =>
  new Request("https://app.example/api/webhooks/google", {
    method: "POST",
    headers: {
      "X-Goog-Channel-ID": "chan-1",
      "X-Goog-Message-Number": "5",
      "X-Goog-Resource-ID": "res-1",
      "X-Goog-Resource-State": "exists",
      "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
      "X-Goog-Channel-Token": "token",
    },
  });

const graphBatch = (item: object) => new Request("https://app.example/api/webhooks/microsoft", { method: "POST", body: JSON.stringify({ value: [item] }) });

describe("webhooks while the database is down", () => {
  it("answers a Google notification 503 with Retry-After, never 2xx, naming no host or password", async () => {
    const response = await GOOGLE(googleDelivery());
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const text = await response.text();
    expect(text).not.toContain("s3cret");
    expect(text).not.toContain("5999");
  });

  it("answers Graph change and lifecycle batches 503", async () => {
    const item = { subscriptionId: "sub-1", clientState: "cs", changeType: "updated", resource: "Users/u/Events/e" };
    expect((await MICROSOFT(graphBatch(item))).status).toBe(503);
    const lifecycle = new Request("https://app.example/api/webhooks/microsoft/lifecycle", {
      method: "POST",
      body: JSON.stringify({ value: [{ subscriptionId: "sub-1", clientState: "cs", lifecycleEvent: "missed" }] }),
    });
    expect((await LIFECYCLE(lifecycle)).status).toBe(503);
    expect(dispatched).toEqual([]);
    expect(webhookMetrics().google.failed + webhookMetrics().microsoft.failed).toBe(3);
  });

  it("still answers the Graph validation handshake, which never touches the database", async () => {
    const token = "a+b/c= %2B?";
    const url = new URL("https://app.example/api/webhooks/microsoft");
    url.searchParams.set("validationToken", token);
    const response = await MICROSOFT(new Request(url, { method: "POST" }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(token);
    url.pathname = "/api/webhooks/microsoft/lifecycle";
    expect(await (await LIFECYCLE(new Request(url, { method: "POST" }))).text()).toBe(token);
  });

  it("still rejects malformed and oversized requests without needing the database", async () => {
    expect((await MICROSOFT(new Request("https://app.example/api/webhooks/microsoft", { method: "POST", body: "{" }))).status).toBe(400);
    const big = new Request("https://app.example/api/webhooks/google", { method: "POST", body: "x".repeat(20_000) });
    expect((await GOOGLE(big)).status).toBe(413);
  });
});
