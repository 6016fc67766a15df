import { db } from "@/lib/db/client";
import { rawQuery } from "@/lib/db/raw";
import { logger } from "@/lib/log";
import { providerBreakers } from "@/lib/providers/breaker";
import { ProviderError, isProviderError } from "@/lib/providers/errors";
import { providerFor, type CalendarProvider } from "@/lib/providers";
import { accessWasLost } from "./access-lost";

// Access tokens for provider calls. Refresh happens ahead of expiry, once per
// connection at a time (single-flight in this process, and a row lock across
// processes, so two workers never both spend a Microsoft refresh token: Microsoft
// rotates it and the loser would store a dead one). A rejected refresh marks the
// connection "needs reconnect" and stops its push.

/** Refresh when less than this is left, so a long sync does not run into expiry. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const inFlight = new Map<string, Promise<RememberedToken>>();

interface RememberedToken {
  token: string;
  /** The row's access_token_expires_at when it was read: the stamp checked on every use. */
  expiresAt: Date;
}

/**
 * Tokens read or refreshed in the last few seconds: a sync calls the provider once
 * per page, and without this every page re-read (and decrypted) the connection row.
 *
 * Every process has its own, and a disconnect, revocation or reconnect may happen in
 * another one, which cannot reach this memory. So a remembered token is only handed
 * out after a cheap check of the row (one indexed lookup, nothing decrypted): still
 * usable (not revoked, not waiting for a reconnect), still holding a token, and
 * still the same token (its expiry unchanged: any refresh or reconnect moves it). A
 * connection disconnected anywhere is never served from here again.
 */
export class AccessTokenCache {
  private readonly entries = new Map<string, RememberedToken & { usableUntil: number }>();

  constructor(private readonly ttlMs = RECENT_TTL_MS) {}

  remember(connectionId: string, remembered: RememberedToken): string {
    const usableUntil = Math.min(remembered.expiresAt.getTime() - REFRESH_MARGIN_MS, Date.now() + this.ttlMs);
    this.entries.set(connectionId, { ...remembered, usableUntil });
    return remembered.token;
  }

  forget(connectionId: string): void {
    this.entries.delete(connectionId);
  }

  /** The remembered token, if the connection row still stands behind it; null otherwise. */
  async get(connectionId: string): Promise<string | null> {
    const entry = this.entries.get(connectionId);
    if (!entry) return null;
    if (entry.usableUntil <= Date.now() || !(await stillCurrent(connectionId, entry.expiresAt))) {
      this.entries.delete(connectionId);
      return null;
    }
    return entry.token;
  }
}

async function stillCurrent(connectionId: string, expiresAt: Date): Promise<boolean> {
  const rows = await rawQuery({
    name: "access-token-still-current",
    text: `SELECT 1 AS current FROM calendar_connections
            WHERE id = $1::uuid AND status NOT IN ('revoked', 'needs_reconnect')
              AND access_token IS NOT NULL AND access_token_expires_at = $2`,
    values: [connectionId, expiresAt],
  });
  return rows.length > 0;
}

const RECENT_TTL_MS = 30_000;
/** This process's cache. */
const recent = new AccessTokenCache();

/** Drops the remembered token in this process (the connection's tokens were replaced or removed). */
export function forgetAccessToken(connectionId: string): void {
  recent.forget(connectionId);
}

export class ConnectionUnusableError extends ProviderError {
  constructor(message: string) {
    super("reauthorization_required", message);
  }
}

async function refreshUnderLock(connectionId: string, force: boolean, staleToken: string | null): Promise<RememberedToken> {
  const database = await db();
  type Outcome = { remembered: RememberedToken } | { reauthorize: string };
  const outcome = await database.$transaction(
    async (tx): Promise<Outcome> => {
      await tx.$queryRaw`SELECT id FROM calendar_connections WHERE id = ${connectionId}::uuid FOR UPDATE`;
      const connection = await tx.calendarConnection.findUnique({
        where: { id: connectionId },
        select: { provider: true, status: true, accessToken: true, refreshToken: true, accessTokenExpiresAt: true },
      });
      if (!connection) throw new ProviderError("not_found", "connection no longer exists");
      if (connection.status === "needs_reconnect" || connection.status === "revoked") {
        throw new ConnectionUnusableError("the connection needs to be reconnected");
      }
      // Someone else refreshed while we waited for the lock.
      const fresh = connection.accessTokenExpiresAt && connection.accessTokenExpiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS;
      if (connection.accessToken && connection.accessTokenExpiresAt && fresh && (!force || connection.accessToken !== staleToken)) {
        return { remembered: { token: connection.accessToken, expiresAt: connection.accessTokenExpiresAt } };
      }
      if (!connection.refreshToken) return { reauthorize: "no refresh token was granted" };
      try {
        const tokens = await providerFor(connection.provider).refreshTokens(connection.refreshToken);
        await tx.calendarConnection.update({
          where: { id: connectionId },
          data: {
            accessToken: tokens.accessToken,
            // Microsoft rotates refresh tokens: store the new one every time.
            ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
            accessTokenExpiresAt: tokens.expiresAt,
            status: "active",
            lastError: null,
          },
        });
        return { remembered: { token: tokens.accessToken, expiresAt: tokens.expiresAt } };
      } catch (err) {
        if (isProviderError(err, "reauthorization_required")) return { reauthorize: err.message };
        throw err;
      }
    },
    // A token endpoint round trip happens inside; allow for a slow provider.
    { timeout: 30_000, maxWait: 30_000 },
  );
  if ("remembered" in outcome) return outcome.remembered;
  await markNeedsReconnect(connectionId, outcome.reauthorize);
  throw new ConnectionUnusableError(`access was revoked or expired (${outcome.reauthorize}); reconnect the account`);
}

/**
 * A usable access token for the connection, refreshed if it is close to expiry (or
 * `force`). `cache` is this process's unless a test stands in for another process.
 */
export async function accessTokenFor(
  connectionId: string,
  options: { force?: boolean; staleToken?: string | null; cache?: AccessTokenCache } = {},
): Promise<string> {
  const cache = options.cache ?? recent;
  if (options.force) cache.forget(connectionId);
  else {
    const cached = await cache.get(connectionId);
    if (cached !== null) return cached;
  }
  const database = await db();
  if (!options.force) {
    const connection = await database.calendarConnection.findUnique({
      where: { id: connectionId },
      select: { status: true, accessToken: true, accessTokenExpiresAt: true },
    });
    if (!connection) throw new ProviderError("not_found", "connection no longer exists");
    if (connection.status === "needs_reconnect" || connection.status === "revoked") throw new ConnectionUnusableError("the connection needs to be reconnected");
    if (connection.accessToken && connection.accessTokenExpiresAt && connection.accessTokenExpiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS) {
      return cache.remember(connectionId, { token: connection.accessToken, expiresAt: connection.accessTokenExpiresAt });
    }
  }
  const pending = inFlight.get(connectionId);
  if (pending) return (await pending).token;
  const refresh = refreshUnderLock(connectionId, options.force ?? false, options.staleToken ?? null).finally(() => inFlight.delete(connectionId));
  inFlight.set(connectionId, refresh);
  return cache.remember(connectionId, await refresh);
}

/**
 * Runs `work` with a valid access token. A 401 refreshes once and retries; a second
 * 401 means the grant is gone, and the connection is marked for reconnect.
 *
 * All of it, token refresh included, runs through the connection's circuit breaker
 * (lib/providers/breaker.ts): while that provider keeps failing for this account,
 * calls fail at once with a Retry-After instead of reaching it.
 */
export async function withAccessToken<T>(
  connection: { id: string; provider: "google" | "microsoft" },
  work: (accessToken: string, provider: CalendarProvider) => Promise<T>,
): Promise<T> {
  return providerBreakers().run(connection.id, () => callWithToken(connection, work));
}

async function callWithToken<T>(
  connection: { id: string; provider: "google" | "microsoft" },
  work: (accessToken: string, provider: CalendarProvider) => Promise<T>,
): Promise<T> {
  const provider = providerFor(connection.provider);
  const token = await accessTokenFor(connection.id);
  try {
    return await work(token, provider);
  } catch (err) {
    if (!isProviderError(err, "unauthorized")) throw err;
  }
  const renewed = await accessTokenFor(connection.id, { force: true, staleToken: token });
  try {
    return await work(renewed, provider);
  } catch (err) {
    if (isProviderError(err, "unauthorized")) {
      await markNeedsReconnect(connection.id, "the provider rejected a freshly refreshed access token");
      throw new ConnectionUnusableError("the provider keeps rejecting our access; reconnect the account");
    }
    throw err;
  }
}

/**
 * The person must reconnect: say so on the connection, then let the listener stop
 * relying on its push (the provider will not deliver to a revoked grant).
 */
export async function markNeedsReconnect(connectionId: string, reason: string): Promise<void> {
  recent.forget(connectionId);
  const database = await db();
  const connection = await database.calendarConnection.update({
    where: { id: connectionId },
    data: { status: "needs_reconnect", lastError: reason, accessToken: null },
    select: { organizationId: true },
  });
  const told = await accessWasLost({ organizationId: connection.organizationId, connectionId });
  if (!told) logger.error("connection.access_lost_unwired", { connectionId });
  logger.warn("connection.needs_reconnect", { connectionId, reason });
}
