"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import { toast } from "sonner";
import type { CalendarDismissResponse, CalendarPatch, CalendarSummary, CalendarSyncResponse, CalendarsResponse, ConnectionSummary } from "@/lib/api/types";
import { fetchJson, messageOf } from "@/components/api-client";
import { formatAbsolute, formatShortDateTime } from "@/components/format/time";
import { ProviderLogo, providerMeta } from "@/components/provider-meta";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Switch } from "@/components/ui/switch";
import { calendarsQueryKey } from "./queries";
import { describeCounts, groupCalendarsByAccount, replaceCalendar, requestedRunOutcome } from "./sync-status";

/** How long "Sync now" keeps watching for its run before it stops saying "Syncing…" (the run itself goes on). */
const SYNC_NOW_WATCH_MS = 60_000;

/**
 * "Sync now" for one calendar: asks for an incremental sync, then follows the calendar's
 * runs (the page refreshes them) until the one asked for has finished, and says how it
 * went. The button stays busy meanwhile, so a second press cannot queue a second run.
 */
function useSyncNow(calendar: CalendarSummary) {
  const queryClient = useQueryClient();
  const [requestedAt, setRequestedAt] = useState<string | null>(null);
  const [gaveUpOn, setGaveUpOn] = useState<string | null>(null);
  // The request whose outcome was told, so a refresh showing the same run says nothing again.
  const told = useRef<string | null>(null);
  const request = useMutation({
    mutationFn: () => fetchJson<CalendarSyncResponse>(`/api/calendars/${encodeURIComponent(calendar.id)}/sync`, { method: "POST" }),
    onSuccess: (answer) => {
      setRequestedAt(answer.requestedAt);
      void queryClient.invalidateQueries({ queryKey: calendarsQueryKey });
    },
    onError: (error) => toast.error(`Could not sync “${calendar.name}”`, { description: messageOf(error) }),
  });
  const outcome = requestedAt ? requestedRunOutcome(calendar, requestedAt) : null;
  const watching = requestedAt !== null && outcome === null && gaveUpOn !== requestedAt;

  useEffect(() => {
    if (!requestedAt || told.current === requestedAt) return;
    if (outcome) {
      told.current = requestedAt;
      if (outcome.status === "succeeded") {
        toast.success(`“${calendar.name}” is up to date`, { description: describeCounts(outcome) });
        void Promise.all(["events", "connections"].map((key) => queryClient.invalidateQueries({ queryKey: [key] })));
      } else toast.error(`Syncing “${calendar.name}” failed`, { description: outcome.error ?? "The next poll tries again." });
      return;
    }
    const giveUp = setTimeout(() => {
      told.current = requestedAt;
      setGaveUpOn(requestedAt);
      toast.info(`“${calendar.name}” is still syncing`, { description: "Its events appear on this page when the sync finishes." });
    }, SYNC_NOW_WATCH_MS);
    return () => clearTimeout(giveUp);
  }, [requestedAt, outcome, calendar.name, queryClient]);

  return { start: () => request.mutate(), busy: request.isPending || watching };
}

function setCalendar(queryClient: ReturnType<typeof useQueryClient>, id: string, update: (calendar: CalendarSummary) => CalendarSummary) {
  queryClient.setQueryData<CalendarsResponse>(calendarsQueryKey, (old) => (old ? { ...old, calendars: replaceCalendar(old.calendars, id, update) } : old));
}

function CalendarRow({ calendar, canSync }: { calendar: CalendarSummary; canSync: boolean }) {
  const queryClient = useQueryClient();
  const syncNow = useSyncNow(calendar);
  const nameId = useId();
  const detailId = useId();
  // Turning sync off removes the mirrored events: asked first, as disconnecting is.
  const [confirmingOff, setConfirmingOff] = useState(false);

  const toggle = useMutation({
    mutationFn: (syncEnabled: boolean) =>
      fetchJson<CalendarSummary>(`/api/calendars/${encodeURIComponent(calendar.id)}`, {
        method: "PATCH",
        body: JSON.stringify({ syncEnabled } satisfies CalendarPatch),
      }),
    onMutate: async (syncEnabled) => {
      // A poll landing mid-save would flip the switch back for a moment.
      await queryClient.cancelQueries({ queryKey: calendarsQueryKey });
      setCalendar(queryClient, calendar.id, (c) => ({ ...c, syncEnabled }));
    },
    onSuccess: (updated) => {
      setConfirmingOff(false);
      setCalendar(queryClient, updated.id, () => updated);
      if (updated.syncEnabled) {
        toast.success(`Syncing “${updated.name}”`, { description: "Its events appear on this page after the first sync, usually within seconds." });
      } else {
        toast.success(`Stopped syncing “${updated.name}”`, { description: "calsync no longer keeps this calendar up to date." });
      }
    },
    onError: (error, syncEnabled) => {
      setCalendar(queryClient, calendar.id, (c) => ({ ...c, syncEnabled: !syncEnabled }));
      toast.error(`Could not ${syncEnabled ? "turn on" : "turn off"} sync for “${calendar.name}”`, { description: messageOf(error) });
    },
    onSettled: () => Promise.all(["calendars", "connections", "events"].map((key) => queryClient.invalidateQueries({ queryKey: [key] }))),
  });

  // While saving, show what was asked for, whatever a background refresh says.
  const checked = toggle.isPending && toggle.variables !== undefined ? toggle.variables : calendar.syncEnabled;

  return (
    <li className="flex items-center gap-4 px-4 py-3 sm:px-5">
      <div className="min-w-0 flex-1">
        <p className="flex flex-wrap items-center gap-2">
          <span id={nameId} className="truncate text-sm font-medium text-slate-900">
            {calendar.name}
          </span>
          {calendar.isPrimary ? <Badge tone="brand">Primary</Badge> : null}
          {calendar.discovered ? <Badge tone="brand">New</Badge> : null}
          {calendar.syncEnabled && calendar.pollOnlyMinutes !== null ? (
            <Badge title="The provider offers no push notifications for this calendar, so calsync checks it on a schedule">
              Updates every {calendar.pollOnlyMinutes} min
            </Badge>
          ) : null}
        </p>
        <p id={detailId} className="mt-0.5 text-xs text-slate-500">
          {calendar.syncEnabled ? `${calendar.eventCount} ${calendar.eventCount === 1 ? "event" : "events"} mirrored` : "Not synced"} · {calendar.timeZone}
        </p>
      </div>
      {calendar.syncEnabled && canSync ? (
        <Button
          variant="ghost"
          size="sm"
          loading={syncNow.busy}
          loadingText="Syncing…"
          onClick={syncNow.start}
          aria-describedby={nameId}
          data-testid={`calendar-sync-now-${calendar.id}`}
        >
          Sync now
        </Button>
      ) : null}
      <Switch
        checked={checked}
        busy={toggle.isPending}
        onCheckedChange={(next) => {
          if (next) toggle.mutate(true);
          else setConfirmingOff(true);
        }}
        aria-labelledby={nameId}
        aria-describedby={detailId}
        data-testid={`calendar-toggle-${calendar.id}`}
      />
      <ConfirmDialog
        open={confirmingOff}
        title={`Stop syncing “${calendar.name}”?`}
        confirmLabel="Stop syncing"
        pendingLabel="Stopping…"
        pending={toggle.isPending}
        error={toggle.isError ? messageOf(toggle.error) : null}
        onConfirm={() => toggle.mutate(false)}
        onCancel={() => setConfirmingOff(false)}
        confirmTestId="confirm-sync-off"
        cancelTestId="cancel-sync-off"
      >
        <p>
          calsync stops keeping this calendar up to date and removes the {calendar.eventCount === 1 ? "event" : `${calendar.eventCount} events`} it mirrored
          from it.
        </p>
        <p>Nothing changes at the provider itself; turn sync on again at any time to import its events afresh.</p>
      </ConfirmDialog>
    </li>
  );
}

/**
 * A calendar the provider no longer lists: nothing to sync or toggle (its events went
 * when it was removed), only "Dismiss", which deletes the row. Not behind a
 * confirmation: it removes nothing still mirrored, and a calendar listed again comes
 * back as new whether dismissed or not.
 */
function RemovedCalendarRow({ calendar, removedAt }: { calendar: CalendarSummary; removedAt: string }) {
  const queryClient = useQueryClient();
  const nameId = useId();
  const dismiss = useMutation({
    mutationFn: () => fetchJson<CalendarDismissResponse>(`/api/calendars/${encodeURIComponent(calendar.id)}`, { method: "DELETE" }),
    onSuccess: () => {
      queryClient.setQueryData<CalendarsResponse>(calendarsQueryKey, (old) =>
        old ? { ...old, calendars: old.calendars.filter((other) => other.id !== calendar.id) } : old,
      );
      toast.success(`Dismissed “${calendar.name}”`, { description: "If the provider lists it again, it comes back here as new." });
    },
    onError: (error) => toast.error(`Could not dismiss “${calendar.name}”`, { description: messageOf(error) }),
    onSettled: () => Promise.all(["calendars", "connections"].map((key) => queryClient.invalidateQueries({ queryKey: [key] }))),
  });

  return (
    <li className="flex items-center gap-4 px-4 py-3 sm:px-5" data-testid={`calendar-removed-${calendar.id}`}>
      <div className="min-w-0 flex-1">
        <p id={nameId} className="truncate text-sm font-medium text-slate-600">
          {calendar.name}
        </p>
        <p className="mt-0.5 text-xs text-slate-500">
          Removed from {calendar.accountEmail} ·{" "}
          <time dateTime={removedAt} title={formatAbsolute(removedAt)} suppressHydrationWarning>
            {formatShortDateTime(removedAt)}
          </time>
        </p>
      </div>
      <Button
        variant="ghost"
        size="sm"
        loading={dismiss.isPending}
        loadingText="Dismissing…"
        onClick={() => dismiss.mutate()}
        aria-describedby={nameId}
        data-testid={`calendar-dismiss-${calendar.id}`}
      >
        Dismiss
      </Button>
    </li>
  );
}

function AccountStatus({ connection }: { connection: ConnectionSummary | undefined }) {
  if (!connection) return null;
  if (connection.status === "needs_reconnect" || connection.status === "revoked")
    return (
      <Badge tone="warning" dot>
        Needs reconnect
      </Badge>
    );
  if (connection.status === "error")
    return (
      <Badge tone="danger" dot>
        Error
      </Badge>
    );
  if (connection.syncing)
    return (
      <Badge tone="info" dot="pulse">
        Syncing…
      </Badge>
    );
  return (
    <Badge tone="success" dot>
      Connected
    </Badge>
  );
}

export function CalendarsSection({ calendars, connections }: { calendars: CalendarSummary[]; connections: ConnectionSummary[] }) {
  const groups = groupCalendarsByAccount(calendars);
  const byId = new Map(connections.map((connection) => [connection.id, connection]));

  if (groups.length === 0) {
    return (
      <Card className="p-6 text-sm text-slate-600">
        <p>No calendars yet. They appear here as soon as a connected account&apos;s first sync has listed them.</p>
        <Link href="/onboarding/connect-calendar" className="mt-3 inline-block font-medium text-brand-700 underline-offset-2 hover:underline">
          Connect a calendar
        </Link>
      </Card>
    );
  }

  return (
    <div className="space-y-4">
      {groups.map((group) => {
        const connection = byId.get(group.connectionId);
        const lostAccess = connection && connection.status !== "active";
        return (
          <Card key={group.connectionId} className="overflow-hidden">
            <div className="flex flex-wrap items-center gap-x-3 gap-y-2 border-b border-slate-100 bg-slate-50/60 px-4 py-3 sm:px-5">
              <ProviderLogo provider={group.provider} />
              <div className="min-w-0 flex-1">
                <h3 className="truncate text-sm font-semibold text-slate-900">{group.accountEmail}</h3>
                <p className="text-xs text-slate-500">{providerMeta(group.provider).productName}</p>
              </div>
              <AccountStatus connection={connection} />
            </div>
            {lostAccess ? (
              <p className="border-b border-amber-100 bg-amber-50 px-4 py-2 text-xs text-amber-900 sm:px-5">
                calsync cannot sync this account right now.{" "}
                <Link href="/onboarding/connect-calendar" className="font-medium underline underline-offset-2">
                  Reconnect it
                </Link>
              </p>
            ) : null}
            <ul className="divide-y divide-slate-100">
              {group.calendars.map((calendar) =>
                calendar.removedAt ? (
                  <RemovedCalendarRow key={calendar.id} calendar={calendar} removedAt={calendar.removedAt} />
                ) : (
                  <CalendarRow key={calendar.id} calendar={calendar} canSync={connection?.status === "active"} />
                ),
              )}
            </ul>
          </Card>
        );
      })}
    </div>
  );
}
