import { idParams } from "@/lib/admin/query";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";
import { sendTestEvent } from "@/lib/outbound/deliver";

export const dynamic = "force-dynamic";

export const POST = apiRoute("admin.webhookEndpoints.test", async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json({ delivery: await sendTestEvent(viewer.organizationId, id) });
});
