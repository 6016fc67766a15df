import { idParams } from "@/lib/admin/query";
import { deleteSubscription } from "@/lib/admin/subscriptions";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** Stops the subscription at the provider and marks it stopped (kept, with its event log). */
export const DELETE = apiRoute("admin.subscriptions.delete", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json(await deleteSubscription(viewer.organizationId, id));
});
