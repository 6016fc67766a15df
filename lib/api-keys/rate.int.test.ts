import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as listCalendars } from "@/app/api/v1/calendars/route";
import { API_RATE_REDIS_PREFIX, apiRateLimit, createApiKey, replaceApiRateStore } from "@/lib/api-keys/keys";
import { closeRedisClients, sharedWindowStore } from "@/lib/webhooks/rate-limit";
import { request, signIn } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";

// Per-key limits on /api/v1 are one budget for the whole deployment when REDIS_URL
// is set: two instances (two stores over one Redis, each with its own in-process
// fallback) spend the same counter. Without Redis, or while it is down, each
// instance counts alone and still refuses past the limit, never a 500.

const REDIS_URL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";
setupTestDatabase();
const ctx = { params: Promise.resolve({}) };
let key: string;
let keyId: string;
const previous = process.env.API_RATE_LIMIT;

async function call(): Promise<Response> {
  return listCalendars(request("/api/v1/calendars", { headers: { authorization: `Bearer ${key}` } }), ctx);
}

const instance = (redisUrl: string | null) =>
  sharedWindowStore({ redisUrl, windowMs: apiRateLimit().windowMs, prefix: API_RATE_REDIS_PREFIX, counting: "API rate limit" });

beforeAll(async () => {
  process.env.API_RATE_LIMIT = "3";
  const owner = await signIn("owner@api-rate.test");
  ({
    key,
    apiKey: { id: keyId },
  } = await createApiKey(owner.viewer.organizationId, { name: "shared budget", scopes: ["events:read"] }));
});

afterEach(() => replaceApiRateStore(null));

afterAll(async () => {
  if (previous === undefined) delete process.env.API_RATE_LIMIT;
  else process.env.API_RATE_LIMIT = previous;
  await closeRedisClients();
});

describe("API rate limits across instances", () => {
  it("two instances sharing Redis spend one budget per key, and the counter expires with its window", async () => {
    const first = await instance(REDIS_URL);
    const second = await instance(REDIS_URL);
    const statuses: number[] = [];
    replaceApiRateStore(first);
    statuses.push((await call()).status, (await call()).status);
    replaceApiRateStore(second);
    const third = await call();
    statuses.push(third.status, (await call()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(third.headers.get("RateLimit")).toMatch(/^"per-key";r=0;t=\d+$/);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      expect(Number(await redis.get(API_RATE_REDIS_PREFIX + keyId))).toBe(4);
      const ttl = await redis.pttl(API_RATE_REDIS_PREFIX + keyId);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(apiRateLimit().windowMs);
      await redis.del(API_RATE_REDIS_PREFIX + keyId);
    } finally {
      await redis.quit();
    }
  });

  it("without Redis each instance counts alone; with Redis unreachable it falls back and still refuses past the limit", async () => {
    for (const redisUrl of [null, "redis://127.0.0.1:1"]) {
      replaceApiRateStore(await instance(redisUrl));
      const statuses: number[] = [];
      for (let index = 0; index < 4; index += 1) statuses.push((await call()).status);
      expect(statuses, String(redisUrl)).toEqual([200, 200, 200, 429]);
      // A second instance has its own count.
      replaceApiRateStore(await instance(redisUrl));
      expect((await call()).status).toBe(200);
    }
  });
});
