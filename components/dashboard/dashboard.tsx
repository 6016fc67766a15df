"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSyncExternalStore } from "react";
import type { ConnectionSummary } from "@/lib/api/types";
import { connectionsQueryKey, fetchConnections } from "@/components/connect/queries";
import { hasAnyConnection, isAnySyncing } from "@/components/connect/card-state";
import { PageHeader } from "@/components/page-header";
import { fallbackInterval, useLiveUpdates } from "@/components/realtime/use-live-updates";
import { LiveIndicator, QueryErrorPanel } from "@/components/query-state";
import { buttonClasses } from "@/components/ui/button";
import { Card, Section } from "@/components/ui/card";
import { CalendarsSection } from "./calendars-section";
import { EventsSection } from "./events-section";
import { browserTimeZone } from "./group-events";
import { LIVE_REFRESH_MS, calendarsQueryKey, fetchCalendars, fetchUpcomingEvents, upcomingEventsQueryKey } from "./queries";
import { SyncStatusSection } from "./sync-status-section";

const noSubscribe = () => () => {};

/** The browser's zone once hydrated; null during the server render, which cannot know it. */
export function useBrowserTimeZone(): string | null {
  return useSyncExternalStore(noSubscribe, browserTimeZone, () => null);
}

function Skeleton({ className }: { className: string }) {
  return <div aria-hidden="true" className={`animate-pulse rounded-xl border border-slate-200 bg-white motion-reduce:animate-none ${className}`} />;
}

function Loading({ what, className }: { what: string; className: string }) {
  return (
    <div aria-busy="true">
      <p role="status" className="sr-only">
        Loading {what}…
      </p>
      <Skeleton className={className} />
    </div>
  );
}

function NothingConnected() {
  return (
    <Card className="flex flex-col items-center px-6 py-16 text-center" data-testid="dashboard-empty">
      <span className="flex h-14 w-14 items-center justify-center rounded-full bg-brand-50 text-brand-600">
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-7 w-7" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round">
          <rect x="3" y="4" width="18" height="17" rx="3" />
          <path d="M3 9h18M8 2v4M16 2v4M12 12.5v5M9.5 15h5" />
        </svg>
      </span>
      <h2 className="mt-4 text-lg font-semibold text-slate-900">Connect your first calendar</h2>
      <p className="mt-1.5 max-w-md text-sm leading-6 text-slate-600">
        Connect a Google or Microsoft account and calsync mirrors its calendars into your database, then keeps them current within seconds.
      </p>
      <Link href="/onboarding/connect-calendar" className={buttonClasses({ size: "lg", className: "mt-6" })} data-testid="dashboard-connect">
        Connect a calendar
      </Link>
    </Card>
  );
}

function AccountAlerts({ connections }: { connections: ConnectionSummary[] }) {
  const broken = connections.filter((connection) => connection.status !== "active");
  if (broken.length === 0) return null;
  return (
    <div
      role="alert"
      className="mb-6 rounded-xl border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900 sm:px-5"
      data-testid="dashboard-account-alert"
    >
      <p className="font-semibold">{broken.length === 1 ? `${broken[0]?.accountEmail} is not syncing.` : `${broken.length} accounts are not syncing.`}</p>
      <p className="mt-0.5">
        calsync lost access or hit an error.{" "}
        <Link href="/onboarding/connect-calendar" className="font-medium underline underline-offset-2">
          Reconnect on the Connect calendars page
        </Link>{" "}
        to resume syncing.
      </p>
    </div>
  );
}

export function Dashboard() {
  const timeZone = useBrowserTimeZone();
  const { live } = useLiveUpdates();

  const connections = useQuery({
    queryKey: connectionsQueryKey,
    queryFn: fetchConnections,
    refetchInterval: (query) => fallbackInterval(live, query.state.data && isAnySyncing(query.state.data.providers) ? 1_500 : 5_000),
  });
  const calendars = useQuery({ queryKey: calendarsQueryKey, queryFn: fetchCalendars, refetchInterval: fallbackInterval(live, LIVE_REFRESH_MS) });
  const events = useQuery({ queryKey: upcomingEventsQueryKey, queryFn: fetchUpcomingEvents, refetchInterval: fallbackInterval(live, LIVE_REFRESH_MS) });

  const connectionList = connections.data?.providers.flatMap((provider) => provider.connections) ?? [];
  const nothingConnected = connections.data !== undefined && !hasAnyConnection(connections.data.providers) && (calendars.data?.calendars.length ?? 0) === 0;
  const failing = connections.isRefetchError || calendars.isRefetchError || events.isRefetchError;
  const updatedAt = Math.min(...[calendars.dataUpdatedAt, events.dataUpdatedAt].filter((at) => at > 0));
  const hasSyncedCalendars = calendars.data?.calendars.some((calendar) => calendar.syncEnabled) ?? false;

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Your connected calendars, what is coming up, and how each calendar is syncing. Updates appear here within seconds."
        actions={
          <>
            {Number.isFinite(updatedAt) ? <LiveIndicator updatedAt={updatedAt} failing={failing} pollingMs={LIVE_REFRESH_MS} /> : null}
            <Link href="/onboarding/connect-calendar" className={buttonClasses({ variant: "secondary" })}>
              Connect calendars
            </Link>
          </>
        }
      />

      {nothingConnected ? (
        <NothingConnected />
      ) : (
        <>
          <AccountAlerts connections={connectionList} />
          <div className="grid gap-8 lg:grid-cols-5">
            <Section id="calendars" title="Connected calendars" description="Choose which calendars calsync keeps in sync." className="lg:col-span-2">
              {calendars.isPending ? (
                <Loading what="calendars" className="h-56" />
              ) : calendars.isError && !calendars.data ? (
                <QueryErrorPanel error={calendars.error} what="your calendars" onRetry={() => void calendars.refetch()} retrying={calendars.isFetching} />
              ) : (
                <CalendarsSection calendars={calendars.data?.calendars ?? []} connections={connectionList} />
              )}
            </Section>

            <Section
              id="upcoming"
              title="Upcoming events"
              description={timeZone ? `Next 7 days, times in ${timeZone.replaceAll("_", " ")}.` : "Next 7 days."}
              className="lg:col-span-3"
            >
              {events.isPending || !timeZone ? (
                <Loading what="upcoming events" className="h-80" />
              ) : events.isError && !events.data ? (
                <QueryErrorPanel error={events.error} what="upcoming events" onRetry={() => void events.refetch()} retrying={events.isFetching} />
              ) : (
                <EventsSection events={events.data?.events ?? []} timeZone={timeZone} hasSyncedCalendars={hasSyncedCalendars} />
              )}
            </Section>
          </div>

          <Section
            id="sync-status"
            title="Sync status"
            description="The last run of each calendar, and when the safety poll looks next (hourly with push, every 5 minutes without)."
            className="mt-10"
          >
            {calendars.isPending ? (
              <Loading what="sync status" className="h-40" />
            ) : calendars.isError && !calendars.data ? (
              <QueryErrorPanel error={calendars.error} what="sync status" onRetry={() => void calendars.refetch()} retrying={calendars.isFetching} />
            ) : (
              <SyncStatusSection calendars={calendars.data?.calendars ?? []} connections={connectionList} />
            )}
          </Section>
        </>
      )}
    </>
  );
}
