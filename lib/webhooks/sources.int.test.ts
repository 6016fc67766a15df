import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/lib/db/client";
import { closeRawPool } from "@/lib/db/raw";
import { logger } from "@/lib/log";
import { resetWebhookMetrics, webhookMetrics } from "@/lib/webhooks/metrics";
import { replaceWebhookSourceSettings, sourceSettings } from "@/lib/webhooks/source";
import { setupTestDatabase } from "@/scripts/test/database";
import { serveWebhookRoutes } from "@/scripts/test/app";

// The allowlists refuse before any database work. Proven with no database at all:
// a request that reached it would be answered 503 (lib/webhooks/outage.int.test.ts),
// so a 403 here was decided without it.

setupTestDatabase();

const saved = { url: process.env.DATABASE_URL };
let served: Awaited<ReturnType<typeof serveWebhookRoutes>>;

beforeAll(async () => {
  await closeDb();
  await closeRawPool();
  // Nothing listens there.
  process.env.DATABASE_URL = "postgresql://calsync:s3cret@127.0.0.1:5999/nowhere";
  served = await serveWebhookRoutes();
});

afterAll(async () => {
  replaceWebhookSourceSettings(null);
  await served.close();
  await closeDb();
  await closeRawPool();
  if (saved.url === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved.url;
});

beforeEach(() => {
  resetWebhookMetrics();
  vi.spyOn(logger, "warn").mockImplementation(() => {});
  vi.spyOn(logger, "error").mockImplementation(() => {});
});

const googleHeaders = {
  "X-Goog-Channel-ID": "chan-1",
  "X-Goog-Message-Number": "5",
  "X-Goog-Resource-ID": "res-1",
  "X-Goog-Resource-State": "exists",
  "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
  "X-Goog-Channel-Token": "token",
};
const graphBody = JSON.stringify({ value: [{ subscriptionId: "sub-1", clientState: "state", changeType: "updated", resource: "me/events/1" }] });

describe("source allowlists", () => {
  it("answer 403 to a source outside the provider's list, before any database work, and let a listed one through", async () => {
    // The socket (127.0.0.1) is the source; a spoofed X-Forwarded-For from the list changes nothing.
    replaceWebhookSourceSettings(
      sourceSettings({ WEBHOOK_ALLOWED_SOURCES_GOOGLE: "66.102.0.0/20, 2001:4860::/32", WEBHOOK_ALLOWED_SOURCES_MICROSOFT: "52.96.0.0/14" }),
    );
    const spoofed = { "X-Forwarded-For": "66.102.0.1" };
    const google = await fetch(`${served.url}/api/webhooks/google`, { method: "POST", headers: { ...googleHeaders, ...spoofed } });
    expect(google.status).toBe(403);
    expect(await google.json()).toMatchObject({ error: { kind: "forbidden" } });
    const graph = await fetch(`${served.url}/api/webhooks/microsoft`, { method: "POST", headers: { "X-Forwarded-For": "52.96.0.1" }, body: graphBody });
    expect(graph.status).toBe(403);
    // Not even the handshake: a subscription can only be created from the listed ranges.
    const validation = await fetch(`${served.url}/api/webhooks/microsoft/lifecycle?validationToken=abc`, { method: "POST" });
    expect(validation.status).toBe(403);
    expect(webhookMetrics().google.disallowed).toBe(1);
    expect(webhookMetrics().microsoft.disallowed).toBe(2);

    // Listed (the test's own address): past the list, into the database, which is down.
    replaceWebhookSourceSettings(sourceSettings({ WEBHOOK_ALLOWED_SOURCES_GOOGLE: "127.0.0.0/8", WEBHOOK_ALLOWED_SOURCES_MICROSOFT: "127.0.0.1, ::1" }));
    expect((await fetch(`${served.url}/api/webhooks/google`, { method: "POST", headers: googleHeaders })).status).toBe(503);
    expect((await fetch(`${served.url}/api/webhooks/microsoft`, { method: "POST", body: graphBody })).status).toBe(503);
    const echoed = await fetch(`${served.url}/api/webhooks/microsoft?validationToken=abc`, { method: "POST" });
    expect(echoed.status).toBe(200);
    expect(await echoed.text()).toBe("abc");
  });

  it("take the source from the configured proxy header when there is one, and refuse a request without it", async () => {
    replaceWebhookSourceSettings(sourceSettings({ WEBHOOK_CLIENT_IP_HEADER: "x-vercel-forwarded-for", WEBHOOK_ALLOWED_SOURCES_GOOGLE: "66.102.0.0/20" }));
    const listed = await fetch(`${served.url}/api/webhooks/google`, { method: "POST", headers: { ...googleHeaders, "X-Vercel-Forwarded-For": "66.102.3.4" } });
    expect(listed.status).toBe(503);
    const elsewhere = await fetch(`${served.url}/api/webhooks/google`, {
      method: "POST",
      headers: { ...googleHeaders, "X-Vercel-Forwarded-For": "203.0.113.5", "X-Forwarded-For": "66.102.3.4" },
    });
    expect(elsewhere.status).toBe(403);
    const without = await fetch(`${served.url}/api/webhooks/google`, { method: "POST", headers: { ...googleHeaders, "X-Forwarded-For": "66.102.3.4" } });
    expect(without.status).toBe(403);
    // Microsoft has no list here: open as before.
    expect((await fetch(`${served.url}/api/webhooks/microsoft?validationToken=abc`, { method: "POST" })).status).toBe(200);
  });
});
