import { idParams } from "@/lib/admin/query";
import { EndpointPatchSchema } from "@/lib/api/v1/schemas";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";
import { deleteEndpoint, updateEndpoint } from "@/lib/outbound/endpoints";

export const dynamic = "force-dynamic";
type Context = { params: Promise<{ id: string }> };

export const PATCH = apiRoute("admin.webhookEndpoints.update", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json({ endpoint: await updateEndpoint(viewer.organizationId, id, parseWith(EndpointPatchSchema, await readJson(request))) });
});

export const DELETE = apiRoute("admin.webhookEndpoints.delete", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  await deleteEndpoint(viewer.organizationId, id);
  return json({ deleted: true });
});
