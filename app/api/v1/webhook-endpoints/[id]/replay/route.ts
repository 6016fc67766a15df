import { IdParamsSchema, ReplayRequestSchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { json, parseWith, readJson } from "@/lib/http/route";
import { replayDeliveries } from "@/lib/outbound/deliver";

export const dynamic = "force-dynamic";
type Context = { params: Promise<{ id: string }> };

export const POST = v1Route("v1.webhookEndpoints.replay", "webhooks:manage", async (request, caller, context: Context) => {
  const { id } = parseWith(IdParamsSchema, await context.params);
  const { deliveryId } = parseWith(ReplayRequestSchema, await readJson(request));
  return json(await replayDeliveries(caller.organizationId, id, deliveryId));
});
