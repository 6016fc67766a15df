import { z } from "zod";
import type { AdminSubscriptionsResponse } from "@/lib/api/types";
import { searchParamsOf, statusSet } from "@/lib/admin/query";
import { listSubscriptions } from "@/lib/admin/subscriptions";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const query = z.object({ status: statusSet(["pending", "active", "expired", "stopped", "failed"]).optional() });

/** Push subscriptions of the organization, live ones first, each with its latest notifications. */
export const GET = apiRoute("admin.subscriptions.list", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const { status } = parseWith(query, searchParamsOf(request));
  const body: AdminSubscriptionsResponse = { subscriptions: await listSubscriptions(viewer.organizationId, { statuses: status }) };
  return json(body);
});
