import { idParams } from "@/lib/admin/query";
import { refreshSubscription } from "@/lib/admin/subscriptions";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** Renews now: Graph extends the expiry, Google replaces the channel. */
export const POST = apiRoute("admin.subscriptions.refresh", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json(await refreshSubscription(viewer.organizationId, id, { recreate: false }));
});
