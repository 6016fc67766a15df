import type { AdminReplayResponse } from "@/lib/api/types";
import { idParams } from "@/lib/admin/query";
import { replayWebhookEvent } from "@/lib/admin/webhook-events";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** Sets the event pending again and hands its calendar a sync. */
export const POST = apiRoute("admin.webhookEvents.replay", async (request: Request, context: Context) => {
  const viewer = await authorize(request, "admin");
  const { id } = parseWith(idParams, await context.params);
  const body: AdminReplayResponse = await replayWebhookEvent(viewer.organizationId, id);
  return json(body);
});
