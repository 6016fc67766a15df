import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { closeRawPool } from "@/lib/db/raw";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { FollowUp } from "@/lib/jobs/catalog";
import { logger } from "@/lib/log";
import {
  createFailureLimiter,
  createMemoryStore,
  createRedisStore,
  replaceWebhookFailureLimiter,
  withFallback,
  type FailureLimiter,
} from "@/lib/webhooks/rate-limit";
import { secretHash } from "@/lib/subscriptions/identity";
import { replaceWebhookSourceSettings, sourceSettings } from "@/lib/webhooks/source";
import { seedWebhookFixture, type WebhookFixture } from "@/scripts/test/webhooks";
import { serveWebhookRoutes } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { POST as GOOGLE } from "@/app/api/webhooks/google/route";
import { POST as MICROSOFT } from "@/app/api/webhooks/microsoft/route";

// The failure budget against a real Redis (CI starts one on 127.0.0.1:6379), and at
// the routes: a provider's burst of verified notifications passes untouched, and a
// forger who spent a source's budget is refused cheaply, but can never get a
// verified notification or a Graph validation request from that source refused.

const REDIS_URL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";
// Random per run: files and runs in parallel never share counters.
const prefix = `calsync-test:${randomUUID()}:`;
const database = setupTestDatabase();
const clients: Redis[] = [];

function redisClient(url = REDIS_URL): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 1_000, retryStrategy: () => null });
  client.on("error", () => {});
  clients.push(client);
  return client;
}

afterAll(async () => {
  const cleaner = redisClient();
  const keys = await cleaner.keys(`${prefix}*`);
  if (keys.length > 0) await cleaner.del(...keys);
  for (const client of clients) client.disconnect();
  replaceWebhookFailureLimiter(null);
  replaceWebhookSourceSettings(null);
  await closeRawPool();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Redis fixed window", () => {
  it("counts with INCR and ends the window with its expiry", async () => {
    const store = createRedisStore({ redis: redisClient(), windowMs: 300, prefix: `${prefix}window:` });
    expect(await store.get("203.0.113.1")).toEqual({ count: 0, resetInMs: 0 });
    const first = await store.increment("203.0.113.1");
    expect(first.count).toBe(1);
    expect(first.resetInMs).toBeGreaterThan(200);
    expect(first.resetInMs).toBeLessThanOrEqual(300);
    expect((await store.increment("203.0.113.1")).count).toBe(2);
    const seen = await store.get("203.0.113.1");
    expect(seen.count).toBe(2);
    expect(seen.resetInMs).toBeLessThanOrEqual(first.resetInMs);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await store.get("203.0.113.1")).toEqual({ count: 0, resetInMs: 0 });
    expect((await store.increment("203.0.113.1")).count).toBe(1);
  });

  it("is one budget across instances: two clients, two limiters, one count", async () => {
    const shared = `${prefix}shared:`;
    const a = createFailureLimiter({ limit: 4, store: createRedisStore({ redis: redisClient(), windowMs: 10_000, prefix: shared }) });
    const b = createFailureLimiter({ limit: 4, store: createRedisStore({ redis: redisClient(), windowMs: 10_000, prefix: shared }) });
    await a.recordFailure("198.51.100.4");
    await b.recordFailure("198.51.100.4");
    await a.recordFailure("198.51.100.4");
    expect(await b.retryAfterMs("198.51.100.4")).toBeNull();
    await b.recordFailure("198.51.100.4");
    const wait = await a.retryAfterMs("198.51.100.4");
    expect(wait).toBeGreaterThan(9_000);
    expect(wait).toBeLessThanOrEqual(10_000);
  });

  it("a window is never left without an expiry", async () => {
    const client = redisClient();
    await client.set(`${prefix}stuck:x`, "7");
    const store = createRedisStore({ redis: client, windowMs: 5_000, prefix: `${prefix}stuck:` });
    expect(await store.increment("x")).toMatchObject({ count: 8 });
    expect(await client.pttl(`${prefix}stuck:x`)).toBeGreaterThan(0);
  });

  it("falls back to memory while Redis cannot be reached, and says so once", async () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => {});
    // Nothing listens on port 1.
    const unreachable = createRedisStore({ redis: redisClient("redis://127.0.0.1:1"), windowMs: 10_000, prefix: `${prefix}down:` });
    const limiter = createFailureLimiter({ limit: 3, store: withFallback(unreachable, createMemoryStore({ windowMs: 10_000 })) });
    const started = Date.now();
    for (let i = 0; i < 3; i += 1) await limiter.recordFailure("192.0.2.1");
    expect(await limiter.retryAfterMs("192.0.2.1")).toBeGreaterThan(0);
    expect(await limiter.retryAfterMs("192.0.2.2")).toBeNull();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe.each([
  ["Redis", () => createRedisStore({ redis: redisClient(), windowMs: 10_000, prefix: `${prefix}route-${randomUUID()}:` })],
  ["memory", () => createMemoryStore({ windowMs: 10_000 })],
] as const)("webhook routes with the budget in %s", (_, makeStore) => {
  let fixture: WebhookFixture;
  let restoreSender: () => void = () => {};
  let limiter: FailureLimiter;
  let nextMessage = 1_000;

  beforeAll(async () => {
    fixture ??= await seedWebhookFixture(await database.db());
    restoreSender = installJobSender(async (_items: readonly FollowUp[]) => {});
  });
  afterAll(() => restoreSender());
  beforeEach(() => {
    limiter = createFailureLimiter({ limit: 20, store: makeStore() });
    replaceWebhookFailureLimiter(limiter);
    // As behind one proxy that appends the address it was reached from.
    replaceWebhookSourceSettings(sourceSettings({ WEBHOOK_TRUSTED_PROXY_HOPS: "1" }));
    // One log line per request; thousands of them say nothing here.
    vi.spyOn(logger, "info").mockImplementation(() => {});
    vi.spyOn(logger, "warn").mockImplementation(() => {});
  });

  function google(from: Record<string, string>, options: { token?: string; channelId?: string } = {}): Request {
    return new Request("https://app.example/api/webhooks/google", {
      method: "POST",
      headers: {
        ...from,
        "X-Goog-Channel-ID": options.channelId ?? fixture.google.channelId,
        "X-Goog-Message-Number": String(nextMessage++),
        "X-Goog-Resource-ID": fixture.google.resourceId,
        "X-Goog-Resource-State": "exists",
        "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
        "X-Goog-Channel-Token": options.token ?? fixture.google.token,
      },
    });
  }

  async function inBatches(count: number, width: number, send: (index: number) => Promise<Response>): Promise<number[]> {
    const statuses: number[] = [];
    for (let start = 0; start < count; start += width) {
      const batch = await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, offset) => send(start + offset)));
      statuses.push(...batch.map((response) => response.status));
    }
    return statuses;
  }

  it("1,000 verified notifications from one address all pass while 30 forged ones from another end in 429s", async () => {
    const provider = { "x-forwarded-for": "203.0.113.66, 74.125.0.10" };
    const forger = { "x-forwarded-for": "74.125.0.10, 203.0.113.66" };
    const [verified, forged] = await Promise.all([
      inBatches(1_000, 20, () => GOOGLE(google(provider))),
      inBatches(30, 1, () => GOOGLE(google(forger, { token: "guessed" }))),
    ]);
    expect(verified.filter((status) => status !== 200)).toEqual([]);
    expect(verified).toHaveLength(1_000);
    expect(forged.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => 401));
    expect(forged.slice(20)).toEqual(Array.from({ length: 10 }, () => 429));
    expect(await (await database.db()).webhookEvent.count({ where: { organizationId: fixture.organizationId, status: "pending" } })).toBeGreaterThanOrEqual(
      1_000,
    );

    // Told when to come back; the provider's address still gets through.
    const refused = await GOOGLE(google(forger, { token: "guessed" }));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(10);
    expect(await refused.json()).toMatchObject({ error: { kind: "rate_limited" } });
    expect(refused.headers.get("x-request-id")).toBeTruthy();
    expect((await GOOGLE(google(provider))).status).toBe(200);
  });

  it("counts unknown channels, malformed requests and other routes against the same source, which still gets its verified notifications and validations answered", async () => {
    const source = { "x-forwarded-for": "198.51.100.23" };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await GOOGLE(google(source, { channelId: `no-such-channel-${i}` }))).status);
    for (let i = 0; i < 7; i += 1) {
      statuses.push(
        (await GOOGLE(new Request("https://app.example/api/webhooks/google", { method: "POST", headers: { ...source, "X-Goog-Channel-ID": "x" } }))).status,
      );
    }
    for (let i = 0; i < 6; i += 1) {
      const body = JSON.stringify({
        value: [{ subscriptionId: fixture.microsoft.externalId, clientState: "wrong", changeType: "updated", resource: "me/events/1" }],
      });
      statuses.push((await MICROSOFT(new Request("https://app.example/api/webhooks/microsoft", { method: "POST", headers: source, body }))).status);
    }
    // Graph batches that verify nothing are 202 like any other, and still spend budget.
    expect(statuses).toEqual([...Array.from({ length: 7 }, () => 404), ...Array.from({ length: 7 }, () => 400), ...Array.from({ length: 6 }, () => 202)]);
    expect(await limiter.retryAfterMs("198.51.100.23")).toBeGreaterThan(0);
    expect((await GOOGLE(google(source, { token: "guessed" }))).status).toBe(429);
    // The budget is spent, yet what verifies is answered as it always is.
    expect((await GOOGLE(google(source))).status).toBe(200);
    const validation = await MICROSOFT(
      new Request("https://app.example/api/webhooks/microsoft?validationToken=abc%2Bdef", { method: "POST", headers: source }),
    );
    expect(validation.status).toBe(200);
    expect(await validation.text()).toBe("abc+def");
    // Another address is unaffected.
    expect((await GOOGLE(google({ "x-forwarded-for": "198.51.100.24" }, { token: "guessed" }))).status).toBe(401);
  });

  it("verified notifications spend no budget, however many", async () => {
    const source = { "x-forwarded-for": "203.0.113.1, 74.125.0.11" };
    const statuses = await inBatches(200, 20, () => GOOGLE(google(source)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(await limiter.retryAfterMs("74.125.0.11")).toBeNull();
    for (let i = 0; i < 19; i += 1) expect((await GOOGLE(google(source, { token: "guessed" }))).status).toBe(401);
    expect((await GOOGLE(google(source))).status).toBe(200);
  });
});

describe("over a real socket, with no proxy configured", () => {
  let fixture: WebhookFixture;
  let served: Awaited<ReturnType<typeof serveWebhookRoutes>>;
  let restoreSender: () => void = () => {};
  let limiter: FailureLimiter;
  let nextMessage = 50_000;

  beforeAll(async () => {
    fixture = await seedWebhookFixture(await database.db());
    restoreSender = installJobSender(async (_items: readonly FollowUp[]) => {});
    served = await serveWebhookRoutes();
  });
  afterAll(async () => {
    restoreSender();
    await served.close();
  });
  beforeEach(() => {
    limiter = createFailureLimiter({ limit: 20, store: createMemoryStore({ windowMs: 10_000 }) });
    replaceWebhookFailureLimiter(limiter);
    // The default: the socket is the source, X-Forwarded-For means nothing.
    replaceWebhookSourceSettings(sourceSettings({}));
    vi.spyOn(logger, "info").mockImplementation(() => {});
    vi.spyOn(logger, "warn").mockImplementation(() => {});
  });

  const googleHeaders = (channelId: string, token: string, resourceId: string, forwardedFor: string) => ({
    "X-Forwarded-For": forwardedFor,
    "X-Goog-Channel-ID": channelId,
    "X-Goog-Message-Number": String(nextMessage++),
    "X-Goog-Resource-ID": resourceId,
    "X-Goog-Resource-State": "exists",
    "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
    "X-Goog-Channel-Token": token,
  });
  const graphBody = (subscriptionId: string, clientState: string) =>
    JSON.stringify({
      value: [{ subscriptionId, clientState, changeType: "updated", resource: `me/events/${randomUUID()}`, resourceData: { id: randomUUID() } }],
    });

  async function stored(externalId: string): Promise<number> {
    return (await database.db()).webhookEvent.count({ where: { externalId } });
  }

  it("a flood with rotating and spoofed X-Forwarded-For neither silences the provider it spoofs nor escapes the budget", async () => {
    const provider = "74.125.0.10";
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      // Half of them claim to be the provider, half rotate through made-up addresses.
      const forwardedFor = i % 2 === 0 ? provider : `203.0.113.${i}`;
      const google = await fetch(`${served.url}/api/webhooks/google`, {
        method: "POST",
        headers: googleHeaders(fixture.google.channelId, "guessed", fixture.google.resourceId, forwardedFor),
      });
      statuses.push(google.status);
    }
    // One source, the socket: rotating the header escaped nothing.
    expect(statuses.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => 401));
    expect(statuses.slice(20)).toEqual(Array.from({ length: 20 }, () => 429));
    const forgedGraph = await fetch(`${served.url}/api/webhooks/microsoft`, {
      method: "POST",
      headers: { "X-Forwarded-For": provider },
      body: graphBody(fixture.microsoft.externalId, "wrong"),
    });
    expect(forgedGraph.status).toBe(202);
    expect(await stored(fixture.microsoft.externalId)).toBe(0);
    expect(await limiter.retryAfterMs("127.0.0.1")).toBeGreaterThan(0);

    // The genuine ones, from the very address the forger claimed and spent: stored and answered.
    const before = await stored(fixture.google.channelId);
    const genuine = await fetch(`${served.url}/api/webhooks/google`, {
      method: "POST",
      headers: googleHeaders(fixture.google.channelId, fixture.google.token, fixture.google.resourceId, provider),
    });
    expect(genuine.status).toBe(200);
    expect(await stored(fixture.google.channelId)).toBe(before + 1);
    const graph = await fetch(`${served.url}/api/webhooks/microsoft`, {
      method: "POST",
      headers: { "X-Forwarded-For": provider },
      body: graphBody(fixture.microsoft.externalId, fixture.microsoft.clientState),
    });
    expect(graph.status).toBe(202);
    expect(await stored(fixture.microsoft.externalId)).toBe(1);
    for (const path of ["/api/webhooks/microsoft", "/api/webhooks/microsoft/lifecycle"]) {
      const validation = await fetch(`${served.url}${path}?validationToken=${encodeURIComponent("Validation: Token+1")}`, {
        method: "POST",
        headers: { "X-Forwarded-For": provider },
      });
      expect(validation.status).toBe(200);
      expect(validation.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await validation.text()).toBe("Validation: Token+1");
    }
  });

  it("notifications for channels we stopped, replaced or deleted are acknowledged as retired, stored nowhere, and spend no budget", async () => {
    const client = await database.db();
    const tag = randomUUID().slice(0, 8);
    // A Google channel we stopped and a Graph subscription we deleted, an hour ago: past the grace period.
    const stoppedGoogle = await client.webhookSubscription.create({
      data: {
        organizationId: fixture.organizationId,
        connectionId: fixture.google.connectionId,
        calendarId: fixture.google.calendarId,
        provider: "google",
        externalId: `chan-stopped-${tag}`,
        resourceId: `res-stopped-${tag}`,
        secretHash: secretHash(`tok-stopped-${tag}`),
        status: "stopped",
      },
    });
    const deletedGraph = await client.webhookSubscription.create({
      data: {
        organizationId: fixture.organizationId,
        connectionId: fixture.microsoft.connectionId,
        provider: "microsoft",
        externalId: randomUUID(),
        resource: "me/events",
        secretHash: secretHash(`cs-deleted-${tag}`),
        status: "stopped",
      },
    });
    await client.$executeRawUnsafe(`UPDATE webhook_subscriptions SET updated_at = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`, [
      stoppedGoogle.id,
      deletedGraph.id,
    ]);
    // And a Graph subscription id a renewal replaced, stopped an hour ago.
    const replacedGraphId = randomUUID();
    await client.replacedSubscriptionId.create({
      data: {
        organizationId: fixture.organizationId,
        subscriptionId: fixture.microsoft.subscriptionId,
        externalId: replacedGraphId,
        secretHash: secretHash(`cs-replaced-${tag}`),
        stoppedAt: new Date(Date.now() - 60 * 60_000),
      },
    });
    const rowsBefore = await client.webhookEvent.count();

    const answers: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const stopped = await fetch(`${served.url}/api/webhooks/google`, {
        method: "POST",
        headers: googleHeaders(stoppedGoogle.externalId, `tok-stopped-${tag}`, `res-stopped-${tag}`, "x"),
      });
      const replaced = await fetch(`${served.url}/api/webhooks/google`, {
        method: "POST",
        headers: googleHeaders(fixture.google.stoppedChannelId, fixture.google.stoppedToken, "res-any", "x"),
      });
      const deleted = await fetch(`${served.url}/api/webhooks/microsoft`, { method: "POST", body: graphBody(deletedGraph.externalId, `cs-deleted-${tag}`) });
      const renewed = await fetch(`${served.url}/api/webhooks/microsoft/lifecycle`, {
        method: "POST",
        body: JSON.stringify({ value: [{ subscriptionId: replacedGraphId, clientState: `cs-replaced-${tag}`, lifecycleEvent: "reauthorizationRequired" }] }),
      });
      answers.push(stopped.status, replaced.status, deleted.status, renewed.status);
    }
    expect(new Set(answers)).toEqual(new Set([200, 202]));
    expect(answers.filter((status) => status === 200)).toHaveLength(30);
    expect(await client.webhookEvent.count()).toBe(rowsBefore);
    // Sixty of them, and the budget is untouched.
    expect(await limiter.retryAfterMs("127.0.0.1")).toBeNull();
    const forged = await fetch(`${served.url}/api/webhooks/google`, {
      method: "POST",
      headers: googleHeaders(stoppedGoogle.externalId, "guessed", `res-stopped-${tag}`, "x"),
    });
    expect(forged.status).toBe(404);
  });
});
