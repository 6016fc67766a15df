import type { Redis } from "ioredis";
import { envNumber, type Env } from "@/lib/config";
import { logger } from "@/lib/log";

// A budget of failed requests per source on the webhook routes. Anyone can POST to
// them, and a request that fails verification costs a second database lookup (to
// tell forged from unknown), a log line and a counter. A source that keeps failing
// (WEBHOOK_FAILURE_LIMIT failures in a WEBHOOK_FAILURE_WINDOW_SECONDS window) is
// refused more cheaply: without that lookup, Google deliveries with 429 and
// Retry-After, Graph batches with the same 202 as any unverified batch.
//
// The budget never decides whether a request is answered as genuine: a Graph
// validation request is echoed and a delivery that verifies is stored and answered
// whatever its source has spent, so a stranger spoofing a provider's address cannot
// silence it. Only failures are counted; notifications for channels we retired are
// acknowledged (lib/webhooks/routing.ts) and spend nothing.
//
// The source is the trusted address of lib/webhooks/source.ts, never a
// client-supplied X-Forwarded-For unless configured so.
//
// Counts live in Redis when REDIS_URL is set, so every instance sees the same
// budget; otherwise, or while Redis is unreachable, in this process.

export interface WindowCount {
  /** Failures counted in the current window. */
  count: number;
  /** Until the window ends; 0 when there is none. */
  resetInMs: number;
}

/** Fixed-window counters: a key's window opens with its first count and lasts `windowMs`. */
export interface WindowStore {
  get(key: string): Promise<WindowCount>;
  increment(key: string): Promise<WindowCount>;
}

/** Counters in this process. Bounded, because the keys come from request headers. */
export function createMemoryStore(options: { windowMs: number; now?: () => number; maxKeys?: number }): WindowStore {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const windows = new Map<string, { count: number; endsAt: number }>();

  const live = (key: string, at: number) => {
    const window = windows.get(key);
    if (window && window.endsAt > at) return window;
    if (window) windows.delete(key);
    return undefined;
  };

  // A window is inserted when it opens and removed before its key opens another, so
  // the map's order is the order windows end in: expired ones, and when full the
  // oldest live ones, are always at the front. A flood of made-up sources can only
  // push out counts that a made-up source could have evaded anyway.
  const prune = (at: number) => {
    for (const [key, window] of windows) {
      if (windows.size <= maxKeys && window.endsAt > at) break;
      windows.delete(key);
    }
  };

  return {
    async get(key) {
      const at = now();
      const window = live(key, at);
      return window ? { count: window.count, resetInMs: window.endsAt - at } : { count: 0, resetInMs: 0 };
    },
    async increment(key) {
      const at = now();
      let window = live(key, at);
      if (!window) {
        window = { count: 0, endsAt: at + options.windowMs };
        windows.set(key, window);
      }
      prune(at);
      window.count += 1;
      return { count: window.count, resetInMs: window.endsAt - at };
    },
  };
}

// INCR, and PEXPIRE when the key is new (or somehow lost its expiry), in one atomic
// step: a client dying between the two must not leave a counter that never ends.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

/** Redis answers slower than this are treated as Redis being down: the webhook routes have a 3 s budget in all. */
const REDIS_TIMEOUT_MS = 250;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Counters shared by every instance, in Redis; keys are `prefix` + source. */
export function createRedisStore(options: { redis: Redis; windowMs: number; prefix: string; timeoutMs?: number }): WindowStore {
  const { redis, windowMs, prefix } = options;
  const timeoutMs = options.timeoutMs ?? REDIS_TIMEOUT_MS;
  return {
    async get(key) {
      const count = Number((await withTimeout(redis.get(prefix + key), timeoutMs)) ?? 0);
      // The common case (within budget) costs one round trip; the TTL only matters when refusing.
      if (count === 0) return { count: 0, resetInMs: 0 };
      const ttl = await withTimeout(redis.pttl(prefix + key), timeoutMs);
      return { count, resetInMs: ttl > 0 ? ttl : windowMs };
    },
    async increment(key) {
      const [count, ttl] = (await withTimeout(redis.eval(INCREMENT_SCRIPT, 1, prefix + key, String(windowMs)), timeoutMs)) as [number, number];
      return { count: Number(count), resetInMs: Number(ttl) };
    },
  };
}

/**
 * `primary`, or `fallback` whenever `primary` fails. Logged once per outage, not
 * once per request: a Redis outage during a flood would otherwise flood the logs.
 */
export function withFallback(primary: WindowStore, fallback: WindowStore, what = "Redis", counting = "webhook rate limit"): WindowStore {
  let failing = false;
  const attempt = async (operation: (store: WindowStore) => Promise<WindowCount>): Promise<WindowCount> => {
    try {
      const result = await operation(primary);
      if (failing) {
        failing = false;
        logger.info(`${counting}: shared counters are back`, { store: what });
      }
      return result;
    } catch (err) {
      if (!failing) {
        failing = true;
        logger.warn(`${counting}: shared counters unavailable; counting in this process`, {
          store: what,
          error: err instanceof Error ? err : String(err),
        });
      }
      return operation(fallback);
    }
  };
  return {
    get: (key) => attempt((store) => store.get(key)),
    increment: (key) => attempt((store) => store.increment(key)),
  };
}

export interface FailureLimiter {
  /** How long `source` must wait, or null while it is within its budget. */
  retryAfterMs(source: string): Promise<number | null>;
  /** Spends one unit of `source`'s budget. Never throws: counting must not turn a 401 into a 500. */
  recordFailure(source: string): Promise<void>;
}

export function createFailureLimiter(options: { limit: number; store: WindowStore }): FailureLimiter {
  const { limit, store } = options;
  if (limit <= 0) return { retryAfterMs: async () => null, recordFailure: async () => {} };
  return {
    async retryAfterMs(source) {
      try {
        const window = await store.get(source);
        return window.count >= limit ? Math.max(1, window.resetInMs) : null;
      } catch (err) {
        // No store at all (even the fallback failed): let the request through.
        logger.error("webhook rate limit check failed", { error: err instanceof Error ? err : String(err) });
        return null;
      }
    },
    async recordFailure(source) {
      try {
        await store.increment(source);
      } catch (err) {
        logger.error("webhook rate limit count failed", { error: err instanceof Error ? err : String(err) });
      }
    },
  };
}

export interface RateLimitSettings {
  /** Failed requests a source may make per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  redisUrl: string | null;
}

/**
 * WEBHOOK_FAILURE_LIMIT (20; 0 turns it off), WEBHOOK_FAILURE_WINDOW_SECONDS (10),
 * REDIS_URL (unset: counters in memory).
 */
export function rateLimitSettings(env: Env = process.env): RateLimitSettings {
  return {
    limit: envNumber(env, "WEBHOOK_FAILURE_LIMIT", 20, { integer: true, min: 0 }),
    windowMs: Math.round(envNumber(env, "WEBHOOK_FAILURE_WINDOW_SECONDS", 10, { above: 0 }) * 1000),
    redisUrl: env.REDIS_URL?.trim() || null,
  };
}

/** Redis key namespace; one deployment per Redis database is assumed. */
export const REDIS_KEY_PREFIX = "calsync:webhook-failures:";

// On globalThis: one Redis connection per URL and process, shared by every counter
// (the webhook failure budget, the API's per-key limits), however many route bundles
// and hot reloads evaluate this module.
const clients = globalThis as unknown as { __calsyncRedis?: Map<string, Promise<Redis>> };

function redisClient(url: string): Promise<Redis> {
  const known = (clients.__calsyncRedis ??= new Map());
  let client = known.get(url);
  if (!client) {
    // Loaded only when configured, so a route's cold start without Redis stays light.
    client = import("ioredis").then(({ Redis }) => {
      const redis = new Redis(url, {
        // Fail fast into the in-memory fallback rather than queueing behind a dead connection.
        maxRetriesPerRequest: 1,
        connectTimeout: 2_000,
        // Reconnect attempts continue in the background, at most every 5 s.
        retryStrategy: (times) => Math.min(times * 200, 5_000),
      });
      // ioredis also reports connection errors as events; the fallback logs the outage once.
      redis.on("error", () => {});
      return redis;
    });
    client.catch(() => known.delete(url));
    known.set(url, client);
  }
  return client;
}

/** Closes the process's Redis connections (tests, and a CLI that is done). */
export async function closeRedisClients(): Promise<void> {
  const known = clients.__calsyncRedis;
  if (!known) return;
  clients.__calsyncRedis = undefined;
  await Promise.allSettled([...known.values()].map(async (client) => (await client).quit()));
}

/**
 * Fixed-window counters that every instance shares through Redis when `redisUrl` is
 * set (counting in this process while Redis is unreachable), else in this process.
 * `counting` names the counters in the outage log lines.
 */
export async function sharedWindowStore(options: { redisUrl: string | null; windowMs: number; prefix: string; counting: string }): Promise<WindowStore> {
  const memory = createMemoryStore({ windowMs: options.windowMs });
  if (!options.redisUrl) return memory;
  try {
    const redis = await redisClient(options.redisUrl);
    return withFallback(createRedisStore({ redis, windowMs: options.windowMs, prefix: options.prefix }), memory, "Redis", options.counting);
  } catch (err) {
    logger.error(`${options.counting}: cannot set up Redis; counting in this process`, { error: err instanceof Error ? err : String(err) });
    return memory;
  }
}

async function limiterFromSettings(settings: RateLimitSettings): Promise<FailureLimiter> {
  if (settings.limit <= 0) return createFailureLimiter({ limit: settings.limit, store: createMemoryStore({ windowMs: settings.windowMs }) });
  const store = await sharedWindowStore({ redisUrl: settings.redisUrl, windowMs: settings.windowMs, prefix: REDIS_KEY_PREFIX, counting: "webhook rate limit" });
  return createFailureLimiter({ limit: settings.limit, store });
}

// On globalThis: one limiter per process, however many route bundles and hot
// reloads evaluate this module.
const holder = globalThis as unknown as { __calsyncWebhookLimiter?: Promise<FailureLimiter> };

/** The process's limiter, configured from the environment on first use. */
export function webhookFailureLimiter(): Promise<FailureLimiter> {
  holder.__calsyncWebhookLimiter ??= limiterFromSettings(rateLimitSettings());
  return holder.__calsyncWebhookLimiter;
}

/** Replaces the process's limiter (tests); null goes back to the environment's on next use. */
export function replaceWebhookFailureLimiter(limiter: FailureLimiter | null): void {
  holder.__calsyncWebhookLimiter = limiter ? Promise.resolve(limiter) : undefined;
}
