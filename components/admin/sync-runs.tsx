"use client";

import { fallbackInterval, useLiveUpdates } from "@/components/realtime/use-live-updates";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import type { AdminSyncRun, ResyncMode, SyncRunStatus } from "@/lib/api/types";
import { messageOf } from "@/components/api-client";
import { calendarsQueryKey, fetchCalendars } from "@/components/dashboard/queries";
import { describeCounts, formatDuration, modeLabel, triggerLabel } from "@/components/dashboard/sync-status";
import { formatAbsolute } from "@/components/format/time";
import { PageHeader } from "@/components/page-header";
import { ProviderDot, providerMeta } from "@/components/provider-meta";
import { LiveIndicator, QueryErrorPanel } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { RelativeTime } from "@/components/ui/relative-time";
import { Drawer, Field, Fields } from "@/components/ui/drawer";
import { Chips, SelectFilter, useUrlParam } from "./filters";
import { ADMIN_REFRESH_MS, adminQueryKey, fetchSyncRun, fetchSyncRuns, resyncCalendar } from "./queries";
import { PagedTable } from "./paged-table";
import { RUN_STATUS, RUN_STATUSES } from "./status";

const PAGE_SIZE = 50;
const MODES: Array<{ value: ResyncMode; label: string }> = [
  { value: "incremental", label: "Incremental (changes since the last sync)" },
  { value: "full", label: "Full (rebuild the mirror)" },
];

function RunDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const detail = useQuery({ queryKey: [...adminQueryKey, "sync-run", id], queryFn: ({ signal }) => fetchSyncRun(id!, signal), enabled: id !== null });
  const run = detail.data;
  return (
    <Drawer
      open={id !== null}
      onClose={onClose}
      testId="sync-run-drawer"
      title="Sync run"
      subtitle={
        run ? (
          <Badge tone={RUN_STATUS[run.status].tone} dot>
            {RUN_STATUS[run.status].label}
          </Badge>
        ) : null
      }
    >
      {detail.isPending ? (
        <p role="status" className="text-sm text-slate-500">
          Loading…
        </p>
      ) : detail.isError ? (
        <QueryErrorPanel error={detail.error} what="this run" onRetry={() => void detail.refetch()} retrying={detail.isFetching} />
      ) : run ? (
        <Fields>
          <Field label="Calendar">{run.calendarName}</Field>
          <Field label="Account">
            {run.accountEmail} ({providerMeta(run.provider).shortName})
          </Field>
          <Field label="Trigger">{triggerLabel(run.trigger)}</Field>
          <Field label="Mode">{modeLabel(run.mode)}</Field>
          <Field label="Started">{formatAbsolute(run.startedAt)}</Field>
          <Field label="Finished">{run.finishedAt ? formatAbsolute(run.finishedAt) : null}</Field>
          <Field label="Duration">{run.durationMs !== null ? formatDuration(run.durationMs) : null}</Field>
          <Field label="Changes">{describeCounts(run)}</Field>
          <Field label="Pages">{run.pages}</Field>
          <Field label="Provider calls">{run.providerCalls}</Field>
          <Field label="Error" testId="sync-run-error">
            {run.error ? <span className="text-red-700">{run.error}</span> : null}
          </Field>
        </Fields>
      ) : null}
    </Drawer>
  );
}

function RunRow({ run, onOpen }: { run: AdminSyncRun; onOpen: () => void }) {
  const status = RUN_STATUS[run.status];
  return (
    <tr data-testid="sync-run-row" data-id={run.id} data-status={run.status} onClick={onOpen} className="cursor-pointer align-top hover:bg-slate-50">
      <td className="px-4 py-2.5 whitespace-nowrap text-slate-700">
        <RelativeTime date={run.startedAt} />
      </td>
      <td className="px-4 py-2.5">
        <Badge tone={status.tone} dot={run.status === "running" ? "pulse" : true}>
          {status.label}
        </Badge>
      </td>
      <td className="px-4 py-2.5">
        <p className="flex items-center gap-2 text-slate-900">
          <ProviderDot provider={run.provider} />
          <span className="truncate">{run.calendarName}</span>
        </p>
        <p className="truncate text-xs text-slate-500">{run.accountEmail}</p>
      </td>
      <td className="px-4 py-2.5 text-slate-600">
        {triggerLabel(run.trigger)} · {modeLabel(run.mode)}
      </td>
      <td className="px-4 py-2.5 text-slate-600">
        {run.status === "running" ? "—" : describeCounts(run)}
        {run.error ? <p className="mt-0.5 line-clamp-2 text-xs text-red-700">{run.error}</p> : null}
      </td>
      <td className="px-4 py-2.5 text-right text-slate-600 tabular-nums">{run.durationMs !== null ? formatDuration(run.durationMs) : "—"}</td>
      <td className="px-4 py-2.5 text-right">
        <Button
          size="sm"
          variant="ghost"
          data-testid="open-sync-run"
          onClick={(clicked) => {
            clicked.stopPropagation();
            onOpen();
          }}
        >
          Details<span className="sr-only"> of the run started {formatAbsolute(run.startedAt)}</span>
        </Button>
      </td>
    </tr>
  );
}

function ResyncPanel({ calendars }: { calendars: Array<{ id: string; name: string; accountEmail: string }> }) {
  const queryClient = useQueryClient();
  const [calendarId, setCalendarId] = useState("");
  const [mode, setMode] = useState<ResyncMode>("incremental");
  const [confirming, setConfirming] = useState(false);
  const chosen = calendars.find((calendar) => calendar.id === calendarId) ?? calendars[0];
  const resync = useMutation({
    mutationFn: (input: { calendarId: string; mode: ResyncMode }) => resyncCalendar(input.calendarId, input.mode),
    onSuccess: (_, input) => {
      setConfirming(false);
      const name = calendars.find((calendar) => calendar.id === input.calendarId)?.name ?? "the calendar";
      toast.success(input.mode === "full" ? `Full resync of ${name} requested` : `Sync of ${name} requested`, {
        description: "It appears below within seconds.",
      });
    },
    onError: (error) => toast.error("Could not start the sync", { description: messageOf(error) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminQueryKey }),
  });
  if (!chosen) return null;
  const start = () => (mode === "full" ? setConfirming(true) : resync.mutate({ calendarId: chosen.id, mode }));
  return (
    <Card className="mb-4 p-4">
      <h2 className="text-sm font-semibold text-slate-900">Sync a calendar now</h2>
      <p className="mt-0.5 text-xs text-slate-500">Push and the poll keep calendars current on their own; this is for checking a fix or rebuilding a mirror.</p>
      <div className="mt-3 flex flex-wrap items-end gap-3">
        <SelectFilter
          label="Calendar"
          value={chosen.id}
          options={calendars.map((calendar) => ({ value: calendar.id, label: `${calendar.name} (${calendar.accountEmail})` }))}
          onChange={setCalendarId}
          testId="resync-calendar-select"
          className="max-w-72"
        />
        <SelectFilter label="Mode" value={mode} options={MODES} onChange={setMode} testId="resync-mode" />
        <Button onClick={start} loading={resync.isPending && !confirming} loadingText="Requesting…" data-testid="resync-calendar">
          Sync now
        </Button>
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Rebuild ${chosen.name} from scratch?`}
        confirmLabel="Full resync"
        pendingLabel="Requesting…"
        variant="primary"
        pending={resync.isPending}
        error={resync.isError ? messageOf(resync.error) : null}
        onConfirm={() => resync.mutate({ calendarId: chosen.id, mode: "full" })}
        onCancel={() => setConfirming(false)}
        confirmTestId="confirm-full-resync"
      >
        <p>
          calsync forgets where it left off and reads the whole calendar again, removing what no longer exists. It takes longer and uses more of the
          provider&apos;s quota than an incremental sync.
        </p>
      </ConfirmDialog>
    </Card>
  );
}

export function SyncRuns() {
  const { live } = useLiveUpdates();
  const searchParams = useSearchParams();
  const [openId, setOpenId] = useState<string | null>(null);
  const calendarId = searchParams.get("calendarId") ?? "";
  const requestedStatus = searchParams.get("status");
  const status = RUN_STATUSES.includes(requestedStatus as SyncRunStatus) ? (requestedStatus as SyncRunStatus) : null;

  const setParam = useUrlParam();
  const setFilter = (name: "calendarId" | "status", value: string | null) => setParam(name, value);

  const calendars = useQuery({ queryKey: calendarsQueryKey, queryFn: fetchCalendars });
  const runs = useInfiniteQuery({
    queryKey: [...adminQueryKey, "sync-runs", calendarId, status],
    queryFn: ({ pageParam, signal }) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (calendarId) query.set("calendarId", calendarId);
      if (status) query.set("status", status);
      if (pageParam) query.set("cursor", pageParam);
      return fetchSyncRuns(query, signal);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: fallbackInterval(live, ADMIN_REFRESH_MS),
  });
  const rows = runs.data?.pages.flatMap((page) => page.runs) ?? [];
  const allCalendars = calendars.data?.calendars ?? [];
  const synced = allCalendars.filter((calendar) => calendar.syncEnabled);

  return (
    <>
      <PageHeader
        title="Sync runs"
        description="Every sync of every calendar: what started it, what it changed, how long it took, and why it failed."
        actions={runs.data ? <LiveIndicator updatedAt={runs.dataUpdatedAt} failing={runs.isRefetchError} pollingMs={ADMIN_REFRESH_MS} /> : null}
      />

      <ResyncPanel calendars={synced} />

      <Card className="mb-4 flex flex-wrap items-end gap-4 p-4">
        <SelectFilter
          label="Calendar"
          value={calendarId}
          options={[
            { value: "", label: "All calendars" },
            ...allCalendars.map((calendar) => ({ value: calendar.id, label: `${calendar.name} (${calendar.accountEmail})` })),
          ]}
          onChange={(value) => setFilter("calendarId", value)}
          testId="filter-calendar"
          className="max-w-72"
        />
        <Chips
          label="Status"
          value={status}
          options={RUN_STATUSES.map((value) => ({ value, label: RUN_STATUS[value].label }))}
          onChange={(value) => setFilter("status", value)}
          testIdPrefix="run-status-chip"
        />
      </Card>

      <PagedTable
        query={runs}
        what="sync runs"
        noun="run"
        rowCount={rows.length}
        testId="sync-runs"
        columns={[
          { label: "Started" },
          { label: "Status" },
          { label: "Calendar" },
          { label: "Trigger" },
          { label: "Result" },
          { label: "Took", alignRight: true },
        ]}
      >
        {rows.map((run) => (
          <RunRow key={run.id} run={run} onOpen={() => setOpenId(run.id)} />
        ))}
      </PagedTable>

      <RunDrawer id={openId} onClose={() => setOpenId(null)} />
    </>
  );
}
