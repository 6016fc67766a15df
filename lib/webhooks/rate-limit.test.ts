import { afterEach, describe, expect, it, vi } from "vitest";
import { logger } from "@/lib/log";
import { createFailureLimiter, createMemoryStore, rateLimitSettings, withFallback, type WindowStore } from "@/lib/webhooks/rate-limit";

function clock(start = 5_000_000) {
  let current = start;
  return { now: () => current, advance: (ms: number) => (current += ms) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("in-memory fixed window", () => {
  it("counts per key within a window that opens with the first count", async () => {
    const time = clock();
    const store = createMemoryStore({ windowMs: 10_000, now: time.now });
    expect(await store.get("a")).toEqual({ count: 0, resetInMs: 0 });
    expect(await store.increment("a")).toEqual({ count: 1, resetInMs: 10_000 });
    time.advance(4_000);
    expect(await store.increment("a")).toEqual({ count: 2, resetInMs: 6_000 });
    expect(await store.get("b")).toEqual({ count: 0, resetInMs: 0 });
    time.advance(6_000);
    expect(await store.get("a")).toEqual({ count: 0, resetInMs: 0 });
    expect(await store.increment("a")).toEqual({ count: 1, resetInMs: 10_000 });
  });

  it("stays bounded however many sources appear, keeping the newest", async () => {
    const time = clock();
    const store = createMemoryStore({ windowMs: 10_000, now: time.now, maxKeys: 100 });
    for (let i = 0; i < 1_000; i += 1) await store.increment(`10.0.${Math.floor(i / 256)}.${i % 256}`);
    expect((await store.get("10.0.0.0")).count).toBe(0);
    expect((await store.get("10.0.3.231")).count).toBe(1);
    // Expired windows go first, before any live one.
    time.advance(10_000);
    await store.increment("fresh");
    expect((await store.get("fresh")).count).toBe(1);
  });
});

describe("failure limiter", () => {
  it("lets a source through until it has spent its budget, then says how long to wait", async () => {
    const time = clock();
    const limiter = createFailureLimiter({ limit: 3, store: createMemoryStore({ windowMs: 10_000, now: time.now }) });
    for (let i = 0; i < 3; i += 1) {
      expect(await limiter.retryAfterMs("203.0.113.9")).toBeNull();
      await limiter.recordFailure("203.0.113.9");
      time.advance(1_000);
    }
    expect(await limiter.retryAfterMs("203.0.113.9")).toBe(7_000);
    expect(await limiter.retryAfterMs("198.51.100.1")).toBeNull();
    time.advance(7_000);
    expect(await limiter.retryAfterMs("203.0.113.9")).toBeNull();
  });

  it("a limit of 0 turns it off", async () => {
    const limiter = createFailureLimiter({ limit: 0, store: createMemoryStore({ windowMs: 10_000 }) });
    for (let i = 0; i < 100; i += 1) await limiter.recordFailure("x");
    expect(await limiter.retryAfterMs("x")).toBeNull();
  });

  it("never fails a request because counting failed", async () => {
    vi.spyOn(logger, "error").mockImplementation(() => {});
    const broken: WindowStore = { get: () => Promise.reject(new Error("down")), increment: () => Promise.reject(new Error("down")) };
    const limiter = createFailureLimiter({ limit: 1, store: broken });
    await expect(limiter.recordFailure("x")).resolves.toBeUndefined();
    await expect(limiter.retryAfterMs("x")).resolves.toBeNull();
  });
});

describe("fallback store", () => {
  it("counts in the fallback while the primary fails, logging once per outage", async () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => {});
    const info = vi.spyOn(logger, "info").mockImplementation(() => {});
    let down = true;
    const primaryCounts = createMemoryStore({ windowMs: 10_000 });
    const primary: WindowStore = {
      get: (key) => (down ? Promise.reject(new Error("ECONNREFUSED")) : primaryCounts.get(key)),
      increment: (key) => (down ? Promise.reject(new Error("ECONNREFUSED")) : primaryCounts.increment(key)),
    };
    const store = withFallback(primary, createMemoryStore({ windowMs: 10_000 }));
    for (let i = 0; i < 5; i += 1) await store.increment("a");
    expect(await store.get("a")).toMatchObject({ count: 5 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toMatchObject({ error: expect.objectContaining({ message: "ECONNREFUSED" }) });

    down = false;
    expect(await store.increment("a")).toMatchObject({ count: 1 });
    expect(info).toHaveBeenCalledTimes(1);
    down = true;
    await store.get("a");
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe("settings", () => {
  it("defaults to 20 failures per 10 s, in memory", () => {
    expect(rateLimitSettings({})).toEqual({ limit: 20, windowMs: 10_000, redisUrl: null });
  });

  it("reads the limit, the window and Redis from the environment", () => {
    expect(rateLimitSettings({ WEBHOOK_FAILURE_LIMIT: "0", WEBHOOK_FAILURE_WINDOW_SECONDS: "2.5", REDIS_URL: " redis://cache:6379/2 " })).toEqual({
      limit: 0,
      windowMs: 2_500,
      redisUrl: "redis://cache:6379/2",
    });
    expect(rateLimitSettings({ WEBHOOK_FAILURE_LIMIT: "lots", WEBHOOK_FAILURE_WINDOW_SECONDS: "-1", REDIS_URL: "" })).toEqual({
      limit: 20,
      windowMs: 10_000,
      redisUrl: null,
    });
  });
});
