import type { ConnectionsResponse } from "@/lib/api/types";
import { authorize } from "@/lib/auth/viewer";
import { connectionSummaries } from "@/lib/connections/queries";
import { apiRoute, json } from "@/lib/http/route";
import { providerSettings } from "@/lib/providers/config";

export const dynamic = "force-dynamic";

export const GET = apiRoute("connections.list", async (request: Request) => {
  const viewer = await authorize(request);
  const body: ConnectionsResponse = { sandbox: providerSettings().sandbox, providers: await connectionSummaries(viewer.organizationId) };
  return json(body);
});
