import { z } from "zod";
import { authorize } from "@/lib/auth/viewer";
import { disconnectConnection } from "@/lib/connections/disconnect";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };
const params = z.object({ id: z.uuid() });

/** Disconnect. Members may disconnect what their organization connected. */
export const DELETE = apiRoute("connections.disconnect", async (request: Request, context: Context) => {
  const viewer = await authorize(request);
  const { id } = parseWith(params, await context.params);
  const outcome = await disconnectConnection(id, viewer.organizationId);
  return json({ ok: true, ...outcome });
});
