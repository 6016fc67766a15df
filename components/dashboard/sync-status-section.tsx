"use client";

import type { CalendarSummary, ConnectionSummary } from "@/lib/api/types";
import { ProviderDot } from "@/components/provider-meta";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { Spinner } from "@/components/ui/spinner";
import { useNow } from "@/components/ui/use-now";
import { formatAbsolute, formatDue } from "@/components/format/time";
import {
  SYNC_STATE_BADGE,
  calendarSyncState,
  describeCounts,
  formatDuration,
  groupCalendarsByAccount,
  modeLabel,
  summarizeSync,
  triggerLabel,
} from "./sync-status";

function NextPoll({ at }: { at: string | null }) {
  const now = useNow(15_000);
  if (!at) return <span className="text-slate-500">—</span>;
  return (
    <time dateTime={at} title={formatAbsolute(at)} suppressHydrationWarning>
      {formatDue(at, now)}
    </time>
  );
}

function SyncStatusRow({ calendar, accountSyncing }: { calendar: CalendarSummary; accountSyncing: boolean }) {
  const state = calendarSyncState(calendar, accountSyncing);
  const badge = SYNC_STATE_BADGE[state];
  const run = calendar.lastRun;
  return (
    <li
      data-testid={`sync-status-${calendar.id}`}
      data-sync-state={state}
      className="grid gap-x-6 gap-y-2 px-4 py-4 sm:px-5 md:grid-cols-[minmax(0,1.3fr)_minmax(0,2fr)_minmax(0,0.9fr)] md:items-start"
    >
      <div className="min-w-0">
        <p className="flex items-center gap-2 text-sm font-medium text-slate-900">
          <ProviderDot provider={calendar.provider} />
          <span className="truncate">{calendar.name}</span>
        </p>
        <p className="mt-0.5 truncate text-xs text-slate-500">{calendar.accountEmail}</p>
      </div>

      <div className="min-w-0 text-sm">
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <Badge tone={badge.tone} dot={state === "running" ? "pulse" : true} icon={state === "running" ? <Spinner className="h-3 w-3" /> : undefined}>
            {badge.label}
          </Badge>
          {run && state !== "off" ? (
            <span className="text-xs text-slate-500">
              {triggerLabel(run.trigger)} · {modeLabel(run.mode)}
            </span>
          ) : null}
        </div>
        {run && state !== "off" ? (
          <p className="mt-1 text-xs text-slate-600">
            {run.status === "running" ? (
              <>
                Started <RelativeTime date={run.startedAt} />
              </>
            ) : (
              <>
                <RelativeTime date={run.finishedAt ?? run.startedAt} />
                {run.durationMs !== null ? ` · took ${formatDuration(run.durationMs)}` : ""} · {describeCounts(run)}
              </>
            )}
          </p>
        ) : null}
        {state === "off" ? <p className="mt-1 text-xs text-slate-500">Turn sync on under Connected calendars to keep it current.</p> : null}
        {state === "waiting" ? <p className="mt-1 text-xs text-slate-500">The first sync starts shortly.</p> : null}
        {run?.status === "failed" && run.error ? (
          <p className="mt-1.5 rounded-md bg-red-50 px-2.5 py-1.5 text-xs break-words text-red-800" data-testid={`sync-error-${calendar.id}`}>
            {run.error}
          </p>
        ) : null}
      </div>

      <div className="text-xs text-slate-600 md:text-right">
        <span className="text-slate-500 md:sr-only">Next poll </span>
        {state === "off" ? <span className="text-slate-500">—</span> : <NextPoll at={calendar.nextPollAt} />}
      </div>
    </li>
  );
}

export function SyncStatusSection({ calendars, connections }: { calendars: CalendarSummary[]; connections: ConnectionSummary[] }) {
  const syncingAccounts = new Set(connections.filter((connection) => connection.syncing).map((connection) => connection.id));
  // Same order as the calendar list above, so a calendar is easy to find in both. One
  // the provider no longer lists has no sync to report (the list above says it went).
  const ordered = groupCalendarsByAccount(calendars.filter((calendar) => calendar.removedAt === null)).flatMap((group) => group.calendars);

  if (ordered.length === 0) {
    return <Card className="p-6 text-sm text-slate-600">Sync runs are listed here once a calendar is connected.</Card>;
  }

  const summary = summarizeSync(ordered.map((calendar) => calendarSyncState(calendar, syncingAccounts.has(calendar.connectionId))));

  return (
    <Card className="overflow-hidden">
      <p aria-live="polite" className="border-b border-slate-100 px-4 py-2.5 text-sm text-slate-700 sm:px-5" data-testid="sync-summary">
        {summary}
      </p>
      <div
        aria-hidden="true"
        className="hidden border-b border-slate-100 bg-slate-50 px-5 py-2 text-xs font-semibold tracking-wide text-slate-500 uppercase md:grid md:grid-cols-[minmax(0,1.3fr)_minmax(0,2fr)_minmax(0,0.9fr)] md:gap-x-6"
      >
        <span>Calendar</span>
        <span>Last run</span>
        <span className="text-right">Next poll</span>
      </div>
      <ul className="divide-y divide-slate-100" aria-label="Sync status by calendar">
        {ordered.map((calendar) => (
          <SyncStatusRow key={calendar.id} calendar={calendar} accountSyncing={syncingAccounts.has(calendar.connectionId)} />
        ))}
      </ul>
    </Card>
  );
}
