"use client";

import { fallbackInterval, useLiveUpdates } from "@/components/realtime/use-live-updates";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import type { AdminWebhookEvent, WebhookEventStatus } from "@/lib/api/types";
import type { ProviderName } from "@/lib/providers/port";
import { messageOf } from "@/components/api-client";
import { calendarsQueryKey, fetchCalendars } from "@/components/dashboard/queries";
import { formatAbsolute } from "@/components/format/time";
import { PageHeader } from "@/components/page-header";
import { ProviderDot, providerMeta } from "@/components/provider-meta";
import { LiveIndicator, QueryErrorPanel } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { RelativeTime } from "@/components/ui/relative-time";
import { useHydrated } from "@/components/ui/use-hydrated";
import { Drawer, Field, Fields } from "@/components/ui/drawer";
import { Chips, SearchBox, SelectFilter, useUrlParam } from "./filters";
import { TIME_RANGES, eventCalendarLabel, formatCount, replayAllExplanation, formatLatency, isTimeRange, rangeStart, shortId, type TimeRange } from "./format";
import {
  ADMIN_REFRESH_MS,
  adminHealthQueryKey,
  adminQueryKey,
  fetchAdminHealth,
  fetchWebhookEvent,
  fetchWebhookEvents,
  replayEvent,
  replayEvents,
} from "./queries";
import { PagedTable } from "./paged-table";
import { EVENT_STATUS, EVENT_STATUSES } from "./status";

interface EventFilters {
  provider: ProviderName | "all";
  status: WebhookEventStatus | null;
  calendarId: string;
  range: TimeRange;
  q: string;
}

const PAGE_SIZE = 50;
const PROVIDER_OPTIONS: Array<{ value: ProviderName | "all"; label: string }> = [
  { value: "all", label: "All providers" },
  { value: "google", label: providerMeta("google").shortName },
  { value: "microsoft", label: providerMeta("microsoft").shortName },
];

// The filters live in the URL, so a filtered view can be linked to (the overview's
// cards link to dead and failed events) and survives a reload.
function readFilters(params: URLSearchParams): EventFilters {
  const provider = params.get("provider");
  const status = params.get("status");
  const range = params.get("range");
  return {
    provider: provider === "google" || provider === "microsoft" ? provider : "all",
    status: EVENT_STATUSES.includes(status as WebhookEventStatus) ? (status as WebhookEventStatus) : null,
    calendarId: params.get("calendarId") ?? "",
    range: isTimeRange(range) ? range : "all",
    q: params.get("q") ?? "",
  };
}

function apiQuery(filters: EventFilters, cursor: string | null): URLSearchParams {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (filters.provider !== "all") query.set("provider", filters.provider);
  if (filters.status) query.set("status", filters.status);
  if (filters.calendarId) query.set("calendarId", filters.calendarId);
  const from = rangeStart(filters.range, Date.now());
  if (from) query.set("from", from.toISOString());
  if (filters.q) query.set("q", filters.q);
  if (cursor) query.set("cursor", cursor);
  return query;
}

function Json({ value, testId }: { value: unknown; testId: string }) {
  return (
    <pre
      tabIndex={0}
      className="max-h-72 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-5 text-slate-100 focus-visible:outline-2 focus-visible:outline-brand-600"
      data-testid={testId}
    >
      {value === null || value === undefined ? "(none)" : JSON.stringify(value, null, 2)}
    </pre>
  );
}

const PENDING_REFRESH_MS = 1_000;

function EventDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const detail = useQuery({
    queryKey: [...adminQueryKey, "webhook-event", id],
    queryFn: ({ signal }) => fetchWebhookEvent(id!, signal),
    enabled: id !== null,
    // An event still on its way is watched while the drawer is open, so a replay is
    // seen to finish: a pending one is processed within seconds (its sync's
    // debounce), so every second; a failed one waits for a retry, so at the page's pace.
    refetchInterval: (query) =>
      query.state.data?.status === "pending" ? PENDING_REFRESH_MS : query.state.data?.status === "failed" ? ADMIN_REFRESH_MS : false,
  });
  const replay = useMutation({
    mutationFn: (eventId: string) => replayEvent(eventId),
    onSuccess: ({ replayed }) => {
      if (replayed > 0) toast.success("Event replayed", { description: "It is pending again; its calendar syncs within seconds." });
      else toast.info("Nothing to replay", { description: "Only failed and dead events can be replayed; this one has moved on." });
    },
    onError: (error) => toast.error("Could not replay the event", { description: messageOf(error) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminQueryKey }),
  });
  const event = detail.data;
  const replayable = event?.status === "failed" || event?.status === "dead";

  return (
    <Drawer
      open={id !== null}
      onClose={onClose}
      testId="webhook-event-drawer"
      title="Webhook event"
      subtitle={
        event ? (
          <span className="flex flex-wrap items-center gap-2">
            <Badge tone={EVENT_STATUS[event.status].tone} dot data-testid="drawer-status">
              {EVENT_STATUS[event.status].label}
            </Badge>
            <span>{EVENT_STATUS[event.status].hint}.</span>
          </span>
        ) : null
      }
      footer={
        replayable ? (
          <Button onClick={() => event && replay.mutate(event.id)} loading={replay.isPending} loadingText="Replaying…" data-testid="replay-event">
            Replay
          </Button>
        ) : null
      }
    >
      {detail.isPending ? (
        <p role="status" className="text-sm text-slate-500">
          Loading…
        </p>
      ) : detail.isError ? (
        <QueryErrorPanel error={detail.error} what="this event" onRetry={() => void detail.refetch()} retrying={detail.isFetching} />
      ) : event ? (
        <div className="space-y-6">
          <Fields>
            <Field label="Received">{formatAbsolute(event.receivedAt)}</Field>
            <Field label="Processed">{event.processedAt ? formatAbsolute(event.processedAt) : null}</Field>
            <Field label="Latency" testId="drawer-latency">
              {event.latencyMs !== null ? formatLatency(event.latencyMs) : null}
            </Field>
            <Field label="Attempts" testId="drawer-attempts">
              {event.attempts}
            </Field>
            <Field label="Next attempt">{event.nextAttemptAt ? formatAbsolute(event.nextAttemptAt) : null}</Field>
            <Field label="Error" testId="drawer-error">
              {event.error ? <span className="text-red-700">{event.error}</span> : null}
            </Field>
            <Field label="Provider">{providerMeta(event.provider).productName}</Field>
            <Field label="Account">{event.accountEmail}</Field>
            <Field label="Calendar">{event.calendarName ?? (event.calendarId === null ? "All calendars of the mailbox" : null)}</Field>
            <Field label="Channel / subscription">
              <span className="font-mono text-xs">{event.externalId}</span>
            </Field>
            <Field label="Change">{event.changeType}</Field>
            <Field label="Message number">{event.messageNumber}</Field>
            <Field label="Resource">{event.resource ? <span className="font-mono text-xs">{event.resource}</span> : null}</Field>
            <Field label="Request id">{event.requestId ? <span className="font-mono text-xs">{event.requestId}</span> : null}</Field>
          </Fields>
          <section aria-labelledby="event-headers-heading">
            <h3 id="event-headers-heading" className="mb-2 text-sm font-semibold text-slate-900">
              Headers <span className="font-normal text-slate-500">(secrets redacted)</span>
            </h3>
            <Json value={event.headers} testId="event-headers" />
          </section>
          <section aria-labelledby="event-body-heading">
            <h3 id="event-body-heading" className="mb-2 text-sm font-semibold text-slate-900">
              Body <span className="font-normal text-slate-500">(secrets redacted)</span>
            </h3>
            <Json value={event.body} testId="event-body" />
          </section>
        </div>
      ) : null}
    </Drawer>
  );
}

function EventRow({ event, filteredCalendarName, onOpen }: { event: AdminWebhookEvent; filteredCalendarName: string | null; onOpen: () => void }) {
  const status = EVENT_STATUS[event.status];
  return (
    <tr data-testid="webhook-event-row" data-id={event.id} data-status={event.status} onClick={onOpen} className="cursor-pointer align-top hover:bg-slate-50">
      <td className="px-4 py-2.5 whitespace-nowrap text-slate-700">
        <RelativeTime date={event.receivedAt} />
      </td>
      <td className="px-4 py-2.5">
        <Badge tone={status.tone} dot title={status.hint}>
          {status.label}
        </Badge>
        {event.attempts > 0 ? <span className="ml-1.5 text-xs text-slate-500 tabular-nums">×{event.attempts}</span> : null}
      </td>
      <td className="px-4 py-2.5">
        <p className="flex items-center gap-2 text-slate-900">
          <ProviderDot provider={event.provider} />
          <span className="truncate">{eventCalendarLabel(event, filteredCalendarName)}</span>
        </p>
      </td>
      <td className="px-4 py-2.5 text-slate-600">{event.changeType ?? "—"}</td>
      <td className="px-4 py-2.5 font-mono text-xs text-slate-500" title={event.externalId}>
        {shortId(event.externalId, 10)}
      </td>
      <td className="px-4 py-2.5 text-right text-slate-600 tabular-nums">{formatLatency(event.latencyMs)}</td>
      <td className="px-4 py-2.5 text-right">
        <Button
          size="sm"
          variant="ghost"
          data-testid="open-webhook-event"
          onClick={(clicked) => {
            clicked.stopPropagation();
            onOpen();
          }}
        >
          Details<span className="sr-only"> of the event received {formatAbsolute(event.receivedAt)}</span>
        </Button>
      </td>
    </tr>
  );
}

export function WebhookEvents() {
  const { live } = useLiveUpdates();
  const searchParams = useSearchParams();
  const queryClient = useQueryClient();
  const filters = readFilters(searchParams);
  const [openId, setOpenId] = useState<string | null>(null);
  const [confirmReplayAll, setConfirmReplayAll] = useState(false);

  const setParam = useUrlParam();
  // "all" is the default of the provider and range filters: no parameter for it.
  const setFilter = (name: keyof EventFilters, value: string | null) =>
    setParam(name, (name === "provider" || name === "range") && value === "all" ? null : value);

  const calendars = useQuery({ queryKey: calendarsQueryKey, queryFn: fetchCalendars });
  const health = useQuery({ queryKey: adminHealthQueryKey, queryFn: fetchAdminHealth, refetchInterval: fallbackInterval(live, ADMIN_REFRESH_MS) });
  const events = useInfiniteQuery({
    queryKey: [...adminQueryKey, "webhook-events", filters],
    queryFn: ({ pageParam, signal }) => fetchWebhookEvents(apiQuery(filters, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: fallbackInterval(live, ADMIN_REFRESH_MS),
  });
  const replayDead = useMutation({
    mutationFn: () => replayEvents({ status: "dead" }),
    onSuccess: ({ replayed, remaining }) => {
      setConfirmReplayAll(false);
      // One request replays one batch: say what is left, so the person can go on.
      const left = remaining > 0 ? ` ${formatCount(remaining, "dead event")} remain: replay again for the next batch.` : "";
      if (replayed > 0) toast.success(`${formatCount(replayed, "dead event")} replayed`, { description: `Their calendars sync within seconds.${left}` });
      else toast.info("No dead events to replay");
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminQueryKey }),
  });

  const rows = events.data?.pages.flatMap((page) => page.events) ?? [];
  // Unknown (null) until hydrated: the server rendered it without the health query.
  const hydrated = useHydrated();
  const deadCount = hydrated ? (health.data?.failures.deadEvents ?? null) : null;
  const filteredCalendarName = filters.calendarId ? (calendars.data?.calendars.find((calendar) => calendar.id === filters.calendarId)?.name ?? null) : null;
  const calendarOptions = [
    { value: "", label: "All calendars" },
    ...(calendars.data?.calendars ?? []).map((calendar) => ({ value: calendar.id, label: `${calendar.name} (${calendar.accountEmail})` })),
  ];

  return (
    <>
      <PageHeader
        title="Webhook events"
        description="Every notification the providers delivered, as stored: newest first, with what became of it. Open one for its headers and body."
        actions={
          <>
            {events.data ? <LiveIndicator updatedAt={events.dataUpdatedAt} failing={events.isRefetchError} pollingMs={ADMIN_REFRESH_MS} /> : null}
            <Button variant="warning" onClick={() => setConfirmReplayAll(true)} data-testid="replay-all-dead" disabled={!deadCount}>
              Replay all dead{deadCount ? ` (${deadCount})` : ""}
            </Button>
          </>
        }
      />

      <Card className="mb-4 space-y-4 p-4">
        <div className="flex flex-wrap items-end gap-3">
          <SearchBox
            label="Search"
            placeholder="Channel or subscription id"
            value={filters.q}
            onSearch={(value) => setFilter("q", value)}
            testId="filter-search"
          />
          <SelectFilter
            label="Provider"
            value={filters.provider}
            options={PROVIDER_OPTIONS}
            onChange={(value) => setFilter("provider", value)}
            testId="filter-provider"
          />
          <SelectFilter
            label="Calendar"
            value={filters.calendarId}
            options={calendarOptions}
            onChange={(value) => setFilter("calendarId", value)}
            testId="filter-calendar"
            className="max-w-64"
          />
          <SelectFilter label="Received" value={filters.range} options={TIME_RANGES} onChange={(value) => setFilter("range", value)} testId="filter-range" />
        </div>
        <Chips
          label="Status"
          value={filters.status}
          options={EVENT_STATUSES.map((status) => ({ value: status, label: EVENT_STATUS[status].label }))}
          onChange={(value) => setFilter("status", value)}
          testIdPrefix="status-chip"
        />
      </Card>

      <PagedTable
        query={events}
        what="webhook events"
        noun="event"
        rowCount={rows.length}
        testId="webhook-events"
        columns={[
          { label: "Received" },
          { label: "Status" },
          { label: "Calendar" },
          { label: "Change" },
          { label: "Channel" },
          { label: "Latency", alignRight: true },
        ]}
      >
        {rows.map((event) => (
          <EventRow key={event.id} event={event} filteredCalendarName={filteredCalendarName} onOpen={() => setOpenId(event.id)} />
        ))}
      </PagedTable>

      <EventDrawer id={openId} onClose={() => setOpenId(null)} />

      <ConfirmDialog
        open={confirmReplayAll}
        title="Replay every dead event?"
        confirmLabel="Replay all"
        pendingLabel="Replaying…"
        variant="primary"
        pending={replayDead.isPending}
        error={replayDead.isError ? messageOf(replayDead.error) : null}
        onConfirm={() => replayDead.mutate()}
        onCancel={() => setConfirmReplayAll(false)}
        confirmTestId="confirm-replay-all-dead"
      >
        <p>
          {replayAllExplanation(deadCount)} Do this once the cause (an outage, lost access) is fixed, or {deadCount === 1 ? "it" : "they"} will fail again.
        </p>
      </ConfirmDialog>
    </>
  );
}
