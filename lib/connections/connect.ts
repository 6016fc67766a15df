import { db } from "@/lib/db/client";
import { isUniqueViolation } from "@/lib/db/errors";
import { dispatch } from "@/lib/jobs/dispatch";
import { logger } from "@/lib/log";
import { stopMirroring } from "@/lib/connections/calendars";
import type { ConnectResult } from "@/lib/connections/results";
import { forgetAccessToken, withAccessToken } from "@/lib/oauth/tokens";
import { isProviderError } from "@/lib/providers/errors";
import { providerFor } from "@/lib/providers";
import type { CalendarProvider, ProviderName } from "@/lib/providers/port";

// The connect callback's work once `state` has checked out: exchange the code, check
// the grant, store the connection (tokens sealed by the data layer), discover its
// calendars, and hand the first sync and push registration to the background.

export interface ConnectInput {
  organizationId: string;
  userId: string;
  provider: ProviderName;
  code: string;
  codeVerifier: string;
  redirectUri: string;
  /** The connection a card's Reconnect started for: the consent must be for its account. */
  reconnectConnectionId?: string | null;
}

export interface ConnectOutcome {
  result: ConnectResult;
  connectionId?: string;
  /** Shown with the result (CONNECT_RESULTS' `detailed`): the other account's address, or the organization it is connected in. */
  detail?: string;
}

export async function completeConnection(input: ConnectInput): Promise<ConnectOutcome> {
  let provider: CalendarProvider;
  try {
    provider = providerFor(input.provider);
  } catch {
    return { result: "not_configured" };
  }
  let exchanged: Awaited<ReturnType<CalendarProvider["exchangeCode"]>>;
  try {
    exchanged = await provider.exchangeCode({ code: input.code, codeVerifier: input.codeVerifier, redirectUri: input.redirectUri });
  } catch (err) {
    logger.warn("connect.exchange_failed", {
      provider: input.provider,
      kind: isProviderError(err) ? err.kind : "unknown",
      message: err instanceof Error ? err.message : undefined,
    });
    return { result: "exchange_failed" };
  }
  const { tokens, identity } = exchanged;
  if (provider.missingScopes(tokens.scopes).length > 0) return { result: "scope_missing" };

  const database = await db();
  const account = { provider: input.provider, providerAccountId: identity.providerAccountId };
  if (input.reconnectConnectionId) {
    // Reconnect renews that card's connection only. Another account's consent is
    // refused (the person is asked whether to connect it as a new account), never
    // silently added as a second connection; its tokens are dropped here.
    const target = await database.calendarConnection.findFirst({
      where: { id: input.reconnectConnectionId, organizationId: input.organizationId },
      select: { providerAccountId: true },
    });
    if (target && target.providerAccountId !== identity.providerAccountId) return { result: "different_account", detail: identity.email };
  }
  // Live in another organization: refused. Disconnected there: that row, its
  // calendars and its history stay where they are, and this organization gets (or
  // reuses) its own row for the account.
  const liveElsewhere = await database.calendarConnection.findFirst({
    where: { ...account, status: { not: "revoked" }, organizationId: { not: input.organizationId } },
    select: { organizationId: true },
  });
  if (liveElsewhere) return alreadyConnectedElsewhere(liveElsewhere.organizationId, input.userId);
  const reusable = await database.calendarConnection.findUnique({
    where: { organizationId_provider_providerAccountId: { organizationId: input.organizationId, ...account } },
    select: { id: true, refreshToken: true, status: true },
  });
  // Without a refresh token (offline access withheld) the connection would die within the hour.
  if (!tokens.refreshToken && !reusable?.refreshToken) return { result: "scope_missing" };

  const fields = {
    accountEmail: identity.email,
    providerTenantId: identity.tenantId,
    accessToken: tokens.accessToken,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    accessTokenExpiresAt: tokens.expiresAt,
    scopes: tokens.scopes,
    status: "active" as const,
    lastError: null,
    userId: input.userId,
  };
  let connection: { id: string };
  try {
    connection = reusable
      ? await database.calendarConnection.update({ where: { id: reusable.id }, data: fields, select: { id: true } })
      : await database.calendarConnection.create({ data: { ...fields, organizationId: input.organizationId, ...account }, select: { id: true } });
  } catch (err) {
    // Another organization connected the account between the check and this write
    // (the partial unique index on live connections refused the second).
    if (isUniqueViolation(err)) {
      const winner = await database.calendarConnection.findFirst({ where: { ...account, status: { not: "revoked" } }, select: { organizationId: true } });
      return winner ? alreadyConnectedElsewhere(winner.organizationId, input.userId) : { result: "already_connected_elsewhere" };
    }
    throw err;
  }

  forgetAccessToken(connection.id);
  try {
    await discoverCalendars(connection.id, input.organizationId);
  } catch (err) {
    // Not fatal: the setup job tries again, and the card shows what is known.
    logger.warn("connect.discovery_failed", { connectionId: connection.id, message: err instanceof Error ? err.message : undefined });
  }
  try {
    await dispatch("connection/connected", { organizationId: input.organizationId, connectionId: connection.id });
  } catch (err) {
    // The poll and the renewal job pick the connection up within minutes (lib/sync/poll.ts).
    logger.error("connect.dispatch_failed", { connectionId: connection.id, message: err instanceof Error ? err.message : undefined });
  }
  // "Renewed" only when a live connection was renewed: after a disconnect it is a new
  // connection to the person (it reuses the old row, and so its calendars' choices).
  return { result: reusable && reusable.status !== "revoked" ? "reconnected" : "connected", connectionId: connection.id };
}

/**
 * The account is live in another organization: named when the person belongs to it
 * (they can switch there), otherwise only "ask its owner", so the answer reveals no
 * organization a person is not in.
 */
async function alreadyConnectedElsewhere(organizationId: string, userId: string): Promise<ConnectOutcome> {
  const database = await db();
  const membership = await database.membership.findUnique({
    where: { organizationId_userId: { organizationId, userId } },
    select: { organization: { select: { name: true } } },
  });
  return membership ? { result: "already_connected_in_yours", detail: membership.organization.name } : { result: "already_connected_elsewhere" };
}

/**
 * Mirrors the account's calendar list: new calendars appear (the primary one synced
 * by default), renamed ones follow. One the list no longer has is marked removed and
 * its mirroring ends (stopMirroring: push stopped, events deleted, sync off), but
 * the row stays, so the dashboard can say it went until someone dismisses it; listed
 * again, it comes back as a new, unsynced calendar.
 */
export async function discoverCalendars(
  connectionId: string,
  organizationId: string,
  options: { periodic?: boolean; now?: Date } = {},
): Promise<{ total: number; added: number; removed: number; relisted: number }> {
  const now = options.now ?? new Date();
  const database = await db();
  const connection = await database.calendarConnection.findFirst({ where: { id: connectionId, organizationId }, select: { id: true, provider: true } });
  if (!connection) return { total: 0, added: 0, removed: 0, relisted: 0 };
  const listed = await withAccessToken(connection, (token, provider) => provider.listCalendars(token));
  const known = await database.calendar.findMany({ where: { connectionId, organizationId }, select: { id: true, providerCalendarId: true, removedAt: true } });
  const knownByProviderId = new Map(known.map((calendar) => [calendar.providerCalendarId, calendar]));
  let added = 0;
  let relisted = 0;
  for (const calendar of listed) {
    const existing = knownByProviderId.get(calendar.providerCalendarId);
    if (existing) {
      // A new zone moves every all-day instant: the next sync is a full one.
      const zoneChanged = await database.calendar.count({ where: { id: existing.id, timeZone: { not: calendar.timeZone } } });
      // Back after a removal: offered as new, synced once someone chooses it again.
      if (existing.removedAt) relisted += 1;
      await database.calendar.update({
        where: { id: existing.id },
        data: {
          name: calendar.name,
          isPrimary: calendar.isPrimary,
          timeZone: calendar.timeZone,
          ...(zoneChanged > 0 ? { syncCursor: null } : {}),
          ...(existing.removedAt ? { removedAt: null, discoveredAt: now } : {}),
        },
      });
    } else {
      added += 1;
      await database.calendar.create({
        data: {
          organizationId,
          connectionId,
          providerCalendarId: calendar.providerCalendarId,
          name: calendar.name,
          isPrimary: calendar.isPrimary,
          timeZone: calendar.timeZone,
          // Found later (the periodic list): shown as new, synced once someone chooses it.
          syncEnabled: calendar.isPrimary && !options.periodic,
          ...(options.periodic ? { discoveredAt: now } : {}),
        },
      });
    }
  }
  const listedIds = new Set(listed.map((calendar) => calendar.providerCalendarId));
  const gone = known.filter((calendar) => !listedIds.has(calendar.providerCalendarId) && calendar.removedAt === null);
  for (const calendar of gone) await stopMirroring(organizationId, calendar.id, { removedAt: now });
  if (gone.length > 0) logger.info("connect.calendars_removed", { connectionId, calendars: gone.length });
  await database.calendarConnection.update({ where: { id: connectionId }, data: { calendarsListedAt: now } });
  return { total: listed.length, added, removed: gone.length, relisted };
}
