"use client";

import { fallbackInterval, useLiveUpdates } from "@/components/realtime/use-live-updates";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import type { HealthCardItem, HealthConnection, HealthHour, HealthReport } from "@/lib/api/types";
import { formatClock } from "@/components/format/time";
import { PageHeader } from "@/components/page-header";
import { ProviderDot } from "@/components/provider-meta";
import { LiveIndicator, QueryErrorPanel } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Card, Section } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { RelativeTime } from "@/components/ui/relative-time";
import { formatCount, formatLatency, formatPercent, slowestLatencyHint } from "./format";
import { HourlyChart } from "./hourly-chart";
import { ADMIN_REFRESH_MS, adminHealthQueryKey, fetchAdminHealth } from "./queries";
import { HEALTH_STATUS } from "./status";

function When({ at, empty = "never" }: { at: string | null; empty?: string }) {
  return at ? <RelativeTime date={at} /> : <span className="text-slate-500">{empty}</span>;
}

function Figure({ label, children, hint, testId }: { label: string; children: ReactNode; hint?: ReactNode; testId: string }) {
  return (
    <Card className="p-4" data-testid={testId}>
      <p className="text-xs font-medium text-slate-500">{label}</p>
      <p className="mt-1 text-xl font-semibold text-slate-900 tabular-nums">{children}</p>
      {hint ? <p className="mt-0.5 text-xs text-slate-500">{hint}</p> : null}
    </Card>
  );
}

const CARD_LIMIT = 5;

function AttentionCard({
  title,
  description,
  items,
  tone,
  testId,
  emptyText,
}: {
  title: string;
  description: string;
  items: HealthCardItem[];
  tone: "warning" | "danger";
  testId: string;
  emptyText: string;
}) {
  const shown = items.slice(0, CARD_LIMIT);
  return (
    <Card
      className={cn("flex flex-col p-4", items.length > 0 && (tone === "danger" ? "border-red-200" : "border-amber-300"))}
      data-testid={testId}
      data-count={items.length}
    >
      <div className="flex items-start justify-between gap-3">
        <div>
          <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
          <p className="mt-0.5 text-xs text-slate-500">{description}</p>
        </div>
        <Badge tone={items.length === 0 ? "success" : tone} className="tabular-nums">
          {items.length}
        </Badge>
      </div>
      {items.length === 0 ? (
        <p className="mt-3 text-sm text-slate-500">{emptyText}</p>
      ) : (
        <ul className="mt-3 space-y-2 text-sm">
          {shown.map((item) => (
            <li key={`${item.id}-${item.detail}`} className="min-w-0">
              {item.href ? (
                <Link href={item.href} className="font-medium text-slate-900 underline-offset-2 hover:underline">
                  {item.title}
                </Link>
              ) : (
                <span className="font-medium text-slate-900">{item.title}</span>
              )}
              <p className="truncate text-xs text-slate-600" title={item.detail}>
                {item.detail}
                {item.at ? (
                  <>
                    {" · "}
                    <RelativeTime date={item.at} />
                  </>
                ) : null}
              </p>
            </li>
          ))}
          {items.length > CARD_LIMIT ? <li className="text-xs text-slate-500">and {items.length - CARD_LIMIT} more</li> : null}
        </ul>
      )}
    </Card>
  );
}

function busiest(hours: HealthHour[]): HealthHour | null {
  return hours.reduce<HealthHour | null>((best, hour) => (hour.notifications > (best?.notifications ?? 0) ? hour : best), null);
}

function Charts({ report }: { report: HealthReport }) {
  const peak = busiest(report.hourly);
  const rates = report.hourly.filter((hour) => hour.successRate !== null);
  const lowest = rates.reduce<HealthHour | null>((worst, hour) => (worst === null || hour.successRate! < worst.successRate! ? hour : worst), null);
  const latencies = report.hourly.map((hour) => hour.p95LatencyMs).filter((value): value is number => value !== null);
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <div className="lg:col-span-2">
        <HourlyChart
          testId="chart-notifications"
          title="Notifications per hour"
          description="Every notification received in the last 24 hours, whatever became of it."
          summary={`${formatCount(report.notifications24h, "notification")} in the last 24 hours${peak ? `; the busiest hour, from ${formatClock(peak.start)}, had ${peak.notifications}` : ""}.`}
          kind="bar"
          points={report.hourly.map((hour) => ({ start: hour.start, value: hour.notifications }))}
          integer
          formatValue={(value) => value.toLocaleString("en-US")}
          emptyMessage="No notifications in the last 24 hours"
        />
      </div>
      <HourlyChart
        testId="chart-success-rate"
        title="Delivery success rate"
        description="Processed out of processed, failed and dead, per hour."
        summary={`${formatPercent(report.successRate)} of notifications in the last 24 hours were processed${lowest ? `; the lowest hour, from ${formatClock(lowest.start)}, was ${formatPercent(lowest.successRate)}` : ""}.`}
        kind="line"
        tone="success"
        axisMax={1}
        points={report.hourly.map((hour) => ({ start: hour.start, value: hour.successRate }))}
        formatValue={(value) => formatPercent(value)}
        emptyMessage="Nothing processed or failed in the last 24 hours"
      />
      <HourlyChart
        testId="chart-latency"
        title="Processing latency (p95)"
        description="From receipt to the sync that covered it, per hour."
        summary={`p95 processing latency over the last 24 hours: ${formatLatency(report.latency.p95Ms)}${latencies.length > 0 ? `; hourly values from ${formatLatency(Math.min(...latencies))} to ${formatLatency(Math.max(...latencies))}` : ""}.`}
        kind="line"
        tone="warning"
        points={report.hourly.map((hour) => ({ start: hour.start, value: hour.p95LatencyMs }))}
        formatValue={formatLatency}
        emptyMessage="No processed notifications in the last 24 hours"
      />
    </div>
  );
}

function ConnectionRow({ connection }: { connection: HealthConnection }) {
  const broken = connection.status !== "active";
  const failures = connection.failures.failedEvents + connection.failures.deadEvents + connection.failures.failedRuns24h;
  return (
    <tr data-testid="health-connection-row" data-id={connection.id} className="align-top">
      <td className="px-4 py-3">
        <p className="flex items-center gap-2 font-medium text-slate-900">
          <ProviderDot provider={connection.provider} />
          <span className="truncate">{connection.accountEmail}</span>
        </p>
        <p className="mt-0.5 text-xs text-slate-600" data-testid="health-connected-by">
          Connected by {connection.connectedBy ? (connection.connectedBy.name ?? connection.connectedBy.email) : "a former member"}
        </p>
        {broken ? (
          <Badge tone="danger" className="mt-1">
            {connection.status === "needs_reconnect" ? "Needs reconnect" : connection.status}
          </Badge>
        ) : null}
        {connection.breaker && connection.breaker.state !== "closed" ? (
          <Badge tone="warning" className="mt-1 ml-1">
            Circuit {connection.breaker.state.replace("_", "-")}
          </Badge>
        ) : null}
      </td>
      <td className="px-4 py-3 text-slate-700">
        <When at={connection.lastNotificationAt} />
      </td>
      <td className="px-4 py-3 text-slate-700">
        <When at={connection.lastSuccessfulSyncAt} />
      </td>
      <td className="px-4 py-3 text-slate-700">
        <When at={connection.expiryHorizon} empty="no live push" />
      </td>
      <td className="px-4 py-3 text-right text-slate-700 tabular-nums">{connection.notifications24h}</td>
      <td className="px-4 py-3 text-right text-slate-700 tabular-nums">{formatPercent(connection.successRate)}</td>
      <td className="px-4 py-3 text-right text-slate-700 tabular-nums">
        {formatLatency(connection.latency.p50Ms)} / {formatLatency(connection.latency.p95Ms)}
      </td>
      <td className={cn("px-4 py-3 text-right tabular-nums", failures > 0 ? "font-medium text-red-700" : "text-slate-700")}>
        <span
          title={`${connection.failures.failedEvents} failed, ${connection.failures.deadEvents} dead events; ${connection.failures.failedRuns24h} failed runs in 24 h`}
        >
          {failures}
        </span>
      </td>
    </tr>
  );
}

export function HealthOverview() {
  const { live } = useLiveUpdates();
  const health = useQuery({ queryKey: adminHealthQueryKey, queryFn: fetchAdminHealth, refetchInterval: fallbackInterval(live, ADMIN_REFRESH_MS) });
  const report = health.data;
  const status = report ? HEALTH_STATUS[report.status] : null;

  return (
    <>
      <PageHeader
        title="Operations"
        description="How push notifications and syncs are doing for your organization over the last 24 hours, and what needs a person."
        actions={
          <>
            {report ? <LiveIndicator updatedAt={health.dataUpdatedAt} failing={health.isRefetchError} pollingMs={ADMIN_REFRESH_MS} /> : null}
            {status ? (
              <Badge tone={status.tone} dot className="px-2.5 py-1 text-sm" data-testid="health-status" data-status={report?.status}>
                {status.label}
              </Badge>
            ) : null}
          </>
        }
      />

      {health.isPending ? (
        <div aria-busy="true" className="space-y-4">
          <p role="status" className="sr-only">
            Loading health…
          </p>
          <div className="h-24 animate-pulse rounded-xl border border-slate-200 bg-white motion-reduce:animate-none" />
          <div className="h-72 animate-pulse rounded-xl border border-slate-200 bg-white motion-reduce:animate-none" />
        </div>
      ) : health.isError && !report ? (
        <QueryErrorPanel error={health.error} what="the health report" onRetry={() => void health.refetch()} retrying={health.isFetching} />
      ) : report ? (
        <div className="space-y-10">
          <div className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-6">
            <Figure label="Notifications (24 h)" testId="figure-notifications">
              {report.notifications24h.toLocaleString("en-US")}
            </Figure>
            <Figure label="Delivery success" testId="figure-success-rate" hint="processed / decided">
              {formatPercent(report.successRate)}
            </Figure>
            <Figure label="Latency p50 / p95" testId="figure-latency" hint={slowestLatencyHint(report.latency.p95Ms, report.connections) ?? undefined}>
              <span className="text-base">
                {formatLatency(report.latency.p50Ms)} / {formatLatency(report.latency.p95Ms)}
              </span>
            </Figure>
            <Figure
              label="Failures"
              testId="figure-failures"
              hint={`${report.failures.failedEvents} failed · ${report.failures.deadEvents} dead events · ${report.failures.failedRuns24h} failed runs (24 h)`}
            >
              <span className={report.failures.failedEvents + report.failures.deadEvents + report.failures.failedRuns24h > 0 ? "text-red-700" : undefined}>
                {(report.failures.failedEvents + report.failures.deadEvents + report.failures.failedRuns24h).toLocaleString("en-US")}
              </span>
            </Figure>
            <Figure
              label="Last notification"
              testId="figure-last-notification"
              hint={
                <>
                  last sync <When at={report.lastSuccessfulSyncAt} />
                </>
              }
            >
              <span className="text-base">
                <When at={report.lastNotificationAt} />
              </span>
            </Figure>
            <Figure label="Next push expiry" testId="figure-expiry">
              <span className="text-base">
                <When at={report.expiryHorizon} empty="no live push" />
              </span>
            </Figure>
          </div>

          <Section id="attention" title="Needs attention" description="Renewals run hourly and retries run on their own; these are what they could not fix.">
            <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
              <AttentionCard
                title="Expiring soon"
                description="Live push ending within 24 hours"
                items={report.cards.expiringSoon}
                tone="warning"
                testId="card-expiring-soon"
                emptyText="Nothing expires within a day."
              />
              <AttentionCard
                title="Suspect"
                description="Polls found changes push never announced"
                items={report.cards.suspect}
                tone="warning"
                testId="card-suspect"
                emptyText="Every change arrived by push."
              />
              <AttentionCard
                title="Failing"
                description="Push, renewals, syncs or deliveries that failed"
                items={report.cards.failing}
                tone="danger"
                testId="card-failing"
                emptyText="Nothing is failing."
              />
              <AttentionCard
                title="Needs reconnect"
                description="Accounts that lost calendar access"
                items={report.cards.needsReconnect}
                tone="danger"
                testId="card-needs-reconnect"
                emptyText="Every account has access."
              />
            </div>
          </Section>

          <Section id="charts" title="Last 24 hours" description="Hover or focus a bar or point for the hour's value.">
            <Charts report={report} />
          </Section>

          <Section id="connections" title="Connections" description="The same figures per connected account.">
            {report.connections.length === 0 ? (
              <Card className="p-6 text-sm text-slate-600">
                No calendar is connected yet.{" "}
                <Link href="/onboarding/connect-calendar" className="font-medium text-brand-700 underline underline-offset-2">
                  Connect one
                </Link>{" "}
                to see its push and sync health here.
              </Card>
            ) : (
              <Card className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="Table of connections">
                <table className="w-full min-w-[52rem] text-sm">
                  <thead className="border-b border-slate-100 bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-500 uppercase">
                    <tr>
                      <th scope="col" className="px-4 py-2">
                        Account
                      </th>
                      <th scope="col" className="px-4 py-2">
                        Last notification
                      </th>
                      <th scope="col" className="px-4 py-2">
                        Last sync
                      </th>
                      <th scope="col" className="px-4 py-2">
                        Push expires
                      </th>
                      <th scope="col" className="px-4 py-2 text-right">
                        24 h
                      </th>
                      <th scope="col" className="px-4 py-2 text-right">
                        Success
                      </th>
                      <th scope="col" className="px-4 py-2 text-right">
                        p50 / p95
                      </th>
                      <th scope="col" className="px-4 py-2 text-right">
                        Failures
                      </th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {report.connections.map((connection) => (
                      <ConnectionRow key={connection.id} connection={connection} />
                    ))}
                  </tbody>
                </table>
              </Card>
            )}
          </Section>
        </div>
      ) : null}
    </>
  );
}
