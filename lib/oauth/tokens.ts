import { db } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { providerBreakers } from "@/lib/providers/breaker";
import { ProviderError, isProviderError } from "@/lib/providers/errors";
import { providerFor, type CalendarProvider } from "@/lib/providers";

// Access tokens for provider calls. Refresh happens ahead of expiry, once per
// connection at a time (single-flight in this process, and a row lock across
// processes, so two workers never both spend a Microsoft refresh token: Microsoft
// rotates it and the loser would store a dead one). A rejected refresh marks the
// connection "needs reconnect" and stops its push.

/** Refresh when less than this is left, so a long sync does not run into expiry. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const inFlight = new Map<string, Promise<string>>();

/**
 * Tokens read or refreshed in the last few seconds: a sync calls the provider once
 * per page, and without this every page re-read the connection row. Short-lived, so
 * a connection disconnected or revoked elsewhere stops being used within seconds.
 */
const RECENT_TTL_MS = 30_000;
const recent = new Map<string, { token: string; usableUntil: number }>();

/** Drops the remembered token (the connection's tokens were replaced or removed). */
export function forgetAccessToken(connectionId: string): void {
  recent.delete(connectionId);
}

function remember(connectionId: string, token: string, expiresAt: Date): string {
  recent.set(connectionId, { token, usableUntil: Math.min(expiresAt.getTime() - REFRESH_MARGIN_MS, Date.now() + RECENT_TTL_MS) });
  return token;
}

export class ConnectionUnusableError extends ProviderError {
  constructor(message: string) {
    super("reauthorization_required", message);
  }
}

async function refreshUnderLock(connectionId: string, force: boolean, staleToken: string | null): Promise<string> {
  const database = await db();
  type Outcome = { token: string } | { reauthorize: string };
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
      if (connection.accessToken && fresh && (!force || connection.accessToken !== staleToken)) {
        return { token: connection.accessToken };
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
        return { token: tokens.accessToken };
      } catch (err) {
        if (isProviderError(err, "reauthorization_required")) return { reauthorize: err.message };
        throw err;
      }
    },
    // A token endpoint round trip happens inside; allow for a slow provider.
    { timeout: 30_000, maxWait: 30_000 },
  );
  if ("token" in outcome) return outcome.token;
  await markNeedsReconnect(connectionId, outcome.reauthorize);
  throw new ConnectionUnusableError(`access was revoked or expired (${outcome.reauthorize}); reconnect the account`);
}

/** A usable access token for the connection, refreshed if it is close to expiry (or `force`). */
export async function accessTokenFor(connectionId: string, options: { force?: boolean; staleToken?: string | null } = {}): Promise<string> {
  if (options.force) recent.delete(connectionId);
  else {
    const cached = recent.get(connectionId);
    if (cached && cached.usableUntil > Date.now()) return cached.token;
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
      return remember(connectionId, connection.accessToken, connection.accessTokenExpiresAt);
    }
  }
  const pending = inFlight.get(connectionId);
  if (pending) return pending;
  const refresh = refreshUnderLock(connectionId, options.force ?? false, options.staleToken ?? null)
    // Refreshed tokens live an hour or more; remembering one for the short TTL is safe.
    .then((token) => remember(connectionId, token, new Date(Date.now() + RECENT_TTL_MS + REFRESH_MARGIN_MS)))
    .finally(() => inFlight.delete(connectionId));
  inFlight.set(connectionId, refresh);
  return refresh;
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

/** Told when a connection's grant is gone, after the connection says so. */
export type AccessLostListener = (lost: { organizationId: string; connectionId: string }) => Promise<void>;

// On globalThis: the composition root installs it once per process, and Next.js may
// evaluate this module in several bundles.
const accessLost = globalThis as unknown as { __calsyncAccessLost?: AccessLostListener };

/**
 * What else must happen when access is lost (the composition root stops the
 * connection's push). A callback rather than an import: lib/subscriptions calls
 * providers through this module, so it sits above it. Returns the undo.
 */
export function onAccessLost(listener: AccessLostListener): () => void {
  const previous = accessLost.__calsyncAccessLost;
  accessLost.__calsyncAccessLost = listener;
  return () => {
    accessLost.__calsyncAccessLost = previous;
  };
}

/**
 * The person must reconnect: say so on the connection, then let the listener stop
 * relying on its push (the provider will not deliver to a revoked grant).
 */
export async function markNeedsReconnect(connectionId: string, reason: string): Promise<void> {
  recent.delete(connectionId);
  const database = await db();
  const connection = await database.calendarConnection.update({
    where: { id: connectionId },
    data: { status: "needs_reconnect", lastError: reason, accessToken: null },
    select: { organizationId: true },
  });
  const listener = accessLost.__calsyncAccessLost;
  if (listener) await listener({ organizationId: connection.organizationId, connectionId });
  else logger.error("connection.access_lost_unwired", { connectionId });
  logger.warn("connection.needs_reconnect", { connectionId, reason });
}
