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
import { seedWebhookFixture, type WebhookFixture } from "@/scripts/test/webhooks";
import { setupTestDatabase } from "@/scripts/test/database";
import { POST as GOOGLE } from "@/app/api/webhooks/google/route";
import { POST as MICROSOFT } from "@/app/api/webhooks/microsoft/route";

// The failure budget against a real Redis (CI starts one on 127.0.0.1:6379), and at
// the routes: a provider's burst of verified notifications passes untouched while a
// forger from one address is cut off before any database work.

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
    const provider = { "x-forwarded-for": "74.125.0.10, 10.0.0.2" };
    const forger = { "x-forwarded-for": "203.0.113.66" };
    const [verified, forged] = await Promise.all([
      inBatches(1_000, 20, () => GOOGLE(google(provider))),
      inBatches(30, 1, () => GOOGLE(google(forger, { token: "guessed" }))),
    ]);
    expect(verified.filter((status) => status !== 200)).toEqual([]);
    expect(verified).toHaveLength(1_000);
    expect(forged.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => 401));
    expect(forged.slice(20)).toEqual(Array.from({ length: 10 }, () => 429));
    expect(await (await database.db()).webhookEvent.count({ where: { organizationId: fixture.organizationId, status: "pending" } })).toBeGreaterThanOrEqual(1_000);

    // Told when to come back; the provider's address still gets through.
    const refused = await GOOGLE(google(forger, { token: "guessed" }));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(10);
    expect(await refused.json()).toMatchObject({ error: { kind: "rate_limited" } });
    expect(refused.headers.get("x-request-id")).toBeTruthy();
    expect((await GOOGLE(google(provider))).status).toBe(200);
  });

  it("counts unknown channels, malformed requests and other routes against the same source; X-Real-IP names it without X-Forwarded-For", async () => {
    const source = { "x-real-ip": "198.51.100.23" };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await GOOGLE(google(source, { channelId: `no-such-channel-${i}` }))).status);
    for (let i = 0; i < 7; i += 1) {
      statuses.push((await GOOGLE(new Request("https://app.example/api/webhooks/google", { method: "POST", headers: { ...source, "X-Goog-Channel-ID": "x" } }))).status);
    }
    for (let i = 0; i < 6; i += 1) {
      const body = JSON.stringify({ value: [{ subscriptionId: fixture.microsoft.externalId, clientState: "wrong", changeType: "updated", resource: "me/events/1" }] });
      statuses.push((await MICROSOFT(new Request("https://app.example/api/webhooks/microsoft", { method: "POST", headers: source, body }))).status);
    }
    expect(statuses).toEqual([...Array.from({ length: 7 }, () => 404), ...Array.from({ length: 7 }, () => 400), ...Array.from({ length: 6 }, () => 401)]);
    expect((await GOOGLE(google(source))).status).toBe(429);
    expect((await MICROSOFT(new Request("https://app.example/api/webhooks/microsoft?validationToken=abc", { method: "POST", headers: source }))).status).toBe(429);
    // Another address is unaffected.
    expect((await GOOGLE(google({ "x-real-ip": "198.51.100.24" }))).status).toBe(200);
  });

  it("verified notifications spend no budget, however many", async () => {
    const source = { "x-forwarded-for": "74.125.0.11" };
    const statuses = await inBatches(200, 20, () => GOOGLE(google(source)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(await limiter.retryAfterMs("74.125.0.11")).toBeNull();
    for (let i = 0; i < 19; i += 1) expect((await GOOGLE(google(source, { token: "guessed" }))).status).toBe(401);
    expect((await GOOGLE(google(source))).status).toBe(200);
  });
});
