import { idParams } from "@/lib/admin/query";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";
import { listDeliveries } from "@/lib/outbound/endpoints";

export const dynamic = "force-dynamic";

export const GET = apiRoute("admin.webhookEndpoints.deliveries", async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json({ deliveries: await listDeliveries(viewer.organizationId, id) });
});
