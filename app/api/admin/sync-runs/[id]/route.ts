import { idParams } from "@/lib/admin/query";
import { syncRunDetail } from "@/lib/admin/sync-runs";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

export const GET = apiRoute("admin.syncRuns.get", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json(await syncRunDetail(viewer.organizationId, id));
});
