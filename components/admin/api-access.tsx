"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { fetchJson, messageOf } from "@/components/api-client";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, Section } from "@/components/ui/card";
import { API_KEY_SCOPES, type ApiDelivery, type ApiEndpoint, type ApiKeySummary, type ApiKeyScope } from "@/lib/api/v1/schemas";

// The console's API page: API keys (created, shown once, revoked) and outbound
// webhook endpoints (added with their secret shown once, tested, replayed, their
// delivery log). Everything goes through /api/admin/api-keys and
// /api/admin/webhook-endpoints, which check the admin role again.

const KEYS = ["admin", "api-keys"] as const;
const ENDPOINTS = ["admin", "webhook-endpoints"] as const;

function Secret({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  return (
    <div role="status" className="mb-4 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="shown-once">
      <p className="font-medium text-amber-900">{label}: copy it now, it is not shown again.</p>
      <code className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900">{value}</code>
      <Button className="mt-2" size="sm" variant="secondary" onClick={onDone}>
        Done
      </Button>
    </div>
  );
}

function ApiKeys() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: KEYS, queryFn: () => fetchJson<{ apiKeys: ApiKeySummary[] }>("/api/admin/api-keys") });
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ApiKeyScope[]>(["events:read", "changes:read"]);
  const [shown, setShown] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => fetchJson<{ key: string }>("/api/admin/api-keys", { method: "POST", body: JSON.stringify({ name, scopes }) }),
    onSuccess: (answer) => {
      setShown(answer.key);
      setName("");
      void client.invalidateQueries({ queryKey: KEYS });
    },
    onError: (error) => toast.error("The key was not created", { description: messageOf(error) }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => fetchJson(`/api/admin/api-keys/${id}`, { method: "DELETE" }),
    onSuccess: () => void client.invalidateQueries({ queryKey: KEYS }),
    onError: (error) => toast.error("The key was not revoked", { description: messageOf(error) }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Section id="api-keys" title="API keys" description="For /api/v1: Authorization: Bearer csk_… Stored hashed; each key reads only this organization.">
      {shown ? <Secret label="New API key" value={shown} onDone={() => setShown(null)} /> : null}
      <Card className="p-4">
        <form onSubmit={submit} className="mb-4 flex flex-wrap items-end gap-3">
          <label className="text-sm">
            <span className="block text-slate-700">Name</span>
            <input
              value={name}
              onChange={(event) => setName(event.target.value)}
              required
              maxLength={100}
              className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
            />
          </label>
          <fieldset className="flex gap-3 text-sm">
            <legend className="sr-only">Scopes</legend>
            {API_KEY_SCOPES.map((scope) => (
              <label key={scope} className="flex items-center gap-1">
                <input
                  type="checkbox"
                  checked={scopes.includes(scope)}
                  onChange={(event) => setScopes(event.target.checked ? [...scopes, scope] : scopes.filter((other) => other !== scope))}
                />
                {scope}
              </label>
            ))}
          </fieldset>
          <Button type="submit" loading={create.isPending} disabled={scopes.length === 0}>
            Create key
          </Button>
        </form>
        {keys.isError ? <p className="text-sm text-red-700">{messageOf(keys.error)}</p> : null}
        <table className="w-full text-left text-sm">
          <thead className="text-slate-500">
            <tr>
              <th className="py-1">Name</th>
              <th>Key</th>
              <th>Scopes</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(keys.data?.apiKeys ?? []).map((key) => (
              <tr key={key.id} className="border-t border-slate-100">
                <td className="py-1.5">{key.name}</td>
                <td className="font-mono text-xs">{key.prefix}…</td>
                <td>{key.scopes.join(", ")}</td>
                <td>{key.lastUsedAt ? new Date(key.lastUsedAt).toLocaleString() : "never"}</td>
                <td className="text-right">
                  {key.revokedAt ? (
                    <Badge tone="neutral">revoked</Badge>
                  ) : (
                    <Button size="sm" variant="danger" loading={revoke.isPending && revoke.variables === key.id} onClick={() => revoke.mutate(key.id)}>
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </Section>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const deliveries = useQuery({
    queryKey: [...ENDPOINTS, endpointId, "deliveries"],
    queryFn: () => fetchJson<{ deliveries: ApiDelivery[] }>(`/api/admin/webhook-endpoints/${endpointId}/deliveries`),
  });
  if (deliveries.isError) return <p className="text-sm text-red-700">{messageOf(deliveries.error)}</p>;
  const rows = deliveries.data?.deliveries ?? [];
  if (rows.length === 0) return <p className="text-sm text-slate-500">No deliveries yet.</p>;
  return (
    <table className="mt-2 w-full text-left text-xs">
      <thead className="text-slate-500">
        <tr>
          <th>Event</th>
          <th>Cursor</th>
          <th>Status</th>
          <th>Attempts</th>
          <th>Response</th>
          <th>Latency</th>
          <th>Last attempt</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((delivery) => (
          <tr key={delivery.id} className="border-t border-slate-100">
            <td className="py-1">{delivery.eventType}</td>
            <td>{delivery.cursor ?? "-"}</td>
            <td>
              <Badge tone={delivery.status === "succeeded" ? "success" : delivery.status === "failed" ? "danger" : "neutral"}>{delivery.status}</Badge>
            </td>
            <td>{delivery.attempts}</td>
            <td title={delivery.error ?? undefined}>{delivery.responseStatus ?? delivery.error ?? "-"}</td>
            <td>{delivery.latencyMs === null ? "-" : `${delivery.latencyMs} ms`}</td>
            <td>{delivery.lastAttemptAt ? new Date(delivery.lastAttemptAt).toLocaleString() : "-"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EndpointRow({ endpoint }: { endpoint: ApiEndpoint }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [rotated, setRotated] = useState<string | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: ENDPOINTS });
  const rotate = useMutation({
    mutationFn: () => fetchJson<{ secret: string }>(`/api/admin/webhook-endpoints/${endpoint.id}/rotate-secret`, { method: "POST" }),
    onSuccess: ({ secret }) => setRotated(secret),
    onError: (error) => toast.error("The secret was not rotated", { description: messageOf(error) }),
  });
  const test = useMutation({
    mutationFn: () => fetchJson<{ delivery: ApiDelivery }>(`/api/admin/webhook-endpoints/${endpoint.id}/test`, { method: "POST" }),
    onSuccess: ({ delivery }) => {
      if (delivery.status === "succeeded") toast.success(`Test event delivered (${delivery.responseStatus}, ${delivery.latencyMs} ms)`);
      else toast.error("The test event was not accepted", { description: delivery.error ?? undefined });
      refresh();
    },
    onError: (error) => toast.error("The test event was not sent", { description: messageOf(error) }),
  });
  const replay = useMutation({
    mutationFn: () => fetchJson<{ replayed: number }>(`/api/admin/webhook-endpoints/${endpoint.id}/replay`, { method: "POST", body: "{}" }),
    onSuccess: ({ replayed }) => {
      toast.success(`Replaying ${replayed} failed deliveries in order`);
      refresh();
    },
    onError: (error) => toast.error("Nothing was replayed", { description: messageOf(error) }),
  });
  const remove = useMutation({
    mutationFn: () => fetchJson(`/api/admin/webhook-endpoints/${endpoint.id}`, { method: "DELETE" }),
    onSuccess: refresh,
    onError: (error) => toast.error("The endpoint was not deleted", { description: messageOf(error) }),
  });
  return (
    <li className="border-t border-slate-100 py-3" data-testid="webhook-endpoint">
      {rotated ? <Secret label="New signing secret (the previous one signs beside it for 24 h)" value={rotated} onDone={() => setRotated(null)} /> : null}
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <p className="truncate font-mono text-sm">{endpoint.url}</p>
          <p className="text-xs text-slate-500">
            {endpoint.description || "No description"} · {endpoint.eventTypes.length === 0 ? "all changes" : endpoint.eventTypes.join(", ")} · delivered through{" "}
            {endpoint.deliveredThrough}
          </p>
          {!endpoint.enabled ? (
            <p className="mt-1 text-xs text-red-700" role="alert">
              Disabled{endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ""}. Replay re-enables it and sends what failed, in order.
            </p>
          ) : endpoint.consecutiveFailures > 0 ? (
            <p className="mt-1 text-xs text-amber-700">Failing: {endpoint.consecutiveFailures} attempts in a row; retrying with backoff.</p>
          ) : null}
        </div>
        <div className="flex gap-2">
          <Badge tone={endpoint.enabled ? "success" : "danger"}>{endpoint.enabled ? "enabled" : "disabled"}</Badge>
          <Button size="sm" variant="secondary" loading={test.isPending} onClick={() => test.mutate()}>
            Send test event
          </Button>
          <Button size="sm" variant="secondary" loading={replay.isPending} onClick={() => replay.mutate()}>
            Replay failed
          </Button>
          <Button size="sm" variant="secondary" loading={rotate.isPending} onClick={() => rotate.mutate()}>
            Rotate secret
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setOpen(!open)} aria-expanded={open}>
            Deliveries
          </Button>
          <Button size="sm" variant="danger" loading={remove.isPending} onClick={() => remove.mutate()}>
            Delete
          </Button>
        </div>
      </div>
      {open ? <Deliveries endpointId={endpoint.id} /> : null}
    </li>
  );
}

function Endpoints() {
  const client = useQueryClient();
  const endpoints = useQuery({ queryKey: ENDPOINTS, queryFn: () => fetchJson<{ endpoints: ApiEndpoint[] }>("/api/admin/webhook-endpoints") });
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [shown, setShown] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => fetchJson<{ secret: string }>("/api/admin/webhook-endpoints", { method: "POST", body: JSON.stringify({ url, description }) }),
    onSuccess: (answer) => {
      setShown(answer.secret);
      setUrl("");
      setDescription("");
      void client.invalidateQueries({ queryKey: ENDPOINTS });
    },
    onError: (error) => toast.error("The endpoint was not added", { description: messageOf(error) }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Section
      id="webhook-endpoints"
      title="Webhook endpoints"
      description="Every change, pushed as it happens, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)."
    >
      {shown ? <Secret label="Signing secret" value={shown} onDone={() => setShown(null)} /> : null}
      <Card className="p-4">
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
          <label className="text-sm">
            <span className="block text-slate-700">URL</span>
            <input
              type="url"
              value={url}
              onChange={(event) => setUrl(event.target.value)}
              required
              placeholder="https://example.com/calsync"
              className="mt-1 w-80 rounded-md border border-slate-300 px-2 py-1.5"
            />
          </label>
          <label className="text-sm">
            <span className="block text-slate-700">Description</span>
            <input
              value={description}
              onChange={(event) => setDescription(event.target.value)}
              maxLength={500}
              className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
            />
          </label>
          <Button type="submit" loading={create.isPending}>
            Add endpoint
          </Button>
        </form>
        {endpoints.isError ? <p className="mt-2 text-sm text-red-700">{messageOf(endpoints.error)}</p> : null}
        <ul className="mt-3">
          {(endpoints.data?.endpoints ?? []).map((endpoint) => (
            <EndpointRow key={endpoint.id} endpoint={endpoint} />
          ))}
        </ul>
      </Card>
    </Section>
  );
}

export function ApiAccess() {
  return (
    <div className="space-y-8">
      <p className="text-sm text-slate-600">
        The machine API and its change log are described in the{" "}
        <a className="text-brand-700 underline" href="/docs/api">
          API reference
        </a>{" "}
        (OpenAPI at /api/v1/openapi.json).
      </p>
      <ApiKeys />
      <Endpoints />
    </div>
  );
}
