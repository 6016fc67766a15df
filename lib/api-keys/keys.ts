import { createHash, randomBytes } from "node:crypto";
import { envNumber } from "@/lib/config";
import { db } from "@/lib/db/client";
import type { ApiKeyScope, ApiKeySummary } from "@/lib/api/v1/schemas";
import { forbidden, notFound, rateLimited, unauthorized } from "@/lib/http/errors";
import { sharedWindowStore, type WindowStore } from "@/lib/webhooks/rate-limit";

// API keys: an organization's machines call /api/v1 with `Authorization: Bearer
// csk_...`. The key is shown once; only its SHA-256 is stored (a key is 256 random
// bits, so a fast hash is enough: there is nothing to guess). Every key-authenticated
// query is scoped by the key's organization, which is all a key ever yields.

const KEY_PREFIX = "csk_";
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8;
/** last_used_at is written at most this often per key: a busy key must not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

type KeyRow = { id: string; name: string; prefix: string; scopes: string[]; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

const summary = (row: KeyRow): ApiKeySummary => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes as ApiKeyScope[],
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

const SUMMARY_FIELDS = { id: true, name: true, prefix: true, scopes: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

/** A new key; `key` is the only time the secret exists outside the caller's hands. */
export async function createApiKey(
  organizationId: string,
  input: { name: string; scopes: ApiKeyScope[]; createdById?: string | null },
): Promise<{ key: string; apiKey: ApiKeySummary }> {
  const key = KEY_PREFIX + randomBytes(32).toString("base64url");
  const database = await db();
  const row = await database.apiKey.create({
    data: {
      organizationId,
      name: input.name,
      prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
      keyHash: hashApiKey(key),
      scopes: [...new Set(input.scopes)],
      createdById: input.createdById ?? null,
    },
    select: SUMMARY_FIELDS,
  });
  return { key, apiKey: summary(row) };
}

export async function listApiKeys(organizationId: string): Promise<ApiKeySummary[]> {
  const database = await db();
  const rows = await database.apiKey.findMany({ where: { organizationId }, orderBy: { createdAt: "desc" }, select: SUMMARY_FIELDS });
  return rows.map(summary);
}

/** Revokes a key of the organization (404 for another's); revoking twice keeps the first time. */
export async function revokeApiKey(organizationId: string, id: string): Promise<ApiKeySummary> {
  const database = await db();
  const found = await database.apiKey.findFirst({ where: { id, organizationId }, select: { id: true, revokedAt: true } });
  if (!found) throw notFound("no such API key");
  if (!found.revokedAt) await database.apiKey.updateMany({ where: { id, organizationId, revokedAt: null }, data: { revokedAt: new Date() } });
  return summary(await database.apiKey.findFirstOrThrow({ where: { id, organizationId }, select: SUMMARY_FIELDS }));
}

export interface KeyCaller {
  organizationId: string;
  keyId: string;
  scopes: ApiKeyScope[];
}

/** Requests per key per window (API_RATE_LIMIT per API_RATE_WINDOW_SECONDS, default 600 per 60 s). */
export function apiRateLimit(env = process.env): { limit: number; windowMs: number } {
  return {
    limit: envNumber(env, "API_RATE_LIMIT", 600, { min: 1, integer: true }),
    windowMs: envNumber(env, "API_RATE_WINDOW_SECONDS", 60, { min: 1 }) * 1000,
  };
}

/** Redis key namespace of the per-key counters (REDIS_URL shares them across instances, as the webhook budget's). */
export const API_RATE_REDIS_PREFIX = "calsync:api-rate:";

// On globalThis: one store per process, however many route bundles evaluate this module.
const shared = globalThis as unknown as { __calsyncApiRates?: Promise<WindowStore> };
const rates = () =>
  (shared.__calsyncApiRates ??= sharedWindowStore({
    redisUrl: process.env.REDIS_URL?.trim() || null,
    windowMs: apiRateLimit().windowMs,
    prefix: API_RATE_REDIS_PREFIX,
    counting: "API rate limit",
  }));

/** Replaces the process's per-key counters (tests); null goes back to the environment's on next use. */
export function replaceApiRateStore(store: WindowStore | null): void {
  shared.__calsyncApiRates = store ? Promise.resolve(store) : undefined;
}

/** RateLimit headers of the answer (draft-ietf-httpapi-ratelimit-headers), set by the v1 route wrapper. */
export interface RateState {
  limit: number;
  remaining: number;
  resetSeconds: number;
  windowSeconds: number;
}

function bearer(request: Request): string | null {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}

/**
 * The caller of a /api/v1 route: a live key with `scope`, within its rate limit.
 * 401 without a key, or with an unknown or revoked one (never saying which); 403
 * for a missing scope; 429 over the limit.
 */
export async function authorizeKey(request: Request, scope: ApiKeyScope, rate?: { state?: RateState }): Promise<KeyCaller> {
  const key = bearer(request);
  if (!key || !key.startsWith(KEY_PREFIX) || key.length > 200) throw unauthorized("send an API key: Authorization: Bearer csk_...");
  const database = await db();
  const row = await database.apiKey.findUnique({
    where: { keyHash: hashApiKey(key) },
    select: { id: true, organizationId: true, scopes: true, revokedAt: true, lastUsedAt: true },
  });
  if (!row || row.revokedAt) throw unauthorized("the API key is unknown or revoked");
  const { limit, windowMs } = apiRateLimit();
  const window = await (await rates()).increment(row.id);
  const state: RateState = {
    limit,
    remaining: Math.max(0, limit - window.count),
    resetSeconds: Math.ceil(window.resetInMs / 1000),
    windowSeconds: Math.round(windowMs / 1000),
  };
  if (rate) rate.state = state;
  if (window.count > limit) throw rateLimited(state.resetSeconds);
  if (!row.scopes.includes(scope)) throw forbidden(`this API key lacks the ${scope} scope`);
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await database.apiKey.updateMany({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { organizationId: row.organizationId, keyId: row.id, scopes: row.scopes as ApiKeyScope[] };
}
