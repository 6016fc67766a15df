import type { ConnectionsResponse } from "@/lib/api/types";
import { fetchJson } from "@/components/api-client";

/** Shared by the onboarding page and the dashboard, so a disconnect or toggle refreshes both. */
export const connectionsQueryKey = ["connections"] as const;

export const fetchConnections = ({ signal }: { signal?: AbortSignal }) => fetchJson<ConnectionsResponse>("/api/connections", { signal });
