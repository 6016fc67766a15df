import { idParams } from "@/lib/admin/query";
import { revokeApiKey } from "@/lib/api-keys/keys";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const DELETE = apiRoute("admin.apiKeys.revoke", async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  return json({ apiKey: await revokeApiKey(viewer.organizationId, id) });
});
