"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import type { ConnectionsResponse } from "@/lib/api/types";
import type { ProviderName } from "@/lib/providers/port";
import { PageHeader } from "@/components/page-header";
import { ProviderCard, connectUrl } from "@/components/provider-card";
import { PROVIDER_META } from "@/components/provider-meta";
import { LiveIndicator, QueryErrorPanel } from "@/components/query-state";
import { fallbackInterval, useLiveUpdates } from "@/components/realtime/use-live-updates";
import { Button, buttonClasses } from "@/components/ui/button";
import { connectResultToast, withoutConnectResult } from "./connect-result";
import { hasAnyConnection, isAnySyncing } from "./card-state";
import { connectionsQueryKey, fetchConnections } from "./queries";

const isProvider = (value: string | null): value is ProviderName => value !== null && Object.hasOwn(PROVIDER_META, value);

const PRODUCT_NAMES = Object.fromEntries(Object.entries(PROVIDER_META).map(([provider, meta]) => [provider, meta.productName]));

/**
 * Turns the OAuth callback's `?result=&provider=` into one toast, then drops the
 * parameters from the URL so a reload or a shared link does not announce it again.
 */
function useConnectResultToast(data: ConnectionsResponse | undefined) {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const announced = useRef<string | null>(null);
  const result = searchParams.get("result");
  const provider = searchParams.get("provider");
  const detail = searchParams.get("detail");
  const connectionId = searchParams.get("connection");
  // The account a success names, from the organization's own list (waited for once).
  const account =
    connectionId && data ? (data.providers.flatMap((summary) => summary.connections).find((c) => c.id === connectionId)?.accountEmail ?? null) : null;
  const waitingForAccount = connectionId !== null && data === undefined;

  useEffect(() => {
    if (waitingForAccount) return;
    const outcome = connectResultToast(result, provider, PRODUCT_NAMES, detail, account);
    if (!outcome || announced.current === outcome.id) return;
    announced.current = outcome.id;
    const show = outcome.tone === "success" ? toast.success : toast.error;
    const action =
      outcome.action && isProvider(provider)
        ? { label: outcome.action.label, onClick: () => window.location.assign(connectUrl(provider, undefined, outcome.action?.connectAs)) }
        : undefined;
    show(outcome.title, {
      id: outcome.id,
      description: outcome.description,
      duration: action ? Infinity : outcome.tone === "success" ? 6_000 : 12_000,
      action,
    });
    router.replace(`${pathname}${withoutConnectResult(window.location.search)}`, { scroll: false });
  }, [result, provider, detail, account, waitingForAccount, pathname, router]);
}

function CardsSkeleton() {
  return (
    <div className="grid gap-6 md:grid-cols-2" aria-busy="true">
      <p role="status" className="sr-only">
        Loading your connections…
      </p>
      {[0, 1].map((index) => (
        <div key={index} className="h-64 animate-pulse rounded-xl border border-slate-200 bg-white p-6 motion-reduce:animate-none">
          <div className="flex gap-4">
            <div className="h-11 w-11 rounded-lg bg-slate-200" />
            <div className="flex-1 space-y-2">
              <div className="h-4 w-1/3 rounded bg-slate-200" />
              <div className="h-3 w-2/3 rounded bg-slate-100" />
            </div>
          </div>
          <div className="mt-8 space-y-3">
            <div className="h-3 w-full rounded bg-slate-100" />
            <div className="h-3 w-5/6 rounded bg-slate-100" />
          </div>
        </div>
      ))}
    </div>
  );
}

export function ConnectCalendars() {
  // The card whose redirect is under way: a connection id, or "new:<provider>" for a new account.
  const [connecting, setConnecting] = useState<string | null>(null);
  const { live } = useLiveUpdates();

  const connections = useQuery({
    queryKey: connectionsQueryKey,
    queryFn: fetchConnections,
    // A first sync takes seconds: follow it closely, then settle into a slow heartbeat.
    refetchInterval: (query) => fallbackInterval(live, query.state.data && isAnySyncing(query.state.data.providers) ? 1_500 : 10_000),
  });
  useConnectResultToast(connections.data);

  // Back from the provider via the Back button, the page may come from the
  // back/forward cache still showing "Redirecting…".
  useEffect(() => {
    const reset = (event: PageTransitionEvent) => {
      if (event.persisted) setConnecting(null);
    };
    window.addEventListener("pageshow", reset);
    return () => window.removeEventListener("pageshow", reset);
  }, []);

  const startConnect = (provider: ProviderName, connectionId?: string) => {
    setConnecting(connectionId ?? `new:${provider}`);
    // The page stays (and shows "Redirecting…") until the provider's page arrives.
    window.location.assign(connectUrl(provider, connectionId));
  };

  const data = connections.data;
  const anyConnected = data ? hasAnyConnection(data.providers) : false;

  return (
    <>
      <PageHeader
        title="Connect your calendars"
        description="calsync mirrors every calendar of a connected account into your organization's database and keeps it current within seconds. You choose which calendars to sync on the dashboard."
        actions={
          <>
            {data ? <LiveIndicator updatedAt={connections.dataUpdatedAt} failing={connections.isRefetchError} pollingMs={10_000} /> : null}
            {anyConnected ? (
              <Link href="/dashboard" className={buttonClasses({ variant: "secondary" })} data-testid="go-to-dashboard">
                Go to dashboard
                <span aria-hidden="true">→</span>
              </Link>
            ) : null}
          </>
        }
      />

      {connections.isPending ? (
        <CardsSkeleton />
      ) : connections.isError && !data ? (
        <QueryErrorPanel error={connections.error} what="your connections" onRetry={() => void connections.refetch()} retrying={connections.isFetching} />
      ) : data ? (
        <>
          {connections.isRefetchError ? (
            <p role="status" className="mb-4 rounded-lg border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">
              Showing the last known state: {connections.error?.message ?? "calsync did not answer"}
            </p>
          ) : null}
          <div className="grid gap-6 md:grid-cols-2">
            {data.providers.flatMap((summary) =>
              (summary.connections.length > 0 ? summary.connections : [null]).map((connection) => {
                const key = connection?.id ?? `new:${summary.provider}`;
                return (
                  <ProviderCard
                    key={key}
                    summary={summary}
                    connection={connection}
                    connecting={connecting === key}
                    busyElsewhere={connecting !== null && connecting !== key}
                    onConnect={startConnect}
                  />
                );
              }),
            )}
          </div>
          {data.providers.some((summary) => summary.connections.length > 0 && summary.configured) ? (
            <div className="mt-4 flex flex-wrap gap-2">
              {data.providers
                .filter((summary) => summary.connections.length > 0 && summary.configured)
                .map((summary) => (
                  <Button
                    key={summary.provider}
                    variant="secondary"
                    data-testid={`connect-another-${summary.provider}`}
                    loading={connecting === `new:${summary.provider}`}
                    loadingText={`Redirecting to ${summary.displayName}…`}
                    disabled={connecting !== null}
                    onClick={() => startConnect(summary.provider)}
                  >
                    Connect another {summary.displayName} account
                  </Button>
                ))}
            </div>
          ) : null}
          {data.providers.length === 0 ? <p className="text-sm text-slate-600">This server offers no calendar providers.</p> : null}
          <p className="mt-8 max-w-2xl text-xs leading-5 text-slate-500">
            calsync asks for read-only calendar access. Tokens are encrypted at rest, and disconnecting removes the mirrored events. You can also revoke access
            at any time from your Google or Microsoft account settings.
          </p>
        </>
      ) : null}
    </>
  );
}
