import { EndpointCreateSchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { json, parseWith, readJson } from "@/lib/http/route";
import { createEndpoint, listEndpoints } from "@/lib/outbound/endpoints";

export const dynamic = "force-dynamic";

export const GET = v1Route("v1.webhookEndpoints.list", "webhooks:manage", async (_request, caller) =>
  json({ endpoints: await listEndpoints(caller.organizationId) }),
);

export const POST = v1Route("v1.webhookEndpoints.create", "webhooks:manage", async (request, caller) => {
  const input = parseWith(EndpointCreateSchema, await readJson(request));
  return json(await createEndpoint(caller.organizationId, input), { status: 201 });
});
