import { db } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { forgetAccessToken } from "@/lib/oauth/tokens";
import { stopAllForConnection } from "@/lib/subscriptions/lifecycle";

/**
 * Disconnects: stops push at the provider (best-effort), removes the mirrored
 * events, forgets the tokens. The connection row stays (status "revoked") with its
 * calendars, sync runs and webhook log, so the history survives; connecting the same
 * account again reuses it.
 */
export async function disconnectConnection(connectionId: string, organizationId: string): Promise<{ stoppedSubscriptions: number; deletedEvents: number }> {
  const database = await db();
  const connection = await database.calendarConnection.findFirst({ where: { id: connectionId, organizationId }, select: { id: true, status: true } });
  if (!connection || connection.status === "revoked") throw notFound("no such connection");
  const stoppedSubscriptions = await stopAllForConnection(connectionId, { organizationId, reachProvider: connection.status === "active" });
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
  logger.info("connection.disconnected", { connectionId, stoppedSubscriptions, deletedEvents: deleted.count });
  return { stoppedSubscriptions, deletedEvents: deleted.count };
}
