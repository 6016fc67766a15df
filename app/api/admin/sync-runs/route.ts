import { z } from "zod";
import { SYNC_RUN_STATUSES, pageQuery, searchParamsOf, statusSet } from "@/lib/admin/query";
import { listSyncRuns } from "@/lib/admin/sync-runs";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const query = z.object({ calendarId: z.uuid().optional(), status: statusSet(SYNC_RUN_STATUSES).optional(), ...pageQuery });

/** Sync runs of the organization, newest first, in cursor pages. */
export const GET = apiRoute("admin.syncRuns.list", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const filters = parseWith(query, searchParamsOf(request));
  return json(await listSyncRuns(viewer.organizationId, { ...filters, statuses: filters.status }));
});
