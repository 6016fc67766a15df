import { EndpointCreateSchema } from "@/lib/api/v1/schemas";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";
import { createEndpoint, listEndpoints } from "@/lib/outbound/endpoints";

export const dynamic = "force-dynamic";

export const GET = apiRoute("admin.webhookEndpoints.list", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  return json({ endpoints: await listEndpoints(viewer.organizationId) });
});

export const POST = apiRoute("admin.webhookEndpoints.create", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  return json(await createEndpoint(viewer.organizationId, parseWith(EndpointCreateSchema, await readJson(request))), { status: 201 });
});
