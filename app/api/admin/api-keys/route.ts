import { ApiKeyCreateSchema } from "@/lib/api/v1/schemas";
import { createApiKey, listApiKeys } from "@/lib/api-keys/keys";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = apiRoute("admin.apiKeys.list", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  return json({ apiKeys: await listApiKeys(viewer.organizationId) });
});

/** The key is in this answer only; it is stored hashed. */
export const POST = apiRoute("admin.apiKeys.create", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const input = parseWith(ApiKeyCreateSchema, await readJson(request));
  return json(await createApiKey(viewer.organizationId, { ...input, createdById: viewer.userId }), { status: 201 });
});
