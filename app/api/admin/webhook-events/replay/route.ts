import { z } from "zod";
import type { AdminReplayResponse } from "@/lib/api/types";
import { replaySelection } from "@/lib/admin/webhook-events";
import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json, parseWith, readJson } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const body = z
  .object({
    ids: z.array(z.uuid()).min(1).max(500).optional(),
    status: z.enum(["dead", "failed"]).optional(),
  })
  .strict()
  .refine((value) => value.ids !== undefined || value.status !== undefined, { message: "name the events (ids) or a status", path: ["ids"] });

/** Bulk replay: the named events, or every dead (or failed) event of the organization. */
export const POST = apiRoute("admin.webhookEvents.replayMany", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const selection = parseWith(body, await readJson(request));
  const answer: AdminReplayResponse = await replaySelection(viewer.organizationId, selection);
  return json(answer);
});
