import { EndpointPatchSchema, IdParamsSchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { json, parseWith, readJson } from "@/lib/http/route";
import { deleteEndpoint, updateEndpoint } from "@/lib/outbound/endpoints";

export const dynamic = "force-dynamic";
type Context = { params: Promise<{ id: string }> };

export const PATCH = v1Route("v1.webhookEndpoints.update", "webhooks:manage", async (request, caller, context: Context) => {
  const { id } = parseWith(IdParamsSchema, await context.params);
  return json({ endpoint: await updateEndpoint(caller.organizationId, id, parseWith(EndpointPatchSchema, await readJson(request))) });
});

export const DELETE = v1Route("v1.webhookEndpoints.delete", "webhooks:manage", async (_request, caller, context: Context) => {
  const { id } = parseWith(IdParamsSchema, await context.params);
  await deleteEndpoint(caller.organizationId, id);
  return json({ deleted: true });
});
