import path from "node:path";

/** Environment variables as calsync reads them (process.env, or a plain object in tests). */
export type Env = Record<string, string | undefined>;

/**
 * Where calsync keeps local state when it runs on embedded defaults: the PGlite
 * database, the generated encryption key, the emulator's certificate. Never committed.
 */
export function dataDir(env: Env = process.env): string {
  // Run-time state, never a build input: the ignore keeps the build's file tracing
  // from shipping .data/ (local keys, test databases) and, through the unknown
  // CALSYNC_DATA_DIR, the whole project inside every server function.
  return path.resolve(/*turbopackIgnore: true*/ env.CALSYNC_DATA_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), ".data"));
}

export function isProduction(env: Env = process.env): boolean {
  return env.NODE_ENV === "production";
}

/**
 * The address providers reach this deployment at (webhook URLs are built from it).
 * CALSYNC_PUBLIC_URL wins, then NEXTAUTH_URL; locally http://localhost:3000.
 */
export function publicBaseUrl(env: Env = process.env): string {
  const configured = env.CALSYNC_PUBLIC_URL?.trim() || env.NEXTAUTH_URL?.trim() || "http://localhost:3000";
  return configured.replace(/\/+$/, "");
}

/**
 * The origin browsers load the app from: NEXTAUTH_URL (sign-in is bound to it), else
 * the public URL. A same-site request from the app's own pages carries exactly this
 * in its Origin header; CALSYNC_PUBLIC_URL alone may be a tunnel for webhooks only.
 */
export function appOrigin(env: Env = process.env): string {
  return new URL(env.NEXTAUTH_URL?.trim() || publicBaseUrl(env)).origin;
}

/** What a numeric setting must be to count; anything else falls back to the default. */
export interface NumberRule {
  integer?: boolean;
  /** Smallest accepted value. */
  min?: number;
  /** The value must be greater than this. */
  above?: number;
}

/**
 * A numeric setting: the variable's value when it is a number `rule` accepts, else
 * `fallback`. Unset, empty or malformed values never stop the app (`calsync doctor`
 * names them); every numeric variable is read through here.
 */
export function envNumber(env: Env, name: string, fallback: number, rule: NumberRule = {}): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed)) return fallback;
  if (rule.integer && !Number.isInteger(parsed)) return fallback;
  if (rule.min !== undefined && parsed < rule.min) return fallback;
  if (rule.above !== undefined && parsed <= rule.above) return fallback;
  return parsed;
}

/** An on/off setting: on when set to anything but "", "0" or "false" (any case). */
export function envFlag(env: Env, name: string): boolean {
  const value = env[name]?.trim().toLowerCase() ?? "";
  return value !== "" && value !== "0" && value !== "false";
}

/** How much of each calendar we mirror: SYNC_PAST_DAYS back (30) and SYNC_FUTURE_DAYS ahead (365). */
export function syncHorizon(env: Env = process.env): { pastDays: number; futureDays: number } {
  return { pastDays: envNumber(env, "SYNC_PAST_DAYS", 30, { above: 0 }), futureDays: envNumber(env, "SYNC_FUTURE_DAYS", 365, { above: 0 }) };
}

/**
 * How often the poll picks a calendar: POLL_MINUTES_WITH_PUSH (60) while its push is
 * healthy, since then the poll only checks that push still works, and
 * POLL_MINUTES_WITHOUT_PUSH (5, as the peers do) when there is none (never registered,
 * refused, expired, suspect), since then the poll is how changes arrive.
 */
export function pollCadence(env: Env = process.env): { withPushMs: number; withoutPushMs: number } {
  return {
    withPushMs: envNumber(env, "POLL_MINUTES_WITH_PUSH", 60, { min: 1 }) * 60_000,
    withoutPushMs: envNumber(env, "POLL_MINUTES_WITHOUT_PUSH", 5, { min: 1 }) * 60_000,
  };
}

/**
 * HEAP_GROWING_PERCENT (50): how far V8 lets the heap grow past what a full
 * collection left live before it collects again, in percent; 0 keeps V8's own
 * choice, which grows up to four times the live heap while collection is cheap (a
 * 100,000-event sync held about 50 MB live and peaked 216 MB over its base; README.md,
 * "Performance"). Applied by lib/heap.ts at start-up.
 */
export function heapGrowingPercent(env: Env = process.env): number {
  return envNumber(env, "HEAP_GROWING_PERCENT", 50, { integer: true, min: 0 });
}

/**
 * SYNC_MIN_INTERVAL_MS (2000): the least time between two provider syncs of one
 * calendar. The first request for a quiet calendar syncs at once; what arrives
 * within this interval of it (or while it runs) is covered by one trailing sync.
 * At least 1 s, rounded up to whole seconds: Inngest's throttle takes its period in
 * seconds, and both drivers must keep the same interval.
 */
export function syncMinIntervalMs(env: Env = process.env): number {
  return Math.ceil(envNumber(env, "SYNC_MIN_INTERVAL_MS", 2_000, { min: 1_000 }) / 1_000) * 1_000;
}
