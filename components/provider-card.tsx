"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type ReactNode } from "react";
import { toast } from "sonner";
import type { ConnectionSummary, ConnectionsResponse, DisconnectResponse, ProviderSummary } from "@/lib/api/types";
import type { ProviderName } from "@/lib/providers/port";
import { fetchJson, messageOf } from "@/components/api-client";
import { connectionsQueryKey } from "@/components/connect/queries";
import { cardState, describeCalendarCount, describePush, importProgress, type CardState } from "@/components/connect/card-state";
import { ProviderLogo, providerMeta } from "@/components/provider-meta";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { RelativeTime } from "@/components/ui/relative-time";
import { Spinner } from "@/components/ui/spinner";

/**
 * Where the browser goes to connect a provider, or to reconnect one connection (the
 * server then insists the consent comes back with that connection's account).
 */
export const connectUrl = (provider: ProviderName, connectionId?: string, loginHint?: string) => {
  const params = new URLSearchParams();
  if (connectionId) params.set("connection", connectionId);
  if (loginHint) params.set("login_hint", loginHint);
  const query = params.toString();
  return `/api/oauth/${provider}/start${query ? `?${query}` : ""}`;
};

const STATE_BADGE: Record<CardState, { tone: BadgeTone; label: string }> = {
  not_connected: { tone: "neutral", label: "Not connected" },
  connecting: { tone: "info", label: "Connecting…" },
  connected: { tone: "success", label: "Connected" },
  needs_reconnect: { tone: "warning", label: "Needs reconnect" },
  error: { tone: "danger", label: "Error" },
  not_configured: { tone: "neutral", label: "Not available" },
};

const STATE_FRAME: Record<CardState, string> = {
  not_connected: "",
  connecting: "ring-2 ring-brand-100",
  connected: "",
  needs_reconnect: "border-amber-300 ring-1 ring-amber-200",
  error: "border-red-300 ring-1 ring-red-200",
  not_configured: "bg-slate-50",
};

export interface ProviderCardProps {
  summary: ProviderSummary;
  /** The connection this card shows; null for the provider's "connect" card. */
  connection: ConnectionSummary | null;
  /** This card's connect/reconnect redirect is under way. */
  connecting: boolean;
  /** Another card is redirecting: starting a second flow now would race the first. */
  busyElsewhere: boolean;
  /** Connect (no connection) or reconnect `connectionId`. */
  onConnect: (provider: ProviderName, connectionId?: string) => void;
}

function Detail({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-0.5 sm:flex-row sm:gap-3">
      <dt className="w-32 shrink-0 text-slate-500">{term}</dt>
      <dd className="min-w-0 text-slate-900">{children}</dd>
    </div>
  );
}

function ConnectionDetails({ connection }: { connection: ConnectionSummary }) {
  const push = describePush(connection.push);
  return (
    <dl className="space-y-2.5 text-sm">
      <Detail term="Calendars">{describeCalendarCount(connection)}</Detail>
      <Detail term="Connected by">
        <span data-testid={`connected-by-${connection.provider}`}>
          {connection.connectedBy
            ? connection.connectedBy.name
              ? `${connection.connectedBy.name} (${connection.connectedBy.email})`
              : connection.connectedBy.email
            : "A former member"}
        </span>
      </Detail>
      <Detail term="Last sync">
        {connection.syncing ? (
          <span className="inline-flex items-center gap-1.5 text-brand-700" data-testid={`syncing-${connection.provider}`}>
            <Spinner className="h-3.5 w-3.5" />
            {importProgress(connection)}
          </span>
        ) : connection.lastSyncedAt ? (
          <RelativeTime date={connection.lastSyncedAt} />
        ) : (
          <span className="text-slate-500">Not synced yet</span>
        )}
      </Detail>
      <Detail term="Change updates">
        <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <Badge tone={push.tone} dot data-testid={`push-status-${connection.provider}`} data-push-status={connection.push.status}>
            {push.label}
          </Badge>
          <span className="text-slate-600">{push.detail}</span>
        </span>
      </Detail>
      {connection.push.suspect ? (
        <p className="flex gap-2 rounded-md bg-amber-50 px-3 py-2 text-amber-900" data-testid={`push-suspect-${connection.provider}`}>
          <span aria-hidden="true">⚠</span>
          <span>
            <span className="font-medium">Push may be missing changes.</span> A scheduled poll found changes no notification announced; calsync keeps polling so
            nothing is lost.
          </span>
        </p>
      ) : null}
    </dl>
  );
}

export function ProviderCard({ summary, connection, connecting, busyElsewhere, onConnect }: ProviderCardProps) {
  const { provider, displayName, configured } = summary;
  const meta = providerMeta(provider);
  const state = cardState(summary, connection, connecting);
  const badge = STATE_BADGE[state];
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const cardRef = useRef<HTMLDivElement>(null);

  const disconnect = useMutation({
    mutationFn: (id: string) => fetchJson<DisconnectResponse>(`/api/connections/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: (result, id) => {
      setConfirming(false);
      // Show the card as disconnected at once; the refetch below confirms it.
      queryClient.setQueryData<ConnectionsResponse>(connectionsQueryKey, (old) =>
        old ? { ...old, providers: old.providers.map((p) => ({ ...p, connections: p.connections.filter((candidate) => candidate.id !== id) })) } : old,
      );
      // The Disconnect button that had focus is gone; keep keyboard users on this card.
      requestAnimationFrame(() => cardRef.current?.focus());
      toast.success(`${displayName} disconnected`, {
        description: `${connection?.accountEmail ?? "The account"} no longer syncs. Its events were removed from calsync; sync logs are kept.${
          result.grant === "revoked"
            ? ` calsync's access was revoked at ${displayName}.`
            : result.grant === "self_service"
              ? ` ${displayName} cannot revoke calsync's access for us: remove it yourself (see the dialog's links).`
              : ` Revoking calsync's access at ${displayName} failed; calsync forgot its tokens anyway.`
        }`,
      });
    },
    onError: (error) => {
      toast.error(`Could not disconnect ${displayName}`, { description: messageOf(error) });
    },
    onSettled: () => Promise.all(["connections", "calendars", "events"].map((key) => queryClient.invalidateQueries({ queryKey: [key] }))),
  });

  // Reconnecting goes through the same start URL: the provider grants again and the server updates the connection.
  const reconnectDisabled = !configured || busyElsewhere;
  const hasAccount = connection !== null && state !== "not_configured";
  const connectAction = (testIdAction: "connect" | "reconnect", variant: "primary" | "secondary", label: string) => (
    <Button
      variant={variant}
      data-testid={`${testIdAction}-${provider}`}
      loading={connecting}
      loadingText={`Redirecting to ${meta.shortName}…`}
      disabled={testIdAction === "connect" ? !configured || busyElsewhere : reconnectDisabled}
      onClick={() => onConnect(provider, testIdAction === "reconnect" ? connection?.id : undefined)}
    >
      {label}
    </Button>
  );

  let actions: ReactNode;
  switch (state) {
    case "not_configured":
      actions = (
        <Button variant="secondary" data-testid={`connect-${provider}`} disabled>
          Connect {meta.shortName}
        </Button>
      );
      break;
    case "not_connected":
      actions = connectAction("connect", "primary", `Connect ${meta.shortName}`);
      break;
    case "connecting":
      actions = connection ? connectAction("reconnect", "primary", "Reconnect") : connectAction("connect", "primary", `Connect ${meta.shortName}`);
      break;
    case "connected":
      actions = connectAction("reconnect", "secondary", "Reconnect");
      break;
    case "needs_reconnect":
      actions = connectAction("reconnect", "primary", "Reconnect");
      break;
    case "error":
      actions = connectAction("reconnect", "primary", "Reconnect");
      break;
  }

  const canDisconnect = connection !== null && state !== "connecting";

  return (
    <Card
      ref={cardRef}
      tabIndex={-1}
      data-testid={`provider-card-${provider}`}
      data-state={state}
      data-connection-id={connection?.id}
      aria-labelledby={`provider-${provider}-name`}
      role="region"
      className={cn(
        "flex flex-col gap-4 p-5 focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 sm:p-6",
        STATE_FRAME[state],
      )}
    >
      <div className="flex items-start gap-4">
        <span
          className={cn(
            "flex h-11 w-11 shrink-0 items-center justify-center rounded-lg border border-slate-200 bg-white",
            state === "not_configured" && "opacity-60",
          )}
        >
          <ProviderLogo provider={provider} className="h-6 w-6" />
        </span>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <h2 id={`provider-${provider}-name`} className="text-base font-semibold text-slate-900">
              {displayName}
            </h2>
            <Badge tone={badge.tone} dot={state === "connecting" || (state === "connected" && connection?.syncing) ? "pulse" : true}>
              {badge.label}
            </Badge>
          </div>
          {hasAccount ? (
            <p className="mt-0.5 truncate text-sm text-slate-600" data-testid={`account-email-${provider}`} title={connection.accountEmail}>
              {connection.accountEmail}
            </p>
          ) : (
            <p className="mt-1 text-sm leading-6 text-slate-600">{meta.syncs}</p>
          )}
        </div>
      </div>

      {/* Announces state changes (e.g. "connected, syncing" → "connected") without the ticking relative times. */}
      <p className="sr-only" aria-live="polite">
        {`${displayName}: ${badge.label}${connection?.syncing && state === "connected" ? ", syncing" : ""}.`}
      </p>

      {state === "needs_reconnect" ? (
        <div role="alert" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          <p>calsync lost access to this account. Reconnect to resume syncing.</p>
          {connection?.lastError ? (
            <p className="mt-1 text-xs break-words text-amber-800" data-testid={`last-error-${provider}`}>
              {connection.lastError}
            </p>
          ) : null}
        </div>
      ) : null}

      {state === "error" ? (
        <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm">
          <p className="font-semibold text-red-900">Syncing stopped because of an error</p>
          <p className="mt-0.5 break-words text-red-800" data-testid={`last-error-${provider}`}>
            {connection?.lastError ?? "The provider reported an error. Reconnecting usually fixes it."}
          </p>
        </div>
      ) : null}

      {state === "not_configured" ? (
        <p className="rounded-lg bg-slate-100 px-4 py-3 text-sm text-slate-700">
          Not available on this server: it has no OAuth credentials for {displayName}. An administrator can add them (see the README&apos;s configuration
          section).
        </p>
      ) : null}

      {!configured && connection ? (
        <p className="text-sm text-slate-600">Reconnecting is unavailable: this server no longer has OAuth credentials for {displayName}.</p>
      ) : null}

      {connection && (state === "connected" || state === "needs_reconnect" || state === "error") ? <ConnectionDetails connection={connection} /> : null}

      {state === "connecting" ? (
        <p className="flex items-center gap-2 text-sm text-brand-700" role="status">
          <Spinner />
          Redirecting to {meta.shortName}… You will come back here when you have granted access.
        </p>
      ) : null}

      {/* mt-auto lines the actions up along the bottom when cards in a row differ in height. */}
      <div className="mt-auto flex flex-wrap items-center gap-2 border-t border-slate-100 pt-4">
        {actions}
        {canDisconnect ? (
          <Button
            variant="ghost"
            className="text-red-700 hover:bg-red-50 hover:text-red-800"
            data-testid={`disconnect-${provider}`}
            disabled={busyElsewhere || disconnect.isPending}
            loading={disconnect.isPending}
            loadingText="Disconnecting…"
            onClick={() => {
              disconnect.reset();
              setConfirming(true);
            }}
          >
            Disconnect
          </Button>
        ) : null}
      </div>

      {connection ? (
        <ConfirmDialog
          open={confirming}
          title={`Disconnect ${displayName}?`}
          confirmLabel="Disconnect"
          pendingLabel="Disconnecting…"
          pending={disconnect.isPending}
          error={disconnect.isError ? messageOf(disconnect.error) : null}
          onConfirm={() => disconnect.mutate(connection.id)}
          onCancel={() => setConfirming(false)}
          confirmTestId="confirm-disconnect"
          cancelTestId="cancel-disconnect"
        >
          <p>
            calsync stops syncing <span className="font-medium text-slate-900">{connection.accountEmail}</span>, stops its push notifications and removes the
            events it mirrored from this account.
          </p>
          <p>Sync logs are kept. Nothing changes in {meta.productName} itself, and you can connect the account again at any time.</p>
          <GrantNote displayName={displayName} revocation={summary.revocation} />
        </ConfirmDialog>
      ) : null}
    </Card>
  );
}

/** What disconnecting does to the grant: revoked for us, or where the person removes it themselves. */
function GrantNote({ displayName, revocation }: { displayName: string; revocation: ProviderSummary["revocation"] }) {
  if (revocation === null) return null;
  if (revocation.kind === "endpoint") return <p>calsync also revokes its access at {displayName}.</p>;
  return (
    <p data-testid="revoke-yourself">
      {displayName} has no way for calsync to revoke its access for you. To remove it, sign in and remove calsync at{" "}
      {revocation.places.map((place, index) => (
        <span key={place.url}>
          {index > 0 ? " or " : null}
          <a className="font-medium text-slate-900 underline" href={place.url} target="_blank" rel="noreferrer">
            {new URL(place.url).host}
          </a>{" "}
          ({place.label})
        </span>
      ))}
      .
    </p>
  );
}
