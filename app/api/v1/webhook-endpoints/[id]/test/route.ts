import { IdParamsSchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { json, parseWith } from "@/lib/http/route";
import { sendTestEvent } from "@/lib/outbound/deliver";

export const dynamic = "force-dynamic";
type Context = { params: Promise<{ id: string }> };

export const POST = v1Route("v1.webhookEndpoints.test", "webhooks:manage", async (_request, caller, context: Context) => {
  const { id } = parseWith(IdParamsSchema, await context.params);
  return json({ delivery: await sendTestEvent(caller.organizationId, id) });
});
