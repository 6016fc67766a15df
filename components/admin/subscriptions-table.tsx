"use client";

import { fallbackInterval, useLiveUpdates } from "@/components/realtime/use-live-updates";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { toast } from "sonner";
import type { AdminSubscription, AdminSubscriptionActionResponse } from "@/lib/api/types";
import type { ProviderName } from "@/lib/providers/port";
import { messageOf } from "@/components/api-client";
import { formatAbsolute } from "@/components/format/time";
import { PageHeader } from "@/components/page-header";
import { ProviderDot, providerMeta } from "@/components/provider-meta";
import { LiveIndicator, QueryErrorPanel } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { RelativeTime } from "@/components/ui/relative-time";
import { useNow } from "@/components/ui/use-now";
import { formatLatency, shortId } from "./format";
import {
  ADMIN_REFRESH_MS,
  adminQueryKey,
  adminSubscriptionsQueryKey,
  fetchAdminSubscriptions,
  runSubscriptionAction,
  type SubscriptionAction,
} from "./queries";
import { EVENT_STATUS, SUBSCRIPTION_STATUS } from "./status";

// How each provider renews, in words (lib/subscriptions/lifecycle.ts does the renewing).
const RENEWAL_EXPLAINED: Record<ProviderName, string> = {
  microsoft: "Microsoft extends the same subscription's expiry. Nothing is missed.",
  google: "Google channels cannot be extended: a new channel is opened, then the old one is stopped, so there is never a moment without push.",
};

const ACTIONS: Record<
  SubscriptionAction,
  { label: string; title: string; confirm: string; pending: string; variant: "primary" | "danger"; explain: (subscription: AdminSubscription) => string }
> = {
  refresh: {
    label: "Renew",
    title: "Renew this subscription now?",
    confirm: "Renew",
    pending: "Renewing…",
    variant: "primary",
    explain: (subscription) => RENEWAL_EXPLAINED[subscription.provider],
  },
  reregister: {
    label: "Re-register",
    title: "Register this subscription afresh?",
    confirm: "Re-register",
    pending: "Registering…",
    variant: "primary",
    explain: () =>
      "A brand-new subscription is created at the provider and the old one is removed. Use it when notifications stopped arriving even though the subscription looks active.",
  },
  delete: {
    label: "Stop",
    title: "Stop this subscription?",
    confirm: "Stop",
    pending: "Stopping…",
    variant: "danger",
    explain: () =>
      "Push stops at the provider at once. The calendar keeps syncing through the poll (every few minutes without push), and the hourly renewal registers push again while the calendar stays synced. Its notification history is kept.",
  },
};

function outcomeToast(action: SubscriptionAction, answer: AdminSubscriptionActionResponse) {
  const label = answer.subscription.calendarName;
  if (answer.action === "skipped") {
    toast.info(`${label}: nothing to renew`, { description: answer.message ?? undefined });
    return;
  }
  const title =
    action === "delete"
      ? `Subscription for ${label} stopped`
      : action === "reregister"
        ? `Subscription for ${label} registered afresh`
        : `Subscription for ${label} renewed`;
  toast.success(title, { description: answer.expiresAt ? `Now expires ${formatAbsolute(answer.expiresAt)}.` : undefined });
}

function RecentEvents({ subscription }: { subscription: AdminSubscription }) {
  if (subscription.recentEvents.length === 0) return <p className="text-xs text-slate-500">No notifications yet.</p>;
  return (
    <ul className="flex flex-wrap gap-1.5" aria-label={`Latest notifications of ${subscription.calendarName}`}>
      {subscription.recentEvents.map((event) => {
        const status = EVENT_STATUS[event.status];
        return (
          <li key={event.id}>
            <Link
              href={`/admin/webhook-events?q=${encodeURIComponent(subscription.externalId)}`}
              data-testid="subscription-recent-event"
              data-status={event.status}
              title={`${status.label}${event.changeType ? ` (${event.changeType})` : ""}, received ${formatAbsolute(event.receivedAt)}${event.latencyMs !== null ? `, processed in ${formatLatency(event.latencyMs)}` : ""}`}
              className="rounded-full focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
            >
              <Badge tone={status.tone} dot>
                <RelativeTime date={event.receivedAt} />
              </Badge>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

function SubscriptionRow({ subscription, onAction }: { subscription: AdminSubscription; onAction: (action: SubscriptionAction) => void }) {
  const status = SUBSCRIPTION_STATUS[subscription.status];
  const stopped = subscription.status === "stopped";
  const now = useNow();
  const expired = subscription.expiresAt !== null && Date.parse(subscription.expiresAt) <= now;
  return (
    <tbody
      data-testid="subscription-row"
      data-id={subscription.id}
      data-status={subscription.status}
      data-provider={subscription.provider}
      className="border-t border-slate-100 first:border-t-0"
    >
      <tr className="align-top">
        <td className="px-4 pt-3">
          <p className="flex items-center gap-2 font-medium text-slate-900">
            <ProviderDot provider={subscription.provider} />
            <span className="truncate">{subscription.calendarName}</span>
          </p>
          <p className="mt-0.5 truncate text-xs text-slate-500">
            {subscription.accountEmail} · {providerMeta(subscription.provider).shortName}
          </p>
          <p className="mt-0.5 font-mono text-[11px] text-slate-500" title={subscription.externalId}>
            {shortId(subscription.externalId, 12)}
          </p>
        </td>
        <td className="px-4 pt-3">
          <div className="flex flex-wrap gap-1">
            <Badge tone={status.tone} dot data-testid="subscription-status">
              {status.label}
            </Badge>
            {subscription.suspect ? (
              <Badge tone="warning" title="A poll found changes no notification announced">
                Suspect ×{subscription.suspectCount}
              </Badge>
            ) : null}
            {subscription.connectionStatus !== "active" ? <Badge tone="danger">Account needs reconnect</Badge> : null}
          </div>
        </td>
        <td className="px-4 pt-3 text-slate-700">
          {subscription.expiresAt && !stopped ? (
            <RelativeTime date={subscription.expiresAt} className={expired ? "font-medium text-red-700" : undefined} />
          ) : (
            <span className="text-slate-500">—</span>
          )}
        </td>
        <td className="px-4 pt-3 text-slate-700">
          {subscription.lastNotificationAt ? <RelativeTime date={subscription.lastNotificationAt} /> : <span className="text-slate-500">never</span>}
          <p className="text-xs text-slate-500 tabular-nums">{subscription.notifications24h} in 24 h</p>
        </td>
        <td className="px-4 pt-3 text-slate-700">
          {subscription.renewalFailures > 0 ? (
            <p className="font-medium text-red-700 tabular-nums">{subscription.renewalFailures} failed</p>
          ) : (
            <p className="text-slate-500">—</p>
          )}
          {subscription.lastRenewedAt ? (
            <p className="text-xs text-slate-500">
              renewed <RelativeTime date={subscription.lastRenewedAt} />
            </p>
          ) : null}
        </td>
        <td className="px-4 pt-3">
          <div className="flex flex-wrap justify-end gap-1.5">
            <Button size="sm" variant="secondary" disabled={stopped} onClick={() => onAction("refresh")} data-testid="refresh-subscription">
              {ACTIONS.refresh.label}
            </Button>
            <Button size="sm" variant="secondary" onClick={() => onAction("reregister")} data-testid="reregister-subscription">
              {ACTIONS.reregister.label}
            </Button>
            <Button
              size="sm"
              variant="ghost"
              className="text-red-700 hover:bg-red-50 hover:text-red-800"
              disabled={stopped}
              onClick={() => onAction("delete")}
              data-testid="delete-subscription"
            >
              {ACTIONS.delete.label}
            </Button>
          </div>
        </td>
      </tr>
      <tr>
        <td colSpan={6} className="px-4 pt-2 pb-3">
          {subscription.lastError && !stopped ? (
            <p className="mb-2 rounded-md bg-red-50 px-2.5 py-1.5 text-xs break-words text-red-800" data-testid="subscription-error">
              {subscription.lastError}
            </p>
          ) : null}
          <RecentEvents subscription={subscription} />
        </td>
      </tr>
    </tbody>
  );
}

export function SubscriptionsTable() {
  const { live } = useLiveUpdates();
  const queryClient = useQueryClient();
  const subscriptions = useQuery({
    queryKey: adminSubscriptionsQueryKey,
    queryFn: fetchAdminSubscriptions,
    refetchInterval: fallbackInterval(live, ADMIN_REFRESH_MS),
  });
  const [pending, setPending] = useState<{ subscription: AdminSubscription; action: SubscriptionAction } | null>(null);
  const mutation = useMutation({
    mutationFn: ({ subscription, action }: { subscription: AdminSubscription; action: SubscriptionAction }) => runSubscriptionAction(subscription.id, action),
    onSuccess: (answer, { action }) => {
      outcomeToast(action, answer);
      setPending(null);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminQueryKey }),
  });
  // Stopped subscriptions are history: out of the way unless asked for.
  const [showStopped, setShowStopped] = useState(false);
  const all = subscriptions.data?.subscriptions ?? [];
  const stoppedCount = all.filter((subscription) => subscription.status === "stopped").length;
  const list = showStopped ? all : all.filter((subscription) => subscription.status !== "stopped");
  const chosen = pending ? ACTIONS[pending.action] : null;

  return (
    <>
      <PageHeader
        title="Subscriptions"
        description="Push channels (Google) and subscriptions (Microsoft) of your organization's calendars: when they expire, what they delivered, and how renewals went."
        actions={
          subscriptions.data ? (
            <>
              <label className="inline-flex items-center gap-2 text-sm text-slate-700">
                <input
                  type="checkbox"
                  checked={showStopped}
                  onChange={(event) => setShowStopped(event.target.checked)}
                  className="h-4 w-4 rounded border-slate-400"
                  data-testid="show-stopped-subscriptions"
                />
                Show stopped ({stoppedCount})
              </label>
              <LiveIndicator updatedAt={subscriptions.dataUpdatedAt} failing={subscriptions.isRefetchError} pollingMs={ADMIN_REFRESH_MS} />
            </>
          ) : null
        }
      />
      {subscriptions.isPending ? (
        <div aria-busy="true" className="h-64 animate-pulse rounded-xl border border-slate-200 bg-white motion-reduce:animate-none">
          <p role="status" className="sr-only">
            Loading subscriptions…
          </p>
        </div>
      ) : subscriptions.isError && !subscriptions.data ? (
        <QueryErrorPanel error={subscriptions.error} what="subscriptions" onRetry={() => void subscriptions.refetch()} retrying={subscriptions.isFetching} />
      ) : list.length === 0 ? (
        <Card className="p-6 text-sm text-slate-600" data-testid="subscriptions-empty">
          {stoppedCount > 0
            ? `No active push subscriptions; ${stoppedCount === 1 ? "1 stopped one is" : `${stoppedCount} stopped ones are`} hidden (Show stopped).`
            : "No push subscriptions yet. They are registered when a calendar is connected and synced."}
        </Card>
      ) : (
        <Card className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="Table of subscriptions">
          <table className="w-full min-w-[60rem] text-sm" data-testid="subscriptions-table">
            <thead className="border-b border-slate-100 bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-500 uppercase">
              <tr>
                <th scope="col" className="px-4 py-2">
                  Calendar
                </th>
                <th scope="col" className="px-4 py-2">
                  Status
                </th>
                <th scope="col" className="px-4 py-2">
                  Expires
                </th>
                <th scope="col" className="px-4 py-2">
                  Last notification
                </th>
                <th scope="col" className="px-4 py-2">
                  Renewals
                </th>
                <th scope="col" className="px-4 py-2 text-right">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            {list.map((subscription) => (
              <SubscriptionRow
                key={subscription.id}
                subscription={subscription}
                onAction={(action) => {
                  mutation.reset();
                  setPending({ subscription, action });
                }}
              />
            ))}
          </table>
        </Card>
      )}

      <ConfirmDialog
        open={pending !== null}
        title={chosen?.title ?? ""}
        confirmLabel={chosen?.confirm ?? ""}
        pendingLabel={chosen?.pending}
        variant={chosen?.variant ?? "primary"}
        pending={mutation.isPending}
        error={mutation.isError ? messageOf(mutation.error) : null}
        onConfirm={() => pending && mutation.mutate(pending)}
        onCancel={() => setPending(null)}
        confirmTestId={pending ? `confirm-${pending.action}-subscription` : undefined}
        cancelTestId="cancel-subscription-action"
      >
        {pending && chosen ? (
          <>
            <p>
              <strong className="font-medium text-slate-900">{pending.subscription.calendarName}</strong> ({pending.subscription.accountEmail},{" "}
              {providerMeta(pending.subscription.provider).shortName})
            </p>
            <p>{chosen.explain(pending.subscription)}</p>
          </>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
