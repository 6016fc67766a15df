import { idParams } from "@/lib/admin/query";
import { ReplayRequestSchema } from "@/lib/api/v1/schemas";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";
import { replayDeliveries } from "@/lib/outbound/deliver";

export const dynamic = "force-dynamic";

export const POST = apiRoute("admin.webhookEndpoints.replay", async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  const { deliveryId } = parseWith(ReplayRequestSchema, await readJson(request));
  return json(await replayDeliveries(viewer.organizationId, id, deliveryId));
});
