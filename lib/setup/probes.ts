import { createHash } from "node:crypto";
import { envFlag, isProduction, type Env } from "@/lib/config";
import { explainDatabaseError } from "@/lib/db/errors";
import { pendingMigrations } from "@/lib/db/migrations";
import { describeTarget, resolveDatabaseTarget } from "@/lib/db/target";
import { jobDriverName } from "@/lib/jobs/driver";
import { failure, isSet, ok, warning, type SetupCheck } from "./check";
import { errorMessage } from "@/lib/format";

// Checks that talk to something: the database, Inngest, Redis. Each has a short
// timeout so a firewall that drops packets costs seconds, not minutes, and each
// sends credentials only to the service they belong to.

export const PROBE_TIMEOUT_MS = 3_000;

const elapsed = (started: number) => `${Math.round(performance.now() - started)} ms`;

/** The database in the environment: reachable, and every migration applied. */
export async function checkDatabase(env: Env): Promise<SetupCheck> {
  const target = resolveDatabaseTarget(env);
  const where = describeTarget(target);
  if (target.kind === "pglite") {
    // Not opened: an embedded database belongs to one process (the app's), and it
    // applies its own migrations when the app starts.
    return isProduction(env)
      ? warning(
          "database",
          "Database",
          `${where}: one process only, on this machine's disk`,
          "set DATABASE_URL to a PostgreSQL server and run npm run db:migrate",
        )
      : ok("database", "Database", `${where} (migrates itself when the app starts)`);
  }
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: PROBE_TIMEOUT_MS, query_timeout: PROBE_TIMEOUT_MS });
  // A server that goes away after connecting reports here too; the query rejects anyway.
  client.on("error", () => {});
  const started = performance.now();
  try {
    await client.connect();
    const pending = await pendingMigrations(async (sql) => (await client.query<{ migration_name: string }>(sql)).rows);
    if (pending.length > 0) {
      return failure(
        "database",
        "Database",
        `${where}: not migrated, ${pending.length} pending (${pending.join(", ")})`,
        "run npm run db:migrate against this DATABASE_URL",
      );
    }
    return ok("database", "Database", `${where}: reachable, migrated (${elapsed(started)})`);
  } catch (err) {
    // "Cannot reach PostgreSQL at host:port/db: cause": never the password.
    return failure(
      "database",
      "Database",
      explainDatabaseError(err, target).message,
      "start PostgreSQL or correct DATABASE_URL (host, port, database, credentials)",
    );
  } finally {
    await client.end().catch(() => {});
  }
}

// The SDK's defaults (inngest/helpers/consts, not exported by the package).
const INNGEST_CLOUD_API = "https://api.inngest.com/";
const INNGEST_DEV_SERVER = "http://localhost:8288/";

/** Where the Inngest SDK sends API calls for this environment. */
export function inngestApiBaseUrl(env: Env): string {
  if (isSet(env.INNGEST_API_BASE_URL)) return env.INNGEST_API_BASE_URL.trim();
  if (isSet(env.INNGEST_BASE_URL)) return env.INNGEST_BASE_URL.trim();
  const dev = env.INNGEST_DEV?.trim();
  if (dev && /^https?:\/\//.test(dev)) return dev;
  return envFlag(env, "INNGEST_DEV") ? INNGEST_DEV_SERVER : INNGEST_CLOUD_API;
}

/**
 * The signing key as the SDK presents it to Inngest's API: prefix kept, key part
 * replaced by its SHA-256 (inngest's hashSigningKey), so the key itself never travels.
 */
export function hashedSigningKey(signingKey: string): string {
  const prefix = /^signkey-\w+-/.exec(signingKey)?.[0] ?? "";
  return `${prefix}${createHash("sha256").update(signingKey.slice(prefix.length), "hex").digest("hex")}`;
}

/** Inngest's API answers, and accepts the signing key. Only when Inngest drives the jobs. */
export async function checkInngestReachable(env: Env): Promise<SetupCheck | null> {
  if (jobDriverName(env) === "inline") return null;
  const base = inngestApiBaseUrl(env);
  let url: URL;
  try {
    url = new URL("v1/events?limit=1", base.endsWith("/") ? base : `${base}/`);
  } catch {
    return failure("inngest-api", "Inngest API", `malformed base URL "${base}"`, "set INNGEST_BASE_URL to an http(s) URL, or unset it for Inngest Cloud");
  }
  const signing = env.INNGEST_SIGNING_KEY?.trim();
  const headers: Record<string, string> = { accept: "application/json" };
  if (signing) headers.authorization = `Bearer ${hashedSigningKey(signing)}`;
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: "error" });
    await response.body?.cancel();
  } catch (err) {
    const reason = err instanceof Error && err.name === "TimeoutError" ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : errorCause(err);
    return failure(
      "inngest-api",
      "Inngest API",
      `${url.origin} unreachable: ${reason}`,
      "check INNGEST_BASE_URL and that this machine can reach Inngest over HTTPS",
    );
  }
  if (signing && (response.status === 401 || response.status === 403)) {
    return failure(
      "inngest-api",
      "Inngest API",
      `${url.origin} rejected INNGEST_SIGNING_KEY (HTTP ${response.status})`,
      "copy the signing key of this Inngest environment again (Manage → Signing key)",
    );
  }
  if (!response.ok && signing) {
    return warning(
      "inngest-api",
      "Inngest API",
      `${url.origin} reachable but answered HTTP ${response.status}`,
      "check INNGEST_BASE_URL points at Inngest's API",
    );
  }
  return ok("inngest-api", "Inngest API", `${url.origin} reachable${signing ? ", signing key accepted" : ""} (${elapsed(started)})`);
}

function errorCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? errorMessage(err);
}

/** Redis when REDIS_URL is set: a PING. Unreachable is a warning (rate limits fall back to memory). */
export async function checkRedis(env: Env): Promise<SetupCheck | null> {
  if (!isSet(env.REDIS_URL)) return null;
  let where: string;
  try {
    const url = new URL(env.REDIS_URL.trim());
    if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new Error("not redis");
    where = `${url.protocol}//${url.hostname}:${url.port || "6379"}`;
  } catch {
    return warning("redis", "Redis", "malformed REDIS_URL: expected redis://host:port", "set REDIS_URL to redis://[user:password@]host:port[/db], or unset it");
  }
  const { Redis } = await import("ioredis");
  const client = new Redis(env.REDIS_URL.trim(), {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: string | undefined;
  client.on("error", (err: Error & { code?: string }) => {
    lastError = err.code ?? err.message;
  });
  const started = performance.now();
  try {
    await client.connect();
    const answer = await client.ping();
    if (answer !== "PONG") return warning("redis", "Redis", `${where} answered ${answer} to PING`, "check REDIS_URL points at a Redis server");
    return ok("redis", "Redis", `${where}: reachable (${elapsed(started)})`);
  } catch (err) {
    const reason = lastError ?? errorMessage(err);
    return warning(
      "redis",
      "Redis",
      `${where} unreachable: ${reason}; webhook rate limits fall back to per-instance memory`,
      "start Redis or correct REDIS_URL (or unset it)",
    );
  } finally {
    client.disconnect();
  }
}
