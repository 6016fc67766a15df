import type { DisconnectResponse } from "@/lib/api/types";
import { db } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { forgetAccessToken } from "@/lib/oauth/tokens";
import { isProviderError } from "@/lib/providers/errors";
import { providerFor } from "@/lib/providers";
import type { ProviderName } from "@/lib/providers/port";
import { stopAllForConnection } from "@/lib/subscriptions/lifecycle";

/**
 * What became of the grant at the provider: "revoked" there, "self_service" (the
 * provider has no revocation endpoint; the person removes the app's access
 * themselves), or "failed" (best-effort: logged, the disconnect goes on; the
 * tokens are forgotten here either way).
 */
export type GrantOutcome = DisconnectResponse["grant"];

/**
 * Disconnects: stops push at the provider (best-effort; it needs the grant), revokes
 * the grant where the provider can (best-effort), removes the mirrored events,
 * forgets the tokens. The connection row stays (status "revoked") with its
 * calendars, sync runs and webhook log, so the history survives; connecting the same
 * account again in this organization reuses it. Other processes stop using the
 * access token at once: their caches check the row (lib/oauth/tokens.ts).
 */
export async function disconnectConnection(
  connectionId: string,
  organizationId: string,
): Promise<{ stoppedSubscriptions: number; deletedEvents: number; grant: GrantOutcome }> {
  const database = await db();
  const connection = await database.calendarConnection.findFirst({
    where: { id: connectionId, organizationId },
    select: { id: true, status: true, provider: true },
  });
  if (!connection || connection.status === "revoked") throw notFound("no such connection");
  const stoppedSubscriptions = await stopAllForConnection(connectionId, { organizationId, reachProvider: connection.status === "active" });
  // Read after stopping push: a stop may have refreshed (and so replaced) the tokens.
  const tokens = await database.calendarConnection.findFirst({
    where: { id: connectionId, organizationId },
    select: { accessToken: true, refreshToken: true },
  });
  const grant = await revokeGrant(connectionId, connection.provider, tokens?.refreshToken ?? tokens?.accessToken ?? null);
  const [deleted] = await database.$transaction([
    database.event.deleteMany({ where: { organizationId, calendar: { connectionId } } }),
    database.calendar.updateMany({
      where: { connectionId, organizationId },
      data: { syncCursor: null, syncWindowStart: null, syncWindowEnd: null, lastSyncedAt: null },
    }),
    database.calendarConnection.update({
      where: { id: connectionId },
      data: { status: "revoked", accessToken: null, refreshToken: null, accessTokenExpiresAt: null, lastError: null },
    }),
  ]);
  forgetAccessToken(connectionId);
  logger.info("connection.disconnected", { connectionId, stoppedSubscriptions, deletedEvents: deleted.count, grant });
  return { stoppedSubscriptions, deletedEvents: deleted.count, grant };
}

async function revokeGrant(connectionId: string, providerName: ProviderName, token: string | null): Promise<GrantOutcome> {
  let provider;
  try {
    provider = providerFor(providerName);
  } catch {
    // Not configured any more: nothing can reach it.
    return "failed";
  }
  if (provider.revocation.kind === "self_service") return "self_service";
  // No token left (a grant already refused): nothing to revoke, and nothing usable remains.
  if (token === null) return "revoked";
  try {
    return (await provider.revokeGrant(token)) === "revoked" ? "revoked" : "self_service";
  } catch (err) {
    logger.warn("connection.revoke_failed", {
      connectionId,
      kind: isProviderError(err) ? err.kind : "unknown",
      message: err instanceof Error ? err.message : undefined,
    });
    return "failed";
  }
}
