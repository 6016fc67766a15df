import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { inlineDriver } from "@/inngest";
import { closeDb } from "@/lib/db/client";
import { createBreakers, replaceProviderBreakers } from "@/lib/providers/breaker";
import { ProviderError } from "@/lib/providers/errors";
import { seedAdminFixture } from "@/scripts/test/admin";
import { connectAccount, serveRoutes, serveWebhookRoutes, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { family, sampleValue, scrape, type Scrape } from "@/scripts/test/prometheus";
import { GET } from "./route";

// /api/metrics scraped over HTTP and read with a Prometheus text-format parser: a
// real Google notification (the emulator delivering to the real route) moves the
// webhook, ingest, sync and provider-call series; the subscription gauges count
// every organization's rows from the database, without naming any of them.

const TOKEN = "metrics-token-for-tests";
const database = setupTestDatabase();
let emu: Emulator;
let webhooks: Awaited<ReturnType<typeof serveWebhookRoutes>>;
let app: Awaited<ReturnType<typeof serveRoutes>>;
let providerCalendarId: string;
/** Strings that identify a tenant: none may appear in the scrape. */
let identifying: string[];
const previousToken = process.env.METRICS_TOKEN;

beforeAll(async () => {
  process.env.METRICS_TOKEN = TOKEN;
  emu = await startAppEmulator();
  webhooks = await serveWebhookRoutes();
  app = await serveRoutes({ "/api/metrics": GET });
  const person = await signIn("metrics@calsync.test");
  const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
  await emu.control.waitForIdle(15_000);
  await inlineDriver().idle();
  const db = await database.db();
  const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
  providerCalendarId = calendar.providerCalendarId;
  // A second organization with a live Google channel and a Graph subscription of its own.
  const other = await signIn("other@org-b.test");
  const fixture = await seedAdminFixture(db, other.viewer.organizationId, { tag: "orgb" });
  identifying = [
    person.viewer.organizationId,
    other.viewer.organizationId,
    connectionId,
    calendar.id,
    fixture.google.channelId,
    fixture.microsoft.externalId,
    "alice",
    "orgb",
    "calsync.test",
  ];
});
afterAll(async () => {
  if (previousToken === undefined) delete process.env.METRICS_TOKEN;
  else process.env.METRICS_TOKEN = previousToken;
  replaceProviderBreakers(null);
  await inlineDriver().idle();
  await app?.close();
  await webhooks?.close();
  await stopAppEmulator(emu);
});

/** Every series of a scrape (histograms as their _bucket, _sum and _count series). */
async function scraped(): Promise<Scrape> {
  const result = await scrape(app.url, TOKEN);
  expect(result.status).toBe(200);
  expect(result.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  for (const text of identifying) expect(result.text).not.toContain(text);
  for (const name of ["calsync_webhook_ingest_duration_seconds", "calsync_sync_run_duration_seconds"])
    expect(family(result.families, name).type).toBe("HISTOGRAM");
  return result.series;
}

describe("GET /api/metrics", () => {
  it("moves the webhook, ingest, sync and provider series with one Google notification", async () => {
    const before = await scraped();
    await emu.control.createEvent(providerCalendarId, { summary: "Counted", start: "2030-02-04T10:00:00Z", end: "2030-02-04T11:00:00Z" });
    await emu.control.waitForIdle(15_000);
    await inlineDriver().idle();
    const after = await scraped();
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);

    expect(delta("calsync_webhook_notifications_total", { provider: "google", outcome: "accepted" })).toBeGreaterThanOrEqual(1);
    expect(delta("calsync_webhook_notifications_total", { provider: "google", outcome: "forged" })).toBe(0);
    // One request per notification here (Google sends them one by one).
    expect(delta("calsync_webhook_ingest_duration_seconds_count", { provider: "google" })).toBe(
      delta("calsync_webhook_notifications_total", { provider: "google" }),
    );
    expect(delta("calsync_webhook_ingest_duration_seconds_bucket", { provider: "google", le: "+Inf" })).toBe(
      delta("calsync_webhook_ingest_duration_seconds_count", { provider: "google" }),
    );
    expect(delta("calsync_sync_runs_total", { trigger: "webhook", outcome: "succeeded" })).toBe(1);
    expect(delta("calsync_sync_run_duration_seconds_count", { outcome: "succeeded" })).toBe(1);
    expect(delta("calsync_provider_calls_total", { provider: "google", operation: "fetchChanges", status: "ok" })).toBeGreaterThanOrEqual(1);
    // The connect flow's calls were counted too, by operation.
    expect(sampleValue(after, "calsync_provider_calls_total", { provider: "google", operation: "exchangeCode", status: "ok" })).toBe(1);
    expect(sampleValue(after, "calsync_provider_calls_total", { provider: "google", operation: "createPush", status: "ok" })).toBeGreaterThanOrEqual(1);
    // The inline driver of this process, idle now.
    expect(sampleValue(after, "calsync_job_queue_depth", { state: "queued" })).toBe(0);
    expect(
      family(after, "calsync_job_queue_depth")
        .metrics.map((sample) => sample.labels?.state)
        .sort(),
    ).toEqual(["queued", "retrying", "running", "trailing"]);
  });

  it("counts an unknown channel under its outcome", async () => {
    const before = await scraped();
    const response = await fetch(`${webhooks.url}/api/webhooks/google`, {
      method: "POST",
      headers: {
        "x-goog-channel-id": "no-such-channel",
        "x-goog-resource-id": "r",
        "x-goog-resource-state": "exists",
        "x-goog-message-number": "2",
        "x-goog-resource-uri": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
      },
    });
    expect(response.status).toBe(404);
    const after = await scraped();
    expect(
      sampleValue(after, "calsync_webhook_notifications_total", { provider: "google", outcome: "unknown" }) -
        sampleValue(before, "calsync_webhook_notifications_total", { provider: "google", outcome: "unknown" }),
    ).toBe(1);
  });

  it("counts subscriptions across organizations by status and time to expiry, from the database", async () => {
    const db = await database.db();
    const families = await scraped();
    const live = await db.webhookSubscription.findMany({ where: { status: "active" }, select: { provider: true, expiresAt: true } });
    expect(live.length).toBe(4);
    for (const provider of ["google", "microsoft"] as const) {
      const mine = live.filter((row) => row.provider === provider);
      expect(sampleValue(families, "calsync_subscriptions", { provider, status: "active" })).toBe(mine.length);
      expect(sampleValue(families, "calsync_subscriptions_expiring", { provider })).toBe(mine.length);
      const soonest = Math.min(...mine.map((row) => row.expiresAt!.getTime() - Date.now())) / 1000;
      expect(Math.abs(sampleValue(families, "calsync_subscription_soonest_expiry_seconds", { provider }) - soonest)).toBeLessThan(60);
    }
    // The seeded Graph subscription expires in two days: the 72h band.
    expect(sampleValue(families, "calsync_subscriptions_expiring", { provider: "microsoft", within: "72h" })).toBe(1);

    // One expiring within the hour, and one overdue (renewal is late).
    const [first, second] = await db.webhookSubscription.findMany({ where: { status: "active", provider: "google" }, orderBy: { createdAt: "asc" } });
    await db.webhookSubscription.update({ where: { id: first!.id }, data: { expiresAt: new Date(Date.now() + 30 * 60_000) } });
    await db.webhookSubscription.update({ where: { id: second!.id }, data: { expiresAt: new Date(Date.now() - 5 * 60_000) } });
    await db.webhookSubscription.updateMany({ where: { provider: "microsoft" }, data: { status: "stopped" } });
    const later = await scraped();
    expect(sampleValue(later, "calsync_subscriptions_expiring", { provider: "google", within: "1h" })).toBe(1);
    expect(sampleValue(later, "calsync_subscriptions_expiring", { provider: "google", within: "past" })).toBe(1);
    expect(sampleValue(later, "calsync_subscription_soonest_expiry_seconds", { provider: "google" })).toBeLessThan(-200);
    expect(sampleValue(later, "calsync_subscriptions", { provider: "microsoft", status: "stopped" })).toBe(1);
    expect(sampleValue(later, "calsync_subscriptions", { provider: "microsoft", status: "active" })).toBe(0);
    expect(sampleValue(later, "calsync_subscriptions_expiring", { provider: "microsoft" })).toBe(0);
  });

  it("shows how many circuits are open, without naming the connection", async () => {
    const breakers = createBreakers({ failureThreshold: 1 });
    replaceProviderBreakers(breakers);
    await expect(breakers.run(identifying[2]!, async () => Promise.reject(new ProviderError("unavailable", "down")))).rejects.toThrow("down");
    const families = await scraped();
    expect(sampleValue(families, "calsync_provider_breaker_circuits", { state: "open" })).toBe(1);
    expect(sampleValue(families, "calsync_provider_breaker_circuits", { state: "half_open" })).toBe(0);
  });

  it("still answers with this process's metrics while the database is down, and says the subscriptions could not be read", async () => {
    expect(sampleValue(await scraped(), "calsync_subscriptions_read_success")).toBe(1);
    const saved = process.env.DATABASE_URL;
    await closeDb();
    process.env.DATABASE_URL = "postgresql://calsync:s3cret@127.0.0.1:5999/nowhere";
    try {
      const result = await scrape(app.url, TOKEN);
      expect(result.status).toBe(200);
      expect(sampleValue(result.series, "calsync_subscriptions_read_success")).toBe(0);
      expect(family(result.series, "calsync_subscriptions").metrics).toEqual([]);
      expect(sampleValue(result.series, "calsync_sync_runs_total", { trigger: "webhook", outcome: "succeeded" })).toBeGreaterThanOrEqual(1);
      expect(result.text).not.toContain("s3cret");
    } finally {
      await closeDb();
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
    expect(sampleValue(await scraped(), "calsync_subscriptions_read_success")).toBe(1);
  });

  it("answers 401 without the right bearer token, and 404 when no token is configured", async () => {
    for (const authorization of [undefined, "Bearer wrong-token", `Basic ${TOKEN}`]) {
      const response = await fetch(`${app.url}/api/metrics`, { headers: authorization ? { authorization } : {} });
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await response.text()).not.toContain("calsync_");
    }
    delete process.env.METRICS_TOKEN;
    try {
      const response = await fetch(`${app.url}/api/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("calsync_");
    } finally {
      process.env.METRICS_TOKEN = TOKEN;
    }
  });
});
