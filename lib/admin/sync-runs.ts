import type { AdminSyncRun, AdminSyncRunsResponse, ResyncMode, SyncRunStatus } from "@/lib/api/types";
import { db } from "@/lib/db/client";
import { conflict, notFound } from "@/lib/http/errors";
import { requestSync } from "@/lib/sync/resync";
import { afterCursor, decodeCursor, pageOf } from "./cursor";
import { iso } from "@/lib/format";

// Sync runs of one organization, newest first in keyset pages, and the manual
// resync an admin asks for. Every query is scoped by organization id.

const runSelect = {
  id: true,
  calendarId: true,
  trigger: true,
  mode: true,
  status: true,
  created: true,
  updated: true,
  deleted: true,
  pages: true,
  providerCalls: true,
  durationMs: true,
  error: true,
  startedAt: true,
  finishedAt: true,
  calendar: { select: { name: true, connection: { select: { provider: true, accountEmail: true } } } },
} as const;

type RunRow = {
  id: string;
  calendarId: string;
  trigger: AdminSyncRun["trigger"];
  mode: AdminSyncRun["mode"];
  status: AdminSyncRun["status"];
  created: number;
  updated: number;
  deleted: number;
  pages: number;
  providerCalls: number;
  durationMs: number | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  calendar: { name: string; connection: { provider: AdminSyncRun["provider"]; accountEmail: string } };
};

function toAdminRun(row: RunRow): AdminSyncRun {
  return {
    id: row.id,
    calendarId: row.calendarId,
    calendarName: row.calendar.name,
    provider: row.calendar.connection.provider,
    accountEmail: row.calendar.connection.accountEmail,
    trigger: row.trigger,
    mode: row.mode,
    status: row.status,
    created: row.created,
    updated: row.updated,
    deleted: row.deleted,
    pages: row.pages,
    providerCalls: row.providerCalls,
    durationMs: row.durationMs,
    error: row.error,
    startedAt: row.startedAt.toISOString(),
    finishedAt: iso(row.finishedAt),
  };
}

export async function listSyncRuns(
  organizationId: string,
  filters: { calendarId?: string; statuses?: SyncRunStatus[]; cursor?: string; limit: number },
): Promise<AdminSyncRunsResponse> {
  const database = await db();
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : null;
  const rows = await database.syncRun.findMany({
    where: {
      organizationId,
      ...(filters.calendarId ? { calendarId: filters.calendarId } : {}),
      ...(filters.statuses?.length ? { status: { in: filters.statuses } } : {}),
      ...afterCursor("startedAt", cursor),
    },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: filters.limit + 1,
    select: runSelect,
  });
  const page = pageOf(rows, filters.limit, (row) => ({ at: row.startedAt, id: row.id }));
  return { runs: page.rows.map(toAdminRun), nextCursor: page.nextCursor };
}

export async function syncRunDetail(organizationId: string, id: string): Promise<AdminSyncRun> {
  const database = await db();
  const row = await database.syncRun.findFirst({ where: { id, organizationId }, select: runSelect });
  if (!row) throw notFound("no such sync run");
  return toAdminRun(row);
}

/**
 * Asks for a sync of one calendar now. A full one forgets the cursor first and
 * rebuilds the mirror from scratch (lib/sync/resync.ts says why that way).
 */
export async function resyncCalendar(organizationId: string, calendarId: string, mode: ResyncMode): Promise<void> {
  const database = await db();
  const calendar = await database.calendar.findFirst({
    where: { id: calendarId, organizationId },
    select: { syncEnabled: true, connection: { select: { status: true } } },
  });
  if (!calendar) throw notFound("no such calendar");
  if (!calendar.syncEnabled) throw conflict("sync is off for this calendar; turn it on from the dashboard first");
  if (calendar.connection.status !== "active") throw conflict("the account must be reconnected first");
  await requestSync(organizationId, calendarId, { full: mode === "full", trigger: "manual" });
}
