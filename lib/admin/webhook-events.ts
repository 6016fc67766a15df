import type { AdminWebhookEventDetail, AdminWebhookEventsResponse, WebhookEventStatus } from "@/lib/api/types";
import { db } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import type { ProviderName } from "@/lib/providers/port";
import { replayableCount, replayWebhookEvents, type ReplayOptions } from "@/lib/webhooks/replay";
import { redactJson } from "@/lib/webhooks/redact";
import { afterCursor, decodeCursor, pageOf } from "./cursor";
import { eventSummarySelect, toAdminEvent } from "./events";

// The webhook event log of one organization: filtered, newest first, in keyset
// pages; one event in full; replays. Every query is scoped by organization id.

export interface WebhookEventFilters {
  provider?: ProviderName;
  statuses?: WebhookEventStatus[];
  calendarId?: string;
  from?: Date;
  to?: Date;
  /** Part of a channel or subscription id. */
  q?: string;
  cursor?: string;
  limit: number;
}

export async function listWebhookEvents(organizationId: string, filters: WebhookEventFilters): Promise<AdminWebhookEventsResponse> {
  const database = await db();
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : null;
  const q = filters.q?.trim();
  const rows = await database.webhookEvent.findMany({
    where: {
      organizationId,
      ...(filters.provider ? { provider: filters.provider } : {}),
      ...(filters.statuses && filters.statuses.length > 0 ? { status: { in: filters.statuses } } : {}),
      ...(filters.from || filters.to ? { receivedAt: { ...(filters.from ? { gte: filters.from } : {}), ...(filters.to ? { lte: filters.to } : {}) } } : {}),
      AND: [
        afterCursor("receivedAt", cursor),
        filters.calendarId
          ? {
              OR: [
                { calendarId: filters.calendarId },
                // A Graph notification names the mailbox, not a calendar: it concerns
                // every calendar of its connection, this one included.
                { calendarId: null, subscription: { connection: { calendars: { some: { id: filters.calendarId, organizationId } } } } },
              ],
            }
          : {},
        q
          ? {
              OR: [
                { externalId: { contains: q, mode: "insensitive" as const } },
                // A renewed Google channel has a new id; its old notifications still belong to it.
                { subscription: { externalId: { contains: q, mode: "insensitive" as const } } },
              ],
            }
          : {},
      ],
    },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: filters.limit + 1,
    select: eventSummarySelect,
  });
  const page = pageOf(rows, filters.limit, (row) => ({ at: row.receivedAt, id: row.id }));
  return { events: page.rows.map(toAdminEvent), nextCursor: page.nextCursor };
}

export async function webhookEventDetail(organizationId: string, id: string): Promise<AdminWebhookEventDetail> {
  const database = await db();
  const row = await database.webhookEvent.findFirst({
    where: { id, organizationId },
    select: {
      ...eventSummarySelect,
      resource: true,
      dedupKey: true,
      requestId: true,
      headers: true,
      body: true,
      subscription: { select: { connection: { select: { accountEmail: true } } } },
      calendar: { select: { name: true, connection: { select: { accountEmail: true } } } },
    },
  });
  if (!row) throw notFound("no such webhook event");
  const headers = redactJson(row.headers);
  return {
    ...toAdminEvent(row),
    accountEmail: row.subscription?.connection.accountEmail ?? row.calendar?.connection.accountEmail ?? null,
    resource: row.resource,
    dedupKey: row.dedupKey,
    requestId: row.requestId,
    // Stored redacted already; redacted again on the way out so that a row written
    // before a new secret name was known can never show that secret here.
    headers: headers && typeof headers === "object" && !Array.isArray(headers) ? (headers as Record<string, unknown>) : {},
    body: redactJson(row.body),
  };
}

/** Replays one event of the organization; 404 when it has no such event. */
export async function replayWebhookEvent(organizationId: string, id: string): Promise<{ replayed: number; remaining: number }> {
  const database = await db();
  const exists = await database.webhookEvent.findFirst({ where: { id, organizationId }, select: { id: true } });
  if (!exists) throw notFound("no such webhook event");
  return replaySelection(organizationId, { ids: [id] });
}

/**
 * Replays the named events, or the oldest batch of events in a status, of the
 * organization, and says how many of that status are still waiting (0 for named
 * events): the console asks again until none remain.
 */
export async function replaySelection(
  organizationId: string,
  selection: { ids?: string[]; status?: "dead" | "failed" },
  options: ReplayOptions = {},
): Promise<{ replayed: number; remaining: number }> {
  const { replayed } = await replayWebhookEvents(organizationId, selection, options);
  const remaining = selection.ids === undefined ? await replayableCount(organizationId, selection.status) : 0;
  return { replayed, remaining };
}
