import { z } from "zod";
import { eventDetail } from "@/lib/connections/event-detail";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith } from "@/lib/http/route";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };
const params = z.object({ id: z.uuid() });

/** One event of the caller's organization, for the dashboard's drawer (lib/api/event-detail.ts). */
export const GET = apiRoute("events.get", async (request: Request, context: Context) => {
  const viewer = await authorize(request);
  const { id } = parseWith(params, await context.params);
  return json(await eventDetail(viewer.organizationId, id));
});
