import { idParams } from "@/lib/admin/query";
import { webhookEventDetail } from "@/lib/admin/webhook-events";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** One event in full: redacted headers and body as stored, attempts, error, next attempt, latency. */
export const GET = apiRoute("admin.webhookEvents.get", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json(await webhookEventDetail(viewer.organizationId, id));
});
