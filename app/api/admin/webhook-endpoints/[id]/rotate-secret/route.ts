import { idParams } from "@/lib/admin/query";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";
import { rotateEndpointSecret } from "@/lib/outbound/endpoints";

export const dynamic = "force-dynamic";

export const POST = apiRoute("admin.webhookEndpoints.rotateSecret", async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json(await rotateEndpointSecret(viewer.organizationId, id));
});
